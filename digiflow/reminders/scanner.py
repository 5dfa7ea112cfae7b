"""The periodic scan: every due reminder is sent exactly once.

For each reminder that is due, unsent and not cancelled, one short transaction:

1. claim it with ONE conditional UPDATE (``SET sent_at = now WHERE id = :id AND sent_at IS
   NULL AND cancelled_at IS NULL``); only the transaction whose UPDATE changed the row goes on;
2. write its mails into the outbox (dedupe key ``reminder:<reminder id>:<user id>``);
3. commit.

A second beat, a retried task or a scanner running at the same time finds the row claimed and
skips it; a worker killed before the commit leaves the reminder unsent for the next scan, and
after the commit the outbox delivers the mails. On PostgreSQL an advisory lock keeps a second
scanner from working through the same batch at the same time; it is an optimisation, the
conditional UPDATE is the guarantee.

The lookups for the whole batch (measures, steps, decisions, people, deputies) are loaded
before the loop with a fixed number of queries; each reminder then costs its claim and, per
mail, the outbox's insert.

This module commits on purpose, once per reminder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from digiflow.core.db import db
from digiflow.core.time import local_date, now_or
from digiflow.core.workflow.definition import Approver, Labels, RecordApprover, StepDef
from digiflow.core.workflow.engine import open_slot, resolve_users
from digiflow.measures.models import ApprovalTask, Measure, TaskStatus
from digiflow.notifications.calendar import deadline_ics
from digiflow.notifications.handlers import measure_url
from digiflow.notifications.outbox import enqueue
from digiflow.reminders.models import Reminder, ReminderKind
from digiflow.reminders.operations import state_key_prefix
from digiflow.users.models import Substitute, User

log = logging.getLogger(__name__)

#: The PostgreSQL advisory lock of the scanner (any constant number; "dfrm" in ASCII).
LOCK_ID = 0x6466726D

OWNER = RecordApprover(resolve="owner")
DEPARTMENT_HEAD = RecordApprover(resolve="department_head")

COUNT_KEYS = ("due", "sent", "mails", "cancelled", "skipped", "failed", "locked")


@dataclass
class Prepared:
    """Whom a reminder goes to (before deputies) and what its mails say.

    Reminders about a measure name it (its page is the mail's link); others (sessions,
    resolutions) give their ``url``.
    """

    people: list[User]
    measure: Measure | None
    context: dict[str, Any]
    with_ics: bool = False
    url: str | None = None
    # the absent person each deputy stands in for, filled by Batch.recipients
    recipients: list[tuple[User, User | None]] = field(default_factory=list)


class Batch:
    """Everything the reminders of one scan need, loaded with a fixed number of queries."""

    def __init__(self, reminders: list[Reminder], now: datetime) -> None:
        self.now = now
        self.today = local_date(now)
        measure_ids = {r.measure_id for r in reminders if r.measure_id is not None}
        task_ids = {r.task_id for r in reminders if r.task_id is not None}
        self.measures: dict[int, Measure] = {}
        if measure_ids:
            self.measures = {
                m.id: m
                for m in db.session.scalars(
                    sa.select(Measure)
                    .where(Measure.id.in_(measure_ids))
                    .options(
                        selectinload(Measure.body),
                        selectinload(Measure.department),
                        selectinload(Measure.workflow),
                        selectinload(Measure.owner),
                    )
                )
            }
        self.tasks: dict[int, ApprovalTask] = {}
        self.open_tasks: dict[int, list[ApprovalTask]] = {}
        if measure_ids or task_ids:
            tasks = db.session.scalars(
                sa.select(ApprovalTask)
                .where(
                    sa.or_(
                        sa.and_(
                            ApprovalTask.measure_id.in_(measure_ids),
                            ApprovalTask.status == TaskStatus.pending,
                        ),
                        ApprovalTask.id.in_(task_ids),
                    )
                )
                .order_by(ApprovalTask.order, ApprovalTask.id)
                .options(selectinload(ApprovalTask.decisions))
            ).all()
            for task in tasks:
                self.tasks[task.id] = task
                if task.status == TaskStatus.pending:
                    self.open_tasks.setdefault(task.measure_id, []).append(task)
        self._resolved: dict[tuple[str, int, int | None], list[User]] = {}
        self._deputies: dict[int, list[User]] = {}

    def users(self, spec: Approver, measure: Measure) -> list[User]:
        """``resolve_users`` once per approver entry and department, not once per reminder."""
        owner = measure.owner_id if spec == OWNER else None
        key = (spec.model_dump_json(), measure.department_id, owner)
        if key not in self._resolved:
            self._resolved[key] = resolve_users(spec, measure)
        return self._resolved[key]

    def load_deputies(self, user_ids: set[int]) -> None:
        """The deputies of every absent person among ``user_ids`` today, in one query."""
        if not user_ids:
            return
        rows = db.session.execute(
            sa.select(Substitute.user_id, User)
            .join(User, User.id == Substitute.deputy_id)
            .where(
                Substitute.user_id.in_(user_ids),
                Substitute.starts_on <= self.today,
                Substitute.ends_on >= self.today,
                User.is_active_account.is_(True),
            )
            .order_by(Substitute.user_id, User.id)
        ).all()
        for user_id, deputy in rows:
            self._deputies.setdefault(user_id, []).append(deputy)

    def recipients(self, people: list[User]) -> list[tuple[User, User | None]]:
        """Each person, or their deputies while absent: (recipient, on behalf of).

        The same rule as ``notifications.handlers.recipients_for``, on the deputies loaded for
        the whole batch instead of one query per person.
        """
        result: list[tuple[User, User | None]] = []
        seen: set[int] = set()
        for person in people:
            deputies = self._deputies.get(person.id, [])
            for recipient, behalf in [(d, person) for d in deputies] or [(person, None)]:
                if recipient.id not in seen:
                    seen.add(recipient.id)
                    result.append((recipient, behalf))
        return result


def _union(*groups: list[User]) -> list[User]:
    out: list[User] = []
    for group in groups:
        out.extend(u for u in group if u not in out)
    return out


def _prepare_state(reminder: Reminder, batch: Batch) -> Prepared | None:
    """A state's deadline: to the owner, and to the department head when it has passed."""
    measure = batch.measures.get(reminder.measure_id) if reminder.measure_id else None
    if measure is None or measure.is_closed or measure.state_deadline is None:
        return None
    if not reminder.key.startswith(state_key_prefix(measure) + ":"):
        return None  # the measure has left the stay the reminder was made for
    definition = measure.definition
    people = batch.users(OWNER, measure)
    if reminder.kind == ReminderKind.state_deadline_overdue:
        people = _union(people, batch.users(DEPARTMENT_HEAD, measure))
    open_steps: list[Labels] = []
    for task in batch.open_tasks.get(measure.id, []):
        open_steps.append(_step(measure, task).label)
    # without an open approval step: what can move the measure on (submit, resume, ...)
    next_steps = (
        []
        if open_steps
        else [t.label for _k, t in definition.transitions_from(measure.state) if t.kind == "manual"]
    )
    return Prepared(
        people=people,
        measure=measure,
        context={
            "definition": definition,
            "state": definition.states[measure.state],
            "deadline": measure.state_deadline,
            "open_steps": open_steps,
            "next_steps": next_steps,
        },
        with_ics=reminder.kind == ReminderKind.state_deadline_approaching,
    )


