"""Authorization in one place: ``can(user, permission, obj)``.

Each module registers the rules for its permissions with :func:`rule`; views, the API, the CLI
and operations all ask :func:`can` or :func:`require`. Unknown permissions are refused.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from digiflow.core.errors import PermissionDenied

Rule = Callable[[Any, Any], bool]
F = TypeVar("F", bound=Callable[..., Any])

_RULES: dict[str, Rule] = {}


def rule(permission: str) -> Callable[[Rule], Rule]:
    """Register ``func(user, obj) -> bool`` as the rule for ``permission``."""

    def decorator(func: Rule) -> Rule:
        if permission in _RULES:
            raise ValueError(f"permission {permission!r} has two rules")
        _RULES[permission] = func
        return func

    return decorator


def can(user: Any, permission: str, obj: Any = None) -> bool:
    """Tell whether ``user`` has ``permission`` (on ``obj``); anonymous users have none."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    check = _RULES.get(permission)
    if check is None:
        raise KeyError(f"unknown permission {permission!r}")
    return bool(check(user, obj))


def require(user: Any, permission: str, obj: Any = None) -> None:
    """Raise PermissionDenied unless ``user`` has ``permission`` (on ``obj``)."""
    if not can(user, permission, obj):
        raise PermissionDenied(
            "Dafür fehlt Ihnen die Berechtigung.",
            "You do not have permission to do this.",
            permission=permission,
        )


def permission_required(permission: str) -> Callable[[F], F]:
    """Refuse a view (403) unless the current user has ``permission`` (no object)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                from flask import current_app

                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            if not can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
