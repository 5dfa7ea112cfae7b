"""Resolution tracking (Beschlussverfolgung, blueprint ``resolutions``): the list of carried
resolutions with their responsible department, target date and traffic light, and the form
that updates one (it carries the task's version: a stale form is refused).

Only resolutions whose agenda item the user may see are listed (``resolution.view``). The
responsible department, the office and the committee's secretaries update the traffic light
and the note (``resolution.edit``); only the office and the secretaries hand a resolution to
another department or move its target date (``resolution.reassign``).
"""

from __future__ import annotations

from math import ceil
from typing import Any
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from digiflow.committees.labels import choices
from digiflow.committees.models import ResolutionStatus, ResolutionTask
from digiflow.committees.overview import (
    ResolutionEditor,
    ResolutionFilter,
    Viewer,
    count_resolutions,
    is_overdue,
    numbers_of,
    resolutions,
)
from digiflow.committees.paper_forms import (
    NO_CHOICE,
    ResolutionFilterForm,
    ResolutionForm,
    fill_resolution_choices,
)
from digiflow.committees.permissions import can_view_resolution, secretary_identity
from digiflow.committees.resolutions import update_resolution
from digiflow.core.db import db, utcnow
from digiflow.core.errors import DomainError
from digiflow.core.formatting import language
from digiflow.core.permissions import can, rule
from digiflow.core.roles import Role
from digiflow.core.time import local_date
from digiflow.org.models import Department
from digiflow.users.models import User

bp = Blueprint("resolutions", __name__, url_prefix="/resolutions")

MAX_ID = 2**31 - 1
PER_PAGE = 100
FILTER_KEYS = ("department", "overdue", "all", "page")


@rule("resolution.reassign")
def can_reassign_resolution(user: User, task: ResolutionTask) -> bool:
    """Hand a resolution to another department or move its target date: the office and the
    committee's secretaries (also as substitutes)."""
    if not can_view_resolution(user, task):
        return False
    if user.has_role(Role.digitalization_office):
        return True
    return secretary_identity(user, task.agenda_item.meeting.committee) is not None


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _departments() -> list[Department]:
    return list(
        db.session.scalars(
            sa.select(Department)
            .where(Department.is_active.is_(True))
            .order_by(Department.short_name, Department.id)
        )
    )


def _parse_filters(
    args: MultiDict, departments: list[Department]
) -> tuple[ResolutionFilter, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    department_id = None
    raw = (args.get("department") or "").strip()
    if raw:
        if raw.isdigit() and int(raw) in {d.id for d in departments}:
            department_id = int(raw)
        else:
            problems.append(("filter-department", _("Unbekannter Fachbereich.")))
    flags = {
        key: (args.get(key) or "").strip().lower() in ("y", "1", "on", "true")
        for key in ("overdue", "all")
    }
    return ResolutionFilter(department_id, flags["overdue"], flags["all"]), problems


def _filter_args(filters: ResolutionFilter) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if filters.department_id is not None:
        out["department"] = filters.department_id
    if filters.overdue:
        out["overdue"] = "y"
    if filters.include_closed:
        out["all"] = "y"
    return out


def _unique_ids(form: ResolutionForm, suffix: int) -> ResolutionForm:
    """Give a form's fields ids of their own: the page shows one form per resolution."""
    for item in form:
        item.id = f"{item.name}-{suffix}"
        item.label.field_id = item.id
    return form


def _render(
    args: MultiDict,
    status: int = 200,
    bound: ResolutionForm | None = None,
    bound_id: int | None = None,
) -> Any:
    user = _user()
    today = local_date(utcnow())
    viewer = Viewer(user)
    editor = ResolutionEditor(user, viewer, today)
    departments = _departments()
    filters, problems = _parse_filters(args, departments)
    total = count_resolutions(viewer, filters, today)
    pages = max(1, ceil(total / PER_PAGE))
    raw_page = (args.get("page") or "1").strip()
    page = min(max(1, int(raw_page)) if raw_page.isdigit() else 1, pages)
    tasks = resolutions(viewer, filters, today, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    numbers = numbers_of([t.agenda_item.meeting for t in tasks])
    department_choices = [(d.id, f"{d.short_name} – {d.name}") for d in departments]
    back = urlencode({**_filter_args(filters), **({"page": page} if page > 1 else {})})
    forms: dict[int, ResolutionForm] = {}
    reassign: set[int] = set()
    for task in tasks:
        if not editor.may_edit(task):
            continue
        if bound is not None and bound_id == task.id:
            form = bound
        else:
            form = ResolutionForm(
                formdata=None,
                status=task.status.value,
                note=task.status_note,
                target_date=task.target_date,
                department_id=task.department_id,
                version=str(task.version),
            )
        fill_resolution_choices(form, department_choices)
        forms[task.id] = _unique_ids(form, task.id)
        if editor.may_reassign(task):
            reassign.add(task.id)
    filter_form = ResolutionFilterForm(formdata=args)
    filter_form.department.choices = [(NO_CHOICE, _("Alle"))] + [
        (str(d.id), label) for d, (_id, label) in zip(departments, department_choices, strict=True)
    ]
    return (
        render_template(
            "resolutions/list.html",
            tasks=tasks,
            numbers=numbers,
            forms=forms,
            reassign=reassign,
            open_form=bound_id,
            overdue={t.id for t in tasks if is_overdue(t, today)},
            filter_form=filter_form,
            problems=problems,
            filters=filters,
            filter_args=_filter_args(filters),
            back=back,
            total=total,
            page=page,
            pages=pages,
        ),
        status,
    )


@bp.get("/")
@login_required
def index() -> Any:
    return _render(request.args)


def _back_url(raw: str | None, task_id: int) -> str:
    """The list with the filters the form was sent from (only the list's own parameters)."""
    pairs = [(k, v) for k, v in parse_qsl(raw or "")[:10] if k in FILTER_KEYS and len(v) <= 20]
    query = urlencode(pairs)
    return url_for("resolutions.index") + (f"?{query}" if query else "") + f"#resolution-{task_id}"


@bp.post("/<int:task_id>")
@login_required
def update(task_id: int) -> Any:
    user = _user()
    task = db.session.get(ResolutionTask, task_id) if task_id <= MAX_ID else None
    if task is None or not can(user, "resolution.view", task):
        abort(404)
    if not can(user, "resolution.edit", task):
        abort(403)
    may_reassign = can(user, "resolution.reassign", task)
    form = ResolutionForm()
    fill_resolution_choices(form, [(d.id, d.short_name) for d in _departments()])
    back = request.form.get("back", "")
    # a refused form is shown on the list with the filters it was sent from
    args = MultiDict(parse_qsl(back)[:10])
    if not form.validate():
        flash(_("Bitte korrigieren Sie die markierten Angaben."), "error")
        return _render(args, 422, form, task.id)
    version = str(form.version.data or "")
    department = None
    if may_reassign and form.department_id.data is not None:
        department = db.session.get(Department, form.department_id.data)
    try:
        update_resolution(
            task,
            actor=user,
            status=form.status.data,
            note=form.note.data or "",
            target_date=form.target_date.data if may_reassign else None,
            department=department,
            expected_version=int(version) if version.isdigit() else -1,
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message(language()), "error")
        return _render(args, exc.http_status, form, task_id)
    status = ResolutionStatus(form.status.data)
    flash(
        _(
            "Der Stand wurde gespeichert: %(status)s.",
            status=dict(choices(ResolutionStatus))[status.value],
        ),
        "success",
    )
    return redirect(_back_url(back, task_id), 303)
