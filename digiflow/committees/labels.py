"""German and English names of the session service's enumerations, for pages and mails.

``label(value)`` returns the name of an enumeration member in the current language (German
first); templates call it as ``label(item.result)``.
"""

from __future__ import annotations

from enum import Enum

from digiflow.committees.models import (
    CONSULTATION_ROLE_LABELS,
    MEETING_STATE_LABELS,
    MEMBER_ROLE_LABELS,
    PAPER_TYPE_LABELS,
    RESOLUTION_STATUS_LABELS,
    AttendanceStatus,
)
from digiflow.core.formatting import language
from digiflow.core.workflow.definition import CommitteeResult
from digiflow.org.models import COMMITTEE_TYPE_LABELS

RESULT_LABELS = {
    CommitteeResult.recommended: (
        "empfohlen / beschlossen wie vorgelegt",
        "recommended / resolved as proposed",
    ),
    CommitteeResult.amended: (
        "mit Änderungen empfohlen / beschlossen",
        "recommended / resolved with amendments",
    ),
    CommitteeResult.rejected: ("abgelehnt", "rejected"),
    CommitteeResult.deferred: ("vertagt", "deferred"),
    CommitteeResult.noted: ("zur Kenntnis genommen", "taken note of"),
}

ATTENDANCE_LABELS = {
    AttendanceStatus.present: ("anwesend", "present"),
    AttendanceStatus.excused: ("entschuldigt", "excused"),
    AttendanceStatus.absent: ("abwesend", "absent"),
}

_TABLES: list[dict] = [
    RESULT_LABELS,
    ATTENDANCE_LABELS,
    COMMITTEE_TYPE_LABELS,
    CONSULTATION_ROLE_LABELS,
    MEETING_STATE_LABELS,
    MEMBER_ROLE_LABELS,
    PAPER_TYPE_LABELS,
    RESOLUTION_STATUS_LABELS,
]


def label(value: Enum | None, lang: str | None = None) -> str:
    """The name of ``value`` in ``lang`` (default: the current language); '–' for None."""
    if value is None:
        return "–"
    lang = lang or language()
    for table in _TABLES:
        if value in table and type(next(iter(table))) is type(value):
            de, en = table[value]
            return en if lang == "en" else de
    return str(getattr(value, "value", value))


def choices(enum_cls: type[Enum], lang: str | None = None) -> list[tuple[str, str]]:
    """(value, name) pairs for a select field."""
    return [(member.value, label(member, lang)) for member in enum_cls]
