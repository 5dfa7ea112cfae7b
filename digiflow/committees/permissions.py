"""Who may see and do what with committees, sessions, papers and resolutions.

- Everybody signed in sees committees, their members, sessions and public agenda items,
  public papers and the resolution tracking of what they can see.
- Non-public agenda items (and non-public papers) are seen by the committee's members and by
  staff (everybody holding a role other than council member); never by OParl or the feeds.
- Only the secretaries of a committee (role ``committee_secretary`` for it or globally, or
  their substitutes while they are absent) plan its sessions, build agendas, invite and record
  results. Admins create committees and manage members with the secretaries.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa

from digiflow.core.db import db, utcnow
from digiflow.core.permissions import rule
from digiflow.core.roles import Role
from digiflow.core.time import local_date
from digiflow.core.workflow.engine import Identity, identities

if TYPE_CHECKING:
    from digiflow.committees.models import AgendaItem, Meeting, Paper, ResolutionTask
    from digiflow.org.models import Committee
    from digiflow.users.models import User


def is_staff(user: User) -> bool:
    """People of the administration: any role other than council member."""
    return any(ra.role != Role.council_member for ra in user.role_assignments)


def member_committee_ids(user: User, on: date | None = None) -> set[int]:
    """The committees ``user`` is a member of (on ``on``: active that day; else any time)."""
    from digiflow.committees.models import Membership

    query = sa.select(Membership.committee_id).where(
        Membership.user_id == user.id, Membership.deleted_at.is_(None)
    )
    if on is not None:
        query = query.where(
            Membership.starts_on <= on,
            sa.or_(Membership.ends_on.is_(None), Membership.ends_on >= on),
        )
    return set(db.session.scalars(query))


def is_member(user: User, committee_id: int) -> bool:
    """Whether ``user`` is (or was) a member of the committee: they see its non-public part."""
    return committee_id in member_committee_ids(user)


def secretary_identity(user: User, committee: Committee, on: date | None = None) -> Identity | None:
    """How ``user`` acts as a secretary of ``committee`` (as themselves or as a substitute)."""
    day = on or local_date(utcnow())
    for identity in identities(user, day):
        if identity.principal.has_role(
            Role.committee_secretary, committee_id=committee.id, scoped=True
        ):
            return identity
    return None


@rule("committee.view")
def can_view_committee(user: User, _committee: object) -> bool:
    return True


@rule("committee.create")
def can_create_committee(user: User, _obj: object) -> bool:
    return user.has_role(Role.admin)


@rule("committee.manage")
def can_manage_committee(user: User, committee: Committee) -> bool:
    """Settings and members: admins and the committee's secretaries."""
    return user.has_role(Role.admin) or secretary_identity(user, committee) is not None


@rule("committee.secretary")
def can_act_as_secretary(user: User, committee: Committee) -> bool:
    """Plan sessions, build agendas, invite, record attendance and results, write minutes."""
    return secretary_identity(user, committee) is not None


@rule("location.create")
def can_create_location(user: User, _obj: object) -> bool:
    return user.has_role(Role.admin) or Role.committee_secretary in user.roles


@rule("meeting.view")
def can_view_meeting(user: User, _meeting: Meeting) -> bool:
    return True


@rule("meeting.manage")
def can_manage_meeting(user: User, meeting: Meeting) -> bool:
    return secretary_identity(user, meeting.committee) is not None


@rule("meeting.view_non_public")
def can_view_non_public(user: User, meeting: Meeting) -> bool:
    """The non-public part (N items): members of the committee and staff."""
    return is_staff(user) or is_member(user, meeting.committee_id)


@rule("agenda_item.view")
def can_view_item(user: User, item: AgendaItem) -> bool:
    if item.deleted_at is not None:
        return False
    return item.is_public or can_view_non_public(user, item.meeting)


@rule("paper.view")
def can_view_paper(user: User, paper: Paper) -> bool:
    if paper.deleted_at is not None:
        return False
    if paper.is_public or is_staff(user):
        return True
    committees = {c.committee_id for c in paper.consultations if c.committee_id}
    return bool(committees & member_committee_ids(user))


@rule("paper.create")
def can_create_paper(user: User, _obj: object) -> bool:
    """The office, the secretaries, and the heads and proposers of departments."""
    return any(
        ra.role
        in (
            Role.digitalization_office,
            Role.committee_secretary,
            Role.department_head,
            Role.proposer,
        )
        for ra in user.role_assignments
    )


@rule("paper.edit")
def can_edit_paper(user: User, paper: Paper) -> bool:
    """Until a committee has dealt with it: the lead department, the office, the secretaries."""
    if paper.deleted_at is not None:
        return False
    if any(c.agenda_item is not None and c.agenda_item.result for c in paper.consultations):
        return False
    if user.has_role(Role.digitalization_office) or Role.committee_secretary in user.roles:
        return True
    return paper.lead_department_id is not None and any(
        user.has_role(r, department_id=paper.lead_department_id, scoped=True)
        for r in (Role.department_head, Role.proposer)
    )


@rule("resolution.view")
def can_view_resolution(user: User, task: ResolutionTask) -> bool:
    return can_view_item(user, task.agenda_item)


@rule("resolution.edit")
def can_edit_resolution(user: User, task: ResolutionTask) -> bool:
    """The responsible department (head, proposers), the office, the committee's secretaries."""
    if not can_view_resolution(user, task):
        return False
    if user.has_role(Role.digitalization_office):
        return True
    if secretary_identity(user, task.agenda_item.meeting.committee) is not None:
        return True
    return task.department_id is not None and any(
        user.has_role(r, department_id=task.department_id, scoped=True)
        for r in (Role.department_head, Role.proposer)
    )
