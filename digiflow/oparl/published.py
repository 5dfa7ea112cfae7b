"""What the OParl API publishes: one SQL select per object type, the single source of truth.

Each select yields the rows ``(kind, id, created, modified)`` of the objects the public may
know about, deleted ones included (they are published as ``deleted: true``). Lists page and
filter these rows; single objects are looked up in them, so a list and an object's own URL
never disagree about what is public.

The rules (public data only):

- committees, council groups, locations, legislative terms and memberships of the body: all,
  soft-deleted ones as deleted objects;
- persons: the people who hold (or held) a membership; a person whose memberships were all
  removed is deleted; nobody else (staff without a seat are not published);
- meetings: only public sessions (``Meeting.is_public``) of committees whose sessions are
  public (``Committee.is_public``); a non-public session does not exist for OParl;
- agenda items: only items of the public part of a published meeting;
- papers: only public papers; consultations: those of published papers;
- files: the public agenda of an invited meeting, the public minutes once finalized, the PDF
  of every published paper.

``modified`` of an object that embeds others (a body its legislative terms, a committee its
membership list, a paper its consultations, a person her memberships) is the latest change of
any of them, so that ``modified_since`` finds the object when an embedded part changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from digiflow.committees.models import (
    AgendaItem,
    Consultation,
    CouncilGroup,
    Location,
    Meeting,
    Membership,
    Paper,
)
from digiflow.core.db import UTCDateTime
from digiflow.org.models import Body, Committee, LegislativeTerm
from digiflow.users.models import User


class _greatest(FunctionElement):  # noqa: N801 - an SQL function
    """GREATEST(a, b, ...): PostgreSQL's name; SQLite's multi-argument MAX."""

    name = "greatest"
    inherit_cache = True


@compiles(_greatest)
def _compile_greatest(element: _greatest, compiler: Any, **kw: Any) -> str:
    return f"greatest({compiler.process(element.clauses, **kw)})"


@compiles(_greatest, "sqlite")
def _compile_greatest_sqlite(element: _greatest, compiler: Any, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


def _moment(expr: Any) -> Any:
    """A timestamp expression read and compared as digiflow's UTC timestamps."""
    return sa.type_coerce(expr, UTCDateTime())


def latest(first: Any, *others: Any) -> Any:
    """The latest of timestamps; ``first`` is never NULL, NULL others do not count."""
    if not others:
        return _moment(first)
    return _moment(_greatest(first, *(sa.func.coalesce(o, first) for o in others)))


def _rows(kind: str, id_: Any, created: Any, modified: Any) -> sa.Select:
    return sa.select(
        sa.literal(kind, sa.String(20)).label("kind"),
        id_.label("id"),
        _moment(created).label("created"),
        modified.label("modified"),
    )


def _body(query: sa.Select, column: Any, body_id: int | None) -> sa.Select:
    return query if body_id is None else query.where(column == body_id)


# -- visibility conditions (need the tables joined) -----------------------------------------


def meeting_is_published() -> sa.ColumnElement[bool]:
    """A public session of a committee whose sessions are public (join Committee)."""
    return sa.and_(Meeting.is_public.is_(True), Committee.is_public.is_(True))


def item_is_published() -> sa.ColumnElement[bool]:
    """An item of the public part of a published session (join Meeting and Committee)."""
    return sa.and_(AgendaItem.is_public.is_(True), meeting_is_published())


