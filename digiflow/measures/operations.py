"""Operations on measures: create, edit, submit, transition, decide approvals, withdraw.

Plain functions, callable from views, the API, the CLI and tasks alike. Each checks permission,
locks the measure row, writes the audit history, fires a signal and flushes; none commits (the
request or task commits once). A refused action raises a DomainError and changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask import current_app

from digiflow.core.calendar import add_business_days
from digiflow.core.db import db
from digiflow.core.errors import (
    GuardFailed,
    IllegalTransition,
    PermissionDenied,
    StaleObject,
    ValidationFailed,
)
from digiflow.core.permissions import require
from digiflow.core.signals import (
    approval_decided,
    approval_opened,
    measure_created,
    measure_state_changed,
)
from digiflow.core.time import local_date, now_or
from digiflow.core.workflow.definition import (
    CommitteeResult,
    RecordApprover,
    StepDef,
    TransitionDef,
    WorkflowDef,
)
from digiflow.core.workflow.engine import (
    Identity,
    find_identity,
    guard_failures,
    identities,
    open_slot,
)
from digiflow.core.workflow.registry import registry
from digiflow.measures.models import (
    ApprovalDecision,
    ApprovalTask,
    Decision,
    HistoryAction,
    HistoryEntry,
    Measure,
    TaskStatus,
)
from digiflow.org.models import Committee, Department
from digiflow.users.models import User

#: Fields ``create_measure`` and ``update_measure`` accept besides title and department.
EDITABLE_FIELDS = (
    "title",
    "description",
    "owner_id",
    "field_of_action_id",
    "priority_id",
    "it_provider_id",
    "funding_programme_id",
    "cost_one_off",
    "cost_recurring",
    "budget_year",
    "start_date",
    "target_date",
)


def choose_workflow(cost_one_off: Decimal | None, cost_recurring: Decimal | None) -> str:
    """Pick the small-measure workflow below the configured limit, else the default one."""
    total = (cost_one_off or Decimal(0)) + (cost_recurring or Decimal(0))
    limit = Decimal(str(current_app.config["SMALL_MEASURE_LIMIT"]))
    if cost_one_off is not None and total < limit:
        return current_app.config["SMALL_MEASURE_WORKFLOW"]
    return current_app.config["DEFAULT_WORKFLOW"]


def create_measure(
    *,
    actor: User,
    department: Department,
    title: str,
    workflow_name: str | None = None,
    now: datetime | None = None,
    **fields: Any,
) -> Measure:
    """Create a measure in the initial state of its workflow."""
    now = now_or(now)
    require(actor, "measure.create", department)
    values = _clean_fields({"title": title, **fields})
    owner_id = values.pop("owner_id", None) or actor.id
    name = workflow_name or choose_workflow(
        values.get("cost_one_off"), values.get("cost_recurring")
    )
    stored = registry().current(name)
    definition = registry().definition(stored)
    measure = Measure(
        body_id=department.body_id,
        department_id=department.id,
        owner_id=owner_id,
        created_by_id=actor.id,
        workflow=stored,
        state=definition.initial,
        state_entered_at=now,
        created_at=now,
        updated_at=now,
        **values,
    )
    measure.state_deadline = _deadline(measure, definition, definition.initial, now)
    db.session.add(measure)
    db.session.flush()
    entry = _history(
        measure, HistoryAction.created, Identity(actor, actor), now, to_state=definition.initial
    )
    measure_created.send(measure, actor=actor, history=entry)
    return measure


def update_measure(
    measure: Measure,
    *,
    actor: User,
    expected_version: int | None = None,
    now: datetime | None = None,
    **changes: Any,
) -> Measure:
    """Change the facts of a measure while it is with its department; record what changed."""
    now = now_or(now)
    _lock(measure, expected_version)
    require(actor, "measure.edit", measure)
    values = _clean_fields(changes)
    diff: dict[str, list[Any]] = {}
    for key, value in values.items():
        old = getattr(measure, key)
        if old != value:
            diff[key] = [_jsonable(old), _jsonable(value)]
            setattr(measure, key, value)
    if not diff:
        return measure
    measure.updated_at = now
    db.session.flush()
    _history(measure, HistoryAction.edited, Identity(actor, actor), now, changes=diff)
    return measure


def submit_measure(
    measure: Measure,
    *,
    actor: User,
    comment: str | None = None,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Measure:
    """Submit a draft (or a returned measure) through the workflow's ``submit`` transition."""
    return transition_measure(
        measure,
        "submit",
        actor=actor,
        comment=comment,
        now=now,
        expected_version=expected_version,
    )


