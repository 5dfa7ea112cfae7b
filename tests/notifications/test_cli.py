"""``flask mail outbox`` lists the outbox; ``flask mail resend`` sends a failed mail again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from digiflow.core.db import db
from digiflow.notifications.models import MailStatus, OutboxMessage

WINTER = datetime(2026, 3, 2, 8, 5, tzinfo=UTC)  # 09:05 in Germany
SUMMER = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)  # 12:00 in Germany
LONG_ERROR = "SMTPDataError: 451 " + "temporary local problem, please try again later " * 10


@pytest.fixture
def mails(app_ctx) -> dict[str, OutboxMessage]:
    created = {
        "pending": OutboxMessage(
            status=MailStatus.pending,
            attempts=2,
            next_attempt_at=WINTER,
            last_error="ConnectionRefusedError: [Errno 111] Connection refused",
            to_address="kaemmerei@example.org",
            subject="Genehmigung erforderlich: E-Akte",
        ),
        "sending": OutboxMessage(
            status=MailStatus.sending,
            attempts=1,
            next_attempt_at=SUMMER,
            claimed_at=SUMMER,
            to_address="amt20@example.org",
            subject="Status geändert: Breitband",
        ),
        "failed": OutboxMessage(
            status=MailStatus.failed,
            attempts=6,
            next_attempt_at=SUMMER,
            last_error=LONG_ERROR,
            to_address="buero@example.org",
            subject="Genehmigung erforderlich: WLAN in Schulen",
        ),
        "sent": OutboxMessage(
            status=MailStatus.sent,
            attempts=1,
            next_attempt_at=WINTER,
            sent_at=SUMMER,
            to_address="rat@example.org",
            subject="Status geändert: OZG-Leistung",
        ),
    }
    for key, message in created.items():
        message.kind = "state_changed"
        message.dedupe_key = f"cli:{key}"
        message.text_body = "Text"
        db.session.add(message)
    db.session.commit()
    return created


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["mail", *args])


def lines(output: str) -> dict[str, str]:
    """The output's rows by mail id (the first column)."""
    return {line.split()[0]: line for line in output.splitlines()[1:] if line.strip()}


def test_default_lists_what_is_not_delivered(app_ctx, mails):
    result = run(app_ctx, "outbox")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].split()[:3] == ["ID", "STATUS", "VERSUCHE"]
    rows = lines(result.output)
    assert set(rows) == {str(mails[k].id) for k in ("pending", "sending", "failed")}
    pending = rows[str(mails["pending"].id)]
    assert pending.split()[:5] == [str(mails["pending"].id), "pending", "2", "02.03.2026", "09:05"]
    assert "kaemmerei@example.org" in pending and "Genehmigung erforderlich: E-Akte" in pending
    assert "ConnectionRefusedError: [Errno 111] Connection refused" in pending
    assert "01.07.2026 12:00" in rows[str(mails["sending"].id)]  # summer time
    assert "Status geändert: OZG-Leistung" not in result.output


def test_failed_with_the_error_shortened(app_ctx, mails):
    result = run(app_ctx, "outbox", "--status", "failed")
    assert result.exit_code == 0, result.output
    (row,) = lines(result.output).values()
    assert row.split()[:4] == [str(mails["failed"].id), "failed", "6", "–"]
    assert "buero@example.org" in row and "Genehmigung erforderlich: WLAN in Schulen" in row
    assert "SMTPDataError: 451 temporary local problem" in row and row.endswith("…")
    assert LONG_ERROR.strip() not in row


def test_pending(app_ctx, mails):
    result = run(app_ctx, "outbox", "--status", "pending")
    assert result.exit_code == 0, result.output
    assert set(lines(result.output)) == {str(mails["pending"].id)}


def test_sent_with_the_time_it_was_sent(app_ctx, mails):
    result = run(app_ctx, "outbox", "--status", "sent")
    assert result.exit_code == 0, result.output
    (row,) = lines(result.output).values()
    assert row.split()[:2] == [str(mails["sent"].id), "sent"]
    assert "gesendet 01.07.2026 12:00" in row and "rat@example.org" in row


def test_all_newest_first_and_limited(app_ctx, mails):
    result = run(app_ctx, "outbox", "--status", "all")
    assert result.exit_code == 0, result.output
    ids = [int(i) for i in lines(result.output)]
    assert ids == sorted((m.id for m in mails.values()), reverse=True)
    result = run(app_ctx, "outbox", "--status", "all", "--limit", "2")
    assert list(lines(result.output))[:2] == [str(i) for i in ids[:2]]
    assert "2 von 4" in result.output


def test_an_empty_outbox_and_an_unknown_status(app_ctx):
    result = run(app_ctx, "outbox")
    assert result.exit_code == 0 and "Keine Mails" in result.output
    result = run(app_ctx, "outbox", "--status", "lost")
    assert result.exit_code == 2 and "lost" in result.output


def test_resend_a_failed_mail(app_ctx, mails):
    result = run(app_ctx, "resend", str(mails["failed"].id))
    assert result.exit_code == 0, result.output
    assert "buero@example.org" in result.output
    db.session.expire_all()
    mail = db.session.get(OutboxMessage, mails["failed"].id)
    assert (mail.status, mail.attempts, mail.claimed_at) == (MailStatus.pending, 0, None)


@pytest.mark.parametrize("key", ["sent", "pending", "sending"])
def test_resend_refuses_other_mails(app_ctx, mails, key):
    before = (mails[key].status, mails[key].attempts, mails[key].next_attempt_at)
    result = run(app_ctx, "resend", str(mails[key].id))
    assert result.exit_code == 1
    assert "Nur fehlgeschlagene Mails können erneut gesendet werden" in result.output
    db.session.expire_all()
    mail = db.session.get(OutboxMessage, mails[key].id)
    assert (mail.status, mail.attempts, mail.next_attempt_at) == before


def test_resend_of_an_unknown_mail(app_ctx, mails):
    result = run(app_ctx, "resend", "4711")
    assert result.exit_code == 1 and "4711" in result.output
