"""Named guard checks that workflow definitions can refer to.

A check is a plain function ``check(measure) -> str | None`` registered under a name; it returns
``None`` when the measure passes and otherwise the reason, in German and English, why it does not.
Definitions name checks under ``guards.checks``; the loader refuses unknown names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from digiflow.measures.models import Measure


@dataclass(frozen=True)
class CheckFailure:
    """Why a measure fails a named check, in both languages."""

    de: str
    en: str


CheckFunc = Callable[["Measure"], CheckFailure | None]

_CHECKS: dict[str, tuple[CheckFunc, str]] = {}


def workflow_check(name: str, description: str) -> Callable[[CheckFunc], CheckFunc]:
    """Register ``func`` as the named check ``name`` (description is shown to administrators)."""

    def decorator(func: CheckFunc) -> CheckFunc:
        if name in _CHECKS and _CHECKS[name][0] is not func:
            raise ValueError(f"workflow check {name!r} is registered twice")
        _CHECKS[name] = (func, description)
        return func

    return decorator


def registered_checks() -> dict[str, str]:
    """Return the names of all registered checks with their descriptions."""
    _load_builtin_checks()
    return {name: description for name, (_, description) in sorted(_CHECKS.items())}


def get_check(name: str) -> CheckFunc:
    """Return the check registered as ``name``; raise KeyError if there is none."""
    _load_builtin_checks()
    return _CHECKS[name][0]


@cache
def _load_builtin_checks() -> None:
    import digiflow.measures.checks  # noqa: F401 - registers the built-in checks
