"""The URL parameters of OParl lists: paging (``page``, ``limit``) and the filters
``created_since``, ``created_until``, ``modified_since``, ``modified_until``.

A bad value is refused with HTTP 400 and a message that names the parameter and says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import request
from flask_babel import gettext as _

#: elementsPerPage unless the client asks for fewer (``limit``)
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
FILTERS = ("created_since", "created_until", "modified_since", "modified_until")
_MOMENT = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE
)


_OFFSET_AS_SPACE = re.compile(r"(?<=\d) (?=\d{2}:?\d{2}$)")


class BadParameter(Exception):
    """A URL parameter the API cannot use (answered with 400)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


def _whole_number(name: str, low: int, high: int | None) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    text = raw.strip()
    value = int(text) if text.isdigit() and len(text) <= 9 else None
    if value is None or value < low or (high is not None and value > high):
        if high is None:
            message = _(
                "Der Parameter %(name)s muss eine ganze Zahl ab %(low)d sein.", name=name, low=low
            )
        else:
            message = _(
                "Der Parameter %(name)s muss eine ganze Zahl von %(low)d bis %(high)d sein.",
                name=name,
                low=low,
                high=high,
            )
        raise BadParameter(name, message)
    return value


def parse_moment(name: str, raw: str) -> datetime:
    """An ISO 8601 date-time with a time zone; the '+' of an offset that arrived as a space
    (not URL-encoded) is forgiven."""
    text = _OFFSET_AS_SPACE.sub("+", raw.strip())
    value = None
    if _MOMENT.match(text):
        try:
            value = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] in "Zz" else text)
        except ValueError:
            value = None
    if value is None or value.tzinfo is None:
        raise BadParameter(
            name,
            _(
                "Der Parameter %(name)s ist kein Zeitpunkt nach ISO 8601 mit Datum, Uhrzeit "
                "und Zeitzone, z. B. 2024-01-31T18:00:00+01:00.",
                name=name,
            ),
        )
    return value


@dataclass
class ListParams:
    """What a client asked of a list: the page, its length and the filters."""

    page: int = 1
    limit: int = DEFAULT_LIMIT
    #: (column, operator, moment) for :func:`digiflow.oparl.published.page_rows`
    filters: list[tuple[str, str, datetime]] = field(default_factory=list)
    #: the parameters to keep in the links to other pages
    keep: dict[str, str] = field(default_factory=dict)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit

    @classmethod
    def from_request(cls) -> ListParams:
        params = cls()
        limit = _whole_number("limit", 1, MAX_LIMIT)
        if limit is not None:
            params.limit = limit
            params.keep["limit"] = str(limit)
        params.page = _whole_number("page", 1, None) or 1
        for name in FILTERS:
            raw = request.args.get(name)
            if raw is None:
                continue
            moment = parse_moment(name, raw)
            column, bound = name.split("_")
            if bound == "since":
                params.filters.append((column, ">=", moment))
            elif moment.microsecond:
                params.filters.append((column, "<=", moment))
            else:
                # shown to the second: "until 18:00:00" includes 18:00:00.5
                params.filters.append((column, "<", moment + timedelta(seconds=1)))
            params.keep[name] = moment.isoformat()
        return params
