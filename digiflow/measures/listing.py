"""The measures list as SQL: filters from the query string, sorting, keyset paging, the board.

Everything here starts from :func:`visible_measures`, so no filter, sort or cursor can widen
what a person sees. Invalid query parameters are reported (a message per parameter) and
ignored, never raised: a bookmarked or hand-edited address always shows a page.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import aliased, contains_eager, joinedload, lazyload
from sqlalchemy.sql.elements import ColumnElement

from digiflow.catalogs.models import CatalogEntry, CatalogKind
from digiflow.core.db import db, utcnow
from digiflow.core.errors import DomainError, ValidationFailed
from digiflow.core.time import local_date
from digiflow.core.workflow.definition import Category, StateDef, WorkflowDef
from digiflow.core.workflow.models import StoredWorkflow
from digiflow.core.workflow.registry import registry
from digiflow.funding.models import FundingProgramme
from digiflow.measures.models import Measure, SavedFilter
from digiflow.measures.permissions import visible_measures
from digiflow.org.models import Department
from digiflow.users.models import User

#: Query parameters that narrow the list (in the order the filter form shows them).
FILTER_PARAMS = (
    "q",
    "state",
    "category",
    "department",
    "field_of_action",
    "priority",
    "budget_year",
    "funding_programme",
    "it_provider",
    "overdue",
)
#: Parameters that change how the list is shown, not what it holds.
VIEW_PARAMS = ("sort", "dir", "per_page")
#: Parameters of one page; never saved in a filter.
PAGING_PARAMS = ("after", "before")

DEFAULT_SORT = "updated"
DEFAULT_PER_PAGE = 50
MIN_PER_PAGE, MAX_PER_PAGE = 10, 200
MAX_QUERY_LENGTH = 200
BOARD_LIMIT = 100

#: The direction a column sorts in when its header is clicked first.
FIRST_DIRECTION = {
    "title": "asc",
    "department": "asc",
    "state": "asc",
    "priority": "asc",
    "costs": "desc",
    "target_date": "asc",
    "updated": "desc",
}
SORTS = tuple(FIRST_DIRECTION)

#: Catalog kinds the list filters by, with the query parameter that names them.
CATALOG_FILTERS = {
    "field_of_action": CatalogKind.field_of_action,
    "priority": CatalogKind.priority,
    "it_provider": CatalogKind.it_provider,
}


# --- what the filters can name ----------------------------------------------------------------


@dataclass
class StateInfo:
    """One state key as lists show it, labelled from the first workflow that has it."""

    key: str
    definition: StateDef

    def label(self, language: str) -> str:
        return self.definition.label.get(language)

    @property
    def category(self) -> Category:
        return self.definition.category


@dataclass
class Catalogs:
    """Everything the filters can name, loaded with a fixed number of queries."""

    departments: list[Department]
    entries: dict[CatalogKind, list[CatalogEntry]]
    programmes: list[FundingProgramme]
    # stored workflow id -> its definition (every version measures may be on)
    workflows: dict[int, WorkflowDef]
    # the default workflow's definition (board columns, state order)
    default: WorkflowDef
    # every known state key: the default workflow's in its order, then the others'
    states: dict[str, StateInfo]

    def entry_ids(self, kind: CatalogKind) -> set[int]:
        return {e.id for e in self.entries.get(kind, [])}

    def state_label(self, measure: Measure, language: str) -> str:
        """The label of the measure's state in its own workflow version."""
        definition = self.workflows.get(measure.workflow_id)
        if definition is not None and measure.state in definition.states:
            return definition.states[measure.state].label.get(language)
        info = self.states.get(measure.state)
        return info.label(language) if info else measure.state

    def is_terminal(self, measure: Measure) -> bool:
        definition = self.workflows.get(measure.workflow_id)
        if definition is not None and measure.state in definition.states:
            return definition.is_terminal(measure.state)
        info = self.states.get(measure.state)
        return bool(info and info.category.is_terminal)

    def is_overdue(self, measure: Measure, today: date) -> bool:
        return (
            measure.state_deadline is not None
            and measure.state_deadline < today
            and not self.is_terminal(measure)
        )


