"""Reminders of the session service, as rows that follow the session's date.

- **Submission deadline** (Vorlagenschluss): ``SUBMISSION_REMINDER_DAYS`` business days before
  it, to the committee's secretaries and the owners of the measures that wait for a session
  of the committee's type.
- **Invitation due**: on the last business day that keeps the notice period, to the
  secretaries, while nobody has been invited.
- **Result missing**: the business day after the session, to the secretaries, while an item
  has no result or the session is not closed.
- **Resolution due**: on a resolution's target date, to the heads of its department (the
  secretaries when it has none), while it is in progress.

The keys contain the date, so a moved session gets new reminders and the old unsent ones are
cancelled; a reminder already sent stays sent. The scanner (``digiflow.scan_reminders``)
sends them through the preparers registered here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from digiflow.committees.ical import meeting_url
from digiflow.committees.meetings import meeting_day, notice, submission_deadline
from digiflow.committees.models import (
    AgendaItem,
    Meeting,
    MeetingState,
    ResolutionStatus,
    ResolutionTask,
)
from digiflow.core.calendar import add_business_days, subtract_business_days
from digiflow.core.db import db
from digiflow.core.roles import Role
from digiflow.core.time import now_or
from digiflow.notifications.outbox import public_url
from digiflow.org.models import Committee
from digiflow.reminders.models import MEETING_KINDS, Reminder, ReminderKind
from digiflow.reminders.operations import due_moment, on_or_before_business_day
from digiflow.reminders.scanner import PREPARERS, Batch, Prepared
from digiflow.users.models import RoleAssignment, User


@dataclass(frozen=True)
class Plan:
    key: str
    kind: ReminderKind
    deadline_on: date
    due_at: datetime


def _region(committee: Committee) -> str:
    return committee.body.federal_state if committee.body is not None else "NI"


def planned_for_meeting(meeting: Meeting, now: datetime) -> list[Plan]:
    """The reminders the session asks for now (past due dates are left out when planned)."""
    if meeting.deleted_at is not None or meeting.state in (
        MeetingState.cancelled,
        MeetingState.minutes_approved,
    ):
        return []
    region = _region(meeting.committee)
    day = meeting_day(meeting)
    plans: list[Plan] = []
    if meeting.state in (MeetingState.planned, MeetingState.invited):
        deadline = submission_deadline(meeting)
        lead = current_app.config.get("SUBMISSION_REMINDER_DAYS", 3)
        remind_on = on_or_before_business_day(
            subtract_business_days(deadline, lead, region), region
        )
        plans.append(
            Plan(
                f"meeting:{meeting.id}:submission:{deadline.isoformat()}",
                ReminderKind.submission_deadline,
                deadline,
                due_moment(remind_on),
            )
        )
    if meeting.state == MeetingState.planned:
        last_day = notice(meeting, now).regular_deadline
        plans.append(
            Plan(
                f"meeting:{meeting.id}:invitation:{last_day.isoformat()}",
                ReminderKind.invitation_due,
                last_day,
                due_moment(on_or_before_business_day(last_day, region)),
            )
        )
    if meeting.closed_at is None:
        plans.append(
            Plan(
                f"meeting:{meeting.id}:result:{day.isoformat()}",
                ReminderKind.result_missing,
                day,
                due_moment(add_business_days(day, 1, region)),
            )
        )
    return [p for p in plans if p.due_at > now or p.kind == ReminderKind.result_missing]


def _unsent() -> sa.ColumnElement[bool]:
    return sa.and_(Reminder.sent_at.is_(None), Reminder.cancelled_at.is_(None))


def _sync(plans: list[Plan], existing: list[Reminder], now: datetime, **target: Any) -> None:
    """Make the rows match the plans: create, move, revive, cancel (sent ones stay sent)."""
    wanted = {p.key: p for p in plans}
    for reminder in existing:
        plan = wanted.pop(reminder.key, None)
        if plan is None:
            if reminder.sent_at is None and reminder.cancelled_at is None:
                db.session.execute(
                    sa.update(Reminder)
                    .where(Reminder.id == reminder.id, _unsent())
                    .values(cancelled_at=now)
                    .execution_options(synchronize_session="fetch")
                )
            continue
        if reminder.sent_at is not None:
            continue
        reminder.cancelled_at = None
        reminder.due_at = plan.due_at
        reminder.deadline_on = plan.deadline_on
    for plan in wanted.values():
        exists = db.session.scalar(sa.select(Reminder.id).where(Reminder.key == plan.key))
        if exists is not None:
            continue
        db.session.add(
            Reminder(
                kind=plan.kind,
                key=plan.key,
                deadline_on=plan.deadline_on,
                due_at=plan.due_at,
                created_at=now,
                **target,
            )
        )
    db.session.flush()


def reschedule_for_meeting(meeting: Meeting, now: datetime | None = None) -> None:
    """Make the session's reminders match its date and state; flush."""
    now = now_or(now)
    plans = planned_for_meeting(meeting, now)
    existing = list(
        db.session.scalars(
            sa.select(Reminder).where(
                Reminder.meeting_id == meeting.id,
                Reminder.kind.in_(MEETING_KINDS),
                sa.or_(_unsent(), Reminder.key.in_([p.key for p in plans])),
            )
        )
    )
    _sync(plans, existing, now, meeting_id=meeting.id)


