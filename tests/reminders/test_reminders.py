"""Reminders: planned on business days with the domain's changes, moved and cancelled with
them, and sent exactly once by the scan (time passed as ``now``, never slept)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from digiflow.core.calendar import is_business_day
from digiflow.core.db import db
from digiflow.core.roles import Role
from digiflow.core.time import LOCAL_TZ, local_date
from digiflow.measures.models import ApprovalTask, Decision, Measure, TaskStatus
from digiflow.measures.operations import (
    create_measure,
    decide_approval,
    submit_measure,
    withdraw_measure,
)
from digiflow.notifications.models import OutboxMessage
from digiflow.reminders.models import Reminder, ReminderKind
from digiflow.reminders.operations import reschedule_for_measure
from digiflow.reminders.scanner import LOCK_ID, scan
from digiflow.system.models import Heartbeat
from tests.conftest import USING_POSTGRES
from tests.factories import (
    World,
    complete_fields,
    make_body,
    make_department,
    make_substitute,
    make_user,
)

APPROACHING = ReminderKind.state_deadline_approaching
OVERDUE = ReminderKind.state_deadline_overdue
PENDING = ReminderKind.approval_pending
ESCALATION = ReminderKind.approval_escalation


def at(year: int, month: int, day: int, hour: int = 7, minute: int = 0) -> datetime:
    """A moment in German local time, as UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ).astimezone(UTC)


# Tuesday 17 March 2026, 10:00 in Germany. The proposal's deadline (15 business days) is
# Thursday 9 April: Good Friday (3 April) and Easter Monday (6 April) do not count.
SUBMITTED = at(2026, 3, 17, 10)


@pytest.fixture
def world(app_ctx):
    return World()


def reminders(measure: Measure | None = None) -> list[Reminder]:
    query = sa.select(Reminder).order_by(Reminder.due_at, Reminder.id)
    if measure is not None:
        query = query.where(Reminder.measure_id == measure.id)
    return list(db.session.scalars(query))


def plan(measure: Measure) -> list[tuple[str, str | None, date]]:
    """The unsent, uncancelled reminders: (kind, step, German day due)."""
    return [
        (r.kind.value, r.task.step if r.task else None, local_date(r.due_at))
        for r in reminders(measure)
        if r.sent_at is None and r.cancelled_at is None
    ]


def outbox(**where) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    for key, value in where.items():
        query = query.where(getattr(OutboxMessage, key) == value)
    return list(db.session.scalars(query))


def reminder_mails() -> list[OutboxMessage]:
    return [m for m in outbox() if m.dedupe_key.startswith("reminder:")]


def mails_of(kind: ReminderKind) -> list[OutboxMessage]:
    """The outbox's mails of the reminders of ``kind``."""
    ids = {str(r.id) for r in reminders() if r.kind == kind}
    return [m for m in reminder_mails() if m.dedupe_key.split(":")[1] in ids]


def submitted(world: World, title: str = "E-Akte einführen", now: datetime = SUBMITTED):
    measure = world.measure(title=title)
    submit_measure(measure, actor=world.proposer, now=now)
    return measure


# -- planning --------------------------------------------------------------------------------


def test_submitting_plans_the_state_and_step_reminders_on_business_days(world):
    measure = submitted(world)
    assert measure.state_deadline == date(2026, 4, 9)
    assert plan(measure) == [
        ("approval_pending", "department_head", date(2026, 3, 24)),  # due date of the step
        ("approval_escalation", "department_head", date(2026, 3, 25)),
        # five business days before 9 April: 8, 7, 2, 1 April and 31 March (Easter skipped)
        ("state_deadline_approaching", None, date(2026, 3, 31)),
        ("state_deadline_approaching", None, date(2026, 4, 8)),
        ("state_deadline_overdue", None, date(2026, 4, 10)),
    ]
    for reminder in reminders(measure):
        local = reminder.due_at.astimezone(LOCAL_TZ)
        assert (local.hour, local.minute) == (7, 0)  # before and after the change to summer time
        assert is_business_day(local.date(), "NI")
    assert reminders(measure)[2].deadline_on == date(2026, 4, 9)
    keys = {r.key for r in reminders(measure)}
    assert len(keys) == 5


