"""Domain errors: every refused action says why, in German and English, and changes nothing."""

from __future__ import annotations


class DomainError(Exception):
    """An action was refused; ``message_de``/``message_en`` say why."""

    http_status = 409
    code = "conflict"

    def __init__(self, message_de: str, message_en: str | None = None, **details: object) -> None:
        super().__init__(message_en or message_de)
        self.message_de = message_de
        self.message_en = message_en or message_de
        self.details = details

    def message(self, language: str = "de") -> str:
        return self.message_en if language == "en" else self.message_de


class PermissionDenied(DomainError):
    """The user may not do this to this object."""

    http_status = 403
    code = "forbidden"


class IllegalTransition(DomainError):
    """The workflow does not allow this action in the measure's current state."""

    http_status = 409
    code = "illegal_transition"


class GuardFailed(DomainError):
    """A guard of the transition failed (a required field, a named check)."""

    http_status = 422
    code = "guard_failed"

    def __init__(self, failures: list[tuple[str, str]]) -> None:
        self.failures = failures
        super().__init__(
            "Voraussetzungen nicht erfüllt: " + " ".join(de for de, _ in failures),
            "Conditions not met: " + " ".join(en for _, en in failures),
        )


class ValidationFailed(DomainError):
    """Input is incomplete or invalid (e.g. a rejection without a reason)."""

    http_status = 422
    code = "invalid"


class StaleObject(DomainError):
    """Somebody else changed the object in the meantime (optimistic locking)."""

    http_status = 409
    code = "stale"
