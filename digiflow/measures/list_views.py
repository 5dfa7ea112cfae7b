"""The measures list, the board by state, saved filters and the exports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any
from urllib.parse import parse_qsl, urlencode

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Form, HiddenField, SearchField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from digiflow.core.db import db
from digiflow.core.errors import DomainError
from digiflow.core.formatting import language
from digiflow.core.workflow.definition import Category
from digiflow.measures import export
from digiflow.measures.blueprint import bp
from digiflow.measures.listing import (
    CATALOG_FILTERS,
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    MIN_PER_PAGE,
    PAGING_PARAMS,
    SORTS,
    VIEW_PARAMS,
    Catalogs,
    ListQuery,
    board_columns,
    canonical_query,
    delete_filter,
    export_rows,
    list_page,
    load_catalogs,
    parse_list_query,
    save_filter,
    saved_filters,
    today,
)
from digiflow.measures.models import SavedFilter

CATEGORY_LABELS = {
    Category.open: _l("Beim Fachbereich"),
    Category.active: _l("In Bearbeitung"),
    Category.done: _l("Abgeschlossen"),
    Category.rejected: _l("Abgelehnt oder zurückgezogen"),
}

SORT_LABELS = {
    "title": _l("Titel"),
    "department": _l("Fachbereich"),
    "state": _l("Status"),
    "priority": _l("Priorität"),
    "costs": _l("Gesamtkosten"),
    "target_date": _l("Zieltermin"),
    "updated": _l("Zuletzt geändert"),
}


class FilterForm(Form):
    """The list's filters: a plain GET form (no CSRF, nothing changes)."""

    q = SearchField(_l("Suche in Titel und Beschreibung"), id="filter-q")
    state = SelectField(_l("Status"), id="filter-state", validate_choice=False)
    category = SelectField(_l("Statusgruppe"), id="filter-category", validate_choice=False)
    department = SelectField(_l("Fachbereich"), id="filter-department", validate_choice=False)
    field_of_action = SelectField(
        _l("Handlungsfeld"), id="filter-field_of_action", validate_choice=False
    )
    priority = SelectField(_l("Priorität"), id="filter-priority", validate_choice=False)
    budget_year = StringField(
        _l("Haushaltsjahr"),
        id="filter-budget_year",
        render_kw={"inputmode": "numeric", "maxlength": 4, "size": 6, "autocomplete": "off"},
    )
    funding_programme = SelectField(
        _l("Förderprogramm"), id="filter-funding_programme", validate_choice=False
    )
    it_provider = SelectField(
        _l("IT-Dienstleister"), id="filter-it_provider", validate_choice=False
    )
    overdue = BooleanField(_l("Nur überfällige Maßnahmen"), id="filter-overdue")
    sort = SelectField(_l("Sortieren nach"), id="filter-sort", validate_choice=False)
    dir = SelectField(_l("Reihenfolge"), id="filter-dir", validate_choice=False)
    per_page = SelectField(_l("Einträge pro Seite"), id="filter-per_page", validate_choice=False)


class SaveFilterForm(FlaskForm):
    name = StringField(
        _l("Name des Filters"),
        id="save-filter-name",
        validators=[
            InputRequired(message=_l("Bitte geben Sie einen Namen für den Filter ein.")),
            Length(max=100, message=_l("Der Name darf höchstens 100 Zeichen lang sein.")),
        ],
    )
    query = HiddenField(id="save-filter-query")


def _filter_form(args: Mapping[str, Any], lq: ListQuery, catalogs: Catalogs) -> FilterForm:
    """The filter form showing what is in effect, with a message at each ignored value."""
    lang = language()
    everything = [("", _("Alle"))]
    form = FilterForm(formdata=args if isinstance(args, MultiDict) else MultiDict(args))
    form.state.choices = everything + [
        (key, info.label(lang)) for key, info in catalogs.states.items()
    ]
    form.state_groups = [
        (
            str(label),
            [(k, i.label(lang)) for k, i in catalogs.states.items() if i.category == category],
        )
        for category, label in CATEGORY_LABELS.items()
    ]
    form.category.choices = everything + [
        (c.value, str(label)) for c, label in CATEGORY_LABELS.items()
    ]
    form.department.choices = everything + [
        (str(d.id), f"{d.short_name} – {d.name}") for d in catalogs.departments
    ]
    for name in ("field_of_action", "priority", "it_provider"):
        form[name].choices = everything + [
            (str(e.id), e.label(lang)) for e in catalogs.entries[CATALOG_FILTERS[name]]
        ]
    form.funding_programme.choices = everything + [(str(p.id), p.name) for p in catalogs.programmes]
    form.sort.choices = [(key, str(SORT_LABELS[key])) for key in SORTS]
    form.dir.choices = [("asc", _("aufsteigend")), ("desc", _("absteigend"))]
    sizes = sorted({10, 25, DEFAULT_PER_PAGE, 100, MAX_PER_PAGE, lq.per_page})
    form.per_page.choices = [(str(n), str(n)) for n in sizes if MIN_PER_PAGE <= n <= MAX_PER_PAGE]

    # show what is in effect: valid values as given, ignored ones as "all" with a message
    effective = lq.filters.args()
    for name in (
        "state",
        "category",
        "department",
        "field_of_action",
        "priority",
        "funding_programme",
        "it_provider",
    ):
        form[name].data = effective.get(name, "")
    form.overdue.data = lq.filters.overdue
    form.sort.data = lq.sort
    form.dir.data = lq.direction
    form.per_page.data = str(lq.per_page)
    for name, message in lq.problems.items():
        if name in form:
            form[name].errors = [message]
    return form


