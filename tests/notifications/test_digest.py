"""Users choose immediate mails or a daily digest per kind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from digiflow.core.db import db
from digiflow.measures.operations import submit_measure
from digiflow.notifications.delivery import sweep
from digiflow.notifications.digest import send_digests
from digiflow.notifications.models import MailStatus, OutboxMessage
from digiflow.notifications.preferences import mail_preferences, set_mail_preferences
from tests.conftest import csrf_token
from tests.factories import PASSWORD, World


def later(seconds: float = 1):
    return datetime.now(UTC) + timedelta(seconds=seconds)


def test_held_mails_go_out_once_a_day_in_one_digest(app_ctx, smtp):
    world = World()
    set_mail_preferences(world.head, {"approval_requested": "digest"})
    for title in ("E-Akte", "WLAN an Schulen"):
        submit_measure(world.measure(title=title), actor=world.proposer)
    db.session.commit()
    held = db.session.scalars(sa.select(OutboxMessage)).all()
    assert [m.status for m in held] == [MailStatus.held, MailStatus.held]
    assert sweep(now=later()) == {}  # held mails are not sent one by one
    assert send_digests(now=later()) == 1
    assert send_digests(now=later()) == 0  # nothing left to digest
    assert sweep(now=later(2)) == {"sent": 1}
    (digest,) = smtp.messages
    assert digest["To"] == world.head.email
    assert "2 Nachrichten" in str(digest["Subject"])
    body = digest.get_body(preferencelist=("plain",)).get_content()
    assert "Genehmigung erforderlich: E-Akte" in body
    assert "Genehmigung erforderlich: WLAN an Schulen" in body
    statuses = db.session.scalars(sa.select(OutboxMessage.status).order_by(OutboxMessage.id))
    assert list(statuses) == [MailStatus.digested, MailStatus.digested, MailStatus.sent]


def test_profile_page_sets_the_preferences(app_ctx, client, auth):
    world = World()
    db.session.commit()
    auth.login(world.head.email, PASSWORD)
    page = client.get("/profile").get_data(as_text=True)
    assert "E-Mail-Benachrichtigungen" in page
    token = csrf_token(page)
    response = client.post(
        "/profile",
        data={
            "mail-csrf_token": token,
            "mail-submit": "1",
            "mail-approval_requested": "digest",
            "mail-state_changed": "immediate",
            "mail-reminder": "digest",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    prefs = mail_preferences(world.head)
    assert (prefs["approval_requested"].value, prefs["reminder"].value) == ("digest", "digest")
    bad = client.post(
        "/profile",
        data={
            "mail-csrf_token": token,
            "mail-submit": "1",
            "mail-approval_requested": "hourly",
            "mail-state_changed": "immediate",
            "mail-reminder": "digest",
        },
    )
    assert bad.status_code == 422
    db.session.expire_all()
    assert mail_preferences(world.head)["approval_requested"].value == "digest"
