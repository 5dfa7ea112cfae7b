"""Session and resolution reminders go out through the beat's scan, once, to the right people,
and follow the session when it moves (time passed as ``now``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from digiflow.committees import agenda, meetings, session
from digiflow.committees.models import AttendanceStatus, ResolutionTask
from digiflow.committees.resolutions import update_resolution
from digiflow.core.db import db, utcnow
from digiflow.core.time import LOCAL_TZ
from digiflow.notifications.models import OutboxMessage
from digiflow.reminders.models import Reminder, ReminderKind
from digiflow.reminders.scanner import scan
from tests.factories import SessionWorld, drive_to_committee


@pytest.fixture
def world(app_ctx):
    return SessionWorld()


def local(days: int, hour: int = 17) -> datetime:
    day = datetime.now(LOCAL_TZ).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ).astimezone(UTC)


def mails(template_kind: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.dedupe_key.like("reminder:%"))
            .order_by(OutboxMessage.id)
        )
    )


def reminder(kind: ReminderKind, meeting_id: int) -> Reminder:
    return db.session.scalars(
        sa.select(Reminder).where(
            Reminder.kind == kind,
            Reminder.meeting_id == meeting_id,
            Reminder.sent_at.is_(None),
            Reminder.cancelled_at.is_(None),
        )
    ).one()


def test_submission_deadline_reminds_secretaries_and_the_owners_of_waiting_measures(world):
    measure = drive_to_committee(world, world.measure(title="Digitale Schulverwaltung"))
    meeting = meetings.plan_meeting(world.specialist, actor=world.secretary, starts_at=local(40))
    db.session.commit()
    due = reminder(ReminderKind.submission_deadline, meeting.id)
    assert scan(now=due.due_at - timedelta(minutes=1))["sent"] == 0
    counts = scan(now=due.due_at)
    assert counts["sent"] == 1
    sent = mails("reminder")
    assert {m.recipient_id for m in sent} == {world.secretary.id, measure.owner_id}
    assert "Vorlagenschluss" in sent[0].subject and "Digitale Schulverwaltung" in sent[0].text_body
    assert scan(now=due.due_at + timedelta(hours=1))["sent"] == 0  # never twice


def test_invitation_due_is_dropped_once_invited_and_moves_with_the_session(world):
    meeting = meetings.plan_meeting(world.specialist, actor=world.secretary, starts_at=local(40))
    agenda.add_item(meeting, actor=world.secretary, title="Mitteilungen")
    first = reminder(ReminderKind.invitation_due, meeting.id)
    meetings.reschedule_meeting(meeting, actor=world.secretary, starts_at=local(54))
    db.session.refresh(first)
    assert first.cancelled_at is not None
    moved = reminder(ReminderKind.invitation_due, meeting.id)
    assert moved.deadline_on == meetings.notice(meeting).regular_deadline
    db.session.commit()
    counts = scan(now=moved.due_at)
    assert counts["sent"] >= 1
    invitation_mails = [m for m in mails("reminder") if "Einladung fällig" in m.subject]
    assert [m.recipient_id for m in invitation_mails] == [world.secretary.id]

    # a second session, invited in time: its invitation reminder never goes out
    other = meetings.plan_meeting(world.specialist, actor=world.secretary, starts_at=local(60))
    agenda.add_item(other, actor=world.secretary, title="Mitteilungen")
    due_at = reminder(ReminderKind.invitation_due, other.id).due_at
    meetings.send_invitation(other, actor=world.secretary)
    db.session.commit()
    before = len(mails("reminder"))
    scan(now=due_at + timedelta(minutes=1))
    assert not [
        m
        for m in mails("reminder")[before:]
        if "Einladung fällig" in m.subject and other.name in m.subject
    ]


def test_results_missing_after_the_session_and_resolution_target_date(world):
    measure = drive_to_committee(world, world.measure())
    now = utcnow()
    meeting = meetings.plan_meeting(
        world.specialist,
        actor=world.secretary,
        starts_at=now + timedelta(hours=1),
        now=now - timedelta(days=3),
    )
    item = agenda.add_measure_item(
        meeting, measure, actor=world.secretary, urgent_reason="Eilt", now=now - timedelta(days=3)
    )
    free = agenda.add_item(
        meeting,
        actor=world.secretary,
        title="Bericht",
        urgent_reason="Eilt",
        now=now - timedelta(days=3),
    )
    meetings.send_invitation(
        meeting, actor=world.secretary, urgent_reason="Eilt", now=now - timedelta(days=3)
    )
    day = now + timedelta(hours=1, minutes=5)
    session.record_attendance(
        meeting,
        actor=world.secretary,
        statuses={m.id: AttendanceStatus.present for m in world.members},
        now=day,
    )
    session.record_result(
        free,
        actor=world.secretary,
        result="recommended",
        votes_yes=5,
        votes_no=0,
        votes_abstain=0,
        resolution_text="So beschlossen.",
        now=day,
    )
    db.session.commit()
    missing = reminder(ReminderKind.result_missing, meeting.id)
    scan(now=missing.due_at)
    result_mails = [m for m in mails("reminder") if "Ergebnisse fehlen" in m.subject]
    assert [m.recipient_id for m in result_mails] == [world.secretary.id]
    assert "1 Tagesordnungspunkt" in result_mails[0].text_body
    assert item.result is None

    task = db.session.scalars(sa.select(ResolutionTask)).one()
    due = db.session.scalars(sa.select(Reminder).where(Reminder.resolution_id == task.id)).one()
    # a free item has no lead department: the office hands it to one and moves the date
    assert task.department_id is None
    update_resolution(
        task,
        actor=world.office,
        status="in_progress",
        target_date=task.target_date + timedelta(days=7),
        department=world.dept,
    )
    db.session.refresh(due)
    assert due.cancelled_at is not None
    moved = db.session.scalars(
        sa.select(Reminder).where(
            Reminder.resolution_id == task.id, Reminder.cancelled_at.is_(None)
        )
    ).one()
    db.session.commit()
    scan(now=moved.due_at)
    resolution_mails = [m for m in mails("reminder") if "Zieltermin" in m.subject]
    assert [m.recipient_id for m in resolution_mails] == [world.head.id]