def load_catalogs() -> Catalogs:
    """Load departments, catalog entries, funding programmes and workflow versions."""
    departments = list(
        db.session.scalars(sa.select(Department).order_by(Department.short_name, Department.id))
    )
    entries: dict[CatalogKind, list[CatalogEntry]] = {kind: [] for kind in CatalogKind}
    for entry in db.session.scalars(
        sa.select(CatalogEntry)
        .where(CatalogEntry.kind.in_(list(CATALOG_FILTERS.values())))
        .order_by(CatalogEntry.position, CatalogEntry.label_de, CatalogEntry.id)
    ):
        entries[entry.kind].append(entry)
    programmes = list(
        db.session.scalars(
            sa.select(FundingProgramme).order_by(FundingProgramme.name, FundingProgramme.id)
        )
    )
    reg = registry()
    workflows = {
        stored.id: reg.definition(stored)
        for stored in db.session.scalars(sa.select(StoredWorkflow).order_by(StoredWorkflow.id))
    }
    default = reg.file_definition(current_app.config["DEFAULT_WORKFLOW"]).definition
    states: dict[str, StateInfo] = {}
    others = [reg.file_definition(name).definition for name in reg.names()]
    for definition in [default, *others, *workflows.values()]:
        for key, state in definition.states.items():
            states.setdefault(key, StateInfo(key, state))
    return Catalogs(departments, entries, programmes, workflows, default, states)


# --- the parsed query string ------------------------------------------------------------------


@dataclass
class Filters:
    q: str = ""
    state: str | None = None
    category: Category | None = None
    department_id: int | None = None
    field_of_action_id: int | None = None
    priority_id: int | None = None
    budget_year: int | None = None
    funding_programme_id: int | None = None
    it_provider_id: int | None = None
    overdue: bool = False

    def args(self) -> dict[str, str]:
        """The filters as canonical query parameters (only those set)."""
        values: dict[str, Any] = {
            "q": self.q,
            "state": self.state,
            "category": self.category.value if self.category else None,
            "department": self.department_id,
            "field_of_action": self.field_of_action_id,
            "priority": self.priority_id,
            "budget_year": self.budget_year,
            "funding_programme": self.funding_programme_id,
            "it_provider": self.it_provider_id,
            "overdue": "1" if self.overdue else None,
        }
        return {k: str(v) for k, v in values.items() if v not in (None, "")}

    def args_with(self, **overrides: str) -> dict[str, str]:
        """The filters as query parameters with some replaced (e.g. one state)."""
        return {**self.args(), **overrides}

    @property
    def active(self) -> bool:
        return bool(self.args())


@dataclass
class ListQuery:
    """What the list is asked for: filters, order, page size and cursor."""

    filters: Filters = field(default_factory=Filters)
    sort: str = DEFAULT_SORT
    descending: bool = True
    per_page: int = DEFAULT_PER_PAGE
    after: list[Any] | None = None
    before: list[Any] | None = None
    # query parameter -> why its value was ignored
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def direction(self) -> str:
        return "desc" if self.descending else "asc"

    def view_args(self) -> dict[str, str]:
        """Sort and page size as query parameters, when they differ from the defaults."""
        out: dict[str, str] = {}
        if self.sort != DEFAULT_SORT or not self.descending:
            out["sort"] = self.sort
            out["dir"] = self.direction
        if self.per_page != DEFAULT_PER_PAGE:
            out["per_page"] = str(self.per_page)
        return out

    def args(self) -> dict[str, str]:
        """The query parameters of this list without paging: what a saved filter stores."""
        return {**self.filters.args(), **self.view_args()}

    def sort_args(self, sort: str) -> dict[str, str]:
        """The parameters of the first page sorted by ``sort`` (toggled if already active)."""
        if sort == self.sort:
            direction = "asc" if self.descending else "desc"
        else:
            direction = FIRST_DIRECTION[sort]
        out = {**self.filters.args(), "sort": sort, "dir": direction}
        if self.per_page != DEFAULT_PER_PAGE:
            out["per_page"] = str(self.per_page)
        return out


