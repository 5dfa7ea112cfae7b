"""Creating, moving and cancelling a measure's reminders (flush only, never commit).

The reminders of a measure follow from its data: its current state's deadline with the state's
lead times (``reminder_days``), and the due dates of its open approval steps. One function,
``reschedule_for_measure``, makes the rows match that plan: it creates what is missing, moves
what is unsent to the new due dates and cancels what no longer applies. The signal receivers
call it in the transaction of the change; so does any code that moves a deadline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from digiflow.core.calendar import add_business_days, is_business_day, subtract_business_days
from digiflow.core.db import db
from digiflow.core.time import LOCAL_TZ, local_date, now_or
from digiflow.measures.models import ApprovalTask, Measure, TaskStatus
from digiflow.reminders.models import MEASURE_KINDS, Reminder, ReminderKind


@dataclass(frozen=True)
class Planned:
    """A reminder as the measure's data asks for it."""

    key: str
    kind: ReminderKind
    deadline_on: date
    due_at: datetime
    task_id: int | None = None


def federal_state(measure: Measure) -> str:
    """The federal state whose public holidays count for ``measure`` (Niedersachsen default)."""
    return measure.body.federal_state if measure.body is not None else "NI"


def due_moment(day: date) -> datetime:
    """The moment a reminder for ``day`` is sent: REMINDER_SEND_HOUR in Germany, as UTC."""
    hour = current_app.config["REMINDER_SEND_HOUR"]
    return datetime.combine(day, time(hour), tzinfo=LOCAL_TZ).astimezone(UTC)


def on_or_before_business_day(day: date, federal_state: str) -> date:
    """``day`` if it is a business day, else the business day before it."""
    while not is_business_day(day, federal_state):
        day -= timedelta(days=1)
    return day


def state_key_prefix(measure: Measure) -> str:
    """The key prefix of the reminders of the measure's current stay in its state."""
    entered = measure.state_entered_at.astimezone(UTC).isoformat()
    return f"state:{measure.id}:{measure.state}:{entered}"


def planned_for_state(measure: Measure) -> list[Planned]:
    """The deadline reminders of the measure's current state.

    One per lead time (the deadline minus that many business days), and an overdue one on the
    business day after the deadline. A lead time that would fall before the day the measure
    entered the state is left out (the state-change mail already named the deadline).
    """
    deadline = measure.state_deadline
    definition = measure.definition
    if deadline is None or definition.is_terminal(measure.state):
        return []
    region = federal_state(measure)
    entered = local_date(measure.state_entered_at)
    prefix = state_key_prefix(measure)
    planned: list[Planned] = []
    for lead in sorted(set(definition.states[measure.state].reminder_days), reverse=True):
        day = on_or_before_business_day(subtract_business_days(deadline, lead, region), region)
        if day < entered:
            continue
        planned.append(
            Planned(
                key=f"{prefix}:{lead}",
                kind=ReminderKind.state_deadline_approaching,
                deadline_on=deadline,
                due_at=due_moment(day),
            )
        )
    planned.append(
        Planned(
            key=f"{prefix}:overdue",
            kind=ReminderKind.state_deadline_overdue,
            deadline_on=deadline,
            due_at=due_moment(add_business_days(deadline, 1, region)),
        )
    )
    return planned


def planned_for_tasks(measure: Measure, tasks: Iterable[ApprovalTask]) -> list[Planned]:
    """For each open approval step with a due date: a reminder to its approvers on that day,
    and an escalation on the business day after."""
    region = federal_state(measure)
    planned: list[Planned] = []
    for task in tasks:
        if task.status != TaskStatus.pending or task.due_on is None:
            continue
        planned.append(
            Planned(
                key=f"approval:{task.id}:pending",
                kind=ReminderKind.approval_pending,
                deadline_on=task.due_on,
                due_at=due_moment(on_or_before_business_day(task.due_on, region)),
                task_id=task.id,
            )
        )
        planned.append(
            Planned(
                key=f"approval:{task.id}:escalation",
                kind=ReminderKind.approval_escalation,
                deadline_on=task.due_on,
                due_at=due_moment(add_business_days(task.due_on, 1, region)),
                task_id=task.id,
            )
        )
    return planned


