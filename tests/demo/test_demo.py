"""flask demo load: a living demo Landkreis with real histories."""

from __future__ import annotations

import sqlalchemy as sa

from digiflow.core.db import db, utcnow
from digiflow.core.roles import Role
from digiflow.demo.data import DEMO_PASSWORD, EMAIL_DOMAIN
from digiflow.measures.models import HistoryEntry, Measure
from digiflow.users.models import User


def test_demo_load_fills_every_state_with_real_history(app_ctx):
    now = utcnow()
    runner = app_ctx.test_cli_runner()
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    measures = db.session.scalars(sa.select(Measure)).all()
    assert 35 <= len(measures) <= 45
    default_states = set(measures[0].definition.states) if measures else set()
    reached = {m.state for m in measures if m.workflow.name == "digitalization_measure"}
    assert reached == default_states
    assert {m.workflow.name for m in measures} == {"digitalization_measure", "small_measure"}
    for measure in measures:
        history = db.session.scalars(
            sa.select(HistoryEntry)
            .where(HistoryEntry.measure_id == measure.id)
            .order_by(HistoryEntry.id)
        ).all()
        state = None
        for entry in history:
            if entry.to_state is not None and entry.from_state is not None:
                assert entry.from_state == state
            if entry.to_state is not None:
                state = entry.to_state
            assert entry.at <= now
        assert state == measure.state
        assert [h.at for h in history] == sorted(h.at for h in history)


def test_one_user_per_role_with_the_documented_password(app_ctx):
    assert app_ctx.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    users = db.session.scalars(sa.select(User)).all()
    held = {role for user in users for role in user.roles}
    assert held >= {r for r in Role if r != Role.legal}
    office = db.session.scalar(
        sa.select(User).where(User.email == f"digitalisierung@{EMAIL_DOMAIN}")
    )
    assert office.check_password(DEMO_PASSWORD)


def test_demo_is_not_loaded_twice(app_ctx):
    runner = app_ctx.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Measure))
    again = runner.invoke(args=["demo", "load", "--if-empty"])
    assert again.exit_code == 0 and "bereits" in again.output
    refused = runner.invoke(args=["demo", "load"])
    assert refused.exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Measure)) == count
