"""The outbox: mails written with the change, delivered over real SMTP, retried, never twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from digiflow.core.db import db
from digiflow.measures.models import Decision
from digiflow.measures.operations import decide_approval, submit_measure
from digiflow.notifications.delivery import deliver, sweep
from digiflow.notifications.models import MailStatus, OutboxMessage
from tests.factories import World, make_substitute, make_user

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # when the measure changes (deadlines)


def later(**delta):
    """A moment after the mails were queued (they are queued at the real current time)."""
    return datetime.now(UTC) + timedelta(seconds=1, **delta)


@pytest.fixture
def world(app_ctx):
    return World()


def outbox(**where):
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    for key, value in where.items():
        query = query.where(getattr(OutboxMessage, key) == value)
    return db.session.scalars(query).all()


def test_mails_are_written_in_the_same_transaction(world):
    measure = world.measure()
    db.session.commit()
    submit_measure(measure, actor=world.proposer)
    (mail,) = outbox(kind="approval_requested")
    assert mail.to_address == world.head.email
    db.session.rollback()  # the change fails: its mail goes with it
    assert outbox() == []
    submit_measure(measure, actor=world.proposer)
    db.session.commit()
    assert [m.to_address for m in outbox(kind="approval_requested")] == [world.head.email]


def test_state_change_tells_whom_the_definition_names(world):
    measure = world.measure()
    submit_measure(measure, actor=world.proposer)
    decide_approval(measure, actor=world.head, decision=Decision.ret, reason="Kosten fehlen")
    db.session.commit()
    (mail,) = outbox(kind="state_changed")  # returned: on_enter notify owner
    assert mail.to_address == world.proposer.email
    assert "Zur Überarbeitung zurückgegeben" in mail.subject
    assert "Kosten fehlen" in mail.text_body


def test_absent_approver_mail_goes_to_the_deputy(world):
    deputy = make_user(department=world.dept, name="Vertretung")
    today = datetime.now(UTC).date()
    make_substitute(world.head, deputy, today - timedelta(days=1), today + timedelta(days=5))
    measure = world.measure()
    submit_measure(measure, actor=world.proposer)
    (mail,) = outbox(kind="approval_requested")
    assert mail.to_address == deputy.email
    assert world.head.name in mail.text_body


def test_delivery_over_smtp_in_the_recipients_language(world, smtp):
    world.head.language = "en"
    measure = world.measure(title="E-Akte")
    submit_measure(measure, actor=world.proposer, now=MONDAY)
    db.session.commit()
    (mail,) = outbox()
    assert deliver(mail.id) == MailStatus.sent
    (received,) = smtp.messages
    assert received["Subject"] == "Approval needed: E-Akte"
    assert received["To"] == world.head.email
    assert received["Message-ID"] == mail.message_id
    body = received.get_body(preferencelist=("plain",)).get_content()
    assert "is waiting for your decision" in body
    assert "/measures/" in body
    (ics,) = [p for p in received.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert "DTSTART;VALUE=DATE:20260309" in ics.get_content()
    db.session.expire_all()
    assert outbox()[0].status == MailStatus.sent
    assert deliver(mail.id, now=later(days=1)) is None  # a second try sends nothing
    assert len(smtp.messages) == 1


def test_smtp_down_retries_with_backoff_then_fails_and_can_be_resent(world, app_ctx, smtp):
    app_ctx.config.update(MAIL_MAX_ATTEMPTS=3, MAIL_RETRY_BASE_SECONDS=60)
    measure = world.measure()
    submit_measure(measure, actor=world.proposer)
    db.session.commit()
    (mail,) = outbox()
    smtp.stop()
    NOW = later()
    assert deliver(mail.id, now=NOW) == MailStatus.pending
    db.session.expire_all()
    mail = outbox()[0]
    assert mail.attempts == 1 and "Connection" in mail.last_error
    assert mail.next_attempt_at == NOW + timedelta(seconds=60)
    assert sweep(now=NOW + timedelta(seconds=30)) == {}  # not due yet
    assert sweep(now=NOW + timedelta(seconds=61)) == {"pending": 1}
    db.session.expire_all()
    assert outbox()[0].next_attempt_at == NOW + timedelta(seconds=61 + 120)  # doubled
    assert sweep(now=NOW + timedelta(hours=1)) == {"failed": 1}

    from digiflow.notifications.delivery import resend

    resend(outbox()[0], now=NOW + timedelta(hours=2))
    db.session.commit()
    smtp.start()
    assert sweep(now=NOW + timedelta(hours=2)) == {"sent": 1}
    assert len(smtp.messages) == 1


def test_smtp_back_up_delivers_the_waiting_mails_once(world, smtp):
    measures = [world.measure(title=f"M{i}") for i in range(5)]
    for m in measures:
        submit_measure(m, actor=world.proposer)
    db.session.commit()
    smtp.stop()
    NOW = later()
    assert sweep(now=NOW) == {"pending": 5}
    smtp.start()
    assert sweep(now=NOW + timedelta(minutes=5)) == {"sent": 5}
    assert sweep(now=NOW + timedelta(days=1)) == {}
    assert sorted(str(m["Subject"]) for m in smtp.messages) == sorted(
        f"Genehmigung erforderlich: M{i}" for i in range(5)
    )


def test_a_claim_of_a_dead_worker_is_taken_over_after_the_lease(world, app_ctx, smtp):
    measure = world.measure()
    submit_measure(measure, actor=world.proposer)
    db.session.commit()
    (mail,) = outbox()
    NOW = later()
    # a worker claimed it and died before sending
    mail.status, mail.claimed_at, mail.attempts = MailStatus.sending, NOW, 1
    db.session.commit()
    lease = app_ctx.config["MAIL_CLAIM_LEASE_SECONDS"]
    assert sweep(now=NOW + timedelta(seconds=lease - 1)) == {}
    assert sweep(now=NOW + timedelta(seconds=lease + 1)) == {"sent": 1}
    assert len(smtp.messages) == 1
