"""Validation against the official OParl 1.1 JSON schemas (``../shared/oparl-1.1-schema``).

The files declare no ``$schema``; they are Draft 4 schemas. Their formats are checked for
real: ``url`` (an absolute http(s) URL), ``date-time`` (RFC 3339 with a time zone) and
``date``. An embedded object (a property or array item with ``"schema": "X.json"``) is
validated against its own schema as well, and every property must be one the schema knows.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft4Validator, FormatChecker

from tests.conftest import PROJECT_ROOT

SCHEMA_DIR = (PROJECT_ROOT / ".." / "shared" / "oparl-1.1-schema").resolve()
TYPE_PREFIX = "https://schema.oparl.org/1.1/"
TYPES = (
    "System",
    "Body",
    "Organization",
    "Person",
    "Membership",
    "Meeting",
    "AgendaItem",
    "Paper",
    "Consultation",
    "File",
    "LegislativeTerm",
    "Location",
)
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

checker = FormatChecker(formats=())


@checker.checks("url")
def is_url(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not any(c.isspace() for c in value)
    )


@checker.checks("date-time", raises=ValueError)
def is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    return datetime.fromisoformat(value.upper().replace("Z", "+00:00")).tzinfo is not None


@checker.checks("date", raises=ValueError)
def is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(_DATE.match(value)) and bool(date.fromisoformat(value))


@cache
def schema(type_name: str) -> dict[str, Any]:
    path = SCHEMA_DIR / f"{type_name}.json"
    if not path.is_file():
        pytest.fail(
            f"The OParl 1.1 schema {path} is missing: the tests need /work/shared (checked out "
            "beside the project as ../shared) with oparl-1.1-schema/."
        )
    return json.loads(path.read_text(encoding="utf-8"))


def type_of(obj: dict[str, Any]) -> str:
    kind = obj.get("type", "")
    assert kind.startswith(TYPE_PREFIX), f"not an OParl 1.1 type: {kind!r}"
    name = kind[len(TYPE_PREFIX) :]
    assert name in TYPES, name
    return name


def validate(obj: dict[str, Any], expected_type: str | None = None) -> list[dict[str, Any]]:
    """Validate ``obj`` (and everything embedded in it); return the embedded objects."""
    name = type_of(obj)
    if expected_type is not None:
        assert name == expected_type, f"{obj.get('id')}: {name}, expected {expected_type}"
    definition = schema(name)
    errors = sorted(Draft4Validator(definition, format_checker=checker).iter_errors(obj), key=str)
    assert not errors, f"{obj.get('id')} is no valid {name}:\n" + "\n".join(
        f"- {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors
    )
    unknown = set(obj) - set(definition["properties"])
    assert not unknown, f"{obj.get('id')}: properties {unknown} are not in the {name} schema"
    embedded: list[dict[str, Any]] = []
    for key, spec in definition["properties"].items():
        if key not in obj:
            continue
        value = obj[key]
        target = spec.get("schema") or (spec.get("items") or {}).get("schema")
        if not target:
            continue
        inner = target.removesuffix(".json")
        for element in value if isinstance(value, list) else [value]:
            if isinstance(element, dict):
                embedded.append(element)
                embedded.extend(validate(element, inner))
    return embedded


def schema_files_present() -> Path:
    for name in TYPES:
        schema(name)
    return SCHEMA_DIR
