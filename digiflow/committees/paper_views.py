"""Pages of papers (blueprint ``papers``): the list, a paper with its consultation sequence
(Beratungsfolge), its PDF, the form to create or edit one, and routing it to one more committee.

Thin views: they parse forms, call the operations of :mod:`digiflow.committees.papers` and
commit once. A paper the user may not see answers 404, an action they may not take 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from math import ceil
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from digiflow.committees import papers as operations
from digiflow.committees.labels import choices
from digiflow.committees.models import AgendaItem, Consultation, Paper, PaperType
from digiflow.committees.overview import (
    PaperProgress,
    Viewer,
    consultation_rows,
    paper_state,
)
from digiflow.committees.paper_forms import (
    NO_CHOICE,
    ConsultationForm,
    PaperFilterForm,
    PaperForm,
    fill_paper_choices,
)
from digiflow.committees.pdf import paper_pdf
from digiflow.core.db import db, utcnow
from digiflow.core.errors import DomainError, StaleObject, ValidationFailed
from digiflow.core.formatting import day, language
from digiflow.core.permissions import can
from digiflow.core.time import local_date
from digiflow.core.workflow.definition import ConsultationRole
from digiflow.org.models import Body, Committee, Department
from digiflow.users.models import User

bp = Blueprint("papers", __name__, url_prefix="/papers")

#: Ids are 32-bit integers in PostgreSQL; a larger number in a URL is simply not found.
MAX_ID = 2**31 - 1
PER_PAGE = 50


@bp.app_template_global()
def meeting_href(meeting_id: int | None) -> str | None:
    """The link to a session's page, once the sessions pages exist (else None: no link)."""
    if meeting_id is None or "committees.meeting" not in current_app.view_functions:
        return None
    return url_for("committees.meeting", meeting_id=meeting_id)


@bp.app_template_filter("iso_day")
def iso_day(value: str | None) -> str:
    """A day stored as ISO text (e.g. in a history entry's changes), formatted like ``day``."""
    try:
        return day(date.fromisoformat(value)) if value else "–"
    except (TypeError, ValueError):
        return str(value)


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _load_paper(paper_id: int) -> Paper:
    """The paper, or 404 unless the user may see it."""
    paper = db.session.get(Paper, paper_id) if paper_id <= MAX_ID else None
    if paper is None or not can(current_user, "paper.view", paper):
        abort(404)
    return paper


def _departments() -> list[Department]:
    return list(
        db.session.scalars(
            sa.select(Department)
            .where(Department.is_active.is_(True))
            .order_by(Department.short_name, Department.id)
        )
    )


def _department_choices(keep: int | None = None) -> list[tuple[int, str]]:
    rows = db.session.scalars(
        sa.select(Department)
        .where(sa.or_(Department.is_active.is_(True), Department.id == keep))
        .order_by(Department.short_name, Department.id)
    )
    return [(d.id, f"{d.short_name} – {d.name}") for d in rows]


def _committees() -> list[Committee]:
    return list(
        db.session.scalars(
            sa.select(Committee)
            .where(Committee.is_active.is_(True), Committee.deleted_at.is_(None))
            .order_by(Committee.name, Committee.id)
        )
    )


# -- the list --------------------------------------------------------------------------------


