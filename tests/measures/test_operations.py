"""The workflow engine through its operations, on the shipped workflows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from digiflow.core.db import db
from digiflow.core.errors import (
    GuardFailed,
    IllegalTransition,
    PermissionDenied,
    StaleObject,
    ValidationFailed,
)
from digiflow.core.roles import Role
from digiflow.core.signals import measure_state_changed
from digiflow.measures.models import (
    ApprovalTask,
    Decision,
    HistoryAction,
    HistoryEntry,
    Measure,
    TaskStatus,
)
from digiflow.measures.operations import (
    create_measure,
    decide_approval,
    record_committee_result,
    submit_measure,
    transition_measure,
    update_measure,
    withdraw_measure,
)
from tests.factories import World, make_substitute, make_user

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday with no holiday near


@pytest.fixture
def world(app_ctx):
    return World()


def tasks(measure, status=TaskStatus.pending):
    return db.session.scalars(
        sa.select(ApprovalTask)
        .where(ApprovalTask.measure_id == measure.id, ApprovalTask.status == status)
        .order_by(ApprovalTask.id)
    ).all()


def snapshot(measure):
    """Everything an operation could change, to assert that a refused one changed nothing."""
    db.session.expire_all()
    m = db.session.get(Measure, measure.id)
    rows = db.session.execute(
        sa.select(ApprovalTask.id, ApprovalTask.status).where(ApprovalTask.measure_id == m.id)
    ).all()
    history = db.session.scalar(
        sa.select(sa.func.count()).select_from(HistoryEntry).where(HistoryEntry.measure_id == m.id)
    )
    return (m.state, m.version, m.return_count, tuple(rows), history)


def to_concept(world, measure):
    submit_measure(measure, actor=world.proposer, now=MONDAY)
    decide_approval(measure, actor=world.head, decision=Decision.approve, now=MONDAY)
    decide_approval(measure, actor=world.office, decision=Decision.approve, now=MONDAY)
    assert measure.state == "concept"


def test_create_pins_the_workflow_version_and_writes_history(world):
    measure = world.measure()
    assert measure.state == "draft"
    assert measure.workflow.name == "digitalization_measure"
    assert measure.workflow.version == 1
    assert [h.action for h in measure.history] == [HistoryAction.created]
    assert measure.history[0].to_state == "draft"


def test_small_amounts_choose_the_small_measure_workflow(world):
    small = create_measure(
        actor=world.proposer,
        department=world.dept,
        title="Digitales Fundbüro",
        cost_one_off=Decimal("4800"),
        cost_recurring=Decimal("600"),
    )
    big = create_measure(
        actor=world.proposer,
        department=world.dept,
        title="E-Akte",
        cost_one_off=Decimal("420000"),
    )
    assert small.workflow.name == "small_measure"
    assert big.workflow.name == "digitalization_measure"


def test_creating_needs_a_role_in_the_department(world):
    with pytest.raises(PermissionDenied):
        create_measure(actor=world.other_head, department=world.dept, title="Fremd")
    with pytest.raises(ValidationFailed):
        create_measure(actor=world.proposer, department=world.dept, title="   ")


def test_submit_checks_guards_and_changes_nothing_when_they_fail(world):
    measure = world.measure(description="", field_of_action_id=None)
    before = snapshot(measure)
    with pytest.raises(GuardFailed) as info:
        submit_measure(measure, actor=world.proposer)
    assert "Beschreibung" in info.value.message_de and "Handlungsfeld" in info.value.message_de
    assert snapshot(measure) == before


def test_submit_by_someone_else_is_refused(world):
    measure = world.measure()
    before = snapshot(measure)
    with pytest.raises(PermissionDenied):
        submit_measure(measure, actor=world.finance)
    with pytest.raises(PermissionDenied):
        submit_measure(measure, actor=world.other_head)
    assert snapshot(measure) == before


def test_submit_opens_the_first_step_with_a_business_day_deadline(world):
    measure = world.measure()
    submit_measure(measure, actor=world.proposer, now=MONDAY)
    assert measure.state == "proposal"
    # 15 business days from Monday 2 March 2026: Monday 23 March
    assert measure.state_deadline == date(2026, 3, 23)
    (task,) = tasks(measure)
    assert (task.step, task.order, task.round) == ("department_head", 1, 1)
    assert task.due_on == date(2026, 3, 9)  # 5 business days


def test_deadline_skips_easter_holidays_in_niedersachsen(world):
    measure = world.measure()
    thursday_before_easter = datetime(2026, 4, 2, 10, 0, tzinfo=UTC)
    submit_measure(measure, actor=world.proposer, now=thursday_before_easter)
    (task,) = tasks(measure)
    # Karfreitag 3.4. and Ostermontag 6.4.2026 are holidays: 7., 8., 9., 10., 13. April
    assert task.due_on == date(2026, 4, 13)


def test_sequential_chain_then_parallel_cosigning_fires_once(world):
    measure = world.measure()
    fired = []

    def record(sender, **kw):
        fired.append(kw["to_state"])

    measure_state_changed.connect(record)
    try:
        submit_measure(measure, actor=world.proposer)
        with pytest.raises(PermissionDenied):  # office must wait for the head (order 2)
            decide_approval(measure, actor=world.office, decision=Decision.approve)
        decide_approval(measure, actor=world.head, decision=Decision.approve)
        assert measure.state == "proposal"
        assert [t.step for t in tasks(measure)] == ["office"]
        decide_approval(measure, actor=world.office, decision=Decision.approve)
        assert measure.state == "concept"
        # finance and office co-sign in parallel (order 1 both)
        assert sorted(t.step for t in tasks(measure)) == ["finance", "office"]
        decide_approval(measure, actor=world.finance, decision=Decision.approve)
        assert measure.state == "concept"
        decide_approval(measure, actor=world.office2, decision=Decision.approve)
        assert measure.state == "committee_recommendation"
    finally:
        measure_state_changed.disconnect(record)
    assert fired == ["proposal", "concept", "committee_recommendation"]


def test_one_person_decides_a_step_only_once(world):
    measure = world.measure()
    to_concept(world, measure)
    decide_approval(measure, actor=world.office, decision=Decision.approve, step="office")
    with pytest.raises((IllegalTransition, PermissionDenied)):
        decide_approval(measure, actor=world.office, decision=Decision.approve, step="office")


def test_reject_needs_a_reason_and_goes_to_the_configured_state(world):
    measure = world.measure()
    submit_measure(measure, actor=world.proposer)
    before = snapshot(measure)
    with pytest.raises(ValidationFailed):
        decide_approval(measure, actor=world.head, decision=Decision.reject, reason="  ")
    assert snapshot(measure) == before
    decide_approval(measure, actor=world.head, decision=Decision.reject, reason="Kein Bedarf")
    assert measure.state == "rejected"
    assert measure.closed_at is not None
    assert tasks(measure) == []
    last = measure.history[-1]
    assert (last.action, last.comment, last.from_state) == (
        HistoryAction.rejected,
        "Kein Bedarf",
        "proposal",
    )


def test_rejection_in_a_parallel_step_cancels_the_other(world):
    measure = world.measure()
    to_concept(world, measure)
    decide_approval(measure, actor=world.finance, decision=Decision.reject, reason="Zu teuer")
    assert measure.state == "rejected"
    cancelled = tasks(measure, TaskStatus.cancelled)
    assert [t.step for t in cancelled] == ["office"]


def test_send_back_rounds_are_counted_and_limited(world):
    measure = world.measure()
    for round_ in (1, 2, 3):
        submit_measure(measure, actor=world.proposer)
        (task,) = tasks(measure)
        assert task.round == round_
        decide_approval(measure, actor=world.head, decision=Decision.ret, reason="Nachbessern")
        assert measure.state == "returned"
        assert measure.return_count == round_
    submit_measure(measure, actor=world.proposer)
    with pytest.raises(IllegalTransition) as info:
        decide_approval(measure, actor=world.head, decision=Decision.ret, reason="Nochmal")
    assert "höchstens 3" in info.value.message_de
    decide_approval(measure, actor=world.head, decision=Decision.approve)
    assert [t.step for t in tasks(measure)] == ["office"]


def test_substitute_approves_on_behalf_of_the_absent_head(world):
    deputy = make_user(department=world.dept, name="Vertretung")
    today = MONDAY.date()
    make_substitute(world.head, deputy, today - timedelta(days=1), today + timedelta(days=5))
    measure = world.measure()
    submit_measure(measure, actor=world.proposer, now=MONDAY)
    decision = decide_approval(measure, actor=deputy, decision=Decision.approve, now=MONDAY)
    assert decision.actor_id == deputy.id
    assert decision.principal_id == world.head.id
    entry = next(h for h in measure.history if h.action == HistoryAction.approved)
    assert (entry.actor_id, entry.on_behalf_of_id) == (deputy.id, world.head.id)


def test_substitution_outside_its_period_gives_no_rights(world):
    deputy = make_user(department=world.dept)
    today = MONDAY.date()
    make_substitute(world.head, deputy, today + timedelta(days=1), today + timedelta(days=5))
    measure = world.measure()
    submit_measure(measure, actor=world.proposer, now=MONDAY)
    with pytest.raises(PermissionDenied):
        decide_approval(measure, actor=deputy, decision=Decision.approve, now=MONDAY)


def test_the_head_of_another_department_cannot_approve(world):
    measure = world.measure()
    submit_measure(measure, actor=world.proposer)
    before = snapshot(measure)
    with pytest.raises(PermissionDenied):
        decide_approval(measure, actor=world.other_head, decision=Decision.approve)
    assert snapshot(measure) == before


def test_manual_transition_rules(world):
    measure = world.measure()
    with pytest.raises(IllegalTransition):
        transition_measure(measure, "complete", actor=world.proposer)
    with pytest.raises(IllegalTransition):
        transition_measure(measure, "no_such_step", actor=world.proposer)
    submit_measure(measure, actor=world.proposer)
    with pytest.raises(IllegalTransition):  # fired by the approval chain, not by hand
        transition_measure(measure, "review_proposal", actor=world.office)
    with pytest.raises(ValidationFailed):  # deferring needs a comment
        transition_measure(measure, "defer", actor=world.office)
    transition_measure(measure, "defer", actor=world.office, comment="Nächstes Jahr")
    assert measure.state == "deferred"
    assert tasks(measure) == []  # the open approval is no longer pending
    transition_measure(measure, "resume", actor=world.office)
    assert measure.state == "proposal"
    assert [t.round for t in tasks(measure)] == [2]


def test_committee_results_move_the_measure_as_the_definition_maps_them(world):
    measure = world.measure()
    to_concept(world, measure)
    decide_approval(measure, actor=world.finance, decision=Decision.approve)
    decide_approval(measure, actor=world.office2, decision=Decision.approve)
    assert measure.state == "committee_recommendation"
    with pytest.raises(IllegalTransition):  # the main committee decides later, not now
        record_committee_result(
            measure, actor=world.secretary, committee=world.main, result="recommended"
        )
    with pytest.raises(PermissionDenied):
        record_committee_result(
            measure, actor=world.office, committee=world.specialist, result="recommended"
        )
    record_committee_result(
        measure, actor=world.secretary, committee=world.specialist, result="deferred"
    )
    assert measure.state == "committee_recommendation"
    record_committee_result(
        measure, actor=world.secretary, committee=world.specialist, result="recommended"
    )
    assert measure.state == "budget_release"
    record_committee_result(measure, actor=world.secretary, committee=world.main, result="amended")
    assert measure.state == "implementation"
    transition_measure(measure, "complete", actor=world.proposer, comment="Fertig")
    assert measure.state == "completed"


def test_withdraw_cancels_open_approvals_and_needs_a_reason(world):
    measure = world.measure()
    submit_measure(measure, actor=world.proposer)
    with pytest.raises(ValidationFailed):
        withdraw_measure(measure, actor=world.proposer, reason="")
    with pytest.raises(PermissionDenied):
        withdraw_measure(measure, actor=world.finance, reason="Weil")
    withdraw_measure(measure, actor=world.proposer, reason="Erledigt sich durch Landeslösung")
    assert measure.state == "withdrawn"
    assert tasks(measure) == []
    assert [t.status for t in tasks(measure, TaskStatus.cancelled)] == [TaskStatus.cancelled]
    with pytest.raises(IllegalTransition):
        withdraw_measure(measure, actor=world.proposer, reason="Nochmal")


def test_small_measure_is_decided_by_the_office_alone(world):
    measure = create_measure(
        actor=world.proposer,
        department=world.dept,
        title="Hundesteuer online",
        description="Anmeldung online",
        cost_one_off=Decimal("6500"),
    )
    submit_measure(measure, actor=world.proposer)
    with pytest.raises(PermissionDenied):
        decide_approval(measure, actor=world.head, decision=Decision.approve)
    decide_approval(measure, actor=world.office, decision=Decision.approve)
    assert measure.state == "implementation"


def test_small_measure_guard_refuses_amounts_over_the_limit(world):
    measure = create_measure(
        actor=world.proposer,
        department=world.dept,
        title="Zu groß",
        description="x",
        cost_one_off=Decimal("6500"),
    )
    update_measure(measure, actor=world.proposer, cost_one_off=Decimal("30000"))
    with pytest.raises(GuardFailed) as info:
        submit_measure(measure, actor=world.proposer)
    assert "Wertgrenze" in info.value.message_de
    assert "30.000,00 €" in info.value.message_de


def test_update_records_changes_and_refuses_stale_versions(world):
    measure = world.measure()
    version = measure.version
    update_measure(measure, actor=world.proposer, expected_version=version, title="E-Akte 2.0")
    entry = measure.history[-1]
    assert entry.action == HistoryAction.edited
    assert entry.changes == {"title": ["E-Akte einführen", "E-Akte 2.0"]}
    with pytest.raises(StaleObject):
        update_measure(measure, actor=world.proposer, expected_version=version, title="Alt")
    assert measure.title == "E-Akte 2.0"
    submit_measure(measure, actor=world.proposer)
    with pytest.raises(PermissionDenied):  # no edits once it left the department
        update_measure(measure, actor=world.proposer, title="Neu")


def test_running_measures_stay_on_their_version(world, app_ctx, tmp_path):
    source = Path(app_ctx.config["WORKFLOWS_DIR"]) / "digitalization_measure.yaml"
    text = source.read_text(encoding="utf-8")
    old = world.measure()
    submit_measure(old, actor=world.proposer)
    # an administrator renames a label and shortens a deadline: a new version
    changed = text.replace("deadline_days: 15", "deadline_days: 3")
    (tmp_path / "digitalization_measure.yaml").write_text(changed, encoding="utf-8")
    registry = app_ctx.extensions["digiflow.workflows"]
    original_dir = registry.directory
    registry.directory = tmp_path
    registry.reload()
    try:
        new = world.measure()
        assert (old.workflow.version, new.workflow.version) == (1, 2)
        assert old.workflow.content_hash != new.workflow.content_hash
        submit_measure(new, actor=world.proposer, now=MONDAY)
        assert new.state_deadline == date(2026, 3, 5)
        # the old measure goes on with version 1
        decide_approval(old, actor=world.head, decision=Decision.approve)
        assert old.definition.states["proposal"].deadline_days == 15
    finally:
        registry.directory = original_dir
        registry.reload()


def test_quorum_n_of_m(app_ctx, tmp_path):
    """A step with three approvers and quorum 2 fires after two distinct approvals."""
    (tmp_path / "triple.yaml").write_text(
        """
