"""Who may act in a workflow, and whether a transition's guards hold.

Approver specifications (``owner``, ``department_head``, ``{role: finance}``, ...) are matched
against a user here, including the users they stand in for as substitutes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa

from digiflow.core.db import db
from digiflow.core.roles import Role, Scope
from digiflow.core.workflow.checks import get_check
from digiflow.core.workflow.definition import (
    REQUIRABLE_FIELDS,
    Approver,
    RecordApprover,
    RoleApprover,
    StepDef,
    TransitionDef,
)
from digiflow.users.models import RoleAssignment, Substitute, User

if TYPE_CHECKING:
    from digiflow.measures.models import ApprovalDecision, Measure


@dataclass(frozen=True)
class Identity:
    """Somebody acting: ``actor`` clicks, using the rights of ``principal``."""

    principal: User
    actor: User

    @property
    def on_behalf_of(self) -> User | None:
        return self.principal if self.principal.id != self.actor.id else None


def identities(actor: User, on: date) -> list[Identity]:
    """Return the actor as themselves first, then as each person they currently stand in for."""
    result = [Identity(actor, actor)]
    absent = db.session.scalars(
        sa.select(User)
        .join(Substitute, Substitute.user_id == User.id)
        .where(
            Substitute.deputy_id == actor.id,
            Substitute.starts_on <= on,
            Substitute.ends_on >= on,
            User.is_active_account.is_(True),
        )
        .order_by(User.id)
    ).unique()
    result.extend(Identity(principal, actor) for principal in absent)
    return result


def matches(user: User, spec: Approver, measure: Measure, committee_id: int | None = None) -> bool:
    """Tell whether ``user`` is what ``spec`` names for ``measure``."""
    if isinstance(spec, RecordApprover):
        if spec.resolve == "owner":
            return user.id == measure.owner_id
        if spec.resolve == "department_head":
            return user.has_role(
                Role.department_head, department_id=measure.department_id, scoped=True
            )
        if spec.resolve == "committee_secretary":
            return committee_id is not None and user.has_role(
                Role.committee_secretary, committee_id=committee_id, scoped=True
            )
        raise AssertionError(spec.resolve)
    assert isinstance(spec, RoleApprover)
    if spec.scope == Scope.department:
        return user.has_role(spec.role, department_id=measure.department_id, scoped=True)
    if spec.scope == Scope.committee:
        return committee_id is not None and user.has_role(
            spec.role, committee_id=committee_id, scoped=True
        )
    return user.has_role(spec.role)


def open_slot(
    principal: User,
    step: StepDef,
    decisions: Iterable[ApprovalDecision],
    measure: Measure,
) -> int | None:
    """Return the first approver entry of ``step`` that ``principal`` may still fill, if any.

    Each person decides once per step, and each approver entry is filled once.
    """
    decided = list(decisions)
    if any(d.principal_id == principal.id for d in decided):
        return None
    filled = {d.approver_index for d in decided}
    for index, spec in enumerate(step.approvers):
        if index not in filled and matches(principal, spec, measure):
            return index
    return None


def find_identity(
    actor: User,
    specs: list[Approver],
    measure: Measure,
    on: date,
    committee_id: int | None = None,
) -> Identity | None:
    """Return how ``actor`` may act as one of ``specs`` (as themselves first), or None."""
    for identity in identities(actor, on):
        if any(matches(identity.principal, s, measure, committee_id) for s in specs):
            return identity
    return None


def resolve_users(spec: Approver, measure: Measure, committee_id: int | None = None) -> list[User]:
    """Return every active user ``spec`` names for ``measure`` (for tasks lists and mails)."""
    if isinstance(spec, RecordApprover) and spec.resolve == "owner":
        owner = db.session.get(User, measure.owner_id)
        return [owner] if owner is not None and owner.is_active else []
    if isinstance(spec, RecordApprover):
        role = (
            Role.department_head if spec.resolve == "department_head" else Role.committee_secretary
        )
        scope = Scope.department if spec.resolve == "department_head" else Scope.committee
    else:
        role, scope = spec.role, spec.scope
    condition = sa.and_(
        RoleAssignment.department_id.is_(None), RoleAssignment.committee_id.is_(None)
    )
    if scope == Scope.department:
        condition = sa.or_(condition, RoleAssignment.department_id == measure.department_id)
    elif scope == Scope.committee:
        if committee_id is None:
            return []
        condition = sa.or_(condition, RoleAssignment.committee_id == committee_id)
    return list(
        db.session.scalars(
            sa.select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.role == role, condition, User.is_active_account.is_(True))
            .order_by(User.id)
        ).unique()
    )


def _is_filled(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    return True


def guard_failures(measure: Measure, transition: TransitionDef) -> list[tuple[str, str]]:
    """Return why the guards of ``transition`` fail for ``measure`` (German, English)."""
    failures: list[tuple[str, str]] = []
    missing = [f for f in transition.guards.required if not _is_filled(getattr(measure, f))]
    if missing:
        de = ", ".join(REQUIRABLE_FIELDS[f][0] for f in missing)
        en = ", ".join(REQUIRABLE_FIELDS[f][1] for f in missing)
        failures.append((f"Pflichtangaben fehlen: {de}.", f"Required fields missing: {en}."))
    for name in transition.guards.checks:
        failure = get_check(name)(measure)
        if failure is not None:
            failures.append((failure.de, failure.en))
    return failures
