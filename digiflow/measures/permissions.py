"""Who may see, create and edit measures."""

from __future__ import annotations

from typing import TYPE_CHECKING

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


@rule("measure.view")
def can_view(user: User, measure: Measure) -> bool:
    if measure.owner_id == user.id or measure.department_id == user.department_id:
        return True
    if any(user.has_role(r) for r in READ_ALL_ROLES):
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
