"""Resolution tracking (Beschlussverfolgung): each carried resolution of a deciding committee
gets a responsible department, a target date and a traffic light with a short status note.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from digiflow.committees.models import (
    AgendaItem,
    Meeting,
    ResolutionStatus,
    ResolutionTask,
)
from digiflow.core.db import db
from digiflow.core.errors import StaleObject, ValidationFailed
from digiflow.core.permissions import require
from digiflow.core.signals import resolution_changed
from digiflow.core.time import local_date, now_or
from digiflow.org.models import Department
from digiflow.users.models import User

MAX_NOTE = 1000


def update_resolution(
    task: ResolutionTask,
    *,
    actor: User,
    status: ResolutionStatus | str,
    note: str = "",
    target_date: date | None = None,
    department: Department | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> ResolutionTask:
    """Set the traffic light and the note; the office and the secretaries can also hand the
    resolution to another department or move its target date."""
    now = now_or(now)
    db.session.refresh(task, with_for_update=True)
    if expected_version is not None and task.version != expected_version:
        raise StaleObject(
            "Der Stand wurde inzwischen von jemand anderem geändert. Bitte laden Sie die Seite "
            "neu.",
            "Somebody else changed the status in the meantime. Please reload the page.",
        )
    require(actor, "resolution.edit", task)
    try:
        status = ResolutionStatus(status)
    except ValueError as exc:
        raise ValidationFailed("Unbekannter Stand.", "Unknown status.") from exc
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(
            f"Der Vermerk darf höchstens {MAX_NOTE} Zeichen lang sein.",
            f"The note may be at most {MAX_NOTE} characters long.",
        )
    if status == ResolutionStatus.impossible and not note:
        raise ValidationFailed(
            "Bitte begründen Sie, warum der Beschluss nicht umsetzbar ist.",
            "Please explain why the resolution cannot be implemented.",
        )
    session_day = local_date(task.agenda_item.meeting.starts_at)
    if target_date is not None and target_date < session_day:
        raise ValidationFailed(
            "Der Zieltermin liegt vor der Sitzung.", "The target date is before the session."
        )
    if department is not None and department.body_id != task.agenda_item.meeting.committee.body_id:
        raise ValidationFailed("Unbekannter Fachbereich.", "Unknown department.")
    task.status = status
    task.status_note = note
    if target_date is not None:
        task.target_date = target_date
    if department is not None:
        task.department_id = department.id
    task.closed_at = None if status == ResolutionStatus.in_progress else now
    task.updated_at = now
    task.updated_by_id = actor.id
    db.session.flush()
    resolution_changed.send(task, actor=actor)
    return task


def open_resolutions(department_id: int | None = None) -> list[ResolutionTask]:
    """Resolutions still in progress, by target date (the page filters by visibility)."""
    query = (
        sa.select(ResolutionTask)
        .join(AgendaItem, AgendaItem.id == ResolutionTask.agenda_item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            ResolutionTask.status == ResolutionStatus.in_progress,
            AgendaItem.deleted_at.is_(None),
        )
        .order_by(
            ResolutionTask.target_date.is_(None), ResolutionTask.target_date, ResolutionTask.id
        )
    )
    if department_id is not None:
        query = query.where(ResolutionTask.department_id == department_id)
    return list(db.session.scalars(query))