def _step(measure: Measure, task: ApprovalTask) -> StepDef:
    approval = measure.definition.transitions[task.transition].approval
    assert approval is not None
    return next(s for s in approval.steps if s.key == task.step)


def _prepare_approval(reminder: Reminder, batch: Batch) -> Prepared | None:
    """An approval step's due date: to the approvers who have not decided; the business day
    after, to ``escalate_to`` (or the heads of the measure's department)."""
    task = batch.tasks.get(reminder.task_id) if reminder.task_id else None
    if task is None or task.status != TaskStatus.pending:
        return None
    measure = batch.measures.get(task.measure_id)
    if measure is None:
        return None
    step = _step(measure, task)
    undecided: list[User] = []
    for spec in step.approvers:
        for user in batch.users(spec, measure):
            if user not in undecided and open_slot(user, step, task.decisions, measure) is not None:
                undecided.append(user)
    if reminder.kind == ReminderKind.approval_pending:
        people = undecided
    else:
        people = _union(*(batch.users(s, measure) for s in step.escalate_to or [DEPARTMENT_HEAD]))
    return Prepared(
        people=people,
        measure=measure,
        context={"task": task, "step": step, "deadline": task.due_on, "undecided": undecided},
    )


#: How each kind finds its recipients and its mail's content. Later kinds add theirs here.
PREPARERS: dict[ReminderKind, Callable[[Reminder, Batch], Prepared | None]] = {
    ReminderKind.state_deadline_approaching: _prepare_state,
    ReminderKind.state_deadline_overdue: _prepare_state,
    ReminderKind.approval_pending: _prepare_approval,
    ReminderKind.approval_escalation: _prepare_approval,
}


def _ics(reminder: Reminder, prepared: Prepared, recipient: User) -> str:
    measure = prepared.measure
    assert measure is not None
    state = prepared.context["state"].label.get(recipient.language)
    entered = int(measure.state_entered_at.timestamp())
    with force_locale(recipient.language):
        return deadline_ics(
            uid=f"deadline-{measure.id}-{entered}-{recipient.id}",
            summary=_("Frist: %(step)s – %(title)s", step=state, title=measure.title),
            day=prepared.context["deadline"],
            description=_(
                "Frist der Maßnahme „%(title)s“ im Stand „%(state)s“.",
                title=measure.title,
                state=state,
            ),
            url=measure_url(measure),
        )


