"""Pages of committees and sessions (blueprint ``committees``).

This module holds the helpers every page of the blueprint shares and the committee pages
(list, settings, members, locations, groups). The session pages live in ``meeting_views.py``
(calendar, planning, the session page, moving, cancelling, downloads, invitation),
``agenda_views.py`` (the agenda builder) and ``day_views.py`` (attendance, votes and results,
closing, minutes); they are imported at the bottom.

Thin views: parse a form, call an operation of ``digiflow.committees``, commit once. A refused
operation is rolled back and its reason shown (with its HTTP status). Objects the user may
not see answer 404; actions on visible objects the user may not take answer 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from digiflow.committees.forms import (
    NO_CHOICE,
    CommitteeForm,
    EndMembershipForm,
    GroupForm,
    LocationForm,
    MemberForm,
    options,
)
from digiflow.committees.labels import choices
from digiflow.committees.members import (
    add_member,
    create_committee,
    create_group,
    create_location,
    end_membership,
    remove_membership,
    update_committee,
)
from digiflow.committees.models import (
    CouncilGroup,
    Location,
    Meeting,
    MeetingSeries,
    MeetingState,
    MemberRole,
    Membership,
)
from digiflow.core.db import db, utcnow
from digiflow.core.errors import DomainError
from digiflow.core.formatting import language
from digiflow.core.permissions import can
from digiflow.core.roles import CommitteeType, Role
from digiflow.core.time import LOCAL_TZ, local_date
from digiflow.org.models import Body, Committee
from digiflow.users.models import RoleAssignment, User

bp = Blueprint("committees", __name__)

#: Ids are 32-bit integers in PostgreSQL; a larger number in a URL is simply not found.
MAX_ID = 2**31 - 1


# -- shared helpers ----------------------------------------------------------------------------


def current() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def forbid_unless(permission: str, obj: Any = None) -> None:
    """403 unless the signed-in user has ``permission`` (on ``obj``)."""
    if not can(current_user, permission, obj):
        abort(403)


def load_committee(committee_id: int) -> Committee:
    committee = db.session.get(Committee, committee_id) if committee_id <= MAX_ID else None
    if committee is None or committee.deleted_at is not None:
        abort(404)
    return committee


def load_meeting(meeting_id: int) -> Meeting:
    """The session, or 404 (unknown, deleted, or its committee deleted)."""
    meeting = db.session.get(Meeting, meeting_id) if meeting_id <= MAX_ID else None
    if (
        meeting is None
        or meeting.deleted_at is not None
        or meeting.committee.deleted_at is not None
        or not can(current_user, "meeting.view", meeting)
    ):
        abort(404)
    return meeting


def version_of(raw: Any) -> int:
    """The version a form was opened on; a missing or broken one counts as stale."""
    text = str(raw or "")
    return int(text) if text.isdigit() else -1


def unique_ids(form: Any, suffix: str | int) -> Any:
    """Give a form's fields ids of their own, for pages that show the same form several times."""
    for item in form:
        item.id = f"{item.name}-{suffix}"
        item.label.field_id = item.id
    return form


def refused(exc: DomainError) -> str:
    """Roll back the refused operation, flash its reason; return the reason."""
    db.session.rollback()
    message = exc.message(language())
    flash(message, "error")
    return message


def invalid() -> None:
    flash(_("Bitte korrigieren Sie die markierten Angaben."), "error")


def done(message: str, endpoint: str, anchor: str | None = None, **values: Any) -> Any:
    """Success: say so and show the page again (POST, redirect, GET)."""
    flash(message, "success")
    return redirect(url_for(endpoint, _anchor=anchor, **values), 303)


def local_moment(day: date, clock: time) -> datetime:
    """A German wall-clock time on ``day``, as UTC."""
    return datetime.combine(day, clock, tzinfo=LOCAL_TZ).astimezone(UTC)


def clock(value: datetime | None) -> str:
    """18:00 (German time)."""
    return value.astimezone(LOCAL_TZ).strftime("%H:%M") if value is not None else ""


