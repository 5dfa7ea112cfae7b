"""The session day and after (secretaries): attendance, the quorum, each item's vote and
result, closing the session, and the minutes (edit, finalize with extracts, approval).
Routes of the ``committees`` blueprint (see ``views.py``).

A refused result (no quorum, a tie recorded as carried, more votes than voting members
present, a result the measure's workflow does not expect) is shown at its item with the
entered values kept, and the page answers with the refusal's status (409 or 422).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from digiflow.committees import minutes as minutes_ops
from digiflow.committees import session as ops
from digiflow.committees.forms import (
    AttendanceFormBase,
    MinutesForm,
    ResultForm,
    VersionForm,
    attendance_form_class,
    options,
)
from digiflow.committees.labels import choices, label
from digiflow.committees.meetings import lock_meeting, meeting_day
from digiflow.committees.members import members_on
from digiflow.committees.models import (
    AgendaItem,
    AttendanceStatus,
    Meeting,
    MeetingState,
    MemberRole,
    Membership,
)
from digiflow.committees.notifications import extract_recipients_of, lead_department_id
from digiflow.core.db import db
from digiflow.core.errors import DomainError
from digiflow.core.formatting import language
from digiflow.core.workflow.definition import CommitteeResult
from digiflow.org.models import Department

from .agenda_views import load_item
from .meeting_views import agenda_rows, approval_of_minutes
from .views import (
    bp,
    current,
    done,
    forbid_unless,
    invalid,
    load_meeting,
    refused,
    today,
    unique_ids,
    version_of,
)


def _manageable(meeting_id: int) -> Meeting:
    meeting = load_meeting(meeting_id)
    forbid_unless("meeting.manage", meeting)
    return meeting


# -- attendance --------------------------------------------------------------------------------


def _attendance_form(
    meeting: Meeting, memberships: list[Membership], formdata: Any = None
) -> AttendanceFormBase:
    voting = [m for m in memberships if m.has_voting_right]
    form_class = attendance_form_class(
        [m.user_id for m in memberships],
        [m.user_id for m in memberships if m.role == MemberRole.deputy],
        choices(AttendanceStatus),
        [("", _("– für niemanden –"))] + [(str(m.user_id), m.user.name) for m in voting],
    )
    if formdata is not None:
        return form_class(formdata=formdata)
    form = form_class(formdata=None)
    recorded = {a.user_id: a for a in meeting.attendance}
    for membership in memberships:
        row = recorded.get(membership.user_id)
        # nobody recorded yet: everybody present, the secretary marks who is not
        status = row.status.value if row is not None else AttendanceStatus.present.value
        form[f"status_{membership.user_id}"].data = status
        if membership.role == MemberRole.deputy:
            stands_in = row.stands_in_for_id if row is not None else None
            form[f"stands_in_{membership.user_id}"].data = stands_in
    return form


def _attendance_blocker(meeting: Meeting) -> str | None:
    """Why attendance cannot be recorded now (None: it can)."""
    if meeting.state == MeetingState.cancelled:
        return _("Die Sitzung ist abgesagt.")
    if meeting.state == MeetingState.planned:
        return _(
            "Die Mitglieder sind noch nicht eingeladen; die Anwesenheit wird für eingeladene "
            "Sitzungen erfasst."
        )
    if meeting.closed_at is not None or meeting.state == MeetingState.minutes_approved:
        return _("Die Sitzung ist geschlossen; die Anwesenheit kann nicht mehr geändert werden.")
    if today() < meeting_day(meeting):
        return _(
            "Die Anwesenheit wird am Sitzungstag erfasst, am %(day)s.",
            day=meeting_day(meeting).strftime("%d.%m.%Y"),
        )
    return None


def _render_attendance(
    meeting: Meeting, status: int = 200, form: AttendanceFormBase | None = None
) -> Any:
    memberships = members_on(meeting.committee, meeting_day(meeting))
    form = form or _attendance_form(meeting, memberships)
    form.version.data = meeting.version
    recorded = {a.user_id: a for a in meeting.attendance}
    return (
        render_template(
            "meetings/attendance.html",
            meeting=meeting,
            committee=meeting.committee,
            memberships=memberships,
            recorded=recorded,
            form=form,
            blocker=_attendance_blocker(meeting),
            quorum=ops.quorum(meeting) if meeting.attendance else None,
            MemberRole=MemberRole,
        ),
        status,
    )


@bp.get("/meetings/<int:meeting_id>/attendance")
@login_required
def attendance(meeting_id: int) -> Any:
    return _render_attendance(_manageable(meeting_id))


@bp.post("/meetings/<int:meeting_id>/attendance")
@login_required
def record_attendance(meeting_id: int) -> Any:
    meeting = _manageable(meeting_id)
    memberships = members_on(meeting.committee, meeting_day(meeting))
    form = _attendance_form(meeting, memberships, request.form)
    if not form.validate():
        invalid()
        return _render_attendance(meeting, 422, form)
    statuses = {m.user_id: form[f"status_{m.user_id}"].data for m in memberships}
    stand_ins = {
        m.user_id: form[f"stands_in_{m.user_id}"].data
        for m in memberships
        if m.role == MemberRole.deputy and form[f"stands_in_{m.user_id}"].data
    }
    try:
        ops.record_attendance(
            meeting,
            actor=current(),
            statuses=statuses,
            stand_ins=stand_ins,
            expected_version=version_of(form.version.data),
        )
        quorum = ops.quorum(meeting)
        db.session.commit()
    except DomainError as exc:
        refused(exc)
        return _render_attendance(load_meeting(meeting_id), exc.http_status, form)
    return done(
        _(
            "Die Anwesenheit ist erfasst: %(present)s von %(seats)s stimmberechtigten "
            "Mitgliedern anwesend.",
            present=quorum.present,
            seats=quorum.seats,
        ),
        "committees.session_day",
        meeting_id=meeting_id,
    )


# -- votes and results -------------------------------------------------------------------------


@dataclass
class Refusal:
    item_id: int
    form: ResultForm
    message: str


def _result_form(
    item: AgendaItem, members: list[tuple[int, str]], form: ResultForm | None = None
) -> ResultForm:
    if form is None:
        form = ResultForm(formdata=None)
        if item.paper is not None and item.paper.proposal:
            form.resolution_text.data = item.paper.proposal
    form.result.choices = options(choices(CommitteeResult))
    form.excluded.choices = options(members)
    return form


def _session_blocker(meeting: Meeting) -> str | None:
    if meeting.state == MeetingState.cancelled:
        return _("Die Sitzung ist abgesagt.")
    if meeting.state == MeetingState.planned:
        return _("Die Mitglieder sind noch nicht eingeladen.")
    if meeting.state == MeetingState.invited:
        return _(
            "Stellen Sie zuerst die Anwesenheit fest; danach erfassen Sie hier die Ergebnisse."
        )
    if meeting.closed_at is not None:
        return _("Die Sitzung ist geschlossen.")
    return None


def _render_session(meeting: Meeting, status: int = 200, refusal: Refusal | None = None) -> Any:
    day = meeting_day(meeting)
    memberships = members_on(meeting.committee, day)
    members = [(m.user_id, m.user.name) for m in memberships]
    rows = agenda_rows(meeting, non_public=True)
    blocker = _session_blocker(meeting)
    forms: dict[int, ResultForm] = {}
    if blocker is None:
        for row in rows:
            if row.item.result is not None:
                continue
            bound = refusal.form if refusal and refusal.item_id == row.item.id else None
            form = _result_form(row.item, members, bound)
            form.version.data = meeting.version
            forms[row.item.id] = unique_ids(form, row.item.id)
    close_form = VersionForm(formdata=None)
    close_form.version.data = meeting.version
    return (
        render_template(
            "meetings/session.html",
            meeting=meeting,
            committee=meeting.committee,
            rows=rows,
            forms=forms,
            refusal=refusal,
            blocker=blocker,
            quorum=ops.quorum(meeting),
            present=[a for a in meeting.attendance if a.status == AttendanceStatus.present],
            close_form=close_form,
            open_items=sum(1 for r in rows if r.item.result is None and not r.is_heading),
        ),
        status,
    )


@bp.get("/meetings/<int:meeting_id>/session")
@login_required
def session_day(meeting_id: int) -> Any:
    return _render_session(_manageable(meeting_id))


@bp.post("/meetings/<int:meeting_id>/items/<int:item_id>/result")
@login_required
def record_result(meeting_id: int, item_id: int) -> Any:
    meeting = load_meeting(meeting_id)
    item = load_item(meeting, item_id)
    forbid_unless("meeting.manage", meeting)
    members = [
        (m.user_id, m.user.name) for m in members_on(meeting.committee, meeting_day(meeting))
    ]
    form = _result_form(item, members, ResultForm())
    if not form.validate():
        invalid()
        message = _("Bitte korrigieren Sie die markierten Angaben.")
        return _render_session(meeting, 422, Refusal(item_id, form, message))
    measure = item.measure
    try:
        lock_meeting(meeting, version_of(form.version.data))
        ops.record_result(
            item,
            actor=current(),
            result=form.result.data,
            votes_yes=form.votes_yes.data,
            votes_no=form.votes_no.data,
            votes_abstain=form.votes_abstain.data,
            excluded=form.excluded.data or [],
            resolution_text=form.resolution_text.data,
        )
        db.session.commit()
    except DomainError as exc:
        message = refused(exc)
        return _render_session(
            load_meeting(meeting_id), exc.http_status, Refusal(item_id, form, message)
        )
    text = _(
        "Das Ergebnis ist erfasst: %(result)s.",
        result=label(CommitteeResult(form.result.data)),
    )
    if measure is not None:
        state = measure.definition.states.get(measure.state)
        if state is not None:
            text += " " + _(
                "Die Maßnahme „%(title)s“ steht jetzt auf „%(state)s“.",
                title=measure.title,
                state=state.label.get(language()),
            )
    return done(text, "committees.session_day", f"item-{item_id}", meeting_id=meeting_id)


@bp.post("/meetings/<int:meeting_id>/close")
@login_required
def close_meeting(meeting_id: int) -> Any:
    meeting = _manageable(meeting_id)
    form = VersionForm()
    if not form.validate():
        invalid()
        return _render_session(meeting, 422)
    try:
        ops.close_meeting(meeting, actor=current(), expected_version=version_of(form.version.data))
        db.session.commit()
    except DomainError as exc:
        refused(exc)
        return _render_session(load_meeting(meeting_id), exc.http_status)
    return done(
        _("Die Sitzung ist geschlossen. Der Entwurf der Niederschrift steht bereit."),
        "committees.minutes",
        meeting_id=meeting_id,
    )


# -- minutes -----------------------------------------------------------------------------------


@dataclass
class Extract:
    number: str
    item: AgendaItem
    department: Department | None
    recipients: list[str]


def _extracts(meeting: Meeting) -> list[Extract]:
    rows = [r for r in agenda_rows(meeting, non_public=True) if r.item.extract_sent_at]
    recipients = extract_recipients_of(r.item for r in rows)
    department_ids = {lead_department_id(r.item) for r in rows} - {None}
    departments = (
        {
            d.id: d
            for d in db.session.scalars(
                db.select(Department).where(Department.id.in_(department_ids))
            )
        }
        if department_ids
        else {}
    )
    found = []
    for row in rows:
        department_id = lead_department_id(row.item)
        names = [u.name for u in recipients[row.item.id]]
        found.append(Extract(row.entry.number, row.item, departments.get(department_id), names))
    return found


def _render_minutes(
    meeting: Meeting,
    status: int = 200,
    form: MinutesForm | None = None,
) -> Any:
    if form is None:
        form = MinutesForm(formdata=None, text=meeting.minutes_text or "")
    form.version.data = meeting.version
    finalize_form = VersionForm(formdata=None)
    finalize_form.version.data = meeting.version
    approval = approval_of_minutes(meeting)
    return (
        render_template(
            "meetings/minutes.html",
            meeting=meeting,
            committee=meeting.committee,
            form=form,
            finalize_form=unique_ids(finalize_form, "finalize"),
            extracts=_extracts(meeting) if meeting.minutes_finalized_at else [],
            approval=approval,
        ),
        status,
    )


@bp.get("/meetings/<int:meeting_id>/minutes")
@login_required
def minutes(meeting_id: int) -> Any:
    return _render_minutes(_manageable(meeting_id))


@bp.post("/meetings/<int:meeting_id>/minutes")
@login_required
def save_minutes(meeting_id: int) -> Any:
    meeting = _manageable(meeting_id)
    form = MinutesForm()
    if not form.validate():
        invalid()
        return _render_minutes(meeting, 422, form)
    try:
        minutes_ops.update_minutes(
            meeting,
            actor=current(),
            text=form.text.data,
            expected_version=version_of(form.version.data),
        )
        db.session.commit()
    except DomainError as exc:
        refused(exc)
        return _render_minutes(load_meeting(meeting_id), exc.http_status, form)
    return done(
        _("Die Niederschrift wurde gespeichert."), "committees.minutes", meeting_id=meeting_id
    )


@bp.post("/meetings/<int:meeting_id>/minutes/finalize")
@login_required
def finalize_minutes(meeting_id: int) -> Any:
    meeting = _manageable(meeting_id)
    form = VersionForm()
    if not form.validate():
        invalid()
        return _render_minutes(meeting, 422)
    try:
        minutes_ops.finalize_minutes(
            meeting, actor=current(), expected_version=version_of(form.version.data)
        )
        db.session.commit()
    except DomainError as exc:
        refused(exc)
        return _render_minutes(load_meeting(meeting_id), exc.http_status)
    count = len(_extracts(meeting))
    return done(
        _(
            "Die Niederschrift ist abgeschlossen. %(count)s Auszüge gehen an die "
            "federführenden Fachbereiche.",
            count=count,
        ),
        "committees.minutes",
        meeting_id=meeting_id,
    )