def _claim(reminder_id: int, now: datetime, *, cancel: bool = False) -> bool:
    """Mark the reminder sent (or cancelled) if nobody did yet and it is still due (a deadline
    moved during the batch moves it out); one conditional UPDATE."""
    values = {"cancelled_at": now} if cancel else {"sent_at": now}
    result = db.session.execute(
        sa.update(Reminder)
        .where(
            Reminder.id == reminder_id,
            Reminder.sent_at.is_(None),
            Reminder.cancelled_at.is_(None),
            Reminder.due_at <= now,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _send_one(reminder: Reminder, prepared: Prepared | None, now: datetime) -> tuple[str, int]:
    """Claim one reminder and queue its mails in one transaction; return (outcome, mails)."""
    if prepared is None:  # its target went away without the reminder being cancelled
        outcome = "cancelled" if _claim(reminder.id, now, cancel=True) else "skipped"
        db.session.commit()
        return outcome, 0
    if not _claim(reminder.id, now):
        db.session.commit()  # nothing changed; commit keeps the loaded batch (rollback expires)
        return "skipped", 0
    mails = 0
    url = prepared.url or measure_url(prepared.measure)
    for recipient, behalf in prepared.recipients:
        message = enqueue(
            recipient,
            kind="reminder",  # one kind for the user's choice of immediate mail or digest
            template=f"reminder_{reminder.kind.value}",
            dedupe_key=f"reminder:{reminder.id}:{recipient.id}",
            context={
                **prepared.context,
                "reminder": reminder,
                "measure": prepared.measure,
                "on_behalf_of": behalf,
                "url": url,
            },
            ics=_ics(reminder, prepared, recipient) if prepared.with_ics else None,
            ics_filename="frist.ics" if prepared.with_ics else None,
        )
        mails += message is not None
    if not prepared.recipients:
        log.warning("reminder %s (%s) has nobody to go to", reminder.id, reminder.key)
    db.session.commit()
    return "sent", mails


@contextmanager
def _scanner_lock(enabled: bool) -> Iterator[bool]:
    """Hold PostgreSQL's advisory lock of the scanner for the scan (other databases: no lock).

    The lock lives in a transaction on a connection of its own, because the scan commits once
    per reminder; closing that connection (or the process dying) releases it.
    """
    if not enabled or db.engine.dialect.name != "postgresql":
        yield True
        return
    with db.engine.connect() as connection:
        acquired = connection.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(LOCK_ID)))
        yield bool(acquired)


def due_reminders(now: datetime, limit: int) -> list[Reminder]:
    """The unsent, uncancelled reminders due at ``now``, oldest first (partial index)."""
    return list(
        db.session.scalars(
            sa.select(Reminder)
            .where(
                Reminder.sent_at.is_(None),
                Reminder.cancelled_at.is_(None),
                Reminder.due_at <= now,
            )
            .order_by(Reminder.due_at, Reminder.id)
            .limit(limit)
        )
    )


def scan(now: datetime | None = None, limit: int = 1000, *, lock: bool = True) -> dict[str, int]:
    """Send every reminder due at ``now`` (at most ``limit``); commits once per reminder.

    Returns counts: ``due`` (selected), ``sent``, ``mails`` (queued in the outbox),
    ``cancelled`` (target gone), ``skipped`` (another scanner was first), ``failed`` (its
    transaction failed; it stays unsent for the next scan), ``locked`` (1 when another scanner
    held the lock and this one did nothing).
    """
    now = now_or(now)
    counts = dict.fromkeys(COUNT_KEYS, 0)
    with _scanner_lock(lock) as acquired:
        if not acquired:
            counts["locked"] = 1
            return counts
        reminders = due_reminders(now, limit)
        counts["due"] = len(reminders)
        if not reminders:
            return counts
        batch = Batch(reminders, now)
        prepared: list[tuple[Reminder, Prepared | None]] = []
        for reminder in reminders:
            preparer = PREPARERS.get(reminder.kind)
            prepared.append((reminder, preparer(reminder, batch) if preparer else None))
        batch.load_deputies({u.id for _r, p in prepared if p for u in p.people})
        for _reminder, p in prepared:
            if p is not None:
                p.recipients = batch.recipients(p.people)

        session = db.session()
        expire_on_commit = session.expire_on_commit
        session.expire_on_commit = False  # the batch stays loaded across the commits
        try:
            for reminder, p in prepared:
                reminder_id = reminder.id
                try:
                    outcome, mails = _send_one(reminder, p, now)
                except Exception:
                    db.session.rollback()  # the reminder stays unsent; the next scan retries
                    log.exception(
                        "reminder %s could not be sent; the next scan retries", reminder_id
                    )
                    outcome, mails = "failed", 0
                except BaseException:
                    db.session.rollback()
                    raise
                counts[outcome] += 1
                counts["mails"] += mails
        finally:
            session.expire_on_commit = expire_on_commit
            db.session.expire_all()
    log.info("reminder scan at %s: %s", now.isoformat(), counts)
    return counts