def weekday_day(value: datetime | date | None) -> str:
    """Mittwoch, 12.03.2026 / Wednesday, 12 Mar 2026 (the German calendar day)."""
    if value is None:
        return "–"
    day = local_date(value) if isinstance(value, datetime) else value
    pattern = "EEEE, dd.MM.yyyy" if language() == "de" else "EEEE, d MMM yyyy"
    return format_date(day, pattern)


def when(meeting: Meeting) -> str:
    """Mittwoch, 12.03.2026, 17:00–19:30 Uhr."""
    text = f"{weekday_day(meeting.starts_at)}, {clock(meeting.starts_at)}"
    if meeting.ends_at is not None:
        text += f"–{clock(meeting.ends_at)}"
    return text + (" Uhr" if language() == "de" else "")


@bp.context_processor
def page_helpers() -> dict[str, Any]:
    return {"clock": clock, "weekday_day": weekday_day, "when": when, "MeetingState": MeetingState}


def today() -> date:
    return local_date(utcnow())


def start_of_today() -> datetime:
    return local_moment(today(), time(0, 0))


def location_choices(body_id: int, keep: int | None = None) -> list[SelectChoice]:
    locations = db.session.scalars(
        sa.select(Location)
        .where(
            Location.body_id == body_id,
            sa.or_(Location.deleted_at.is_(None), Location.id == keep),
        )
        .order_by(Location.description, Location.id)
    ).all()
    return options(
        [(NO_CHOICE, _("– kein Ort angegeben –")), *((loc.id, loc.one_line()) for loc in locations)]
    )


def location_of(body_id: int, location_id: int | None) -> Location | None:
    """The chosen location (None when none was chosen); the operation checks that it fits."""
    if location_id is None:
        return None
    location = db.session.get(Location, location_id) if location_id <= MAX_ID else None
    if location is None or location.body_id != body_id:
        return None
    return location


# -- committees: the list ----------------------------------------------------------------------


@dataclass
class CommitteeRow:
    committee: Committee
    secretaries: list[User]
    voting_members: int
    next_meeting: Meeting | None


def secretaries_of(committee_ids: list[int]) -> dict[int | None, list[User]]:
    """Users holding the secretary role per committee id (None: for every committee)."""
    rows = db.session.execute(
        sa.select(RoleAssignment.committee_id, User)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.role == Role.committee_secretary,
            RoleAssignment.department_id.is_(None),
            sa.or_(
                RoleAssignment.committee_id.in_(committee_ids),
                RoleAssignment.committee_id.is_(None),
            ),
            User.is_active_account.is_(True),
        )
        .order_by(User.name, User.id)
    ).all()
    found: dict[int | None, list[User]] = {}
    for committee_id, user in rows:
        found.setdefault(committee_id, []).append(user)
    return found


@bp.get("/committees/")
@login_required
def index() -> Any:
    committees = db.session.scalars(
        sa.select(Committee)
        .where(Committee.deleted_at.is_(None))
        .order_by(Committee.is_active.desc(), Committee.name, Committee.id)
    ).all()
    ids = [c.id for c in committees]
    day = today()
    voting = dict(
        db.session.execute(
            sa.select(Membership.committee_id, sa.func.count(Membership.id))
            .where(
                Membership.committee_id.in_(ids),
                Membership.deleted_at.is_(None),
                Membership.has_voting_right.is_(True),
                Membership.starts_on <= day,
                sa.or_(Membership.ends_on.is_(None), Membership.ends_on >= day),
            )
            .group_by(Membership.committee_id)
        ).all()
    )
    upcoming: dict[int, Meeting] = {}
    for meeting in db.session.scalars(
        sa.select(Meeting)
        .where(
            Meeting.committee_id.in_(ids),
            Meeting.deleted_at.is_(None),
            Meeting.starts_at >= start_of_today(),
            Meeting.state != MeetingState.cancelled,
        )
        .order_by(Meeting.starts_at, Meeting.id)
    ):
        upcoming.setdefault(meeting.committee_id, meeting)
    secretaries = secretaries_of(ids)
    rows = [
        CommitteeRow(c, secretaries.get(c.id, []), voting.get(c.id, 0), upcoming.get(c.id))
        for c in committees
    ]
    return render_template(
        "committees/index.html",
        rows=rows,
        global_secretaries=secretaries.get(None, []),
        may_create=can(current_user, "committee.create"),
    )


