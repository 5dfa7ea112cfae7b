"""Two people deciding at once, on two real PostgreSQL connections: nothing fires twice,
nothing gets stuck."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from digiflow.core.db import db
from digiflow.core.errors import DomainError
from digiflow.measures.models import (
    ApprovalTask,
    Decision,
    HistoryAction,
    HistoryEntry,
    Measure,
    TaskStatus,
)
from digiflow.measures.operations import decide_approval, submit_measure
from digiflow.users.models import User
from tests.conftest import USING_POSTGRES
from tests.factories import World

pytestmark = pytest.mark.skipif(
    not USING_POSTGRES, reason="row locks need PostgreSQL; CI runs this against it"
)


def _race(app, calls):
    """Run each ``(user_id, measure_id, kwargs)`` decision in its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index, user_id, measure_id, kwargs):
        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                measure = db.session.get(Measure, measure_id)
                barrier.wait(timeout=10)
                decide_approval(measure, actor=user, decision=Decision.approve, **kwargs)
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

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


def _transitions(measure_id, key):
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(HistoryEntry)
        .where(
            HistoryEntry.measure_id == measure_id,
            HistoryEntry.action == HistoryAction.transition,
            HistoryEntry.transition == key,
        )
    )


@pytest.mark.parametrize("repeat", range(3))
def test_two_office_members_approving_the_same_step_fire_once(app_ctx, repeat):
    world = World()
    measure = world.measure()
    submit_measure(measure, actor=world.proposer)
    decide_approval(measure, actor=world.head, decision=Decision.approve)
    (task,) = [t for t in measure.approval_tasks if t.status == TaskStatus.pending]
    ids = (measure.id, task.id, world.office.id, world.office2.id)
    db.session.commit()
    measure_id, task_id, office_id, office2_id = ids

    outcomes = _race(
        app_ctx,
        [
            (office_id, measure_id, {"task": task_id}),
            (office2_id, measure_id, {"task": task_id}),
        ],
    )

    assert sorted(type(o).__name__ for o in outcomes) == ["IllegalTransition", "str"], outcomes
    db.session.expire_all()
    assert db.session.get(Measure, measure_id).state == "concept"
    assert _transitions(measure_id, "review_proposal") == 1
    cosign = db.session.scalars(
        sa.select(ApprovalTask).where(
            ApprovalTask.measure_id == measure_id, ApprovalTask.transition == "cosign_concept"
        )
    ).all()
    assert sorted(t.step for t in cosign) == ["finance", "office"]  # opened once, not twice


@pytest.mark.parametrize("repeat", range(3))
def test_parallel_steps_approved_at_once_fire_exactly_once(app_ctx, repeat):
    world = World()
    measure = world.measure()
    submit_measure(measure, actor=world.proposer)
    decide_approval(measure, actor=world.head, decision=Decision.approve)
    decide_approval(measure, actor=world.office, decision=Decision.approve)
    assert measure.state == "concept"
    ids = (measure.id, world.finance.id, world.office2.id)
    db.session.commit()
    measure_id, finance_id, office2_id = ids

    outcomes = _race(
        app_ctx,
        [
            (finance_id, measure_id, {"step": "finance"}),
            (office2_id, measure_id, {"step": "office"}),
        ],
    )

    assert outcomes == ["ok", "ok"]
    db.session.expire_all()
    assert db.session.get(Measure, measure_id).state == "committee_recommendation"
    assert _transitions(measure_id, "cosign_concept") == 1