def _first(args: Mapping[str, Any], name: str) -> str:
    """The first value of a parameter, stripped; NUL characters (refused by PostgreSQL) removed."""
    value = args.get(name)
    return value.replace("\x00", "").strip() if isinstance(value, str) else ""


def _parse_id(raw: str, valid: set[int]) -> int | None:
    if not raw.isdigit():
        return None
    value = int(raw)
    return value if value in valid else None


def parse_list_query(args: Mapping[str, Any], catalogs: Catalogs) -> ListQuery:
    """Read the list's query parameters; each invalid value is reported and ignored."""
    lq = ListQuery()
    filters = lq.filters
    problems = lq.problems

    q = _first(args, "q")
    if len(q) > MAX_QUERY_LENGTH:
        problems["q"] = _(
            "Der Suchbegriff ist zu lang (höchstens %(max)s Zeichen); er wurde gekürzt.",
            max=MAX_QUERY_LENGTH,
        )
        q = q[:MAX_QUERY_LENGTH]
    filters.q = q

    state = _first(args, "state")
    if state:
        if state in catalogs.states:
            filters.state = state
        else:
            problems["state"] = _("Den Status „%(value)s“ gibt es nicht.", value=state[:64])

    category = _first(args, "category")
    if category:
        try:
            filters.category = Category(category)
        except ValueError:
            problems["category"] = _(
                "Die Statusgruppe „%(value)s“ gibt es nicht.", value=category[:64]
            )

    department = _first(args, "department")
    if department:
        filters.department_id = _parse_id(department, {d.id for d in catalogs.departments})
        if filters.department_id is None:
            problems["department"] = _("Diesen Fachbereich gibt es nicht.")

    catalog_messages = {
        "field_of_action": _("Dieses Handlungsfeld gibt es nicht."),
        "priority": _("Diese Priorität gibt es nicht."),
        "it_provider": _("Diesen IT-Dienstleister gibt es nicht."),
    }
    for name, kind in CATALOG_FILTERS.items():
        raw = _first(args, name)
        if raw:
            value = _parse_id(raw, catalogs.entry_ids(kind))
            setattr(filters, f"{name}_id", value)
            if value is None:
                problems[name] = catalog_messages[name]

    programme = _first(args, "funding_programme")
    if programme:
        filters.funding_programme_id = _parse_id(programme, {p.id for p in catalogs.programmes})
        if filters.funding_programme_id is None:
            problems["funding_programme"] = _("Dieses Förderprogramm gibt es nicht.")

    year = _first(args, "budget_year")
    if year:
        if year.isdigit() and len(year) == 4 and 1990 <= int(year) <= 2100:
            filters.budget_year = int(year)
        else:
            problems["budget_year"] = _("Das Haushaltsjahr muss eine Jahreszahl wie 2025 sein.")

    overdue = _first(args, "overdue")
    if overdue:
        if overdue in ("1", "y", "on", "true"):
            filters.overdue = True
        elif overdue not in ("0", "n", "off", "false"):
            problems["overdue"] = _("Die Angabe „überfällig“ ist ungültig.")

    sort = _first(args, "sort") or DEFAULT_SORT
    if sort in FIRST_DIRECTION:
        lq.sort = sort
    else:
        problems["sort"] = _("Nach „%(value)s“ kann nicht sortiert werden.", value=sort[:64])
    direction = _first(args, "dir")
    if direction in ("asc", "desc"):
        lq.descending = direction == "desc"
    else:
        if direction:
            problems["dir"] = _("Die Sortierrichtung muss „asc“ oder „desc“ sein.")
        lq.descending = FIRST_DIRECTION[lq.sort] == "desc"

    per_page = _first(args, "per_page")
    if per_page:
        if per_page.isdigit() and MIN_PER_PAGE <= int(per_page) <= MAX_PER_PAGE:
            lq.per_page = int(per_page)
        else:
            problems["per_page"] = _(
                "Einträge pro Seite: bitte eine Zahl von %(min)s bis %(max)s.",
                min=MIN_PER_PAGE,
                max=MAX_PER_PAGE,
            )

    for name in PAGING_PARAMS:
        raw = _first(args, name)
        if raw:
            cursor = decode_cursor(raw, lq.sort)
            if cursor is None:
                problems[name] = _(
                    "Der Verweis auf die Seite ist ungültig; die erste Seite wird angezeigt."
                )
            else:
                setattr(lq, name, cursor)
                break  # ``after`` wins when both are given
    return lq