# -- committees: one committee -----------------------------------------------------------------


def _fill_committee_form(form: CommitteeForm, bodies: list[Body] | None) -> None:
    form.type.choices = options(choices(CommitteeType))
    if bodies is None or len(bodies) <= 1:
        del form.body_id
    else:
        form.body_id.choices = options((b.id, b.name) for b in bodies)


def _settings(form: CommitteeForm) -> dict[str, Any]:
    return {
        "name": form.name.data,
        "short_name": form.short_name.data,
        "type": form.type.data,
        "notice_days": form.notice_days.data,
        "urgent_notice_days": form.urgent_notice_days.data,
        "submission_days": form.submission_days.data,
        "is_public": bool(form.is_public.data),
        "description": form.description.data or "",
    }


def _member_form(committee: Committee, form: MemberForm | None = None) -> MemberForm:
    form = form or MemberForm(formdata=None)
    people = db.session.scalars(
        sa.select(User).where(User.is_active_account.is_(True)).order_by(User.name, User.id)
    ).all()
    form.user_id.choices = options(
        [(NO_CHOICE, _("– bitte wählen –")), *((u.id, u.name) for u in people)]
    )
    form.role.choices = options(choices(MemberRole))
    groups = db.session.scalars(
        sa.select(CouncilGroup)
        .where(CouncilGroup.body_id == committee.body_id, CouncilGroup.deleted_at.is_(None))
        .order_by(CouncilGroup.short_name)
    ).all()
    form.group_id.choices = options(
        [
            (NO_CHOICE, _("– keine (z. B. Verwaltung) –")),
            *((g.id, f"{g.short_name} – {g.name}") for g in groups),
        ]
    )
    if form.role.data is None:
        form.role.data = MemberRole.member.value
    return unique_ids(form, "member")