def _problems(lq: ListQuery, form: FilterForm, board: bool = False) -> list[tuple[str | None, str]]:
    """Every ignored parameter: (the form field's id if it has one, the message).

    The board has no order, page size or pages, so it does not mention those parameters.
    """
    return [
        (form[name].id if name in form else None, message)
        for name, message in lq.problems.items()
        if not (board and name in VIEW_PARAMS + PAGING_PARAMS)
    ]


def _render_list(args: Mapping[str, Any], save_form: SaveFilterForm | None = None) -> str:
    catalogs = load_catalogs()
    lq = parse_list_query(args, catalogs)
    page = list_page(current_user, lq, catalogs)
    form = _filter_form(args, lq, catalogs)
    if save_form is None:
        save_form = SaveFilterForm(formdata=None)
    current_query = urlencode(lq.args())
    save_form.query.data = current_query
    return render_template(
        "measures/list.html",
        lq=lq,
        page=page,
        form=form,
        problems=_problems(lq, form),
        save_form=save_form,
        saved=saved_filters(current_user),
        current_query=current_query,
        catalogs=catalogs,
        today=today(),
        sort_labels=SORT_LABELS,
        sorts=SORTS,
    )


@bp.get("/")
@login_required
def index() -> Any:
    """The measures the user may see, filtered, sorted and paged by keyset."""
    return _render_list(request.args)


@bp.get("/board")
@login_required
def board() -> Any:
    """The same measures as a board: one column per state of the default workflow."""
    catalogs = load_catalogs()
    lq = parse_list_query(request.args, catalogs)
    form = _filter_form(request.args, lq, catalogs)
    return render_template(
        "measures/board.html",
        lq=lq,
        form=form,
        problems=_problems(lq, form, board=True),
        columns=board_columns(current_user, lq.filters, catalogs, language()),
        catalogs=catalogs,
        today=today(),
    )


@bp.post("/filters")
@login_required
def save_filter_view() -> Any:
    """Save the current filter under a name (for the signed-in user only)."""
    form = SaveFilterForm()
    posted_query = canonical_query(form.query.data or "")
    list_args = MultiDict(parse_qsl(posted_query))
    if not form.validate():
        return _render_list(list_args, save_form=form), 422
    try:
        saved = save_filter(current_user, form.name.data or "", posted_query)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message(language()), "error")
        return _render_list(list_args, save_form=form), exc.http_status
    flash(_("Der Filter „%(name)s“ wurde gespeichert.", name=saved.name), "success")
    return redirect(_list_url(saved.query))


@bp.post("/filters/<int:filter_id>/delete")
@login_required
def delete_filter_view(filter_id: int) -> Any:
    """Delete one of the user's saved filters; somebody else's answers 404."""
    saved = db.session.get(SavedFilter, filter_id)
    if saved is None or saved.user_id != current_user.id:
        abort(404)
    name = saved.name
    try:
        delete_filter(current_user, saved)
        db.session.commit()
    except DomainError as exc:  # pragma: no cover - ownership was checked above
        db.session.rollback()
        flash(exc.message(language()), "error")
        return redirect(url_for("measures.index")), exc.http_status
    flash(_("Der Filter „%(name)s“ wurde gelöscht.", name=name), "success")
    return redirect(url_for("measures.index"))


def _list_url(query: str) -> str:
    return url_for("measures.index", **dict(parse_qsl(query)))


def _export(extension: str, mimetype: str) -> Any:
    catalogs = load_catalogs()
    lq = parse_list_query(request.args, catalogs)
    lang, day = language(), today()
    rows = (
        export.row_values(measure, catalogs, lang, day)
        for measure in export_rows(current_user, lq, catalogs)
    )
    target: IO[bytes] = export.spooled()
    if extension == "csv":
        export.write_csv(rows, target)
    else:
        export.write_xlsx(rows, target, title=_("Maßnahmen"))
    size = target.tell()
    target.seek(0)
    response = Response(export.chunks(target), mimetype=mimetype)
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{export.export_filename(day, extension)}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/export.csv")
@login_required
def export_csv() -> Any:
    """Every visible measure of the current filter as CSV for German Excel."""
    return _export("csv", "text/csv; charset=utf-8")


@bp.get("/export.xlsx")
@login_required
def export_xlsx() -> Any:
    """Every visible measure of the current filter as an Excel workbook."""
    return _export("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
