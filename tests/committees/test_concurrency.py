"""Two people at once, on two real PostgreSQL connections: a result is recorded once and moves
the measure once; two papers created at the same moment get different numbers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa

from digiflow.committees import agenda, meetings, papers, session
from digiflow.committees.models import AgendaItem, AttendanceStatus, Paper
from digiflow.core.db import db, utcnow
from digiflow.core.errors import DomainError
from digiflow.measures.models import HistoryAction, HistoryEntry, Measure
from digiflow.users.models import User
from digiflow.users.operations import assign_role
from tests.conftest import USING_POSTGRES
from tests.factories import SessionWorld, drive_to_committee

pytestmark = pytest.mark.skipif(
    not USING_POSTGRES, reason="row locks need PostgreSQL; CI runs this against it"
)


def _race(app, calls: list[Callable[[], None]]) -> list[object]:
    """Run each call in its own thread, app context and connection, all at the same moment."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], None]) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                call()
                db.session.commit()
                outcomes[index] = "ok"
            except DomainError as exc:
                db.session.rollback()
                outcomes[index] = exc
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                db.session.rollback()
                outcomes[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_secretaries_record_the_same_item_at_once(app_ctx):
    from digiflow.core.roles import Role
    from tests.factories import make_user

    world = SessionWorld()
    second = make_user(name="Zweite Gremienbetreuung")
    assign_role(second, Role.committee_secretary, committee=world.specialist)
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
    meetings.send_invitation(
        meeting, actor=world.secretary, urgent_reason="Eilt", now=now - timedelta(days=3)
    )
    session.record_attendance(
        meeting,
        actor=world.secretary,
        statuses={m.id: AttendanceStatus.present for m in world.members},
        now=now + timedelta(hours=1, minutes=5),
    )
    db.session.commit()
    ids = (item.id, world.secretary.id, second.id, measure.id)
    day = now + timedelta(hours=1, minutes=10)

    def record(user_id: int) -> Callable[[], None]:
        def call() -> None:
            session.record_result(
                db.session.get(AgendaItem, ids[0]),
                actor=db.session.get(User, user_id),
                result="recommended",
                votes_yes=4,
                votes_no=1,
                votes_abstain=0,
                now=day,
            )

        return call

    outcomes = _race(app_ctx, [record(ids[1]), record(ids[2])])
    assert outcomes.count("ok") == 1, outcomes
    refused = [o for o in outcomes if o != "ok"]
    assert len(refused) == 1 and isinstance(refused[0], DomainError), outcomes
    assert "already" in str(refused[0])
    db.session.expire_all()
    assert db.session.get(Measure, ids[3]).state == "budget_release"
    results = db.session.scalars(
        sa.select(HistoryEntry).where(
            HistoryEntry.measure_id == ids[3], HistoryEntry.action == HistoryAction.committee_result
        )
    ).all()
    assert len(results) == 1


def test_papers_created_at_the_same_moment_get_different_numbers(app_ctx):
    world = SessionWorld()
    db.session.commit()
    body_id, office_id = world.body.id, world.office.id

    def create(title: str) -> Callable[[], None]:
        def call() -> None:
            from digiflow.org.models import Body

            papers.create_paper(
                actor=db.session.get(User, office_id),
                body=db.session.get(Body, body_id),
                paper_type="information",
                title=title,
            )

        return call

    outcomes = _race(app_ctx, [create(f"Vorlage {n}") for n in range(4)])
    assert outcomes == ["ok"] * 4
    numbers = sorted(db.session.scalars(sa.select(Paper.number)))
    assert numbers == [1, 2, 3, 4]
