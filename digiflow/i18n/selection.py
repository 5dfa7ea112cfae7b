"""Which language a request is answered in."""

from __future__ import annotations

from flask_login import current_user


def select_locale() -> str:
    """The signed-in user's language; German for everybody else (German first)."""
    if current_user and current_user.is_authenticated:
        return current_user.language
    return "de"
