"""The monthly overview of open measures per department."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from digiflow.core.db import db
from digiflow.measures.operations import submit_measure, withdraw_measure
from digiflow.notifications.department_digest import send_department_digests
from digiflow.notifications.models import OutboxMessage
from tests.factories import World

MARCH = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)


def test_heads_get_one_overview_per_month(app_ctx):
    world = World()
    open_one = world.measure(title="E-Akte im Bauamt")
    submit_measure(open_one, actor=world.proposer, now=datetime(2026, 1, 5, 9, tzinfo=UTC))
    closed = world.measure(title="Zurückgezogen")
    withdraw_measure(closed, actor=world.proposer, reason="Erledigt")
    db.session.commit()

    assert send_department_digests(now=MARCH) == 1
    assert send_department_digests(now=MARCH) == 0  # once per month
    db.session.commit()
    mails = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "department_digest")
    ).all()
    (mail,) = mails
    assert mail.to_address == world.head.email
    assert mail.subject == f"Monatsübersicht {world.dept.short_name}: 1 offene Maßnahmen"
    assert "E-Akte im Bauamt" in mail.text_body and "Zurückgezogen" not in mail.text_body
    assert "überfällig" in mail.text_body
    assert send_department_digests(now=datetime(2026, 4, 1, 6, tzinfo=UTC)) == 1
