"""The OParl 1.1 read API under /oparl/v1 (blueprint ``oparl``).

No login, GET only, JSON (UTF-8) with ``Access-Control-Allow-Origin: *``; public data only
(:mod:`digiflow.oparl.published` decides what is public). URLs are absolute, built from the
request, so that they work behind the proxy. Lists are paged (``page``, ``limit``) and take
the filters ``created_since``, ``created_until``, ``modified_since`` and ``modified_until``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, request, url_for
from flask_babel import gettext as _

from digiflow.core.db import db
from digiflow.extensions import csrf
from digiflow.oparl import objects, published
from digiflow.oparl.files import render
from digiflow.oparl.params import BadParameter, ListParams
from digiflow.org.models import Body

bp = Blueprint("oparl", __name__, url_prefix="/oparl/v1")
csrf.exempt(bp)

JSON = "application/json; charset=utf-8"
#: ids are 32-bit integers; a larger number in a URL is no object (not a database error)
MAX_ID = 2**31 - 1


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status=status, content_type=JSON)


@bp.after_request
def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.errorhandler(BadParameter)
def _bad_parameter(error: BadParameter) -> Response:
    return _json(
        {"error": "invalid_parameter", "parameter": error.parameter, "message": error.message},
        400,
    )


@bp.errorhandler(404)
def _not_found(_error: Exception) -> Response:
    return _json(
        {
            "error": "not_found",
            "message": _("Dieses Objekt gibt es in der OParl-Schnittstelle nicht."),
        },
        404,
    )


@bp.get("/<path:unknown>")
def not_found(unknown: str) -> Response:
    """Any other URL under /oparl/v1: a JSON 404 like an unknown object's."""
    abort(404)


# -- lists and objects -------------------------------------------------------------------------


def _list(rows: published.Rows) -> Response:
    """One page of ``rows``: data, pagination and links (filters and limit kept)."""
    params = ListParams.from_request()
    count_query, page_query = published.page_rows(
        rows, filters=params.filters, limit=params.limit, offset=params.offset
    )
    total = db.session.scalar(count_query) or 0
    data = objects.load(db.session.execute(page_query).all())
    pages = max(1, math.ceil(total / params.limit))

    def page_url(number: int) -> str:
        return url_for(
            request.endpoint,
            _external=True,
            **(request.view_args or {}),
            **params.keep,
            page=number,
        )

    links = {"first": page_url(1), "self": page_url(params.page), "last": page_url(pages)}
    if params.page > 1:
        links["prev"] = page_url(min(params.page - 1, pages))
    if params.page < pages:
        links["next"] = page_url(params.page + 1)
    return _json(
        {
            "data": data,
            "pagination": {
                "totalElements": total,
                "elementsPerPage": params.limit,
                "currentPage": params.page,
                "totalPages": pages,
            },
            "links": links,
        }
    )


def _one(rows: published.Rows, kind: str, id_: int) -> tuple[Any, dict]:
    """The row and the object ``kind``/``id_`` among the published ``rows``, or 404."""
    if id_ > MAX_ID:
        abort(404)
    _count, query = published.page_rows(rows, filters=[], kind=kind, id_=id_)
    row = db.session.execute(query).first()
    if row is None:
        abort(404)
    return row, objects.load([row])[0]


def _body(body_id: int) -> Body:
    body = db.session.get(Body, body_id) if body_id <= MAX_ID else None
    if body is None:
        abort(404)
    return body


@bp.get("/system")
def system() -> Response:
    return _json(objects.system())


@bp.get("/bodies")
def bodies() -> Response:
    return _list(published.bodies())


@bp.get("/body/<int:body_id>")
def body(body_id: int) -> Response:
    return _json(_one(published.bodies(body_id), "body", body_id)[1])


#: the lists of a body: URL part, endpoint, the rows
BODY_LISTS: list[tuple[str, str, Callable[[int | None], published.Rows]]] = [
    ("organization", "body_organization", published.organizations),
    ("person", "body_person", published.persons),
    ("meeting", "body_meeting", published.meetings),
    ("paper", "body_paper", published.papers),
    ("agenda-item", "body_agenda_item", published.agenda_items),
    ("consultation", "body_consultation", published.consultations),
    ("file", "body_file", published.files),
    ("membership", "body_membership", published.memberships),
    ("location", "body_location", published.locations),
    ("legislative-term", "body_legislative_term", published.legislative_terms),
]


def _body_list(rows: Callable[[int | None], published.Rows]) -> Callable[..., Response]:
    def view(body_id: int) -> Response:
        return _list(rows(_body(body_id).id))

    return view


for _part, _endpoint, _rows in BODY_LISTS:
    bp.add_url_rule(f"/body/<int:body_id>/{_part}", endpoint=_endpoint, view_func=_body_list(_rows))


#: single objects: URL part, endpoint, URL variable, kind, the rows
OBJECTS: list[tuple[str, str, str, str, Callable[[int | None], published.Rows]]] = [
    ("person", "person", "person_id", "person", published.persons),
    ("membership", "membership", "membership_id", "membership", published.memberships),
    ("meeting", "meeting", "meeting_id", "meeting", published.meetings),
    ("agenda-item", "agenda_item", "item_id", "agenda-item", published.agenda_items),
    ("paper", "paper", "paper_id", "paper", published.papers),
    ("consultation", "consultation", "consultation_id", "consultation", published.consultations),
    ("location", "location", "location_id", "location", published.locations),
    (
        "legislative-term",
        "legislative_term",
        "term_id",
        "legislative-term",
        published.legislative_terms,
    ),
]


def _object(kind: str, rows: Callable[[int | None], published.Rows]) -> Callable[..., Response]:
    def view(**values: int) -> Response:
        (id_,) = values.values()
        return _json(_one(rows(None), kind, id_)[1])

    return view


for _part, _endpoint, _variable, _kind, _rows in OBJECTS:
    bp.add_url_rule(
        f"/{_part}/<int:{_variable}>", endpoint=_endpoint, view_func=_object(_kind, _rows)
    )


@bp.get("/organization/<org_id>")
def organization(org_id: str) -> Response:
    """A committee (``committee-<id>``) or a council group (``group-<id>``)."""
    parsed = objects.parse_organization_id(org_id)
    if parsed is None:
        abort(404)
    return _json(_one(published.organizations(None), *parsed)[1])


# -- files ---------------------------------------------------------------------------------


def _file(file_id: str) -> tuple[str, int, dict]:
    parsed = objects.parse_file_id(file_id)
    if parsed is None:
        abort(404)
    _row, obj = _one(published.files(None), *parsed)
    return *parsed, obj


@bp.get("/file/<file_id>")
def file(file_id: str) -> Response:
    """A file's metadata: ``meeting-<id>-invitation``, ``meeting-<id>-minutes``,
    ``paper-<id>``."""
    return _json(_file(file_id)[2])


def _pdf(file_id: str, disposition: str) -> Response:
    kind, id_, obj = _file(file_id)
    if obj.get("deleted"):
        abort(404)
    response = Response(render(kind, id_), content_type=objects.PDF)
    response.headers["Content-Disposition"] = f'{disposition}; filename="{obj["fileName"]}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/file/<file_id>/access")
def file_access(file_id: str) -> Response:
    """The PDF to view (no ``attachment`` disposition, as OParl asks of the accessUrl)."""
    return _pdf(file_id, "inline")


@bp.get("/file/<file_id>/download")
def file_download(file_id: str) -> Response:
    """The PDF to save (``Content-Disposition: attachment`` with its file name)."""
    return _pdf(file_id, "attachment")
