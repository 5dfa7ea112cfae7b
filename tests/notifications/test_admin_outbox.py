"""The outbox page for admins: failed mails with their error, the jobs' last runs, re-sending."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from digiflow.core.db import db, utcnow
from digiflow.measures.operations import submit_measure
from digiflow.notifications.delivery import deliver, sweep
from digiflow.notifications.models import MailStatus, OutboxMessage
from digiflow.system.models import Heartbeat
from tests.conftest import csrf_token
from tests.factories import PASSWORD, World

OLD_BEAT = datetime(2026, 3, 2, 8, 5, tzinfo=UTC)  # 09:05 in Germany


@pytest.fixture
def world(app_ctx):
    world = World()
    db.session.commit()
    return world


def make_mail(status: MailStatus, n: int = 1, **values) -> OutboxMessage:
    defaults = {
        "kind": "state_changed",
        "dedupe_key": f"test:{status.value}:{n}",
        "to_address": f"person{n}@example.org",
        "subject": f"Mail {status.value} {n}",
        "text_body": "Text",
        "status": status,
        "attempts": {MailStatus.failed: 6, MailStatus.sent: 1}.get(status, 0),
    }
    if status == MailStatus.failed:
        defaults["last_error"] = f"SMTPRecipientsRefused: 550 mailbox unavailable ({n})"
    if status == MailStatus.sent:
        defaults["sent_at"] = utcnow()
    message = OutboxMessage(**(defaults | values))
    db.session.add(message)
    db.session.flush()
    return message


def login(client, auth, user) -> None:
    assert auth.login(user.email, PASSWORD).status_code == 302


def page(client, url: str = "/admin/outbox"):
    response = client.get(url)
    return response, response.get_data(as_text=True)


def post_resend(client, mail_id: int, **data):
    token = csrf_token(client.get("/admin/outbox").get_data(as_text=True))
    return client.post(f"/admin/outbox/{mail_id}/resend", data={"csrf_token": token, **data})


def fresh(mail_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, mail_id)


def row(html: str, element_id: str) -> str:
    match = re.search(rf'<tr id="{element_id}">(.*?)</tr>', html, re.S)
    assert match, f"no row {element_id}"
    return match.group(1)


def test_failed_mails_with_their_error_and_the_jobs_last_runs(world, client, auth):
    failed = make_mail(MailStatus.failed, recipient_id=world.finance.id)
    pending = make_mail(MailStatus.pending, last_error="ConnectionRefusedError: refused")
    make_mail(MailStatus.sent)
    db.session.add_all(
        [
            Heartbeat(name="beat", last_run_at=OLD_BEAT, runs=12),
            Heartbeat(name="outbox-sweep", last_run_at=OLD_BEAT + timedelta(minutes=1), runs=3),
        ]
    )
    db.session.commit()
    login(client, auth, world.admin)
    response, html = page(client)
    assert response.status_code == 200
    failed_row = row(html, f"mail-{failed.id}")
    assert "SMTPRecipientsRefused: 550 mailbox unavailable (1)" in failed_row
    assert world.finance.name in failed_row and "person1@example.org" in failed_row
    assert "Erneut senden" in failed_row
    assert f'action="/admin/outbox/{failed.id}/resend"' in failed_row
    assert "ConnectionRefusedError: refused" in row(html, f"mail-{pending.id}")
    assert "Erneut senden" not in row(html, f"mail-{pending.id}")
    assert "02.03.2026, 09:05" in row(html, "job-beat")
    assert "02.03.2026, 09:06" in row(html, "job-outbox-sweep")
    assert "noch nie" in row(html, "job-reminder-scan")
    assert "Warnung:" in html
    assert "Der Zeitplaner (Celery Beat) ist zuletzt am 02.03.2026, 09:05 gelaufen" in html
    assert ">1</td>" in row(html, "count-failed") and ">1</td>" in row(html, "count-sent")


def test_a_beat_that_runs_gives_no_warning_and_a_missing_one_does(world, client, auth):
    login(client, auth, world.admin)
    _, html = page(client)
    assert "noch nie" in row(html, "job-beat")
    assert "Der Zeitplaner (Celery Beat) ist noch nie gelaufen." in html
    db.session.add(Heartbeat(name="beat", last_run_at=utcnow() - timedelta(seconds=30), runs=1))
    db.session.commit()
    _, html = page(client)
    assert "Warnung:" not in html


def test_english_page(world, client, auth):
    world.admin.language = "en"
    make_mail(MailStatus.failed)
    db.session.commit()
    login(client, auth, world.admin)
    _, html = page(client)
    assert "<h1>Outbox</h1>" in html
    assert "Send again" in html and "never" in html and "Erneut senden" not in html


def test_resend_puts_a_failed_mail_back_and_the_sweep_delivers_it_once(
    world, client, auth, app_ctx, smtp, monkeypatch
):
    monkeypatch.setitem(app_ctx.config, "MAIL_MAX_ATTEMPTS", 1)
    submit_measure(world.measure(title="E-Akte"), actor=world.proposer)
    db.session.commit()
    (mail,) = db.session.scalars(sa.select(OutboxMessage)).all()
    smtp.stop()  # the mail server is down: the only try fails
    assert deliver(mail.id) == MailStatus.failed
    error = fresh(mail.id).last_error
    assert "Connection" in error
    login(client, auth, world.admin)
    _, html = page(client)
    assert error in row(html, f"mail-{mail.id}")

    response = post_resend(client, mail.id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/outbox")
    mail = fresh(mail.id)
    assert (mail.status, mail.attempts) == (MailStatus.pending, 0)
    assert "Genehmigung erforderlich: E-Akte" in client.get("/admin/outbox").get_data(as_text=True)

    smtp.start()
    assert sweep(now=utcnow() + timedelta(seconds=1)) == {"sent": 1}
    assert sweep(now=utcnow() + timedelta(days=1)) == {}
    assert [str(m["Subject"]) for m in smtp.messages] == ["Genehmigung erforderlich: E-Akte"]
    assert fresh(mail.id).status == MailStatus.sent


def test_resend_keeps_the_filter(world, client, auth):
    mail = make_mail(MailStatus.failed)
    db.session.commit()
    login(client, auth, world.admin)
    response = post_resend(client, mail.id, status="failed")
    assert response.headers["Location"].endswith("/admin/outbox?status=failed")


def test_resend_of_a_sent_mail_is_refused_and_changes_nothing(world, client, auth):
    mail = make_mail(MailStatus.sent)
    db.session.commit()
    before = (mail.status, mail.attempts, mail.sent_at, mail.next_attempt_at)
    login(client, auth, world.admin)
    response = post_resend(client, mail.id)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Nur fehlgeschlagene Mails können erneut gesendet werden" in html
    assert "„gesendet“" in html
    mail = fresh(mail.id)
    assert (mail.status, mail.attempts, mail.sent_at, mail.next_attempt_at) == before


@pytest.mark.parametrize("status", [MailStatus.pending, MailStatus.sending])
def test_resend_of_a_waiting_mail_is_refused(world, client, auth, status):
    mail = make_mail(status, attempts=2)
    db.session.commit()
    login(client, auth, world.admin)
    assert post_resend(client, mail.id).status_code == 409
    assert (fresh(mail.id).status, fresh(mail.id).attempts) == (status, 2)


def test_resend_of_an_unknown_mail_is_404(world, client, auth):
    login(client, auth, world.admin)
    assert post_resend(client, 4711).status_code == 404


def test_resend_needs_the_csrf_token(world, client, auth):
    mail = make_mail(MailStatus.failed)
    db.session.commit()
    login(client, auth, world.admin)
    response = client.post(f"/admin/outbox/{mail.id}/resend")
    assert response.status_code == 400
    assert fresh(mail.id).status == MailStatus.failed


@pytest.mark.parametrize("role", ["proposer", "office", "finance", "council"])
def test_only_admins(world, client, auth, role):
    mail = make_mail(MailStatus.failed)
    db.session.commit()
    login(client, auth, getattr(world, role))
    assert client.get("/admin/outbox").status_code == 403
    token = csrf_token(client.get("/profile").get_data(as_text=True))
    response = client.post(f"/admin/outbox/{mail.id}/resend", data={"csrf_token": token})
    assert response.status_code == 403
    assert fresh(mail.id).status == MailStatus.failed


def test_anonymous_is_sent_to_the_login(world, client):
    response = client.get("/admin/outbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_filter_by_status_and_pages(world, client, auth):
    failed = [make_mail(MailStatus.failed, n) for n in range(30)]
    make_mail(MailStatus.pending)
    db.session.commit()
    login(client, auth, world.admin)
    _, html = page(client)  # the overview shows the first 25 and links to all
    assert len(re.findall(r'<tr id="mail-(\d+)">', html)) == 25 + 1
    assert "Alle fehlgeschlagenen Mails anzeigen" in html
    _, html = page(client, "/admin/outbox?status=failed")
    assert "Gefundene Mails: 30" in html
    assert "Mail pending 1" not in html
    shown = set(re.findall(r'<tr id="mail-(\d+)">', html))
    assert len(shown) == 25
    assert 'aria-current="page"' in html and "?status=failed&amp;page=2" in html
    _, html2 = page(client, "/admin/outbox?status=failed&page=2")
    shown2 = set(re.findall(r'<tr id="mail-(\d+)">', html2))
    assert len(shown2) == 5 and not shown & shown2
    assert shown | shown2 == {str(m.id) for m in failed}

    _, html = page(client, "/admin/outbox?status=pending")
    assert "Gefundene Mails: 1" in html and "Mail pending 1" in html


def test_an_unknown_filter_is_named_and_ignored(world, client, auth):
    make_mail(MailStatus.failed)
    db.session.commit()
    login(client, auth, world.admin)
    response, html = page(client, "/admin/outbox?status=verloren")
    assert response.status_code == 200
    assert "Den Status „verloren“ gibt es nicht" in html
    assert "Mail failed 1" in html  # the overview


def test_the_overview_shows_the_last_50_sent(world, client, auth):
    start = utcnow() - timedelta(hours=1)
    for n in range(55):
        make_mail(MailStatus.sent, n, sent_at=start + timedelta(minutes=n))
    db.session.commit()
    login(client, auth, world.admin)
    _, html = page(client)
    assert len(re.findall(r'<tr id="mail-\d+">', html)) == 50
    assert "Mail sent 54" in html and "Mail sent 5<" in html and "Mail sent 4<" not in html


def test_queries_do_not_grow_with_the_mails(world, client, auth, query_counter):
    login(client, auth, world.admin)

    def count() -> int:
        with query_counter:
            assert client.get("/admin/outbox").status_code == 200
        return query_counter.count

    people = [world.finance, world.head, world.office, world.council]
    for status in (MailStatus.failed, MailStatus.pending, MailStatus.sent):
        make_mail(status, 0, recipient_id=world.finance.id)
    db.session.commit()
    few = count()
    for n in range(1, 20):
        for status in (MailStatus.failed, MailStatus.pending, MailStatus.sent):
            make_mail(status, n, recipient_id=people[n % len(people)].id)
    db.session.commit()
    assert count() == few
    # the recipients' names are joined; their roles are not loaded (only the admin's own)
    assert sum("FROM role_assignments" in sql for sql in query_counter.statements) == 1