def _render_committee(committee: Committee, status: int = 200, **forms: Any) -> Any:
    user = current()
    may_manage = can(user, "committee.manage", committee)
    may_admin = can(user, "committee.create")
    day = today()
    memberships = db.session.scalars(
        sa.select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.committee_id == committee.id, Membership.deleted_at.is_(None))
        .options(joinedload(Membership.user), joinedload(Membership.group))
        .order_by(Membership.has_voting_right.desc(), User.name, Membership.starts_on)
    ).all()
    current_members = [m for m in memberships if m.active_on(day)]
    other_members = [m for m in memberships if not m.active_on(day)]
    meetings = db.session.scalars(
        sa.select(Meeting)
        .where(Meeting.committee_id == committee.id, Meeting.deleted_at.is_(None))
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    cutoff = start_of_today()
    upcoming = [m for m in meetings if m.starts_at >= cutoff]
    past = [m for m in reversed(meetings) if m.starts_at < cutoff][:20]
    series = db.session.scalars(
        sa.select(MeetingSeries)
        .where(MeetingSeries.committee_id == committee.id)
        .order_by(MeetingSeries.created_at.desc(), MeetingSeries.id.desc())
    ).all()
    secretaries = secretaries_of([committee.id])
    locations = db.session.scalars(
        sa.select(Location)
        .where(Location.body_id == committee.body_id, Location.deleted_at.is_(None))
        .order_by(Location.description, Location.id)
    ).all()
    groups = db.session.scalars(
        sa.select(CouncilGroup)
        .where(CouncilGroup.body_id == committee.body_id, CouncilGroup.deleted_at.is_(None))
        .order_by(CouncilGroup.short_name)
    ).all()

    settings_form = member_form = location_form = group_form = None
    end_forms: dict[int, EndMembershipForm] = {}
    if may_manage:
        settings_form = forms.get("settings_form")
        if settings_form is None:
            settings_form = CommitteeForm(formdata=None, obj=committee)
            settings_form.type.data = committee.type.value
        _fill_committee_form(settings_form, None)
        unique_ids(settings_form, "settings")
        member_form = _member_form(committee, forms.get("member_form"))
        location_form = unique_ids(forms.get("location_form") or LocationForm(formdata=None), "loc")
        bound_end = forms.get("end_form")
        for membership in current_members:
            if bound_end is not None and bound_end[0] == membership.id:
                form = bound_end[1]
            else:
                form = EndMembershipForm(formdata=None, ends_on=day)
            end_forms[membership.id] = unique_ids(form, f"end-{membership.id}")
    if may_admin:
        group_form = unique_ids(forms.get("group_form") or GroupForm(formdata=None), "group")
    return (
        render_template(
            "committees/detail.html",
            committee=committee,
            current_members=current_members,
            other_members=other_members,
            upcoming=upcoming,
            past=past,
            series=series,
            scoped_secretaries=secretaries.get(committee.id, []),
            global_secretaries=secretaries.get(None, []),
            locations=locations,
            groups=groups,
            may_manage=may_manage,
            may_plan=can(user, "committee.secretary", committee),
            may_admin=may_admin,
            settings_form=settings_form,
            member_form=member_form,
            location_form=location_form,
            group_form=group_form,
            end_forms=end_forms,
            today=day,
        ),
        status,
    )


@bp.get("/committees/<int:committee_id>")
@login_required
def detail(committee_id: int) -> Any:
    return _render_committee(load_committee(committee_id))


def _committee_refused(committee_id: int, exc: DomainError, **forms: Any) -> Any:
    refused(exc)
    return _render_committee(load_committee(committee_id), exc.http_status, **forms)


def _committee_invalid(committee: Committee, **forms: Any) -> Any:
    invalid()
    return _render_committee(committee, 422, **forms)


@bp.post("/committees/<int:committee_id>/settings")
@login_required
def update_settings(committee_id: int) -> Any:
    committee = load_committee(committee_id)
    forbid_unless("committee.manage", committee)
    form = CommitteeForm()
    _fill_committee_form(form, None)
    if not form.validate():
        return _committee_invalid(committee, settings_form=form)
    try:
        update_committee(committee, actor=current(), **_settings(form))
        db.session.commit()
    except DomainError as exc:
        return _committee_refused(committee_id, exc, settings_form=form)
    return done(
        _("Die Einstellungen wurden gespeichert."),
        "committees.detail",
        "settings",
        committee_id=committee_id,
    )


@bp.post("/committees/<int:committee_id>/members")
@login_required
def add_member_view(committee_id: int) -> Any:
    committee = load_committee(committee_id)
    forbid_unless("committee.manage", committee)
    form = _member_form(committee, MemberForm())
    if not form.validate():
        return _committee_invalid(committee, member_form=form)
    person = db.session.get(User, form.user_id.data)
    group = db.session.get(CouncilGroup, form.group_id.data) if form.group_id.data else None
    voting = {"yes": True, "no": False}.get(form.voting.data)
    try:
        add_member(
            committee,
            actor=current(),
            user=person,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            role=form.role.data,
            has_voting_right=voting,
            group=group,
        )
        db.session.commit()
    except DomainError as exc:
        return _committee_refused(committee_id, exc, member_form=form)
    return done(
        _("%(name)s ist jetzt Mitglied des Gremiums.", name=person.name),
        "committees.detail",
        "members",
        committee_id=committee_id,
    )


def _load_membership(committee: Committee, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id) if membership_id <= MAX_ID else None
    if (
        membership is None
        or membership.committee_id != committee.id
        or membership.deleted_at is not None
    ):
        abort(404)
    return membership


@bp.post("/committees/<int:committee_id>/members/<int:membership_id>/end")
@login_required
def end_membership_view(committee_id: int, membership_id: int) -> Any:
    committee = load_committee(committee_id)
    membership = _load_membership(committee, membership_id)
    forbid_unless("committee.manage", committee)
    form = EndMembershipForm()
    if not form.validate():
        return _committee_invalid(committee, end_form=(membership.id, form))
    name = membership.user.name
    try:
        end_membership(membership, actor=current(), ends_on=form.ends_on.data)
        db.session.commit()
    except DomainError as exc:
        return _committee_refused(committee_id, exc, end_form=(membership_id, form))
    return done(
        _(
            "Die Mitgliedschaft von %(name)s endet am %(day)s.",
            name=name,
            day=form.ends_on.data.strftime("%d.%m.%Y"),
        ),
        "committees.detail",
        "members",
        committee_id=committee_id,
    )


@bp.post("/committees/<int:committee_id>/members/<int:membership_id>/remove")
@login_required
def remove_membership_view(committee_id: int, membership_id: int) -> Any:
    committee = load_committee(committee_id)
    membership = _load_membership(committee, membership_id)
    forbid_unless("committee.manage", committee)
    name = membership.user.name
    try:
        remove_membership(membership, actor=current())
        db.session.commit()
    except DomainError as exc:
        return _committee_refused(committee_id, exc)
    return done(
        _("Der Eintrag für %(name)s wurde entfernt.", name=name),
        "committees.detail",
        "members",
        committee_id=committee_id,
    )


@bp.post("/committees/<int:committee_id>/locations")
@login_required
def add_location(committee_id: int) -> Any:
    committee = load_committee(committee_id)
    forbid_unless("committee.manage", committee)
    form = LocationForm()
    if not form.validate():
        return _committee_invalid(committee, location_form=form)
    try:
        location = create_location(
            actor=current(),
            body=committee.body,
            description=form.description.data,
            street_address=form.street_address.data,
            room=form.room.data,
            postal_code=form.postal_code.data,
            locality=form.locality.data,
        )
        db.session.commit()
    except DomainError as exc:
        return _committee_refused(committee_id, exc, location_form=form)
    return done(
        _("Der Sitzungsort „%(name)s“ wurde angelegt.", name=location.description),
        "committees.detail",
        "locations",
        committee_id=committee_id,
    )


@bp.post("/committees/<int:committee_id>/groups")
@login_required
def add_group(committee_id: int) -> Any:
    committee = load_committee(committee_id)
    forbid_unless("committee.create")
    form = GroupForm()
    if not form.validate():
        return _committee_invalid(committee, group_form=form)
    try:
        group = create_group(
            actor=current(),
            body=committee.body,
            name=form.name.data,
            short_name=form.short_name.data,
        )
        db.session.commit()
    except DomainError as exc:
        return _committee_refused(committee_id, exc, group_form=form)
    return done(
        _("Die Fraktion „%(name)s“ wurde angelegt.", name=group.name),
        "committees.detail",
        "groups",
        committee_id=committee_id,
    )


@bp.route("/committees/new", methods=["GET", "POST"])
@login_required
def create() -> Any:
    forbid_unless("committee.create")
    bodies = db.session.scalars(sa.select(Body).order_by(Body.id)).all()
    if not bodies:
        abort(404)
    if request.method == "GET":
        form = CommitteeForm(
            formdata=None,
            notice_days=7,
            urgent_notice_days=2,
            submission_days=14,
            is_public=True,
            type=CommitteeType.specialist.value,
        )
    else:
        form = CommitteeForm()
    _fill_committee_form(form, bodies)
    status = 200
    if request.method == "POST":
        if form.validate():
            body = bodies[0]
            if "body_id" in form:
                body = next((b for b in bodies if b.id == form.body_id.data), bodies[0])
            try:
                committee = create_committee(actor=current(), body=body, **_settings(form))
                db.session.commit()
            except DomainError as exc:
                refused(exc)
                return render_template("committees/new.html", form=form), exc.http_status
            return done(
                _("Das Gremium „%(name)s“ wurde angelegt.", name=committee.name),
                "committees.detail",
                committee_id=committee.id,
            )
        invalid()
        status = 422
    return render_template("committees/new.html", form=form), status


from digiflow.committees import agenda_views, day_views, meeting_views  # noqa: E402, F401