def test_reformationstag_counts_in_niedersachsen_but_not_in_bayern(app_ctx):
    def measure_in(federal_state: str) -> Measure:
        body = make_body(federal_state)
        dept = make_department(body)
        proposer = make_user((Role.proposer, dept), department=dept)
        make_user((Role.department_head, dept), department=dept)
        measure = create_measure(
            actor=proposer,
            department=dept,
            title=f"Maßnahme {federal_state}",
            workflow_name="digitalization_measure",
            **complete_fields(),
        )
        # Thursday 9 October 2025: the deadline is Thursday 30 October in both states
        submit_measure(measure, actor=proposer, now=at(2025, 10, 9, 11))
        return measure

    lower_saxony, bavaria = measure_in("NI"), measure_in("BY")
    assert lower_saxony.state_deadline == bavaria.state_deadline == date(2025, 10, 30)

    def overdue(measure: Measure) -> date:
        (day,) = [d for kind, _step, d in plan(measure) if kind == "state_deadline_overdue"]
        return day

    assert overdue(bavaria) == date(2025, 10, 31)
    assert overdue(lower_saxony) == date(2025, 11, 3)  # 31 October is Reformationstag in NI


def test_leaving_a_state_or_closing_a_step_cancels_its_unsent_reminders(world):
    measure = submitted(world)

    decide_approval(measure, actor=world.head, decision=Decision.approve, now=at(2026, 3, 18, 9))
    db.session.expire_all()
    (office_task,) = [t for t in measure.approval_tasks if t.status == TaskStatus.pending]
    office_id = office_task.id
    head_step = [r for r in reminders(measure) if r.task and r.task.step == "department_head"]
    assert {r.kind for r in head_step} == {PENDING, ESCALATION}
    assert all(r.cancelled_at == at(2026, 3, 18, 9) and r.sent_at is None for r in head_step)
    assert plan(measure) == [
        # the office step: 10 business days from 18 March; no escalate_to, still escalated
        ("state_deadline_approaching", None, date(2026, 3, 31)),
        ("approval_pending", "office", date(2026, 4, 1)),
        ("approval_escalation", "office", date(2026, 4, 2)),
        ("state_deadline_approaching", None, date(2026, 4, 8)),
        ("state_deadline_overdue", None, date(2026, 4, 10)),
    ]

    decide_approval(measure, actor=world.office, decision=Decision.approve, now=at(2026, 3, 19, 9))
    db.session.expire_all()
    assert measure.state == "concept"
    cancelled = {r.key: r.cancelled_at for r in reminders(measure) if r.cancelled_at}
    assert len(cancelled) == 7  # the proposal's three, and two for each closed step
    assert {key for key, when in cancelled.items() if when == at(2026, 3, 19, 9)} == {
        key for key in cancelled if ":proposal:" in key or key.startswith(f"approval:{office_id}:")
    }
    # concept: 40 business days from 19 March → 20 May (Good Friday, Easter Monday, 1 May and
    # Ascension Day skipped); lead times 10 and 3; the parallel co-signing steps due 2 April
    assert measure.state_deadline == date(2026, 5, 20)
    assert plan(measure) == [
        ("approval_pending", "finance", date(2026, 4, 2)),
        ("approval_pending", "office", date(2026, 4, 2)),
        ("approval_escalation", "finance", date(2026, 4, 7)),  # after Easter
        ("approval_escalation", "office", date(2026, 4, 7)),
        ("state_deadline_approaching", None, date(2026, 5, 5)),
        ("state_deadline_approaching", None, date(2026, 5, 15)),  # Ascension Day skipped
        ("state_deadline_overdue", None, date(2026, 5, 21)),
    ]


