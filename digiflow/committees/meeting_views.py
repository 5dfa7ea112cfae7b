"""Session pages: the calendar, planning (single and recurring), the session page with its
agenda, moving and cancelling, the invitation, and the downloads (agenda and minutes as PDF,
the session as iCalendar). Routes of the ``committees`` blueprint (see ``views.py``).

Non-public agenda items (N) reach only people with ``meeting.view_non_public``: pages,
the agenda PDF and the calendar file leave them out for everybody else.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from digiflow.committees import meetings as ops
from digiflow.committees.agenda import Numbered, headings, no_longer_waiting, numbering
from digiflow.committees.forms import (
    CancelMeetingForm,
    EditMeetingForm,
    InvitationForm,
    PlanMeetingForm,
    PlanSeriesForm,
    VersionForm,
)
from digiflow.committees.ical import feed, meeting_url
from digiflow.committees.models import (
    AgendaItem,
    Meeting,
    MeetingSeries,
    MeetingState,
)
from digiflow.committees.notifications import invitees
from digiflow.committees.pdf import agenda_pdf, minutes_pdf
from digiflow.committees.session import CARRIED
from digiflow.core.db import db, utcnow
from digiflow.core.errors import DomainError
from digiflow.core.permissions import can
from digiflow.core.time import LOCAL_TZ
from digiflow.measures.models import Measure
from digiflow.org.models import Committee
from digiflow.users.models import User

from .views import (
    MAX_ID,
    bp,
    current,
    done,
    forbid_unless,
    invalid,
    load_committee,
    load_meeting,
    local_moment,
    location_choices,
    location_of,
    refused,
    start_of_today,
    today,
    unique_ids,
    version_of,
)

#: Sessions per page of the calendar.
PAGE_SIZE = 50
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


# -- the agenda as pages show it ---------------------------------------------------------------


@dataclass
class AgendaRow:
    """An agenda item as the signed-in user may see it, with its links."""

    entry: Numbered
    paper_url: str | None = None
    paper_visible: bool = False
    measure: Measure | None = None
    measure_url: str | None = None
    recorded_by: User | None = None
    on_behalf_of: User | None = None
    excluded: list[User] = field(default_factory=list)
    # the measure no longer waits for this committee (withdrawn, or moved on elsewhere)
    measure_not_waiting: bool = False
    # a mere heading over sub-items: needs no result of its own
    is_heading: bool = False

    @property
    def item(self) -> AgendaItem:
        return self.entry.item


def sees_non_public(meeting: Meeting) -> bool:
    return can(current_user, "meeting.view_non_public", meeting)


def agenda_rows(meeting: Meeting, *, non_public: bool | None = None) -> list[AgendaRow]:
    """The numbered agenda; the non-public part only for those who may see it."""
    if non_public is None:
        non_public = sees_non_public(meeting)
    has_papers = "papers.detail" in current_app.view_functions
    rows = []
    entries = numbering(meeting)
    not_waiting = no_longer_waiting(meeting, [e.item for e in entries])
    heading_ids = headings(e.item for e in entries)
    for entry in entries:
        item = entry.item
        if not item.is_public and not non_public:
            continue
        row = AgendaRow(entry, is_heading=item.id in heading_ids)
        if item.paper is not None:
            row.paper_visible = can(current_user, "paper.view", item.paper)
            if has_papers and row.paper_visible:
                row.paper_url = url_for("papers.detail", paper_id=item.paper_id)
        if item.measure is not None:
            row.measure = item.measure
            row.measure_not_waiting = item.id in not_waiting
            if can(current_user, "measure.view", item.measure):
                row.measure_url = url_for("measures.detail", measure_id=item.measure_id)
        if item.result_recorded_by_id is not None:
            row.recorded_by = item.result_recorded_by
        if item.result_on_behalf_of_id is not None:
            row.on_behalf_of = db.session.get(User, item.result_on_behalf_of_id)
        row.excluded = [e.user for e in item.exclusions]
        rows.append(row)
    return rows


def approval_of_minutes(meeting: Meeting) -> AgendaItem | None:
    """The agenda item of a later session that approved this session's minutes."""
    return db.session.scalar(
        sa.select(AgendaItem)
        .where(
            AgendaItem.approves_minutes_of_id == meeting.id,
            AgendaItem.deleted_at.is_(None),
            AgendaItem.result.in_(CARRIED),
        )
        .order_by(AgendaItem.id)
        .limit(1)
    )