# --- conditions --------------------------------------------------------------------------------


def _states_where(catalogs: Catalogs, predicate: Callable[[StateDef], bool]) -> ColumnElement:
    """Measures whose state, in their own workflow version, satisfies ``predicate``."""
    by_keys: dict[tuple[str, ...], list[int]] = {}
    for workflow_id, definition in catalogs.workflows.items():
        keys = tuple(sorted(k for k, s in definition.states.items() if predicate(s)))
        if keys:
            by_keys.setdefault(keys, []).append(workflow_id)
    if not by_keys:
        return sa.false()
    return sa.or_(
        *(
            sa.and_(Measure.workflow_id.in_(ids), Measure.state.in_(keys))
            for keys, ids in by_keys.items()
        )
    )


def fulltext_document() -> ColumnElement:
    """The exact expression of the GIN index ``ix_measures_fulltext`` (PostgreSQL)."""
    german = sa.literal_column("'german'")
    empty = sa.literal_column("''")
    return sa.func.to_tsvector(
        german,
        sa.func.coalesce(Measure.title, empty)
        .op("||")(sa.literal_column("' '"))
        .op("||")(sa.func.coalesce(Measure.description, empty)),
    )


def escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_condition(q: str) -> ColumnElement | None:
    """Full-text search on PostgreSQL (German stemming); every word as a substring elsewhere."""
    if db.engine.dialect.name == "postgresql":
        return fulltext_document().op("@@")(
            sa.func.websearch_to_tsquery(sa.literal_column("'german'"), q)
        )
    words = [w.strip('"') for w in q.split()]
    parts = []
    for word in filter(None, words):
        pattern = f"%{escape_like(word)}%"
        parts.append(
            sa.or_(
                Measure.title.ilike(pattern, escape="\\"),
                sa.func.coalesce(Measure.description, "").ilike(pattern, escape="\\"),
            )
        )
    return sa.and_(*parts) if parts else None


def today() -> date:
    """Today in Germany."""
    return local_date(utcnow())


def conditions(user: User, filters: Filters, catalogs: Catalogs) -> list[ColumnElement]:
    """The WHERE conditions: always the user's visibility, then every filter set."""
    where: list[ColumnElement] = [visible_measures(user)]
    if filters.q:
        search = search_condition(filters.q)
        if search is not None:
            where.append(search)
    if filters.state:
        where.append(Measure.state == filters.state)
    if filters.category:
        category = filters.category
        where.append(_states_where(catalogs, lambda s: s.category == category))
    if filters.department_id is not None:
        where.append(Measure.department_id == filters.department_id)
    if filters.field_of_action_id is not None:
        where.append(Measure.field_of_action_id == filters.field_of_action_id)
    if filters.priority_id is not None:
        where.append(Measure.priority_id == filters.priority_id)
    if filters.budget_year is not None:
        where.append(Measure.budget_year == filters.budget_year)
    if filters.funding_programme_id is not None:
        where.append(Measure.funding_programme_id == filters.funding_programme_id)
    if filters.it_provider_id is not None:
        where.append(Measure.it_provider_id == filters.it_provider_id)
    if filters.overdue:
        where.append(Measure.state_deadline < today())
        where.append(_states_where(catalogs, lambda s: not s.category.is_terminal))
    return where