def test_withdrawing_cancels_every_reminder(world):
    measure = submitted(world)
    assert len(plan(measure)) == 5
    withdraw_measure(measure, actor=world.proposer, reason="Doppelt", now=at(2026, 3, 20, 9))
    db.session.commit()
    assert plan(measure) == []
    assert {r.cancelled_at for r in reminders(measure)} == {at(2026, 3, 20, 9)}
    assert scan(now=at(2026, 6, 1, 9))["sent"] == 0
    assert mails_of(ReminderKind.approval_pending) == []


def test_a_moved_deadline_moves_the_unsent_reminders_but_does_not_resend(world):
    measure = submitted(world)
    db.session.commit()
    counts = scan(now=at(2026, 3, 24, 8))  # the step's due date: the head is reminded
    assert (counts["sent"], counts["mails"]) == (1, 1)

    measure = db.session.get(Measure, measure.id)
    (task,) = [t for t in measure.approval_tasks if t.status == TaskStatus.pending]
    measure.state_deadline = date(2026, 4, 16)  # extended by five business days
    task.due_on = date(2026, 3, 27)
    reschedule_for_measure(measure, now=at(2026, 3, 24, 9))
    db.session.commit()
    assert plan(measure) == [
        ("approval_escalation", "department_head", date(2026, 3, 30)),  # Friday → Monday
        ("state_deadline_approaching", None, date(2026, 4, 9)),
        ("state_deadline_approaching", None, date(2026, 4, 15)),
        ("state_deadline_overdue", None, date(2026, 4, 17)),
    ]
    assert {r.deadline_on for r in reminders(measure) if r.task_id is None} == {date(2026, 4, 16)}
    (sent,) = [r for r in reminders(measure) if r.sent_at is not None]
    assert (sent.kind, local_date(sent.due_at)) == (PENDING, date(2026, 3, 24))  # stays sent
    assert len(reminders(measure)) == 5  # moved, not duplicated
    assert scan(now=at(2026, 3, 27, 8))["sent"] == 0  # the old escalation date: nothing
    assert scan(now=at(2026, 3, 30, 8))["sent"] == 1


def test_initial_state_deadline_and_undecided_approvers(app_ctx, tmp_path):
    """A workflow whose draft has a deadline, and a step with two approver entries: only the
    one who has not decided is reminded; without escalate_to the department's head is told."""
    (tmp_path / "pair.yaml").write_text(
        """
name: pair
label: {de: Paar, en: Pair}
initial: draft
states:
  draft:
    label: {de: Entwurf, en: Draft}
    category: open
    deadline_days: 5
    reminder_days: [2]
  review: {label: {de: Prüfung, en: Review}, category: active}
  done: {label: {de: Fertig, en: Done}, category: done}
  refused: {label: {de: Abgelehnt, en: Rejected}, category: rejected}
transitions:
  submit:
    from: draft
    to: review
    label: {de: Einreichen, en: Submit}
    by: [owner]
  decide:
    from: review
    to: done
    label: {de: Entscheiden, en: Decide}
    approval:
      reject_to: refused
      steps:
        - key: pair
          label: {de: Kämmerei und Recht, en: Finance and legal}
          approvers: [{role: finance}, {role: legal}]
          deadline_days: 3
""",
        encoding="utf-8",
    )
    registry = app_ctx.extensions["digiflow.workflows"]
    original_dir = registry.directory
    registry.directory = tmp_path
    registry.reload()
    try:
        world = World()
        legal = make_user(Role.legal, name="Rita Recht")
        measure = create_measure(
            actor=world.proposer,
            department=world.dept,
            title="Paar",
            workflow_name="pair",
            now=at(2026, 3, 2, 9),  # Monday
        )
        # five business days: Monday 9 March; two before it: Thursday 5 March
        assert plan(measure) == [
            ("state_deadline_approaching", None, date(2026, 3, 5)),
            ("state_deadline_overdue", None, date(2026, 3, 10)),
        ]
        submit_measure(measure, actor=world.proposer, now=at(2026, 3, 3, 9))
        assert [k for k, _s, _d in plan(measure)] == ["approval_pending", "approval_escalation"]
        decide_approval(
            measure, actor=world.finance, decision=Decision.approve, now=at(2026, 3, 4, 9)
        )
        db.session.commit()

        assert scan(now=at(2026, 3, 6, 8))["mails"] == 1  # due date 6 March
        (mail,) = mails_of(ReminderKind.approval_pending)
        assert mail.to_address == legal.email  # finance has decided
        counts = scan(now=at(2026, 3, 9, 8))  # Monday: escalation
        assert (counts["sent"], counts["mails"]) == (1, 1)
        (mail,) = mails_of(ReminderKind.approval_escalation)
        assert mail.to_address == world.head.email  # not the other department's head
        assert "Noch nicht entschieden haben: Rita Recht." in mail.text_body
    finally:
        registry.directory = original_dir
        registry.reload()