def published_item_ids(item_ids: set[int]) -> dict[int, int]:
    """The published, not deleted agenda items among ``item_ids``: item id -> meeting id."""
    from digiflow.core.db import db

    if not item_ids:
        return {}
    rows = db.session.execute(
        sa.select(AgendaItem.id, AgendaItem.meeting_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(Committee, Committee.id == Meeting.committee_id)
        .where(
            AgendaItem.id.in_(item_ids),
            item_is_published(),
            AgendaItem.deleted_at.is_(None),
            Meeting.deleted_at.is_(None),
        )
    )
    return {item_id: meeting_id for item_id, meeting_id in rows}


# -- the rows of each type --------------------------------------------------------------------


def bodies(body_id: int | None = None) -> sa.Select:
    terms = (
        sa.select(sa.func.max(LegislativeTerm.updated_at))
        .where(LegislativeTerm.body_id == Body.id)
        .scalar_subquery()
    )
    query = _rows("body", Body.id, Body.created_at, latest(Body.updated_at, terms))
    return _body(query, Body.id, body_id)


def committees(body_id: int | None) -> sa.Select:
    seats = (
        sa.select(sa.func.max(Membership.updated_at))
        .where(Membership.committee_id == Committee.id)
        .scalar_subquery()
    )
    query = _rows(
        "committee", Committee.id, Committee.created_at, latest(Committee.updated_at, seats)
    )
    return _body(query, Committee.body_id, body_id)


def groups(body_id: int | None) -> sa.Select:
    query = _rows(
        "group", CouncilGroup.id, CouncilGroup.created_at, latest(CouncilGroup.updated_at)
    )
    return _body(query, CouncilGroup.body_id, body_id)


def organizations(body_id: int | None) -> sa.CompoundSelect:
    return sa.union_all(committees(body_id), groups(body_id))


def persons(body_id: int | None) -> sa.Select:
    query = (
        _rows(
            "person",
            User.id,
            sa.func.min(Membership.created_at),
            _moment(sa.func.max(Membership.updated_at)),
        )
        .join(Membership, Membership.user_id == User.id)
        .join(Committee, Committee.id == Membership.committee_id)
        .group_by(User.id)
    )
    return _body(query, Committee.body_id, body_id)


def memberships(body_id: int | None) -> sa.Select:
    query = _rows(
        "membership", Membership.id, Membership.created_at, latest(Membership.updated_at)
    ).join(Committee, Committee.id == Membership.committee_id)
    return _body(query, Committee.body_id, body_id)


def locations(body_id: int | None) -> sa.Select:
    query = _rows("location", Location.id, Location.created_at, latest(Location.updated_at))
    return _body(query, Location.body_id, body_id)


def legislative_terms(body_id: int | None) -> sa.Select:
    query = _rows(
        "legislative-term",
        LegislativeTerm.id,
        LegislativeTerm.created_at,
        latest(LegislativeTerm.updated_at),
    )
    return _body(query, LegislativeTerm.body_id, body_id)


def meetings(body_id: int | None) -> sa.Select:
    query = (
        _rows("meeting", Meeting.id, Meeting.created_at, latest(Meeting.updated_at))
        .join(Committee, Committee.id == Meeting.committee_id)
        .where(meeting_is_published())
    )
    return _body(query, Committee.body_id, body_id)


def agenda_items(body_id: int | None) -> sa.Select:
    query = (
        _rows(
            "agenda-item",
            AgendaItem.id,
            AgendaItem.created_at,
            # an item of a deleted session is deleted with it
            latest(AgendaItem.updated_at, Meeting.deleted_at),
        )
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(Committee, Committee.id == Meeting.committee_id)
        .where(item_is_published())
    )
    return _body(query, Committee.body_id, body_id)


def _paper_modified() -> Any:
    steps = (
        sa.select(sa.func.max(Consultation.updated_at))
        .where(Consultation.paper_id == Paper.id)
        .scalar_subquery()
    )
    return latest(Paper.updated_at, steps)


def papers(body_id: int | None) -> sa.Select:
    query = _rows("paper", Paper.id, Paper.created_at, _paper_modified()).where(
        Paper.is_public.is_(True)
    )
    return _body(query, Paper.body_id, body_id)


def consultations(body_id: int | None) -> sa.Select:
    query = (
        _rows(
            "consultation",
            Consultation.id,
            Consultation.created_at,
            # a consultation of a deleted paper is deleted with it
            latest(Consultation.updated_at, Paper.deleted_at),
        )
        .join(Paper, Paper.id == Consultation.paper_id)
        .where(Paper.is_public.is_(True))
    )
    return _body(query, Paper.body_id, body_id)


def files(body_id: int | None) -> sa.CompoundSelect:
    """The public agenda of invited sessions, their public minutes once finalized, and the
    PDF of every published paper."""

    def of_meetings(kind: str, created: Any, condition: Any) -> sa.Select:
        query = (
            _rows(kind, Meeting.id, created, latest(Meeting.updated_at))
            .join(Committee, Committee.id == Meeting.committee_id)
            .where(meeting_is_published(), condition)
        )
        return _body(query, Committee.body_id, body_id)

    invitations = of_meetings(
        "invitation", Meeting.created_at, Meeting.invitation_sent_at.is_not(None)
    )
    minutes = of_meetings(
        "minutes", Meeting.minutes_finalized_at, Meeting.minutes_finalized_at.is_not(None)
    )
    paper_files = _body(
        _rows("paper-file", Paper.id, Paper.created_at, _paper_modified()).where(
            Paper.is_public.is_(True)
        ),
        Paper.body_id,
        body_id,
    )
    return sa.union_all(invitations, minutes, paper_files)


Rows = sa.Select | sa.CompoundSelect


def page_rows(
    rows: Rows,
    *,
    filters: list[tuple[str, str, datetime]],
    limit: int | None = None,
    offset: int = 0,
    kind: str | None = None,
    id_: int | None = None,
) -> tuple[sa.Select, sa.Select]:
    """(count query, page query) over ``rows``, filtered, in the stable order (kind, id).

    ``filters`` are (column, operator, moment): ``created``/``modified`` with ``>=``, ``<=``
    or ``<``."""
    sub = rows.subquery()
    conditions = []
    for column, operator, moment in filters:
        col = sub.c[column]
        conditions.append({">=": col >= moment, "<=": col <= moment, "<": col < moment}[operator])
    if kind is not None:
        conditions.append(sub.c.kind == kind)
    if id_ is not None:
        conditions.append(sub.c.id == id_)
    count = sa.select(sa.func.count()).select_from(sub).where(*conditions)
    page = (
        sa.select(sub.c.kind, sub.c.id, sub.c.created, sub.c.modified)
        .where(*conditions)
        .order_by(sub.c.kind, sub.c.id)
        .offset(offset)
    )
    if limit is not None:
        page = page.limit(limit)
    return count, page