# -- the calendar ------------------------------------------------------------------------------


@bp.get("/meetings/")
@login_required
def meetings() -> Any:
    past = request.args.get("when") == "past"
    committees = db.session.scalars(
        sa.select(Committee).where(Committee.deleted_at.is_(None)).order_by(Committee.name)
    ).all()
    raw = request.args.get("committee", "")
    committee = next((c for c in committees if str(c.id) == raw), None)
    page = request.args.get("page", "1")
    page_number = int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1
    query = (
        sa.select(Meeting)
        .join(Committee, Committee.id == Meeting.committee_id)
        .where(Meeting.deleted_at.is_(None), Committee.deleted_at.is_(None))
    )
    cutoff = start_of_today()
    if past:
        query = query.where(Meeting.starts_at < cutoff).order_by(
            Meeting.starts_at.desc(), Meeting.id.desc()
        )
    else:
        query = query.where(Meeting.starts_at >= cutoff).order_by(Meeting.starts_at, Meeting.id)
    if committee is not None:
        query = query.where(Meeting.committee_id == committee.id)
    found = db.session.scalars(
        query.offset((page_number - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    ).all()
    return render_template(
        "meetings/index.html",
        meetings=found[:PAGE_SIZE],
        has_more=len(found) > PAGE_SIZE,
        page=page_number,
        past=past,
        committees=committees,
        committee=committee,
        unknown_committee=bool(raw) and committee is None,
    )


# -- planning ----------------------------------------------------------------------------------


def build_rrule(form: PlanSeriesForm) -> str | None:
    """The RRULE of the series form; None (with the error at its field) when it cannot be."""
    first: date = form.day.data
    kind = form.recurrence.data
    if kind == "monthly_weekday":
        nth = (first.day - 1) // 7 + 1
        rule = f"FREQ=MONTHLY;BYDAY={-1 if nth == 5 else nth}{WEEKDAYS[first.weekday()]}"
    elif kind == "monthly_day":
        rule = "FREQ=MONTHLY"
    elif kind == "weekly":
        rule = "FREQ=WEEKLY"
    elif kind == "biweekly":
        rule = "FREQ=WEEKLY;INTERVAL=2"
    else:
        rule = (form.rrule.data or "").strip().upper().removeprefix("RRULE:").strip(";")
        if (form.count.data or form.until.data) and ("COUNT=" in rule or "UNTIL=" in rule):
            form.count.errors = [
                *form.count.errors,
                _("Die Regel enthält schon COUNT oder UNTIL; lassen Sie Anzahl und Enddatum leer."),
            ]
            return None
    if form.count.data:
        rule += f";COUNT={form.count.data}"
    if form.until.data:
        rule += f";UNTIL={form.until.data:%Y%m%d}T235959"
    return rule


def _plan_forms(
    committee: Committee, single: PlanMeetingForm | None, series: PlanSeriesForm | None
) -> tuple[PlanMeetingForm, PlanSeriesForm]:
    single = single or PlanMeetingForm(formdata=None, prefix="single")
    series = series or PlanSeriesForm(formdata=None, prefix="series")
    for form in (single, series):
        form.location_id.choices = location_choices(committee.body_id)
    return single, series


def _render_plan(
    committee: Committee,
    status: int = 200,
    single: PlanMeetingForm | None = None,
    series: PlanSeriesForm | None = None,
) -> Any:
    single, series = _plan_forms(committee, single, series)
    return (
        render_template(
            "meetings/plan.html",
            committee=committee,
            single=single,
            series=series,
            posted=request.form.get("kind") if request.method == "POST" else None,
        ),
        status,
    )


@bp.route("/committees/<int:committee_id>/meetings/new", methods=["GET", "POST"])
@login_required
def plan_meeting(committee_id: int) -> Any:
    committee = load_committee(committee_id)
    forbid_unless("committee.secretary", committee)
    if request.method == "GET":
        return _render_plan(committee)
    if request.form.get("kind") == "series":
        return _plan_series(committee)
    form, _series = _plan_forms(committee, PlanMeetingForm(prefix="single"), None)
    if not form.validate():
        invalid()
        return _render_plan(committee, 422, single=form)
    starts_at = local_moment(form.day.data, form.starts.data)
    try:
        meeting = ops.plan_meeting(
            committee,
            actor=current(),
            starts_at=starts_at,
            ends_at=local_moment(form.day.data, form.ends.data) if form.ends.data else None,
            location=location_of(committee.body_id, form.location_id.data),
            name=form.name.data,
        )
        db.session.commit()
    except DomainError as exc:
        refused(exc)
        return _render_plan(committee, exc.http_status, single=form)
    return done(
        _("Die Sitzung wurde geplant. Stellen Sie jetzt die Tagesordnung zusammen."),
        "committees.agenda",
        meeting_id=meeting.id,
    )


def _plan_series(committee: Committee) -> Any:
    _single, form = _plan_forms(committee, None, PlanSeriesForm(prefix="series"))
    rule = build_rrule(form) if form.validate() else None
    if rule is None:
        invalid()
        return _render_plan(committee, 422, series=form)
    first_start = local_moment(form.day.data, form.starts.data)
    duration = 120
    if form.ends.data:
        duration = int(
            (local_moment(form.day.data, form.ends.data) - first_start).total_seconds() // 60
        )
    try:
        series = ops.plan_series(
            committee,
            actor=current(),
            rrule=rule,
            first_start=first_start,
            duration_minutes=duration,
            location=location_of(committee.body_id, form.location_id.data),
            name=form.name.data,
        )
        db.session.flush()
        created = db.session.scalar(
            sa.select(sa.func.count(Meeting.id)).where(Meeting.series_id == series.id)
        )
        db.session.commit()
    except DomainError as exc:
        refused(exc)
        return _render_plan(committee, exc.http_status, series=form)
    return done(
        _(
            "Die Sitzungsreihe wurde geplant (%(rule)s): %(count)s Sitzungen sind angelegt.",
            rule=rule,
            count=created,
        ),
        "committees.detail",
        "sessions",
        committee_id=committee.id,
    )


@bp.post("/series/<int:series_id>/end")
@login_required
def end_series(series_id: int) -> Any:
    series = db.session.get(MeetingSeries, series_id) if series_id <= MAX_ID else None
    if series is None or series.committee.deleted_at is not None:
        abort(404)
    forbid_unless("committee.secretary", series.committee)
    committee_id = series.committee_id
    if series.ended_at is not None:
        flash(_("Die Sitzungsreihe ist bereits beendet."), "info")
        return done_redirect(committee_id)
    form = VersionForm()
    if not form.validate():
        abort(400)
    try:
        cancelled = ops.end_series(series, actor=current())
        db.session.commit()
    except DomainError as exc:
        refused(exc)
        return done_redirect(committee_id)
    return done(
        _(
            "Die Sitzungsreihe ist beendet; %(count)s geplante Sitzungen wurden abgesagt.",
            count=cancelled,
        ),
        "committees.detail",
        "series",
        committee_id=committee_id,
    )


def done_redirect(committee_id: int) -> Any:
    return redirect(url_for("committees.detail", committee_id=committee_id, _anchor="series"), 303)


# -- the session page --------------------------------------------------------------------------


def _render_meeting(meeting: Meeting, status: int = 200) -> Any:
    user = current()
    is_secretary = can(user, "meeting.manage", meeting)
    non_public = sees_non_public(meeting)
    rows = agenda_rows(meeting, non_public=non_public)
    approval = approval_of_minutes(meeting)
    series_form = None
    if is_secretary and meeting.series is not None and meeting.series.ended_at is None:
        series_form = VersionForm(formdata=None)
    recorded = sum(1 for r in rows if r.item.result is not None)
    return (
        render_template(
            "meetings/detail.html",
            meeting=meeting,
            committee=meeting.committee,
            rows=rows,
            non_public=non_public,
            is_secretary=is_secretary,
            notice=ops.notice(meeting),
            submission_deadline=ops.submission_deadline(meeting),
            session_day=ops.meeting_day(meeting),
            today=today(),
            approval=approval,
            series_form=series_form,
            recorded=recorded,
        ),
        status,
    )


@bp.get("/meetings/<int:meeting_id>")
@login_required
def meeting(meeting_id: int) -> Any:
    return _render_meeting(load_meeting(meeting_id))


# -- downloads ---------------------------------------------------------------------------------


def _file(data: bytes, mimetype: str, filename: str) -> Any:
    response = send_file(
        io.BytesIO(data),
        mimetype=mimetype,
        as_attachment=True,
        download_name=filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _file_stem(meeting: Meeting, kind: str) -> str:
    short = meeting.committee.short_name.replace(" ", "-").replace("/", "-").lower()
    return f"{kind}-{short}-{ops.meeting_day(meeting):%Y-%m-%d}"


@bp.get("/meetings/<int:meeting_id>/agenda.pdf")
@login_required
def agenda_pdf_view(meeting_id: int) -> Any:
    meeting = load_meeting(meeting_id)
    public_only = not sees_non_public(meeting)
    data = agenda_pdf(meeting, public_only=public_only)
    return _file(data, "application/pdf", _file_stem(meeting, "tagesordnung") + ".pdf")


@bp.get("/meetings/<int:meeting_id>/minutes.pdf")
@login_required
def minutes_pdf_view(meeting_id: int) -> Any:
    meeting = load_meeting(meeting_id)
    if meeting.closed_at is None:
        abort(404)
    public_only = not sees_non_public(meeting)
    data = minutes_pdf(meeting, public_only=public_only)
    return _file(data, "application/pdf", _file_stem(meeting, "niederschrift") + ".pdf")


@bp.get("/meetings/<int:meeting_id>/session.ics")
@login_required
def session_ics(meeting_id: int) -> Any:
    meeting = load_meeting(meeting_id)
    rows = agenda_rows(meeting)
    lines = [_("Tagesordnung:")] + [f"{r.entry.number} {r.item.title}" for r in rows]
    description = "\n".join([*lines, "", meeting_url(meeting)])
    data = feed(meeting.name, [(meeting, description)])
    response = _file(data, "text/calendar", _file_stem(meeting, "sitzung") + ".ics")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8; method=PUBLISH"
    return response


# -- moving and cancelling ---------------------------------------------------------------------


def _render_edit(
    meeting: Meeting,
    status: int = 200,
    form: EditMeetingForm | None = None,
    cancel_form: CancelMeetingForm | None = None,
) -> Any:
    if form is None:
        start = meeting.starts_at
        form = EditMeetingForm(formdata=None)
        form.day.data = ops.meeting_day(meeting)
        form.starts.data = start.astimezone(LOCAL_TZ).time().replace(second=0, microsecond=0)
        if meeting.ends_at is not None:
            form.ends.data = meeting.ends_at.astimezone(LOCAL_TZ).time()
        form.location_id.data = meeting.location_id
    form.location_id.choices = location_choices(meeting.committee.body_id, keep=meeting.location_id)
    form.version.data = meeting.version
    form.reason.flags.required = meeting.state == MeetingState.invited
    cancel_form = cancel_form or CancelMeetingForm(formdata=None)
    cancel_form.version.data = meeting.version
    return (
        render_template(
            "meetings/edit.html",
            meeting=meeting,
            committee=meeting.committee,
            form=unique_ids(form, "move"),
            cancel_form=unique_ids(cancel_form, "cancel"),
            movable=meeting.state in (MeetingState.planned, MeetingState.invited),
        ),
        status,
    )


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit_meeting(meeting_id: int) -> Any:
    meeting = load_meeting(meeting_id)
    forbid_unless("meeting.manage", meeting)
    if request.method == "GET":
        return _render_edit(meeting)
    form = EditMeetingForm()
    form.location_id.choices = location_choices(meeting.committee.body_id, keep=meeting.location_id)
    if not form.validate():
        invalid()
        return _render_edit(meeting, 422, form=form)
    day = form.day.data
    try:
        ops.reschedule_meeting(
            meeting,
            actor=current(),
            starts_at=local_moment(day, form.starts.data),
            ends_at=local_moment(day, form.ends.data) if form.ends.data else None,
            location=location_of(meeting.committee.body_id, form.location_id.data),
            reason=form.reason.data,
            expected_version=version_of(form.version.data),
        )
        db.session.commit()
    except DomainError as exc:
        refused(exc)
        return _render_edit(load_meeting(meeting_id), exc.http_status, form=form)
    message = _("Die Sitzung wurde verlegt.")
    if meeting.invitation_sent_at is not None:
        message += " " + _("Die Mitglieder erhalten den neuen Termin per E-Mail.")
    return done(message, "committees.meeting", meeting_id=meeting_id)


@bp.post("/meetings/<int:meeting_id>/cancel")
@login_required
def cancel_meeting(meeting_id: int) -> Any:
    meeting = load_meeting(meeting_id)
    forbid_unless("meeting.manage", meeting)
    form = CancelMeetingForm()
    if not form.validate():
        invalid()
        return _render_edit(meeting, 422, cancel_form=form)
    was_invited = meeting.state == MeetingState.invited
    try:
        ops.cancel_meeting(
            meeting,
            actor=current(),
            reason=form.reason.data,
            expected_version=version_of(form.version.data),
        )
        db.session.commit()
    except DomainError as exc:
        refused(exc)
        return _render_edit(load_meeting(meeting_id), exc.http_status, cancel_form=form)
    message = _("Die Sitzung wurde abgesagt.")
    if was_invited:
        message += " " + _("Die Mitglieder erhalten die Absage per E-Mail.")
    return done(message, "committees.meeting", meeting_id=meeting_id)


# -- the invitation ----------------------------------------------------------------------------


def _render_invitation(meeting: Meeting, status: int = 200, form: InvitationForm | None = None):
    notice = ops.notice(meeting)
    form = form or InvitationForm(formdata=None)
    form.version.data = meeting.version
    form.urgent_reason.flags.required = not notice.regular_ok
    sendable = meeting.state in (MeetingState.planned, MeetingState.invited)
    rows = agenda_rows(meeting, non_public=True)
    return (
        render_template(
            "meetings/invitation.html",
            meeting=meeting,
            committee=meeting.committee,
            notice=notice,
            rows=rows,
            recipients=invitees(meeting),
            form=form,
            sendable=sendable,
            started=meeting.starts_at <= utcnow(),
            session_day=ops.meeting_day(meeting),
            url=meeting_url(meeting),
        ),
        status,
    )


@bp.get("/meetings/<int:meeting_id>/invitation")
@login_required
def invitation(meeting_id: int) -> Any:
    meeting = load_meeting(meeting_id)
    forbid_unless("meeting.manage", meeting)
    return _render_invitation(meeting)


@bp.post("/meetings/<int:meeting_id>/invitation")
@login_required
def send_invitation(meeting_id: int) -> Any:
    meeting = load_meeting(meeting_id)
    forbid_unless("meeting.manage", meeting)
    form = InvitationForm()
    if not form.validate():
        invalid()
        return _render_invitation(meeting, 422, form=form)
    again = meeting.invitation_sent_at is not None
    try:
        ops.send_invitation(
            meeting,
            actor=current(),
            urgent_reason=form.urgent_reason.data,
            expected_version=version_of(form.version.data),
        )
        count = len(invitees(meeting))
        db.session.commit()
    except DomainError as exc:
        refused(exc)
        return _render_invitation(load_meeting(meeting_id), exc.http_status, form=form)
    if again:
        message = _("Die geänderte Einladung geht an %(count)s Mitglieder.", count=count)
    else:
        message = _("Die Einladung geht an %(count)s Mitglieder.", count=count)
    return done(message, "committees.meeting", meeting_id=meeting_id)
