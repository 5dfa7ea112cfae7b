"""The roles people hold in digiflow, and the committee types roles can be scoped to."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A role a user holds, globally or scoped to a department or a committee."""

    proposer = "proposer"  # Sachbearbeitung im Fachbereich
    department_head = "department_head"  # Fachbereichsleitung
    digitalization_office = "digitalization_office"  # Digitalisierungsbeauftragte/r
    finance = "finance"  # Kämmerei
    legal = "legal"  # Rechtsamt, where a workflow asks for it
    committee_secretary = "committee_secretary"  # Gremienbetreuung, Sitzungsdienst
    council_member = "council_member"  # Rats-/Kreistagsmitglied
    admin = "admin"  # Administration


ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.proposer: ("Sachbearbeitung im Fachbereich", "Proposer"),
    Role.department_head: ("Fachbereichsleitung", "Department head"),
    Role.digitalization_office: ("Digitalisierungsbeauftragte/r", "Digitalization office"),
    Role.finance: ("Kämmerei", "Finance"),
    Role.legal: ("Rechtsamt", "Legal office"),
    Role.committee_secretary: ("Gremienbetreuung", "Committee secretary"),
    Role.council_member: ("Rats-/Kreistagsmitglied", "Council member"),
    Role.admin: ("Administration", "Administrator"),
}


class Scope(StrEnum):
    """What a role assignment (or an approver in a workflow) is bound to."""

    global_ = "global"
    department = "department"  # in a workflow: the measure's department
    committee = "committee"  # in a workflow: the committee that holds the agenda item


class CommitteeType(StrEnum):
    """Kinds of committees, as workflows refer to them."""

    specialist = "specialist"  # Fachausschuss
    main = "main"  # Kreisausschuss / Verwaltungsausschuss
    council = "council"  # Rat / Kreistag
    working_group = "working_group"  # e.g. "Unter-AG Digitalisierung"
