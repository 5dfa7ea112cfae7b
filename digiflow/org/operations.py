"""Operations on the organisation: the body, its departments and committees."""

from __future__ import annotations

import sqlalchemy as sa

from digiflow.core.db import db
from digiflow.core.errors import ValidationFailed
from digiflow.core.roles import CommitteeType
from digiflow.org.models import FEDERAL_STATES, Body, Committee, Department


def current_body() -> Body | None:
    """Return the body digiflow runs for (one installation serves one body)."""
    return db.session.scalar(sa.select(Body).order_by(Body.id).limit(1))


def _text(value: str, label_de: str, label_en: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"Bitte {label_de} angeben.", f"Please enter {label_en}.")
    if len(value) > max_length:
        raise ValidationFailed(
            f"{label_de} darf höchstens {max_length} Zeichen lang sein.",
            f"{label_en} may be at most {max_length} characters long.",
        )
    return value


def create_body(
    *, name: str, short_name: str, kind: str, federal_state: str = "NI", ags: str | None = None
) -> Body:
    """Create the body; refuse a second one and an unknown federal state."""
    if current_body() is not None:
        raise ValidationFailed(
            "Es ist bereits eine Körperschaft angelegt.", "A body already exists."
        )
    federal_state = (federal_state or "").strip().upper()
    if federal_state not in FEDERAL_STATES:
        known = ", ".join(sorted(FEDERAL_STATES))
        raise ValidationFailed(
            f"Unbekanntes Bundesland {federal_state!r}; bekannt: {known}.",
            f"Unknown federal state {federal_state!r}; known: {known}.",
        )
    body = Body(
        name=_text(name, "einen Namen", "a name", 200),
        short_name=_text(short_name, "eine Kurzbezeichnung", "a short name", 50),
        kind=_text(kind, "die Art (z. B. Landkreis)", "the kind (e.g. Landkreis)", 50),
        federal_state=federal_state,
        ags=(ags or "").strip() or None,
    )
    db.session.add(body)
    db.session.flush()
    return body


def _require_body() -> Body:
    body = current_body()
    if body is None:
        raise ValidationFailed(
            "Bitte zuerst die Körperschaft anlegen (flask org create-body).",
            "Create the body first (flask org create-body).",
        )
    return body


def add_department(*, short_name: str, name: str) -> Department:
    body = _require_body()
    short_name = _text(short_name, "eine Kurzbezeichnung", "a short name", 30)
    exists = db.session.scalar(
        sa.select(Department.id).where(
            Department.body_id == body.id, Department.short_name == short_name
        )
    )
    if exists:
        raise ValidationFailed(
            f"Den Fachbereich {short_name!r} gibt es bereits.",
            f"The department {short_name!r} already exists.",
        )
    department = Department(
        body=body, short_name=short_name, name=_text(name, "einen Namen", "a name", 200)
    )
    db.session.add(department)
    db.session.flush()
    return department


def add_committee(
    *,
    short_name: str,
    name: str,
    type_: CommitteeType | str,
    notice_days: int = 7,
    is_public: bool = True,
) -> Committee:
    body = _require_body()
    short_name = _text(short_name, "eine Kurzbezeichnung", "a short name", 30)
    try:
        type_ = CommitteeType(type_)
    except ValueError:
        known = ", ".join(t.value for t in CommitteeType)
        raise ValidationFailed(
            f"Unbekannte Gremienart {type_!r}; bekannt: {known}.",
            f"Unknown committee type {type_!r}; known: {known}.",
        ) from None
    if not 0 <= notice_days <= 60:
        raise ValidationFailed(
            "Die Ladungsfrist muss zwischen 0 und 60 Tagen liegen.",
            "The notice period must be between 0 and 60 days.",
        )
    exists = db.session.scalar(
        sa.select(Committee.id).where(
            Committee.body_id == body.id, Committee.short_name == short_name
        )
    )
    if exists:
        raise ValidationFailed(
            f"Das Gremium {short_name!r} gibt es bereits.",
            f"The committee {short_name!r} already exists.",
        )
    committee = Committee(
        body_id=body.id,
        short_name=short_name,
        name=_text(name, "einen Namen", "a name", 200),
        type=type_,
        notice_days=notice_days,
        is_public=is_public,
    )
    db.session.add(committee)
    db.session.flush()
    return committee


def update_department(department: Department, *, short_name: str, name: str) -> Department:
    """Rename a department; refuse a short name another department of the body has."""
    short_name = _text(short_name, "eine Kurzbezeichnung", "a short name", 30)
    name = _text(name, "einen Namen", "a name", 200)
    twin = db.session.scalar(
        sa.select(Department.id).where(
            Department.body_id == department.body_id,
            Department.short_name == short_name,
            Department.id != department.id,
        )
    )
    if twin:
        raise ValidationFailed(
            f"Den Fachbereich {short_name!r} gibt es bereits.",
            f"The department {short_name!r} already exists.",
        )
    department.short_name = short_name
    department.name = name
    db.session.flush()
    return department


def deactivate_department(department: Department) -> None:
    """Retire a department: it is no longer offered for new users, roles and measures.

    Its people, roles and measures stay as they are, so nothing that refers to it breaks.
    """
    department.is_active = False
    db.session.flush()


def activate_department(department: Department) -> None:
    """Offer a retired department again."""
    department.is_active = True
    db.session.flush()