def _unsent() -> sa.ColumnElement[bool]:
    return sa.and_(Reminder.sent_at.is_(None), Reminder.cancelled_at.is_(None))


def _cancel(condition: sa.ColumnElement[bool], now: datetime) -> int:
    """Cancel the unsent reminders matching ``condition`` with one conditional UPDATE.

    A reminder the scanner claimed in the meantime stays sent (``sent_at IS NULL`` is checked
    again by the database when the row lock is released).
    """
    result = db.session.execute(
        sa.update(Reminder).where(condition, _unsent()).values(cancelled_at=now)
    )
    return result.rowcount


def cancel_for_measure(measure: Measure, now: datetime | None = None) -> int:
    """Cancel every unsent reminder of ``measure``, of any kind (withdrawn, closed)."""
    return _cancel(Reminder.measure_id == measure.id, now_or(now))


def cancel_for_task(task: ApprovalTask, now: datetime | None = None) -> int:
    """Cancel the unsent reminders of an approval step (decided or closed)."""
    return _cancel(Reminder.task_id == task.id, now_or(now))


def reschedule_for_measure(measure: Measure, now: datetime | None = None) -> None:
    """Make the measure's reminders match its deadlines; flush.

    Creates the reminders a new deadline asks for, moves the unsent ones to the due dates of a
    moved deadline, and cancels those whose target went away (state left, step closed). A
    reminder already sent stays sent: moving its deadline does not send it again. A measure in
    a final state (completed, rejected, withdrawn) has all its unsent reminders cancelled.
    """
    now = now_or(now)
    if measure.definition.is_terminal(measure.state):
        cancel_for_measure(measure, now)
        db.session.flush()
        return
    tasks = db.session.scalars(
        sa.select(ApprovalTask).where(
            ApprovalTask.measure_id == measure.id, ApprovalTask.status == TaskStatus.pending
        )
    ).all()
    planned = {p.key: p for p in planned_for_state(measure) + planned_for_tasks(measure, tasks)}
    existing = db.session.scalars(
        sa.select(Reminder).where(
            Reminder.measure_id == measure.id,
            Reminder.kind.in_(MEASURE_KINDS),
            sa.or_(_unsent(), Reminder.key.in_(list(planned))),
        )
    ).all()
    obsolete: list[int] = []
    for reminder in existing:
        plan = planned.pop(reminder.key, None)
        if plan is None:
            if reminder.is_pending:
                obsolete.append(reminder.id)
            continue
        if reminder.sent_at is not None:
            continue
        # the same reminder again (e.g. the state re-entered at the same moment): revive it
        if reminder.cancelled_at is not None:
            reminder.cancelled_at = None
        if reminder.due_at != plan.due_at:
            reminder.due_at = plan.due_at
        if reminder.deadline_on != plan.deadline_on:
            reminder.deadline_on = plan.deadline_on
    if obsolete:
        _cancel(Reminder.id.in_(obsolete), now)
    for plan in planned.values():
        db.session.add(
            Reminder(
                kind=plan.kind,
                key=plan.key,
                measure_id=measure.id,
                task_id=plan.task_id,
                deadline_on=plan.deadline_on,
                due_at=plan.due_at,
                created_at=now,
            )
        )
    db.session.flush()


def pending_reminders(measure: Measure) -> list[Reminder]:
    """The measure's unsent, uncancelled reminders, by due time (for pages and tests)."""
    return list(
        db.session.scalars(
            sa.select(Reminder)
            .where(Reminder.measure_id == measure.id, _unsent())
            .order_by(Reminder.due_at, Reminder.id)
        )
    )