@dataclass
class PaperFilters:
    year: int | None = None
    paper_type: PaperType | None = None
    department_id: int | None = None
    q: str = ""

    def args(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.q:
            out["q"] = self.q
        if self.year is not None:
            out["year"] = self.year
        if self.paper_type is not None:
            out["type"] = self.paper_type.value
        if self.department_id is not None:
            out["department"] = self.department_id
        return out


def _parse_filters(
    args: MultiDict, departments: list[Department]
) -> tuple[PaperFilters, list[tuple[str, str]]]:
    """The filters in effect, and a message for each value that was ignored."""
    filters = PaperFilters(q=(args.get("q") or "").strip()[:200])
    problems: list[tuple[str, str]] = []
    year = (args.get("year") or "").strip()
    if year:
        if year.isdigit() and 1900 <= int(year) <= 2200:
            filters.year = int(year)
        else:
            problems.append(("filter-year", _("Das Jahr „%(value)s“ ist ungültig.", value=year)))
    kind = (args.get("type") or "").strip()
    if kind:
        try:
            filters.paper_type = PaperType(kind)
        except ValueError:
            problems.append(("filter-type", _("Unbekannte Vorlagenart.")))
    department = (args.get("department") or "").strip()
    if department:
        if department.isdigit() and int(department) in {d.id for d in departments}:
            filters.department_id = int(department)
        else:
            problems.append(("filter-department", _("Unbekannter Fachbereich.")))
    return filters, problems


def _page_number(args: MultiDict) -> int:
    raw = (args.get("page") or "1").strip()
    return max(1, min(int(raw), 100000)) if raw.isdigit() else 1


@bp.get("/")
@login_required
def index() -> Any:
    viewer = Viewer(_user())
    departments = _departments()
    filters, problems = _parse_filters(request.args, departments)
    condition = [viewer.papers_condition()]
    if filters.year is not None:
        condition.append(Paper.year == filters.year)
    if filters.paper_type is not None:
        condition.append(Paper.paper_type == filters.paper_type)
    if filters.department_id is not None:
        condition.append(Paper.lead_department_id == filters.department_id)
    if filters.q:
        escaped = filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        condition.append(Paper.title.ilike(f"%{escaped}%", escape="\\"))
    total = db.session.scalar(sa.select(sa.func.count(Paper.id)).where(*condition)) or 0
    pages = max(1, ceil(total / PER_PAGE))
    page = min(_page_number(request.args), pages)
    papers = list(
        db.session.scalars(
            sa.select(Paper)
            .where(*condition)
            .options(
                selectinload(Paper.lead_department),
                selectinload(Paper.consultations).selectinload(Consultation.committee),
                selectinload(Paper.consultations)
                .selectinload(Consultation.agenda_item)
                .selectinload(AgendaItem.meeting),
            )
            .order_by(Paper.year.desc(), Paper.number.desc(), Paper.id.desc())
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE)
        )
    )
    rows = consultation_rows(papers, viewer)
    form = PaperFilterForm(formdata=request.args)
    everything = [(NO_CHOICE, _("Alle"))]
    form.type.choices = everything + choices(PaperType)
    form.department.choices = everything + [
        (str(d.id), f"{d.short_name} – {d.name}") for d in departments
    ]
    return render_template(
        "papers/list.html",
        papers=papers,
        states={p.id: paper_state(rows[p.id]) for p in papers},
        progress=PaperProgress,
        form=form,
        filters=filters,
        problems=problems,
        total=total,
        page=page,
        pages=pages,
        may_create=can(current_user, "paper.create"),
    )


# -- one paper -------------------------------------------------------------------------------


def _consultation_form(paper: Paper, bound: ConsultationForm | None = None) -> ConsultationForm:
    form = bound or ConsultationForm(formdata=None, prefix="consultation")
    form.committee_id.choices = [(NO_CHOICE, _("– bitte wählen –"))] + [
        (c.id, c.name) for c in _committees() if c.body_id == paper.body_id
    ]
    form.role.choices = choices(ConsultationRole)
    return form


def _render_detail(
    paper: Paper, status: int = 200, consultation_form: ConsultationForm | None = None
) -> Any:
    viewer = Viewer(_user())
    may_edit = can(current_user, "paper.edit", paper)
    measure = paper.measure
    return (
        render_template(
            "papers/detail.html",
            paper=paper,
            rows=consultation_rows([paper], viewer)[paper.id],
            measure=measure if measure and can(current_user, "measure.view", measure) else None,
            may_edit=may_edit,
            consultation_form=_consultation_form(paper, consultation_form) if may_edit else None,
        ),
        status,
    )


@bp.get("/<int:paper_id>")
@login_required
def detail(paper_id: int) -> Any:
    return _render_detail(_load_paper(paper_id))


@bp.get("/<int:paper_id>.pdf")
@login_required
def pdf(paper_id: int) -> Any:
    paper = _load_paper(paper_id)
    viewer = Viewer(_user())
    body = paper_pdf(paper, show_item=viewer.sees_item)
    response = Response(body, mimetype="application/pdf")
    filename = f"vorlage-{paper.number:04d}-{paper.year}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/<int:paper_id>/consultations")
@login_required
def add_consultation(paper_id: int) -> Any:
    paper = _load_paper(paper_id)
    if not can(current_user, "paper.edit", paper):
        abort(403)
    form = _consultation_form(paper, ConsultationForm(prefix="consultation"))
    committee = None
    if form.validate():
        committee = db.session.get(Committee, form.committee_id.data)
        if committee is None or committee.deleted_at is not None:
            form.committee_id.errors = [_("Unbekanntes Gremium.")]
    if form.errors or committee is None:
        flash(_("Bitte korrigieren Sie die markierten Angaben."), "error")
        return _render_detail(paper, 422, form)
    try:
        operations.add_consultation(
            paper,
            actor=_user(),
            committee=committee,
            role=form.role.data,
            authoritative=form.authoritative.data,
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message(language()), "error")
        return _render_detail(_load_paper(paper_id), exc.http_status, form)
    flash(_("Die Vorlage ist an „%(committee)s“ überwiesen.", committee=committee.name), "success")
    return redirect(url_for("papers.detail", paper_id=paper.id, _anchor="consultations"), 303)


