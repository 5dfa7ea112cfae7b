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


# -- committees and sessions -------------------------------------------------------------------


def drive_to_committee(world: World, measure: Any) -> Any:
    """Submit a measure and let every approval pass: it then waits for the specialist committee."""
    from digiflow.measures.models import Decision
    from digiflow.measures.operations import decide_approval, submit_measure

    submit_measure(measure, actor=world.proposer)
    for actor in (world.head, world.office, world.finance, world.office2):
        decide_approval(measure, actor=actor, decision=Decision.approve)
    assert measure.state == "committee_recommendation", measure.state
    return measure


class SessionWorld(World):
    """A World whose committees have members: the specialist committee has five voting
    members of two groups, a deputy and an advisory member; the main committee three voting
    members."""

    def __init__(self) -> None:
        from datetime import date

        from digiflow.committees.members import add_member, create_group, create_location
        from digiflow.committees.models import MemberRole

        super().__init__()
        self.group_a = create_group(
            actor=self.admin, body=self.body, name="Fraktion A", short_name="A"
        )
        self.group_b = create_group(
            actor=self.admin, body=self.body, name="Fraktion B", short_name="B"
        )
        self.location = create_location(
            actor=self.admin,
            body=self.body,
            description="Kreishaus, Sitzungssaal 1",
            street_address="Marktplatz 1",
            postal_code="31134",
            locality="Hildesheim",
        )
        start = date(2020, 1, 1)
        self.members = []
        for n in range(5):
            member = make_user(Role.council_member, name=f"Mitglied {n + 1}")
            group = self.group_a if n < 3 else self.group_b
            add_member(self.specialist, actor=self.admin, user=member, starts_on=start, group=group)
            self.members.append(member)
        self.deputy_member = make_user(Role.council_member, name="Stellvertreterin")
        add_member(
            self.specialist,
            actor=self.admin,
            user=self.deputy_member,
            starts_on=start,
            role=MemberRole.deputy,
            group=self.group_a,
        )
        self.advisory = make_user(Role.council_member, name="Beratendes Mitglied")
        add_member(
            self.specialist,
            actor=self.admin,
            user=self.advisory,
            starts_on=start,
            role=MemberRole.advisory,
        )
        self.main_members = []
        for n in range(3):
            member = make_user(Role.council_member, name=f"KA-Mitglied {n + 1}")
            add_member(self.main, actor=self.admin, user=member, starts_on=start)
            self.main_members.append(member)