# --- sorting and keyset paging -----------------------------------------------------------------

#: How each sort's value travels in a cursor.
_SORT_KINDS = {
    "title": "str",
    "department": "str",
    "state": "int",
    "priority": "int",
    "costs": "decimal",
    "target_date": "date",
    "updated": "datetime",
}
_NULLABLE = {"priority", "target_date"}
_SENTINELS: dict[str, Any] = {"priority": 0, "target_date": date(1, 1, 1)}


def total_costs_expression() -> ColumnElement:
    return sa.func.coalesce(Measure.cost_one_off, 0) + sa.func.coalesce(Measure.cost_recurring, 0)


def state_order_expression(catalogs: Catalogs) -> ColumnElement:
    """The position of the state in the default workflow (others after, by key order)."""
    positions = {key: index for index, key in enumerate(catalogs.states)}
    return sa.case(positions, value=Measure.state, else_=len(positions))


def sort_columns(
    sort: str, descending: bool, catalogs: Catalogs, priority: Any
) -> list[ColumnElement]:
    """The columns of the sort key, all sorted in one direction, ending with the id.

    A nullable value gets a flag first that puts empty values last in both directions, and is
    compared through ``coalesce`` so that row-value comparisons never meet NULL.
    """
    value: ColumnElement
    if sort == "title":
        value = sa.func.lower(Measure.title)
    elif sort == "department":
        value = sa.func.lower(Department.short_name)
    elif sort == "state":
        value = state_order_expression(catalogs)
    elif sort == "priority":
        value = priority.position
    elif sort == "costs":
        value = total_costs_expression()
    elif sort == "target_date":
        value = Measure.target_date
    else:
        value = Measure.updated_at
    if sort in _NULLABLE:
        empty_first = 0 if descending else 1
        flag = sa.case((value.is_(None), empty_first), else_=1 - empty_first)
        value = sa.func.coalesce(value, sa.literal(_SENTINELS[sort], type_=value.type))
        return [flag, value, Measure.id]
    return [value, Measure.id]


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def encode_cursor(sort: str, values: list[Any]) -> str:
    """The position after (or before) a row: the sort's name, its key values and the id."""
    raw = json.dumps([sort, *(_encode_value(v) for v in values)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_value(value: Any, kind: str) -> Any:
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 2**31:
            raise ValueError(value)
        return value
    if kind == "str":
        if not isinstance(value, str) or "\x00" in value:
            raise ValueError(value)
        return value
    if not isinstance(value, str):
        raise ValueError(value)
    if kind == "decimal":
        try:
            number = Decimal(value)
        except InvalidOperation as exc:
            raise ValueError(value) from exc
        if not number.is_finite() or abs(number) >= 10**14:
            raise ValueError(value)
        return number
    if kind == "date":
        return date.fromisoformat(value)
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(value)
    return moment.astimezone(UTC)  # OverflowError for years at the edge of the calendar


def decode_cursor(raw: str, sort: str) -> list[Any] | None:
    """Read a cursor for ``sort``; ``None`` when it is damaged or made for another sort."""
    kinds = [_SORT_KINDS[sort]]
    if sort in _NULLABLE:
        kinds = ["int", *kinds]
    kinds.append("int")
    try:
        padded = raw + "=" * (-len(raw) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(values, list) or len(values) != len(kinds) + 1 or values[0] != sort:
            return None
        return [_decode_value(v, k) for v, k in zip(values[1:], kinds, strict=True)]
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError):
        return None


@dataclass
class Page:
    measures: list[Measure]
    total: int
    next_cursor: str | None
    prev_cursor: str | None


def base_statement(user: User, filters: Filters, catalogs: Catalogs, priority: Any) -> sa.Select:
    """Visible, filtered measures with department, priority and owner loaded in the same query."""
    return (
        sa.select(Measure)
        .join(Department, Department.id == Measure.department_id)
        .outerjoin(priority, priority.id == Measure.priority_id)
        .options(
            contains_eager(Measure.department),
            contains_eager(Measure.priority.of_type(priority)),
            joinedload(Measure.owner).options(lazyload(User.role_assignments)),
        )
        .where(*conditions(user, filters, catalogs))
    )


def count_measures(user: User, filters: Filters, catalogs: Catalogs) -> int:
    stmt = (
        sa.select(sa.func.count()).select_from(Measure).where(*conditions(user, filters, catalogs))
    )
    return db.session.scalar(stmt) or 0


def _ordered(columns: list[ColumnElement], descending: bool) -> list[ColumnElement]:
    return [c.desc() if descending else c.asc() for c in columns]


def _beyond(columns: list[ColumnElement], values: list[Any], greater: bool) -> ColumnElement:
    bound = [sa.literal(v, type_=c.type) for v, c in zip(values, columns, strict=True)]
    left, right = sa.tuple_(*columns), sa.tuple_(*bound)
    return left > right if greater else left < right


def list_page(user: User, lq: ListQuery, catalogs: Catalogs) -> Page:
    """One page of the list by keyset: the rows after (or before) the cursor, and the total."""
    priority = aliased(CatalogEntry)
    columns = sort_columns(lq.sort, lq.descending, catalogs, priority)
    stmt = base_statement(user, lq.filters, catalogs, priority).add_columns(*columns)
    backwards = lq.before is not None and lq.after is None
    if lq.after is not None:
        stmt = stmt.where(_beyond(columns, lq.after, greater=not lq.descending))
    elif lq.before is not None:
        stmt = stmt.where(_beyond(columns, lq.before, greater=lq.descending))
    reverse = lq.descending != backwards
    stmt = stmt.order_by(*_ordered(columns, reverse)).limit(lq.per_page + 1)
    rows = db.session.execute(stmt).all()
    more = len(rows) > lq.per_page
    rows = rows[: lq.per_page]
    if backwards:
        rows.reverse()
        has_next, has_prev = True, more
    else:
        has_next, has_prev = more, lq.after is not None
    keys = [list(row[1:]) for row in rows]
    return Page(
        measures=[row[0] for row in rows],
        total=count_measures(user, lq.filters, catalogs),
        next_cursor=encode_cursor(lq.sort, keys[-1]) if has_next and keys else None,
        prev_cursor=encode_cursor(lq.sort, keys[0]) if has_prev and keys else None,
    )


def export_rows(
    user: User, lq: ListQuery, catalogs: Catalogs, batch: int = 1000
) -> Iterator[Measure]:
    """Every matching visible measure in the list's order, fetched in batches."""
    priority = aliased(CatalogEntry)
    columns = sort_columns(lq.sort, lq.descending, catalogs, priority)
    stmt = (
        base_statement(user, lq.filters, catalogs, priority)
        .options(
            joinedload(Measure.field_of_action),
            joinedload(Measure.it_provider),
            joinedload(Measure.funding_programme),
        )
        .order_by(*_ordered(columns, lq.descending))
        .execution_options(yield_per=batch)
    )
    yield from db.session.scalars(stmt)


# --- the board ---------------------------------------------------------------------------------


@dataclass
class BoardColumn:
    key: str
    label: str
    category: Category
    count: int = 0
    cards: list[Measure] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.cards)


def board_columns(
    user: User, filters: Filters, catalogs: Catalogs, language: str, limit: int = BOARD_LIMIT
) -> list[BoardColumn]:
    """One column per state of the default workflow (other workflows' states by key after),
    with the count and at most ``limit`` cards each (nearest deadline first); two queries."""
    where = conditions(user, filters, catalogs)
    counts = dict(
        db.session.execute(
            sa.select(Measure.state, sa.func.count()).where(*where).group_by(Measure.state)
        ).all()
    )
    card_order = (
        Measure.state_deadline.is_(None),
        Measure.state_deadline,
        Measure.updated_at.desc(),
        Measure.id.desc(),
    )
    ranked = (
        sa.select(
            Measure.id,
            sa.func.row_number()
            .over(partition_by=Measure.state, order_by=card_order)
            .label("rank"),
        )
        .where(*where)
        .subquery()
    )
    priority = aliased(CatalogEntry)
    cards = db.session.scalars(
        base_statement(user, filters, catalogs, priority)
        .where(Measure.id.in_(sa.select(ranked.c.id).where(ranked.c.rank <= limit)))
        .order_by(*card_order)
    ).all()
    columns = {
        key: BoardColumn(key, state.label.get(language), state.category)
        for key, state in catalogs.default.states.items()
    }
    for key in counts:
        if key not in columns:
            info = catalogs.states.get(key)
            columns[key] = BoardColumn(
                key,
                info.label(language) if info else key,
                info.category if info else Category.active,
            )
    for key, count in counts.items():
        columns[key].count = count
    for measure in cards:
        columns[measure.state].cards.append(measure)
    return list(columns.values())


# --- saved filters -----------------------------------------------------------------------------

SAVED_PARAMS = FILTER_PARAMS + VIEW_PARAMS


def canonical_query(query: str) -> str:
    """Keep the filter and sort parameters of a query string (never paging), without blanks."""
    pairs = [
        (k, v.strip())
        for k, v in parse_qsl(query.lstrip("?"), keep_blank_values=False)
        if k in SAVED_PARAMS and v.strip()
    ]
    seen: set[str] = set()
    unique = []
    for k, v in pairs:
        if k not in seen:  # the list reads the first value of each parameter
            seen.add(k)
            unique.append((k, v))
    unique.sort(key=lambda kv: SAVED_PARAMS.index(kv[0]))
    return urlencode(unique)


def saved_filters(user: User) -> list[SavedFilter]:
    return list(
        db.session.scalars(
            sa.select(SavedFilter)
            .where(SavedFilter.user_id == user.id)
            .order_by(SavedFilter.name, SavedFilter.id)
        )
    )


def save_filter(user: User, name: str, query: str) -> SavedFilter:
    """Save the list's filter under a name that is unique for the user."""
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed(
            "Bitte geben Sie einen Namen für den Filter ein.",
            "Please enter a name for the filter.",
        )
    if len(name) > 100:
        raise ValidationFailed(
            "Der Name darf höchstens 100 Zeichen lang sein.",
            "The name may be at most 100 characters long.",
        )
    query = canonical_query(query)
    if len(query) > 2000:
        raise ValidationFailed(
            "Dieser Filter ist zu lang, um ihn zu speichern.",
            "This filter is too long to be saved.",
        )
    exists = db.session.scalar(
        sa.select(SavedFilter.id).where(SavedFilter.user_id == user.id, SavedFilter.name == name)
    )
    if exists is not None:
        raise DomainError(
            f"Sie haben bereits einen Filter namens „{name}“. Bitte wählen Sie einen anderen "
            "Namen.",
            f"You already have a filter named “{name}”. Please choose another name.",
        )
    saved = SavedFilter(user_id=user.id, name=name, query=query)
    db.session.add(saved)
    db.session.flush()
    return saved


def delete_filter(user: User, saved: SavedFilter) -> None:
    """Delete one of the user's own saved filters."""
    if saved.user_id != user.id:
        raise ValidationFailed("Das ist nicht Ihr Filter.", "This is not your filter.")
    db.session.delete(saved)
    db.session.flush()