def transition_measure(
    measure: Measure,
    transition_key: str,
    *,
    actor: User,
    comment: str | None = None,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Measure:
    """Fire a manual transition (one with ``by:``) on behalf of ``actor``."""
    now = now_or(now)
    _lock(measure, expected_version)
    definition = measure.definition
    transition = definition.transitions.get(transition_key)
    if transition is None:
        raise IllegalTransition(
            f"Der Ablauf kennt keinen Schritt {transition_key!r}.",
            f"The workflow has no transition {transition_key!r}.",
        )
    _require_from(measure, definition, transition_key, transition)
    if transition.kind != "manual":
        raise IllegalTransition(
            f"„{transition.label.de}“ wird durch eine Genehmigung oder ein Gremium ausgelöst.",
            f"'{transition.label.en}' is fired by an approval or a committee, not by hand.",
        )
    identity = find_identity(actor, transition.by, measure, local_date(now))
    if identity is None:
        raise PermissionDenied(
            f"Sie dürfen „{transition.label.de}“ bei dieser Maßnahme nicht ausführen.",
            f"You may not '{transition.label.en}' this measure.",
        )
    comment = _clean_text(comment)
    if transition.comment_required and not comment:
        raise ValidationFailed(
            f"Für „{transition.label.de}“ ist eine Begründung erforderlich.",
            f"'{transition.label.en}' needs a comment.",
        )
    failures = guard_failures(measure, transition)
    if failures:
        raise GuardFailed(failures)
    assert transition.to is not None
    _enter_state(
        measure,
        transition.to,
        identity=identity,
        now=now,
        action=HistoryAction.transition,
        transition=transition_key,
        comment=comment,
    )
    return measure


def decide_approval(
    measure: Measure,
    *,
    actor: User,
    decision: Decision,
    reason: str | None = None,
    step: str | None = None,
    task: ApprovalTask | int | None = None,
    now: datetime | None = None,
) -> ApprovalDecision:
    """Record ``actor``'s decision on the pending approval step they may decide.

    Pages pass the ``task`` the person was looking at, so that a decision never lands on a
    step that opened in the meantime; ``step`` narrows by step key.

    Approving fills one approver slot; when a step reaches its quorum the next steps open, and
    when the last step is approved the transition fires. Rejecting or returning (a reason is
    required) ends the chain at once and sends the measure to the configured state.
    """
    now = now_or(now)
    decision = Decision(decision)
    reason = _clean_text(reason)
    if decision != Decision.approve and not reason:
        raise ValidationFailed(
            "Für eine Ablehnung oder Rückgabe ist eine Begründung erforderlich.",
            "A rejection or a send-back needs a reason.",
        )
    _lock(measure)
    definition = measure.definition
    tasks = _pending_tasks(measure)
    if step is not None:
        tasks = [t for t in tasks if t.step == step]
    if task is not None:
        task_id = task if isinstance(task, int) else task.id
        tasks = [t for t in tasks if t.id == task_id]
        if not tasks:
            raise IllegalTransition(
                "Dieser Genehmigungsschritt ist bereits abgeschlossen.",
                "This approval step has already been closed.",
            )
    if not tasks:
        raise IllegalTransition(
            "Für diese Maßnahme ist keine Genehmigung offen.",
            "No approval is pending for this measure.",
        )
    task, slot, identity = _find_slot(measure, definition, tasks, actor, local_date(now))
    transition = definition.transitions[task.transition]
    assert transition.approval is not None
    if decision == Decision.ret:
        if transition.approval.return_to is None:
            raise IllegalTransition(
                "Dieser Ablauf sieht keine Rückgabe zur Überarbeitung vor.",
                "This workflow does not allow sending back for revision.",
            )
        limit = transition.approval.max_returns
        if limit is not None and measure.return_count >= limit:
            raise IllegalTransition(
                f"Die Maßnahme wurde bereits {measure.return_count}-mal zurückgegeben "
                f"(höchstens {limit}); bitte genehmigen oder ablehnen.",
                f"The measure was already sent back {measure.return_count} times "
                f"(at most {limit}); approve or reject it.",
            )
    record = ApprovalDecision(
        task=task,
        approver_index=slot,
        actor_id=actor.id,
        principal_id=identity.principal.id,
        decision=decision,
        reason=reason,
        decided_at=now,
    )
    db.session.add(record)
    db.session.flush()
    step_def = _step_def(definition, task)
    action = {
        Decision.approve: HistoryAction.approved,
        Decision.reject: HistoryAction.rejected,
        Decision.ret: HistoryAction.returned,
    }[decision]

    if decision == Decision.approve:
        _history(
            measure,
            action,
            identity,
            now,
            transition=task.transition,
            step=task.step,
            from_state=measure.state,
            to_state=measure.state,
            comment=reason,
        )
        if _approvals(task) >= task.required_approvals:
            task.status = TaskStatus.approved
            task.closed_at = now
            _advance_chain(measure, definition, task, identity, now)
    else:
        task.status = TaskStatus.rejected if decision == Decision.reject else TaskStatus.returned
        task.closed_at = now
        if decision == Decision.ret:
            measure.return_count += 1
            target = transition.approval.return_to
        else:
            target = transition.approval.reject_to
        assert target is not None
        _enter_state(
            measure,
            target,
            identity=identity,
            now=now,
            action=action,
            transition=task.transition,
            step=step_def.key,
            comment=reason,
        )
    db.session.flush()
    approval_decided.send(task, decision=record)
    return record


def record_committee_result(
    measure: Measure,
    *,
    actor: User,
    committee: Committee,
    result: CommitteeResult | str,
    comment: str | None = None,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Measure:
    """Apply a committee's recorded result to the measure, as its workflow maps it.

    Only a secretary of ``committee`` (or a substitute acting for one) may record it. A result
    that maps to the current state (typically "deferred") keeps the measure waiting.
    """
    now = now_or(now)
    result = CommitteeResult(result)
    _lock(measure)
    definition = measure.definition
    candidates = [
        (key, t)
        for key, t in definition.committee_from(measure.state)
        if t.committee is not None and t.committee.committee_type == committee.type
    ]
    if not candidates:
        raise IllegalTransition(
            f"Im Zustand „{definition.states[measure.state].label.de}“ erwartet die Maßnahme "
            f"kein Ergebnis dieses Gremiums.",
            f"In state '{definition.states[measure.state].label.en}' the measure expects no "
            f"result from this committee.",
        )
    key, transition = candidates[0]
    assert transition.committee is not None
    target = transition.committee.results.get(result)
    if target is None:
        raise IllegalTransition(
            f"Das Ergebnis {result.value!r} ist für „{transition.label.de}“ nicht vorgesehen.",
            f"The result {result.value!r} is not foreseen for '{transition.label.en}'.",
        )
    identity = find_identity(
        actor,
        [RecordApprover(resolve="committee_secretary")],
        measure,
        local_date(now),
        committee_id=committee.id,
    )
    if identity is None:
        raise PermissionDenied(
            "Nur die Gremienbetreuung dieses Gremiums darf das Ergebnis erfassen.",
            "Only a secretary of this committee may record its result.",
        )
    info = {"committee_id": committee.id, "result": result.value, **(details or {})}
    if target == measure.state:
        _history(
            measure,
            HistoryAction.committee_result,
            identity,
            now,
            transition=key,
            from_state=measure.state,
            to_state=measure.state,
            comment=_clean_text(comment),
            changes=info,
        )
        db.session.flush()
        return measure
    _enter_state(
        measure,
        target,
        identity=identity,
        now=now,
        action=HistoryAction.committee_result,
        transition=key,
        comment=_clean_text(comment),
        changes=info,
    )
    return measure


def withdraw_measure(
    measure: Measure,
    *,
    actor: User,
    reason: str | None,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Measure:
    """Withdraw a measure that is not closed; open approvals are cancelled."""
    now = now_or(now)
    _lock(measure, expected_version)
    definition = measure.definition
    if definition.withdraw is None:
        raise IllegalTransition(
            "Dieser Ablauf sieht keine Rücknahme vor.", "This workflow has no withdrawal."
        )
    if definition.is_terminal(measure.state):
        raise IllegalTransition(
            "Die Maßnahme ist bereits abgeschlossen.", "The measure is already closed."
        )
    identity = find_identity(actor, definition.withdraw.by, measure, local_date(now))
    if identity is None:
        raise PermissionDenied(
            "Sie dürfen diese Maßnahme nicht zurückziehen.", "You may not withdraw this measure."
        )
    reason = _clean_text(reason)
    if not reason:
        raise ValidationFailed(
            "Für die Rücknahme ist eine Begründung erforderlich.", "A withdrawal needs a reason."
        )
    _enter_state(
        measure,
        definition.withdraw.to,
        identity=identity,
        now=now,
        action=HistoryAction.withdrawn,
        comment=reason,
    )
    return measure


def available_transitions(measure: Measure, user: User, now: datetime | None = None) -> list[str]:
    """Return the keys of the manual transitions ``user`` may start now (guards not checked)."""
    on = local_date(now_or(now))
    definition = measure.definition
    return [
        key
        for key, t in definition.transitions_from(measure.state)
        if t.kind == "manual" and find_identity(user, t.by, measure, on) is not None
    ]


# -- internals -----------------------------------------------------------------------------


def _lock(measure: Measure, expected_version: int | None = None) -> None:
    """Lock the measure's row for this transaction and reload it (SELECT ... FOR UPDATE)."""
    if measure.id is None:
        raise ValueError("the measure has not been created")
    db.session.refresh(measure, with_for_update=True)
    if expected_version is not None and measure.version != expected_version:
        raise StaleObject(
            "Die Maßnahme wurde inzwischen von jemand anderem geändert. Bitte laden Sie die "
            "Seite neu und prüfen Sie die Änderungen.",
            "Somebody else changed the measure in the meantime. Reload the page and check "
            "the changes.",
        )


def _require_from(
    measure: Measure, definition: WorkflowDef, key: str, transition: TransitionDef
) -> None:
    if measure.state not in transition.from_:
        state = definition.states[measure.state]
        raise IllegalTransition(
            f"„{transition.label.de}“ ist im Zustand „{state.label.de}“ nicht möglich.",
            f"'{transition.label.en}' is not possible in state '{state.label.en}'.",
            transition=key,
            state=measure.state,
        )


def _pending_tasks(measure: Measure) -> list[ApprovalTask]:
    return list(
        db.session.scalars(
            sa.select(ApprovalTask)
            .where(ApprovalTask.measure_id == measure.id, ApprovalTask.status == TaskStatus.pending)
            .order_by(ApprovalTask.order, ApprovalTask.id)
            .execution_options(populate_existing=True)
        )
    )


def _decisions(task: ApprovalTask) -> list[ApprovalDecision]:
    return list(
        db.session.scalars(
            sa.select(ApprovalDecision)
            .where(ApprovalDecision.task_id == task.id)
            .execution_options(populate_existing=True)
        )
    )


def _approvals(task: ApprovalTask) -> int:
    return sum(1 for d in _decisions(task) if d.decision == Decision.approve)


def _step_def(definition: WorkflowDef, task: ApprovalTask) -> StepDef:
    transition = definition.transitions[task.transition]
    assert transition.approval is not None
    return next(s for s in transition.approval.steps if s.key == task.step)


def _find_slot(
    measure: Measure,
    definition: WorkflowDef,
    tasks: list[ApprovalTask],
    actor: User,
    on: date,
) -> tuple[ApprovalTask, int, Identity]:
    """Find the first open approver slot ``actor`` may fill, as themselves or as a substitute."""
    already_decided = False
    for identity in identities(actor, on):
        for task in tasks:
            decisions = _decisions(task)
            if any(d.principal_id == identity.principal.id for d in decisions):
                already_decided = True
                continue
            slot = open_slot(identity.principal, _step_def(definition, task), decisions, measure)
            if slot is not None:
                return task, slot, identity
    if already_decided:
        raise IllegalTransition(
            "Sie haben in diesem Genehmigungsschritt bereits entschieden.",
            "You have already decided in this approval step.",
        )
    raise PermissionDenied(
        "Sie gehören nicht zu den Genehmigenden der offenen Schritte.",
        "You are not an approver of the pending steps.",
    )


def _advance_chain(
    measure: Measure,
    definition: WorkflowDef,
    task: ApprovalTask,
    identity: Identity,
    now: datetime,
) -> None:
    """Open the next steps once every step of this order is approved; fire at the end."""
    siblings = db.session.scalars(
        sa.select(ApprovalTask).where(
            ApprovalTask.measure_id == measure.id,
            ApprovalTask.transition == task.transition,
            ApprovalTask.round == task.round,
            ApprovalTask.order == task.order,
        )
    ).all()
    if any(s.status != TaskStatus.approved for s in siblings):
        return
    transition = definition.transitions[task.transition]
    assert transition.approval is not None
    later = [o for o in transition.approval.orders() if o > task.order]
    if later:
        _open_steps(measure, definition, task.transition, later[0], task.round, now)
        return
    assert transition.to is not None
    _enter_state(
        measure,
        transition.to,
        identity=identity,
        now=now,
        action=HistoryAction.transition,
        transition=task.transition,
    )


def _open_steps(
    measure: Measure,
    definition: WorkflowDef,
    transition_key: str,
    order: int,
    round_: int,
    now: datetime,
) -> None:
    transition = definition.transitions[transition_key]
    assert transition.approval is not None
    for step in transition.approval.steps:
        if step.order != order:
            continue
        due = (
            add_business_days(local_date(now), step.deadline_days, measure.body.federal_state)
            if step.deadline_days
            else None
        )
        task = ApprovalTask(
            measure=measure,
            transition=transition_key,
            step=step.key,
            order=step.order,
            round=round_,
            status=TaskStatus.pending,
            required_approvals=step.required_approvals(),
            opened_at=now,
            due_on=due,
        )
        db.session.add(task)
        db.session.flush()
        _history(
            measure,
            HistoryAction.approval_opened,
            None,
            now,
            transition=transition_key,
            step=step.key,
            from_state=measure.state,
            to_state=measure.state,
        )
        approval_opened.send(task)


def _cancel_pending(measure: Measure, now: datetime) -> None:
    """Cancel the approval steps still open when the measure leaves their state."""
    for task in _pending_tasks(measure):
        task.status = TaskStatus.cancelled
        task.closed_at = now


def _enter_state(
    measure: Measure,
    to_state: str,
    *,
    identity: Identity,
    now: datetime,
    action: HistoryAction,
    transition: str | None = None,
    step: str | None = None,
    comment: str | None = None,
    changes: dict[str, Any] | None = None,
) -> None:
    definition = measure.definition
    from_state = measure.state
    _cancel_pending(measure, now)
    measure.state = to_state
    measure.state_entered_at = now
    measure.state_deadline = _deadline(measure, definition, to_state, now)
    measure.closed_at = now if definition.is_terminal(to_state) else None
    measure.updated_at = now
    db.session.flush()
    entry = _history(
        measure,
        action,
        identity,
        now,
        transition=transition,
        step=step,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        changes=changes,
    )
    approval = definition.approval_from(to_state)
    if approval is not None:
        key, _ = approval
        previous = db.session.scalar(
            sa.select(sa.func.max(ApprovalTask.round)).where(
                ApprovalTask.measure_id == measure.id, ApprovalTask.transition == key
            )
        )
        first_order = definition.transitions[key].approval.orders()[0]  # type: ignore[union-attr]
        _open_steps(measure, definition, key, first_order, (previous or 0) + 1, now)
    measure_state_changed.send(
        measure,
        from_state=from_state,
        to_state=to_state,
        transition=transition,
        actor=identity.actor,
        on_behalf_of=identity.on_behalf_of,
        history=entry,
    )


def _deadline(measure: Measure, definition: WorkflowDef, state: str, now: datetime) -> date | None:
    days = definition.states[state].deadline_days
    if not days:
        return None
    federal_state = measure.body.federal_state if measure.body else "NI"
    return add_business_days(local_date(now), days, federal_state)


def _history(
    measure: Measure,
    action: HistoryAction,
    identity: Identity | None,
    now: datetime,
    **values: Any,
) -> HistoryEntry:
    entry = HistoryEntry(
        measure_id=measure.id,
        at=now,
        actor_id=identity.actor.id if identity else None,
        on_behalf_of_id=identity.on_behalf_of.id if identity and identity.on_behalf_of else None,
        action=action,
        **values,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _clean_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Check and normalize measure fields; refuse unknown ones and bad values."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            f"Unbekannte Felder: {', '.join(sorted(unknown))}.",
            f"Unknown fields: {', '.join(sorted(unknown))}.",
        )
    out = dict(values)
    if "title" in out:
        title = (out["title"] or "").strip()
        if not title:
            raise ValidationFailed("Bitte geben Sie einen Titel an.", "Please enter a title.")
        if len(title) > 300:
            raise ValidationFailed(
                "Der Titel darf höchstens 300 Zeichen lang sein.",
                "The title may be at most 300 characters long.",
            )
        out["title"] = title
    if "description" in out:
        out["description"] = (out["description"] or "").strip()
    for key in ("cost_one_off", "cost_recurring"):
        if key in out and out[key] is not None:
            try:
                amount = Decimal(str(out[key])).quantize(Decimal("0.01"))
            except InvalidOperation as exc:
                raise ValidationFailed(
                    "Bitte geben Sie einen Betrag in Euro an.", "Please enter an amount in euros."
                ) from exc
            if amount < 0 or amount >= Decimal("1e12"):
                raise ValidationFailed(
                    "Beträge müssen zwischen 0 und 999.999.999.999,99 € liegen.",
                    "Amounts must be between 0 and 999,999,999,999.99 €.",
                )
            out[key] = amount
    if out.get("budget_year") is not None:
        year = int(out["budget_year"])
        if not 2000 <= year <= 2100:
            raise ValidationFailed(
                "Das Haushaltsjahr muss zwischen 2000 und 2100 liegen.",
                "The budget year must be between 2000 and 2100.",
            )
        out["budget_year"] = year
    start, target = out.get("start_date"), out.get("target_date")
    if start and target and target < start:
        raise ValidationFailed(
            "Der Zieltermin liegt vor dem Beginn.", "The target date is before the start date."
        )
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
