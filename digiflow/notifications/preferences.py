"""Users choose per kind of mail: immediately, or once a day in a digest."""

from __future__ import annotations

import sqlalchemy as sa

from digiflow.core.db import db
from digiflow.core.errors import ValidationFailed
from digiflow.notifications.models import MAIL_KINDS, MailMode, MailPreference
from digiflow.users.models import User


def mail_preferences(user: User) -> dict[str, MailMode]:
    """Every kind with the user's choice (immediately when nothing was chosen)."""
    chosen = dict(
        db.session.execute(
            sa.select(MailPreference.kind, MailPreference.mode).where(
                MailPreference.user_id == user.id
            )
        ).all()
    )
    return {kind: chosen.get(kind, MailMode.immediate) for kind in MAIL_KINDS}


def set_mail_preferences(user: User, choices: dict[str, str]) -> None:
    """Store the user's choices; refuse unknown kinds or modes. Flush only."""
    for kind, mode in choices.items():
        if kind not in MAIL_KINDS:
            raise ValidationFailed(f"Unbekannte Art {kind!r}.", f"Unknown kind {kind!r}.")
        try:
            mode = MailMode(mode)
        except ValueError:
            raise ValidationFailed(
                "Bitte „sofort“ oder „täglich“ wählen.", "Choose immediately or daily."
            ) from None
        row = db.session.get(MailPreference, (user.id, kind))
        if row is None:
            db.session.add(MailPreference(user_id=user.id, kind=kind, mode=mode))
        else:
            row.mode = mode
    db.session.flush()