# -- the form --------------------------------------------------------------------------------


def _body_for(user: User, department: Department | None) -> Body | None:
    """The body a new paper belongs to: its lead department's, the author's, or the only one."""
    if department is not None:
        return department.body
    if user.department is not None:
        return user.department.body
    return db.session.scalar(sa.select(Body).order_by(Body.id).limit(1))


def _department(department_id: int | None) -> Department | None:
    return db.session.get(Department, department_id) if department_id is not None else None


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> Any:
    user = _user()
    if not can(user, "paper.create"):
        abort(403)
    form = PaperForm()
    del form.loaded
    committees = _committees()
    fill_paper_choices(form, _department_choices(), [(c.id, c.name) for c in committees])
    if request.method == "GET":
        form.paper_date.data = local_date(utcnow())
        if user.department_id is not None:
            form.lead_department_id.data = user.department_id
        return render_template("papers/form.html", form=form, paper=None)
    if form.validate():
        department = _department(form.lead_department_id.data)
        body = _body_for(user, department)
        by_id = {c.id: c for c in committees}
        routing = [
            (
                by_id[row.form.committee_id.data],
                row.form.role.data,
                bool(row.form.authoritative.data),
            )
            for row in form.routing
            if row.form.committee_id.data is not None
        ]
        try:
            if body is None:
                raise ValidationFailed(
                    "Es ist noch keine Körperschaft angelegt.", "No body exists yet."
                )
            paper = operations.create_paper(
                actor=user,
                body=body,
                paper_type=form.paper_type.data,
                title=form.title.data,
                text=form.text.data or "",
                proposal=form.proposal.data or "",
                lead_department=department,
                paper_date=form.paper_date.data,
                submitted_by=form.submitted_by.data,
                is_public=bool(form.is_public.data),
                routing=routing,
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message(language()), "error")
            return render_template("papers/form.html", form=form, paper=None), exc.http_status
        flash(_("Die Vorlage %(reference)s wurde angelegt.", reference=paper.reference), "success")
        return redirect(url_for("papers.detail", paper_id=paper.id), 303)
    return render_template("papers/form.html", form=form, paper=None), 422


def _stamp(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""


@bp.route("/<int:paper_id>/edit", methods=["GET", "POST"])
@login_required
def edit(paper_id: int) -> Any:
    user = _user()
    paper = _load_paper(paper_id)
    if not can(user, "paper.edit", paper):
        abort(403)
    if request.method == "GET":
        form = PaperForm(formdata=None, obj=paper)
        form.loaded.data = _stamp(paper.updated_at)
    else:
        form = PaperForm()
    del form.routing
    fill_paper_choices(form, _department_choices(keep=paper.lead_department_id), None)
    if request.method == "GET":
        form.paper_type.data = paper.paper_type.value
        return render_template("papers/form.html", form=form, paper=paper)
    if form.validate():
        try:
            db.session.refresh(paper, with_for_update=True)
            if form.loaded.data != _stamp(paper.updated_at):
                raise StaleObject(
                    "Die Vorlage wurde inzwischen von jemand anderem geändert. Bitte laden Sie "
                    "die Seite neu.",
                    "Somebody else changed the paper in the meantime. Please reload the page.",
                )
            operations.update_paper(
                paper,
                actor=user,
                title=form.title.data,
                text=form.text.data or "",
                proposal=form.proposal.data or "",
                paper_type=form.paper_type.data,
                submitted_by=form.submitted_by.data,
                is_public=bool(form.is_public.data),
                lead_department=_department(form.lead_department_id.data),
                paper_date=form.paper_date.data,
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message(language()), "error")
            paper = _load_paper(paper_id)
            return render_template("papers/form.html", form=form, paper=paper), exc.http_status
        flash(_("Die Änderungen wurden gespeichert."), "success")
        return redirect(url_for("papers.detail", paper_id=paper.id), 303)
    return render_template("papers/form.html", form=form, paper=paper), 422


__all__ = ["bp", "meeting_href"]
