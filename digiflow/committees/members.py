"""Committees, their settings and their members (operations; flush only, never commit)."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from digiflow.committees.models import CouncilGroup, Location, MemberRole, Membership
from digiflow.core.db import db, utcnow
from digiflow.core.errors import ValidationFailed
from digiflow.core.permissions import require
from digiflow.core.roles import CommitteeType
from digiflow.org.models import Body, Committee
from digiflow.users.models import User

#: The settings ``create_committee`` and ``update_committee`` accept.
SETTINGS = (
    "name",
    "short_name",
    "type",
    "notice_days",
    "urgent_notice_days",
    "submission_days",
    "is_public",
    "description",
)


def _clean_settings(values: dict[str, Any], committee: Committee | None) -> dict[str, Any]:
    unknown = set(values) - set(SETTINGS)
    if unknown:
        names = ", ".join(sorted(unknown))
        raise ValidationFailed(f"Unbekannte Angaben: {names}.", f"Unknown settings: {names}.")
    out = dict(values)
    for key, limit in (("name", 200), ("short_name", 30)):
        if key in out:
            text = (out[key] or "").strip()
            if not text:
                raise ValidationFailed(
                    "Bitte geben Sie Namen und Kurzbezeichnung des Gremiums an.",
                    "Please enter the committee's name and short name.",
                )
            if len(text) > limit:
                raise ValidationFailed(
                    f"Höchstens {limit} Zeichen.", f"At most {limit} characters."
                )
            out[key] = text
    if "type" in out:
        try:
            out["type"] = CommitteeType(out["type"])
        except ValueError as exc:
            raise ValidationFailed("Unbekannte Gremienart.", "Unknown committee type.") from exc
    for key in ("notice_days", "urgent_notice_days", "submission_days"):
        if key in out:
            value = out[key]
            if value is None or not isinstance(value, int) or not 0 <= value <= 90:
                raise ValidationFailed(
                    "Fristen sind ganze Tage zwischen 0 und 90.",
                    "Periods are whole days between 0 and 90.",
                )
    notice = out.get("notice_days", committee.notice_days if committee else 7)
    urgent = out.get("urgent_notice_days", committee.urgent_notice_days if committee else 2)
    submission = out.get("submission_days", committee.submission_days if committee else 14)
    if urgent > notice:
        raise ValidationFailed(
            "Die verkürzte Ladungsfrist darf nicht länger sein als die Ladungsfrist.",
            "The urgent notice period cannot be longer than the notice period.",
        )
    if submission < notice:
        raise ValidationFailed(
            "Der Vorlagenschluss muss vor der Einladung liegen (mindestens so viele Tage vor "
            "der Sitzung wie die Ladungsfrist).",
            "The submission deadline must come before the invitation (at least as many days "
            "before the session as the notice period).",
        )
    if "description" in out:
        out["description"] = (out["description"] or "").strip()
    return out


def _unique_short_name(body_id: int, short_name: str, exclude_id: int | None = None) -> None:
    query = sa.select(Committee.id).where(
        Committee.body_id == body_id,
        sa.func.lower(Committee.short_name) == short_name.lower(),
    )
    if exclude_id is not None:
        query = query.where(Committee.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise ValidationFailed(
            f"Es gibt bereits ein Gremium mit der Kurzbezeichnung {short_name}.",
            f"There is already a committee with the short name {short_name}.",
        )


def create_committee(*, actor: User, body: Body, **settings: Any) -> Committee:
    """Create a committee (admins)."""
    require(actor, "committee.create")
    for key in ("name", "short_name", "type"):
        settings.setdefault(key, None)
    values = _clean_settings(settings, None)
    _unique_short_name(body.id, values["short_name"])
    committee = Committee(body_id=body.id, **values)
    db.session.add(committee)
    db.session.flush()
    return committee


def update_committee(committee: Committee, *, actor: User, **settings: Any) -> Committee:
    """Change a committee's settings (admins and its secretaries)."""
    require(actor, "committee.manage", committee)
    values = _clean_settings(settings, committee)
    if "short_name" in values:
        _unique_short_name(committee.body_id, values["short_name"], committee.id)
    for key, value in values.items():
        setattr(committee, key, value)
    db.session.flush()
    return committee


def members_on(committee: Committee, day: date) -> list[Membership]:
    """The memberships of ``committee`` active on ``day``, voting members first, by name."""
    return list(
        db.session.scalars(
            sa.select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.committee_id == committee.id,
                Membership.deleted_at.is_(None),
                Membership.starts_on <= day,
                sa.or_(Membership.ends_on.is_(None), Membership.ends_on >= day),
            )
            .order_by(Membership.has_voting_right.desc(), User.name, Membership.id)
            .options(contains_eager(Membership.user), selectinload(Membership.group))
        )
    )


