"""Factories for test data; they flush, the tests decide whether to commit."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from digiflow.core.db import db
from digiflow.core.roles import CommitteeType, Role
from digiflow.measures.operations import create_measure
from digiflow.org.models import Body, Committee, Department
from digiflow.users.models import Substitute, User
from digiflow.users.operations import assign_role, create_user

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def make_body(federal_state: str = "NI") -> Body:
    body = Body(
        name="Landkreis Test", short_name="LK Test", kind="Landkreis", federal_state=federal_state
    )
    db.session.add(body)
    db.session.flush()
    return body


def make_department(body: Body, short_name: str | None = None) -> Department:
    n = next(_seq)
    department = Department(body=body, short_name=short_name or f"FB {n}", name=f"Fachbereich {n}")
    db.session.add(department)
    db.session.flush()
    return department


def make_committee(body: Body, type_: CommitteeType = CommitteeType.specialist) -> Committee:
    n = next(_seq)
    committee = Committee(body_id=body.id, short_name=f"A{n}", name=f"Ausschuss {n}", type=type_)
    db.session.add(committee)
    db.session.flush()
    return committee


def make_user(
    *roles: Role | tuple[Role, Department | Committee],
    department: Department | None = None,
    name: str | None = None,
    language: str = "de",
) -> User:
    """Create a user; a role given alone is global, a (role, department/committee) is scoped."""
    n = next(_seq)
    user = create_user(
        email=f"user{n}@example.org",
        name=name or f"Person {n}",
        password=PASSWORD,
        department=department,
        language=language,
    )
    for item in roles:
        if isinstance(item, tuple):
            role, scope = item
            if isinstance(scope, Department):
                assign_role(user, role, department=scope)
            else:
                assign_role(user, role, committee=scope)
        else:
            assign_role(user, item)
    return user


def make_substitute(user: User, deputy: User, starts_on: Any, ends_on: Any) -> Substitute:
    sub = Substitute(user=user, deputy=deputy, starts_on=starts_on, ends_on=ends_on)
    db.session.add(sub)
    db.session.flush()
    return sub


def complete_fields(**overrides: Any) -> dict[str, Any]:
    """Fields that satisfy every guard of the shipped workflows."""
    from datetime import date

    from digiflow.catalogs.models import CatalogEntry, CatalogKind

    field = CatalogEntry(
        kind=CatalogKind.field_of_action,
        key=f"f{next(_seq)}",
        label_de="Online-Dienste",
        label_en="Online services",
    )
    prio = CatalogEntry(
        kind=CatalogKind.priority, key=f"p{next(_seq)}", label_de="hoch", label_en="high"
    )
    db.session.add_all([field, prio])
    db.session.flush()
    values: dict[str, Any] = {
        "description": "Beschreibung der Maßnahme",
        "cost_one_off": Decimal("100000"),
        "cost_recurring": Decimal("10000"),
        "budget_year": 2026,
        "field_of_action_id": field.id,
        "priority_id": prio.id,
        "target_date": date(2027, 6, 30),
    }
    values.update(overrides)
    return values


class World:
    """A small body with one department and a person in every role of the default workflow."""

    def __init__(self) -> None:
        self.body = make_body()
        self.dept = make_department(self.body)
        self.other_dept = make_department(self.body)
        self.specialist = make_committee(self.body, CommitteeType.specialist)
        self.main = make_committee(self.body, CommitteeType.main)
        self.proposer = make_user((Role.proposer, self.dept), department=self.dept)
        self.head = make_user((Role.department_head, self.dept), department=self.dept)
        self.other_head = make_user(
            (Role.department_head, self.other_dept), department=self.other_dept
        )
        self.office = make_user(Role.digitalization_office)
        self.office2 = make_user(Role.digitalization_office)
        self.finance = make_user(Role.finance)
        self.secretary = make_user(
            (Role.committee_secretary, self.specialist), (Role.committee_secretary, self.main)
        )
        self.council = make_user(Role.council_member)
        self.admin = make_user(Role.admin)

    def measure(self, workflow: str | None = "digitalization_measure", **fields: Any):  # noqa: ANN201
        values = complete_fields(**fields)
        return create_measure(
            actor=self.proposer,
            department=self.dept,
            title=values.pop("title", "E-Akte einführen"),
            workflow_name=workflow,
            **values,
        )