# -- sending ---------------------------------------------------------------------------------


def test_scan_sends_each_due_reminder_once(world):
    measure = submitted(world)
    db.session.commit()
    assert scan(now=at(2026, 3, 24, 6, 59))["due"] == 0  # 07:00 in Germany
    counts = scan(now=at(2026, 3, 24, 7))
    assert counts == {
        "due": 1,
        "sent": 1,
        "mails": 1,
        "cancelled": 0,
        "skipped": 0,
        "failed": 0,
        "locked": 0,
    }
    assert scan(now=at(2026, 3, 24, 7))["due"] == 0  # the same beat again
    assert scan(now=at(2026, 3, 24, 9))["due"] == 0
    (mail,) = reminder_mails()
    assert mail.kind == "reminder"
    assert mail.to_address == world.head.email
    (reminder,) = [r for r in reminders(measure) if r.sent_at is not None]
    assert mail.dedupe_key == f"reminder:{reminder.id}:{world.head.id}"
    assert reminder.sent_at == at(2026, 3, 24, 7)
    assert mail.subject == "Entscheidung fällig: E-Akte einführen"
    assert "Bitte entscheiden Sie bis zum 24.03.2026." in mail.text_body
    assert f"/measures/{measure.id}" in mail.text_body

    counts = scan(now=at(2026, 3, 25, 7))  # escalation to the digitalization office
    assert (counts["sent"], counts["mails"]) == (1, 2)
    assert sorted(m.to_address for m in mails_of(ReminderKind.approval_escalation)) == sorted(
        [world.office.email, world.office2.email]
    )
    assert len(reminder_mails()) == 3


def test_recipients_deputies_languages_and_the_calendar_attachment(world):
    world.head.language = "en"
    deputy = make_user(department=world.dept, name="Dora Vertretung")
    make_substitute(world.proposer, deputy, date(2026, 4, 1), date(2026, 4, 30))
    submitted(world)
    db.session.commit()

    # the owner is present on 31 March: the five-day reminder goes to the owner
    assert scan(now=at(2026, 3, 31, 8))["sent"] == 3  # with the step's two reminders
    (first,) = mails_of(ReminderKind.state_deadline_approaching)
    assert first.to_address == world.proposer.email
    assert first.subject == "Erinnerung: Frist am 09.04.2026 – E-Akte einführen"
    assert "im Stand „Vorschlag“ endet am 09.04.2026" in first.text_body
    assert "Offene Genehmigungsschritte: Fachbereichsleitung." in first.text_body
    assert "DTSTART;VALUE=DATE:20260409" in first.ics
    assert first.ics_filename == "frist.ics"

    # from 1 April the owner is absent: the deputy is reminded on the owner's behalf
    assert scan(now=at(2026, 4, 10, 8))["sent"] == 2
    second = mails_of(ReminderKind.state_deadline_approaching)[1]
    assert second.to_address == deputy.email
    assert "in Vertretung für " + world.proposer.name in second.text_body

    # overdue: the owner (here the deputy) and the department head, each in their language
    overdue = {m.to_address: m for m in mails_of(ReminderKind.state_deadline_overdue)}
    assert set(overdue) == {deputy.email, world.head.email}
    assert overdue[deputy.email].subject == "Frist überschritten: E-Akte einführen"
    assert overdue[deputy.email].ics is None
    english = overdue[world.head.email]
    assert english.language == "en"
    assert english.subject == "Deadline passed: E-Akte einführen"
    assert 'in the state "Proposal" ended on 9 Apr 2026' in english.text_body
    assert "Dear " + world.head.name in english.text_body
    assert "Proposal" in english.html_body and "Vorschlag" not in english.html_body

    (pending,) = mails_of(ReminderKind.approval_pending)
    assert pending.subject == "Decision due: E-Akte einführen"  # the head, in English
    escalations = mails_of(ReminderKind.approval_escalation)
    assert {m.to_address for m in escalations} == {world.office.email, world.office2.email}
    assert f"Noch nicht entschieden haben: {world.head.name}." in escalations[0].text_body


