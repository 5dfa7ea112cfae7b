"""Who may see, create and edit measures."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from digiflow.core.permissions import rule
from digiflow.core.roles import Role

if TYPE_CHECKING:
    from digiflow.measures.models import Measure
    from digiflow.org.models import Department
    from digiflow.users.models import User

#: Roles that read every measure of the body.
READ_ALL_ROLES = {
    Role.digitalization_office,
    Role.finance,
    Role.legal,
    Role.committee_secretary,
    Role.council_member,
    Role.admin,
}


def _reads_all(user: User) -> bool:
    """Office, finance, legal, secretaries, council members and admins read every measure;
    a role scoped to a committee (a committee's secretary or member) counts too."""
    return any(ra.role in READ_ALL_ROLES for ra in user.role_assignments)


@rule("measure.view")
def can_view(user: User, measure: Measure) -> bool:
    if measure.owner_id == user.id or measure.department_id == user.department_id:
        return True
    if _reads_all(user):
        return True
    return any(
        user.has_role(r, department_id=measure.department_id, scoped=True)
        for r in (Role.proposer, Role.department_head)
    )


def visible_measures(user: User) -> ColumnElement[bool]:
    """The SQL condition for the measures ``user`` may see (mirrors ``measure.view``)."""
    from digiflow.measures.models import Measure

    if not user.is_authenticated or not user.is_active:
        return sa.false()
    if _reads_all(user):
        return sa.true()
    departments = {
        ra.department_id
        for ra in user.role_assignments
        if ra.department_id is not None and ra.role in (Role.proposer, Role.department_head)
    }
    if user.department_id is not None:
        departments.add(user.department_id)
    return sa.or_(Measure.owner_id == user.id, Measure.department_id.in_(departments))


@rule("measure.comment")
def can_comment(user: User, measure: Measure) -> bool:
    """Everybody who sees a measure may comment, except council members (they read)."""
    if not can_view(user, measure):
        return False
    return not (user.roles <= {Role.council_member})


@rule("measure.attach")
def can_attach(user: User, measure: Measure) -> bool:
    """The department, its head and the office attach concepts and reports (not when closed)."""
    if measure.is_closed:
        return False
    if measure.owner_id == user.id or user.has_role(Role.digitalization_office):
        return True
    return any(
        user.has_role(r, department_id=measure.department_id, scoped=True)
        for r in (Role.proposer, Role.department_head)
    )


@rule("measure.create")
def can_create(user: User, department: Department) -> bool:
    if user.has_role(Role.digitalization_office):
        return True
    return any(
        user.has_role(r, department_id=department.id, scoped=True)
        for r in (Role.proposer, Role.department_head)
    )


@rule("measure.propose")
def can_propose(user: User, _obj: object) -> bool:
    """Whether the user may create measures in at least one department."""
    if user.has_role(Role.digitalization_office):
        return True
    return any(ra.role in (Role.proposer, Role.department_head) for ra in user.role_assignments)


@rule("measure.edit")
def can_edit(user: User, measure: Measure) -> bool:
    """Edit the facts while the measure is with the department (draft, returned)."""
    if measure.state_def.category.value != "open":
        return False
    if measure.owner_id == user.id or user.has_role(Role.digitalization_office):
        return True
    return any(
        user.has_role(r, department_id=measure.department_id, scoped=True)
        for r in (Role.proposer, Role.department_head)
    )


@rule("admin.access")
def can_administer(user: User, _obj: object) -> bool:
    return user.has_role(Role.admin)