name: triple
label: {de: Drei, en: Three}
initial: draft
states:
  draft: {label: {de: Entwurf, en: Draft}, category: open}
  review: {label: {de: Prüfung, en: Review}, category: active}
  done: {label: {de: Fertig, en: Done}, category: done}
  refused: {label: {de: Abgelehnt, en: Rejected}, category: rejected}
transitions:
  submit:
    from: draft
    to: review
    label: {de: Einreichen, en: Submit}
    by: [owner]
  decide:
    from: review
    to: done
    label: {de: Entscheiden, en: Decide}
    approval:
      reject_to: refused
      steps:
        - key: board
          label: {de: Gremium, en: Board}
          approvers: [{role: finance}, {role: legal}, {role: digitalization_office}]
          quorum: 2
""",
        encoding="utf-8",
    )
    registry = app_ctx.extensions["digiflow.workflows"]
    original_dir = registry.directory
    registry.directory = tmp_path
    registry.reload()
    try:
        world = World()
        legal = make_user(Role.legal)
        measure = create_measure(
            actor=world.proposer, department=world.dept, title="Q", workflow_name="triple"
        )
        submit_measure(measure, actor=world.proposer)
        (task,) = tasks(measure)
        assert task.required_approvals == 2
        decide_approval(measure, actor=legal, decision=Decision.approve)
        assert measure.state == "review"
        decide_approval(measure, actor=world.finance, decision=Decision.approve)
        assert measure.state == "done"
    finally:
        registry.directory = original_dir
        registry.reload()
