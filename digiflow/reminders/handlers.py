"""Reminders follow the measure (signal receivers, in the transaction of the change)."""

from __future__ import annotations

from typing import Any

from digiflow.core.signals import (
    approval_decided,
    approval_opened,
    measure_created,
    measure_state_changed,
)
from digiflow.measures.models import ApprovalDecision, ApprovalTask, Measure, TaskStatus
from digiflow.reminders.operations import cancel_for_task, reschedule_for_measure


@measure_created.connect
def plan_initial_state(measure: Measure, **_kwargs: Any) -> None:
    """A workflow whose initial state has a deadline gets its reminders from the start."""
    if measure.state_deadline is not None:
        reschedule_for_measure(measure, now=measure.state_entered_at)


@measure_state_changed.connect
def follow_state(measure: Measure, **_kwargs: Any) -> None:
    """Leaving a state cancels its reminders; the new state's deadline gets new ones; a
    withdrawn (or otherwise closed) measure has all its reminders cancelled."""
    reschedule_for_measure(measure, now=measure.state_entered_at)


@approval_opened.connect
def plan_step(task: ApprovalTask, **_kwargs: Any) -> None:
    """A step with a deadline: remind its approvers on the due date, escalate the day after."""
    reschedule_for_measure(task.measure, now=task.opened_at)


@approval_decided.connect
def close_step(task: ApprovalTask, *, decision: ApprovalDecision, **_kwargs: Any) -> None:
    """A step that is closed (approved, rejected, returned) is no longer reminded of."""
    if task.status != TaskStatus.pending:
        cancel_for_task(task, now=task.closed_at or decision.decided_at)
