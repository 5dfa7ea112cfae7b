"""Minutes (Niederschrift): drafted from the recorded results, edited by the secretary,
finalized (then an extract per agenda item goes to its lead department), and approved by the
committee in a later session (an agenda item "Genehmigung der Niederschrift").
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale

from digiflow.committees.agenda import numbering
from digiflow.committees.meetings import lock_meeting, meeting_day, require_secretary
from digiflow.committees.members import members_on
from digiflow.committees.models import AttendanceStatus, Meeting, MeetingState
from digiflow.core.db import db
from digiflow.core.errors import IllegalTransition, ValidationFailed
from digiflow.core.signals import meeting_changed
from digiflow.core.time import now_or
from digiflow.users.models import User

#: The longest minutes text a form accepts (about 300 pages).
MAX_MINUTES_CHARS = 1_000_000


def minutes_context(meeting: Meeting, *, public_only: bool = False) -> dict:
    """What the minutes (text, PDF, extracts) are written from."""
    memberships = members_on(meeting.committee, meeting_day(meeting))
    attendance = {a.user_id: a for a in meeting.attendance}
    present = [m for m in memberships if _status(attendance, m.user_id) == AttendanceStatus.present]
    excused = [m for m in memberships if _status(attendance, m.user_id) == AttendanceStatus.excused]
    absent = [m for m in memberships if _status(attendance, m.user_id) == AttendanceStatus.absent]
    items = [n for n in numbering(meeting) if n.item.is_public or not public_only]
    return {
        "meeting": meeting,
        "committee": meeting.committee,
        "day": meeting_day(meeting),
        "present": present,
        "excused": excused,
        "absent": absent,
        "attendance": attendance,
        "items": items,
        "public_only": public_only,
    }


def _status(attendance: dict, user_id: int) -> AttendanceStatus:
    row = attendance.get(user_id)
    return row.status if row is not None else AttendanceStatus.absent


def draft_minutes(meeting: Meeting) -> str:
    """The minutes as text, written from attendance and the recorded results (German: the
    minutes are an official document of the body)."""
    with force_locale("de"):
        return render_template("committees/minutes.txt", **minutes_context(meeting)).strip() + "\n"


def update_minutes(
    meeting: Meeting,
    *,
    actor: User,
    text: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Meeting:
    """Edit the minutes of a closed session until they are finalized."""
    now = now_or(now)
    lock_meeting(meeting, expected_version)
    require_secretary(actor, meeting.committee, now)
    if meeting.closed_at is None:
        raise IllegalTransition(
            "Die Niederschrift entsteht, wenn die Sitzung geschlossen ist.",
            "The minutes are written once the session has been closed.",
        )
    if meeting.minutes_finalized_at is not None:
        raise IllegalTransition(
            "Die Niederschrift ist abgeschlossen und kann nicht mehr geändert werden.",
            "The minutes have been finalized and can no longer be changed.",
        )
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(
            "Die Niederschrift darf nicht leer sein.", "The minutes cannot be empty."
        )
    if len(text) > MAX_MINUTES_CHARS:
        raise ValidationFailed("Die Niederschrift ist zu lang.", "The minutes are too long.")
    meeting.minutes_text = text + "\n"
    meeting.updated_at = now
    db.session.flush()
    return meeting


def finalize_minutes(
    meeting: Meeting,
    *,
    actor: User,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Meeting:
    """Finalize (sign) the minutes: no more edits; each item's extract goes to its lead
    department. The committee approves them in a later session."""
    from digiflow.committees.notifications import send_extracts

    now = now_or(now)
    lock_meeting(meeting, expected_version)
    require_secretary(actor, meeting.committee, now)
    if meeting.closed_at is None or meeting.state != MeetingState.held:
        raise IllegalTransition(
            "Nur die Niederschrift einer geschlossenen Sitzung kann abgeschlossen werden.",
            "Only the minutes of a closed session can be finalized.",
        )
    if meeting.minutes_finalized_at is not None:
        raise IllegalTransition(
            "Die Niederschrift ist bereits abgeschlossen.", "The minutes are already finalized."
        )
    if not (meeting.minutes_text or "").strip():
        raise ValidationFailed("Die Niederschrift ist leer.", "The minutes are empty.")
    meeting.minutes_finalized_at = now
    meeting.updated_at = now
    db.session.flush()
    send_extracts(meeting, now)
    meeting_changed.send(meeting, actor=actor)
    return meeting


def sessions_with_minutes_pending(committee_id: int) -> list[Meeting]:
    """Closed sessions whose minutes are not yet finalized (for the secretary's task list)."""
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .where(
                Meeting.committee_id == committee_id,
                Meeting.closed_at.is_not(None),
                Meeting.minutes_finalized_at.is_(None),
            )
            .order_by(Meeting.starts_at)
        )
    )