def add_member(
    committee: Committee,
    *,
    actor: User,
    user: User,
    starts_on: date,
    ends_on: date | None = None,
    role: MemberRole | str = MemberRole.member,
    has_voting_right: bool | None = None,
    group: CouncilGroup | None = None,
) -> Membership:
    """Seat ``user`` in ``committee``; an overlapping seat of the same person is refused.

    Advisory and deputy members have no vote of their own (a deputy votes when standing in);
    the others vote unless ``has_voting_right`` says otherwise.
    """
    require(actor, "committee.manage", committee)
    role = MemberRole(role)
    if ends_on is not None and ends_on < starts_on:
        raise ValidationFailed(
            "Das Ende der Mitgliedschaft liegt vor ihrem Beginn.",
            "The membership ends before it starts.",
        )
    if has_voting_right is None:
        has_voting_right = role not in (MemberRole.advisory, MemberRole.deputy)
    if has_voting_right and role in (MemberRole.advisory, MemberRole.deputy):
        raise ValidationFailed(
            "Beratende und stellvertretende Mitglieder haben kein eigenes Stimmrecht.",
            "Advisory and deputy members have no vote of their own.",
        )
    if group is not None and group.body_id != committee.body_id:
        raise ValidationFailed("Unbekannte Fraktion.", "Unknown group.")
    overlapping = db.session.scalar(
        sa.select(Membership.id).where(
            Membership.committee_id == committee.id,
            Membership.user_id == user.id,
            Membership.deleted_at.is_(None),
            sa.or_(Membership.ends_on.is_(None), Membership.ends_on >= starts_on),
            *([Membership.starts_on <= ends_on] if ends_on is not None else []),
        )
    )
    if overlapping is not None:
        raise ValidationFailed(
            f"{user.name} ist in diesem Zeitraum bereits Mitglied des Gremiums.",
            f"{user.name} is already a member of the committee in this period.",
        )
    membership = Membership(
        committee_id=committee.id,
        user_id=user.id,
        group_id=group.id if group else None,
        role=role,
        has_voting_right=has_voting_right,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    db.session.add(membership)
    db.session.flush()
    return membership


def end_membership(membership: Membership, *, actor: User, ends_on: date) -> Membership:
    """End a seat on ``ends_on`` (it stays in the history and in OParl with its end date)."""
    require(actor, "committee.manage", membership.committee)
    if ends_on < membership.starts_on:
        raise ValidationFailed(
            "Das Ende der Mitgliedschaft liegt vor ihrem Beginn.",
            "The membership ends before it starts.",
        )
    membership.ends_on = ends_on
    db.session.flush()
    return membership


def remove_membership(membership: Membership, *, actor: User) -> Membership:
    """Remove a seat entered by mistake (soft delete: OParl shows it as deleted)."""
    require(actor, "committee.manage", membership.committee)
    membership.deleted_at = utcnow()
    db.session.flush()
    return membership


def create_group(*, actor: User, body: Body, name: str, short_name: str) -> CouncilGroup:
    """A faction or group of the council (admins)."""
    require(actor, "committee.create")
    name, short_name = (name or "").strip(), (short_name or "").strip()
    if not name or not short_name:
        raise ValidationFailed(
            "Bitte Namen und Kurzbezeichnung der Fraktion angeben.",
            "Please enter the group's name and short name.",
        )
    group = CouncilGroup(body_id=body.id, name=name[:200], short_name=short_name[:50])
    db.session.add(group)
    db.session.flush()
    return group


def create_location(
    *,
    actor: User,
    body: Body,
    description: str,
    street_address: str | None = None,
    room: str | None = None,
    postal_code: str | None = None,
    locality: str | None = None,
) -> Location:
    """A place where sessions are held (admins and secretaries)."""
    require(actor, "location.create")
    description = (description or "").strip()
    if not description:
        raise ValidationFailed(
            "Bitte beschreiben Sie den Sitzungsort.", "Please describe the location."
        )
    location = Location(
        body_id=body.id,
        description=description[:300],
        street_address=(street_address or "").strip() or None,
        room=(room or "").strip() or None,
        postal_code=(postal_code or "").strip() or None,
        locality=(locality or "").strip() or None,
    )
    db.session.add(location)
    db.session.flush()
    return location
