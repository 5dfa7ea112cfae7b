"""Reminders follow sessions and resolutions (signal receivers, in the transaction of the
change)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from digiflow.committees.models import AgendaItem, Meeting, ResolutionTask
from digiflow.committees.reminders import reschedule_for_meeting, reschedule_for_resolution
from digiflow.core.db import db
from digiflow.core.signals import (
    agenda_result_recorded,
    meeting_cancelled,
    meeting_changed,
    meeting_invited,
    meeting_planned,
    meeting_rescheduled,
    resolution_changed,
)


@meeting_planned.connect
@meeting_rescheduled.connect
@meeting_cancelled.connect
@meeting_invited.connect
@meeting_changed.connect
def follow_meeting(meeting: Meeting, **_kwargs: Any) -> None:
    """Create, move or cancel the session's reminders as its date and state say."""
    reschedule_for_meeting(meeting, now=meeting.updated_at)


@agenda_result_recorded.connect
def follow_result(item: AgendaItem, **_kwargs: Any) -> None:
    """A carried resolution that is tracked gets its target-date reminder."""
    task = db.session.scalar(
        sa.select(ResolutionTask).where(ResolutionTask.agenda_item_id == item.id)
    )
    if task is not None:
        reschedule_for_resolution(task, now=item.result_recorded_at)


@resolution_changed.connect
def follow_resolution(task: ResolutionTask, **_kwargs: Any) -> None:
    reschedule_for_resolution(task, now=task.updated_at)