def reschedule_for_resolution(task: ResolutionTask, now: datetime | None = None) -> None:
    now = now_or(now)
    plans: list[Plan] = []
    if task.status == ResolutionStatus.in_progress and task.target_date is not None:
        region = _region(task.agenda_item.meeting.committee)
        plans.append(
            Plan(
                f"resolution:{task.id}:{task.target_date.isoformat()}",
                ReminderKind.resolution_due,
                task.target_date,
                due_moment(on_or_before_business_day(task.target_date, region)),
            )
        )
    existing = list(
        db.session.scalars(
            sa.select(Reminder).where(
                Reminder.resolution_id == task.id,
                sa.or_(_unsent(), Reminder.key.in_([p.key for p in plans])),
            )
        )
    )
    _sync(plans, existing, now, resolution_id=task.id)


# -- sending (registered with the scanner) ---------------------------------------------------


def secretaries_of(committee: Committee) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                RoleAssignment.role == Role.committee_secretary,
                sa.or_(
                    RoleAssignment.committee_id == committee.id,
                    sa.and_(
                        RoleAssignment.committee_id.is_(None),
                        RoleAssignment.department_id.is_(None),
                    ),
                ),
                User.is_active_account.is_(True),
            )
            .order_by(User.id)
        ).unique()
    )


def _meeting(reminder: Reminder) -> Meeting | None:
    if reminder.meeting_id is None:
        return None
    meeting = db.session.get(Meeting, reminder.meeting_id)
    if meeting is None or meeting.deleted_at is not None or meeting.is_cancelled:
        return None
    return meeting


def _prepare_submission(reminder: Reminder, batch: Batch) -> Prepared | None:
    from digiflow.committees.agenda import waiting_measures

    meeting = _meeting(reminder)
    if meeting is None or meeting.state not in (MeetingState.planned, MeetingState.invited):
        return None
    if submission_deadline(meeting) != reminder.deadline_on:
        return None
    waiting = waiting_measures(meeting.committee)
    people = secretaries_of(meeting.committee)
    for measure in waiting:
        if measure.owner not in people and measure.owner.is_active:
            people.append(measure.owner)
    return Prepared(
        people=people,
        measure=None,
        context={"meeting": meeting, "deadline": reminder.deadline_on, "waiting": waiting},
        url=meeting_url(meeting),
    )


def _prepare_invitation(reminder: Reminder, batch: Batch) -> Prepared | None:
    meeting = _meeting(reminder)
    if meeting is None or meeting.state != MeetingState.planned:
        return None
    status = notice(meeting, batch.now)
    if status.regular_deadline != reminder.deadline_on:
        return None  # the session was moved: the reminder of its new date goes out instead
    return Prepared(
        people=secretaries_of(meeting.committee),
        measure=None,
        context={"meeting": meeting, "deadline": reminder.deadline_on, "notice": status},
        url=meeting_url(meeting),
    )


def _prepare_result(reminder: Reminder, batch: Batch) -> Prepared | None:
    meeting = _meeting(reminder)
    if meeting is None or meeting.closed_at is not None:
        return None
    if meeting_day(meeting) != reminder.deadline_on:
        return None
    open_items = db.session.scalar(
        sa.select(sa.func.count(AgendaItem.id)).where(
            AgendaItem.meeting_id == meeting.id,
            AgendaItem.deleted_at.is_(None),
            AgendaItem.result.is_(None),
            AgendaItem.needs_result(),
        )
    )
    return Prepared(
        people=secretaries_of(meeting.committee),
        measure=None,
        context={"meeting": meeting, "open_items": open_items or 0},
        url=meeting_url(meeting),
    )


def _prepare_resolution(reminder: Reminder, batch: Batch) -> Prepared | None:
    task = (
        db.session.get(ResolutionTask, reminder.resolution_id) if reminder.resolution_id else None
    )
    if task is None or task.status != ResolutionStatus.in_progress:
        return None
    if task.target_date != reminder.deadline_on:
        return None
    item = task.agenda_item
    people: list[User] = []
    if task.department_id is not None:
        people = list(
            db.session.scalars(
                sa.select(User)
                .join(RoleAssignment, RoleAssignment.user_id == User.id)
                .where(
                    RoleAssignment.role == Role.department_head,
                    RoleAssignment.department_id == task.department_id,
                    User.is_active_account.is_(True),
                )
                .order_by(User.id)
            ).unique()
        )
    if not people:
        people = secretaries_of(item.meeting.committee)
    return Prepared(
        people=people,
        measure=None,
        context={"task": task, "item": item, "meeting": item.meeting, "deadline": task.target_date},
        url=public_url("/resolutions/"),
    )


def register() -> None:
    PREPARERS[ReminderKind.submission_deadline] = _prepare_submission
    PREPARERS[ReminderKind.invitation_due] = _prepare_invitation
    PREPARERS[ReminderKind.result_missing] = _prepare_result
    PREPARERS[ReminderKind.resolution_due] = _prepare_resolution


register()