def test_a_reminder_whose_target_went_away_is_cancelled_not_sent(world):
    measure = submitted(world)
    db.session.commit()
    # a change that bypassed the handlers: the step is closed, its reminders still pending
    task = db.session.scalars(sa.select(ApprovalTask)).one()
    task.status = TaskStatus.cancelled
    db.session.commit()
    counts = scan(now=at(2026, 3, 25, 8))
    assert (counts["due"], counts["cancelled"], counts["sent"]) == (2, 2, 0)
    assert reminder_mails() == []
    assert all(r.cancelled_at is not None for r in reminders(measure) if r.task_id)


class WorkerKilled(BaseException):
    """Stands in for a worker dying in the middle of a batch."""


def _fail_commit(number: int, error: BaseException):
    """Make the ``number``-th commit of the session fail (before anything is written)."""
    session = db.session()
    calls = {"n": 0}

    def before_commit(session):
        if session.in_nested_transaction():
            return  # the outbox's savepoint, not the reminder's commit
        calls["n"] += 1
        if calls["n"] == number:
            raise error

    sa.event.listen(session, "before_commit", before_commit)
    return lambda: sa.event.remove(session, "before_commit", before_commit)


def test_a_failed_transaction_leaves_the_reminder_for_the_next_scan(world):
    for i in range(3):
        submitted(world, title=f"M{i}")
    db.session.commit()
    remove = _fail_commit(2, RuntimeError("database went away"))
    try:
        counts = scan(now=at(2026, 3, 24, 8))
    finally:
        remove()
    assert (counts["sent"], counts["failed"], counts["mails"]) == (2, 1, 2)
    unsent = [r for r in reminders() if r.kind == PENDING and r.sent_at is None]
    assert len(unsent) == 1
    assert not [m for m in outbox() if m.dedupe_key.startswith(f"reminder:{unsent[0].id}:")]

    assert scan(now=at(2026, 3, 24, 8))["sent"] == 1
    mails = mails_of(ReminderKind.approval_pending)
    assert len(mails) == 3 == len({m.dedupe_key for m in mails})


def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing(world):
    for i in range(4):
        submitted(world, title=f"M{i}")
    db.session.commit()
    remove = _fail_commit(3, WorkerKilled())
    try:
        with pytest.raises(WorkerKilled):
            scan(now=at(2026, 3, 24, 8))
    finally:
        remove()
    db.session.rollback()
    assert len(reminder_mails()) == 2  # the first two committed, the third died before its commit
    counts = scan(now=at(2026, 3, 24, 8))  # the restarted worker
    assert (counts["due"], counts["sent"]) == (2, 2)
    mails = mails_of(ReminderKind.approval_pending)
    assert sorted(m.subject for m in mails) == [f"Entscheidung fällig: M{i}" for i in range(4)]
    assert all(r.sent_at is not None for r in reminders() if r.kind == PENDING)


