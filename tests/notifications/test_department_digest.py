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


def test_the_overview_lists_the_department_s_open_resolutions(app_ctx):
    from datetime import timedelta

    from digiflow.committees import agenda, meetings, session
    from digiflow.committees.models import AttendanceStatus
    from digiflow.committees.resolutions import update_resolution
    from digiflow.core.db import utcnow
    from tests.factories import SessionWorld

    world = SessionWorld()
    now = utcnow()
    earlier = now - timedelta(days=3)
    meeting = meetings.plan_meeting(
        world.specialist, actor=world.secretary, starts_at=now - timedelta(hours=2), now=earlier
    )
    done = agenda.add_item(
        meeting,
        actor=world.secretary,
        title="Breitbandkoordination",
        urgent_reason="Eilt",
        now=earlier,
    )
    still_open = agenda.add_item(
        meeting, actor=world.secretary, title="WLAN an Schulen", urgent_reason="Eilt", now=earlier
    )
    meetings.send_invitation(meeting, actor=world.secretary, urgent_reason="Eilt", now=earlier)
    session.record_attendance(
        meeting,
        actor=world.secretary,
        statuses={m.id: AttendanceStatus.present for m in world.members},
        now=now,
    )
    tasks = []
    for item in (done, still_open):
        session.record_result(
            item,
            actor=world.secretary,
            result="recommended",
            votes_yes=5,
            votes_no=0,
            votes_abstain=0,
            now=now,
        )
        from digiflow.committees.models import ResolutionTask

        task = db.session.scalars(
            sa.select(ResolutionTask).where(ResolutionTask.agenda_item_id == item.id)
        ).one()
        update_resolution(task, actor=world.office, status="in_progress", department=world.dept)
        tasks.append(task)
    update_resolution(tasks[0], actor=world.head, status="done", note="erledigt")
    db.session.commit()

    first_of_month = (now + timedelta(days=40)).replace(day=1)
    assert send_department_digests(now=first_of_month) == 1
    mail = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "department_digest")
    ).one()
    assert mail.to_address == world.head.email
    assert "1 offene Beschlüsse" in mail.subject
    assert "WLAN an Schulen" in mail.text_body and "Breitbandkoordination" not in mail.text_body
    assert "/resolutions/" in mail.text_body
