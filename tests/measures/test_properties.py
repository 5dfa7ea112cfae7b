"""Property-based tests: random sequences of actions by random people keep the invariants.

- the state is always one of the definition's;
- approvals come only from people the step names (or their substitutes, recorded as such);
- a step is approved only with its quorum of distinct people and approver slots;
- pending steps belong to the current state's approval chain, none once the measure is closed;
- the history is complete: its state changes chain from the initial state to the current one;
- a refused action changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from digiflow.core.db import db
from digiflow.core.errors import DomainError
from digiflow.core.workflow.engine import matches
from digiflow.measures.models import (
    ApprovalDecision,
    ApprovalTask,
    Decision,
    HistoryAction,
    HistoryEntry,
    Measure,
    TaskStatus,
)
from digiflow.measures.operations import (
    decide_approval,
    record_committee_result,
    submit_measure,
    transition_measure,
    withdraw_measure,
)
from digiflow.users.models import Substitute
from tests.conftest import _empty_tables
from tests.factories import World, make_substitute, make_user

START = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
PEOPLE = [
    "proposer",
    "head",
    "other_head",
    "office",
    "office2",
    "finance",
    "secretary",
    "council",
    "admin",
    "deputy",
]
MANUAL = ["submit", "defer", "resume", "complete", "no_such"]
RESULTS = ["recommended", "amended", "rejected", "deferred", "noted"]

advance_step = st.tuples(
    st.just("advance"),
    st.integers(0, 9),
    st.sampled_from([Decision.approve] * 12 + [Decision.reject, Decision.ret]),
    st.sampled_from(["recommended"] * 6 + RESULTS),
)
action = st.one_of(
    advance_step,
    advance_step,
    advance_step,
    advance_step,
    advance_step,
    advance_step,
    st.tuples(
        st.just("decide"),
        st.sampled_from(PEOPLE),
        st.sampled_from([Decision.approve, Decision.approve, Decision.reject, Decision.ret]),
        st.sampled_from(["Begründung", ""]),
    ),
    st.tuples(
        st.just("transition"),
        st.sampled_from(PEOPLE),
        st.sampled_from(MANUAL),
        st.sampled_from(["Kommentar", ""]),
    ),
    st.tuples(
        st.just("committee"),
        st.sampled_from(PEOPLE),
        st.sampled_from(RESULTS),
        st.sampled_from(["specialist", "main"]),
    ),
    st.tuples(
        st.just("withdraw"),
        st.sampled_from(PEOPLE),
        st.just(None),
        st.sampled_from(["Zurückgezogen", ""]),
    ),
)


def state_of(measure_id):
    db.session.expire_all()
    m = db.session.get(Measure, measure_id)
    return (
        m.state,
        m.version,
        m.return_count,
        tuple(
            db.session.execute(
                sa.select(ApprovalTask.id, ApprovalTask.status)
                .where(ApprovalTask.measure_id == m.id)
                .order_by(ApprovalTask.id)
            ).all()
        ),
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(HistoryEntry)
            .where(HistoryEntry.measure_id == m.id)
        ),
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ApprovalDecision)
            .join(ApprovalTask)
            .where(ApprovalTask.measure_id == m.id)
        ),
    )


def check_invariants(measure: Measure) -> None:
    db.session.expire_all()
    measure = db.session.get(Measure, measure.id)
    definition = measure.definition
    assert measure.state in definition.states

    tasks = db.session.scalars(
        sa.select(ApprovalTask).where(ApprovalTask.measure_id == measure.id)
    ).all()
    for task in tasks:
        transition = definition.transitions[task.transition]
        step = next(s for s in transition.approval.steps if s.key == task.step)
        approvals = [d for d in task.decisions if d.decision == Decision.approve]
        assert len({d.principal_id for d in task.decisions}) == len(task.decisions)
        assert len({d.approver_index for d in task.decisions}) == len(task.decisions)
        for d in task.decisions:
            assert matches(d.principal, step.approvers[d.approver_index], measure), d
            if d.principal_id != d.actor_id:
                day = d.decided_at.date()
                assert db.session.scalar(
                    sa.select(Substitute.id).where(
                        Substitute.user_id == d.principal_id,
                        Substitute.deputy_id == d.actor_id,
                        Substitute.starts_on <= day + timedelta(days=1),
                        Substitute.ends_on >= day - timedelta(days=1),
                    )
                ), "an on-behalf decision needs a substitution"
        if task.status == TaskStatus.approved:
            assert len(approvals) >= task.required_approvals == step.required_approvals()
        if task.status == TaskStatus.pending:
            assert len(approvals) < task.required_approvals
            approval = definition.approval_from(measure.state)
            assert approval is not None and approval[0] == task.transition
    if definition.is_terminal(measure.state):
        assert not [t for t in tasks if t.status == TaskStatus.pending]

    history = db.session.scalars(
        sa.select(HistoryEntry)
        .where(HistoryEntry.measure_id == measure.id)
        .order_by(HistoryEntry.id)
    ).all()
    assert history[0].action == HistoryAction.created
    current = history[0].to_state
    assert current == definition.initial
    for entry in history[1:]:
        if entry.from_state is not None:
            assert entry.from_state == current, (entry, current)
            current = entry.to_state
    assert current == measure.state
    decisions = [d for t in tasks for d in t.decisions]
    approved_entries = [h for h in history if h.action == HistoryAction.approved]
    assert len(approved_entries) == sum(1 for d in decisions if d.decision == Decision.approve)


def advance(world, measure, index, decision, result, now):
    """Take a plausible next step (so that random sequences reach every state)."""
    from digiflow.measures.queries import pending_approvals_for

    candidates = [p for p in PEOPLE if pending_approvals_for(getattr(world, p), now=now)]
    if candidates:
        actor = getattr(world, candidates[index % len(candidates)])
        decide_approval(measure, actor=actor, decision=decision, reason="Begründung", now=now)
    elif measure.state in ("draft", "returned"):
        submit_measure(measure, actor=world.proposer, now=now)
    elif measure.state == "committee_recommendation":
        record_committee_result(
            measure, actor=world.secretary, committee=world.specialist, result=result, now=now
        )
    elif measure.state == "budget_release":
        record_committee_result(
            measure, actor=world.secretary, committee=world.main, result=result, now=now
        )
    elif measure.state == "deferred":
        transition_measure(measure, "resume", actor=world.office, now=now)
    elif measure.state == "implementation":
        transition_measure(measure, "complete", actor=world.proposer, comment="Fertig", now=now)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    workflow=st.sampled_from(["digitalization_measure", "small_measure"]),
    prefix=st.lists(advance_step, max_size=12),
    actions=st.lists(action, min_size=3, max_size=40),
)
def test_random_action_sequences_keep_the_invariants(app, workflow, prefix, actions):
    with app.app_context():
        try:
            world = World()
            world.deputy = make_user(department=world.dept, name="Vertretung")
            make_substitute(
                world.head, world.deputy, START.date(), START.date() + timedelta(days=60)
            )
            measure = world.measure(workflow=workflow)
            if workflow == "small_measure":
                measure.cost_one_off = measure.cost_recurring = 1000
            db.session.flush()
            now = START
            for kind, who, what, text in prefix + actions:
                now += timedelta(hours=7)
                actor = getattr(world, who) if isinstance(who, str) else None
                before = state_of(measure.id)
                measure = db.session.get(Measure, measure.id)
                try:
                    if kind == "advance":
                        advance(world, measure, who, what, text, now)
                    elif kind == "decide":
                        decide_approval(measure, actor=actor, decision=what, reason=text, now=now)
                    elif kind == "transition":
                        if what == "submit":
                            submit_measure(measure, actor=actor, comment=text, now=now)
                        else:
                            transition_measure(measure, what, actor=actor, comment=text, now=now)
                    elif kind == "committee":
                        committee = (
                            world.specialist if what and text == "specialist" else world.main
                        )
                        record_committee_result(
                            measure, actor=actor, committee=committee, result=what, now=now
                        )
                    else:
                        withdraw_measure(measure, actor=actor, reason=text, now=now)
                except DomainError:
                    assert state_of(measure.id) == before, "a refused action changed data"
                check_invariants(measure)
            visited = db.session.scalars(
                sa.select(HistoryEntry.to_state).where(HistoryEntry.measure_id == measure.id)
            ).all()
            for state in sorted(set(visited)):
                event(f"visited: {state}")
        finally:
            db.session.remove()
            _empty_tables()
            db.session.remove()