def _statements_per_kind(statements: list[str]) -> tuple[int, int]:
    """(statements of the claims and outbox writes, all others)."""
    per_reminder = (
        "UPDATE reminders",  # the claim
        "SELECT outbox_messages.id",  # the outbox's check for the dedupe key
        "SELECT mail_preferences",  # the outbox's look-up of the user's choice (digest)
        "SAVEPOINT",
        "INSERT INTO outbox_messages",
        "RELEASE SAVEPOINT",
    )
    writes = sum(1 for s in statements if s.lstrip().startswith(per_reminder))
    return writes, len(statements) - writes


def test_query_count_of_a_scan_is_fixed_plus_a_constant_per_reminder(world, query_counter):
    measured = {}
    for n, day in ((10, 2), (200, 9)):  # two Mondays in March 2026
        for i in range(n):
            submitted(world, title=f"M{n}-{i}", now=at(2026, 3, day, 10))
        db.session.commit()
        due = at(2026, 3, day + 7, 8)  # the steps' due date, 5 business days later
        with query_counter:
            counts = scan(now=due)
        assert (counts["sent"], counts["mails"]) == (n, n)
        measured[n] = _statements_per_kind(query_counter.statements)
        # what is still planned for these measures is not part of the next round
        db.session.execute(sa.update(Reminder).values(cancelled_at=due))
        db.session.commit()
    # each reminder: its claim, and for its one mail the outbox's checks and insert
    per_reminder = measured[10][0] / 10
    assert per_reminder in (5, 6)
    assert measured[200][0] == 200 * per_reminder
    # the lookups (reminders, measures, steps, people, deputies) do not grow with the batch
    assert measured[10][1] == measured[200][1], measured


def test_cli_and_task_run_a_scan(world, app_ctx):
    measure = world.measure()
    submit_measure(measure, actor=world.proposer, now=datetime(2025, 1, 7, 9, tzinfo=UTC))
    db.session.commit()
    result = app_ctx.test_cli_runner().invoke(args=["reminders", "run"])
    assert result.exit_code == 0, result.output
    assert "due=5 sent=5 mails=" in result.output

    from tasks.reminders import scan_reminders

    assert scan_reminders.apply().get()["due"] == 0
    db.session.rollback()
    beat = db.session.get(Heartbeat, "reminder-scan")
    assert beat is not None and beat.runs == 1


# -- two scanners at once (PostgreSQL) -------------------------------------------------------


@pytest.mark.skipif(not USING_POSTGRES, reason="concurrent claims need PostgreSQL")
@pytest.mark.parametrize("lock", [False, True])
def test_two_scanners_at_once_send_each_reminder_once(world, app_ctx, lock):
    for i in range(30):
        submitted(world, title=f"M{i}")
    db.session.commit()
    now = at(2026, 3, 24, 8)
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def run(index: int) -> None:
        with app_ctx.app_context():
            try:
                barrier.wait(timeout=10)
                results[index] = scan(now=now, lock=lock)
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                results[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(r, dict) for r in results), results
    assert sum(r["sent"] for r in results) == 30
    assert sum(r["mails"] for r in results) == 30
    db.session.rollback()
    mails = mails_of(ReminderKind.approval_pending)
    assert len(mails) == 30 == len({m.dedupe_key for m in mails})
    assert all(r.sent_at == now for r in reminders() if r.kind == PENDING)


@pytest.mark.skipif(not USING_POSTGRES, reason="advisory locks are PostgreSQL's")
def test_a_scanner_skips_while_another_holds_the_lock(world):
    submitted(world)
    db.session.commit()
    with db.engine.connect() as other:
        assert other.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(LOCK_ID)))
        assert scan(now=at(2026, 3, 24, 8))["locked"] == 1
        assert reminder_mails() == []
    assert scan(now=at(2026, 3, 24, 8))["sent"] == 1


def test_reminder_repr_and_due_hour_setting(world, app_ctx):
    app_ctx.config["REMINDER_SEND_HOUR"] = 9
    try:
        measure = submitted(world)
    finally:
        app_ctx.config["REMINDER_SEND_HOUR"] = 7
    first = reminders(measure)[0]
    assert first.due_at == at(2026, 3, 24, 9)
    assert "pending" in repr(first) and first.key in repr(first)
