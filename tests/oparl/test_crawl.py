"""Crawl the whole API from /oparl/v1/system, as an OParl client would: every list page, every
object, every file. Each object of each type is validated against the official schema, every
embedded object and list entry equals the object at its own URL, and nothing non-public
appears anywhere, neither in the JSON nor in the text of the PDF files."""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from pypdf import PdfReader

from tests.oparl.conftest import SECRETS
from tests.oparl.schema import TYPES, checker, type_of, validate

BASE = "http://localhost/oparl/v1/"
JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class Crawl:
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: (where, object) for every object embedded in another or listed in a list
    copies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    pdfs: dict[str, str] = field(default_factory=dict)
    raw: list[str] = field(default_factory=list)
    lists: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _urls(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [u for v in value.values() for u in _urls(v)]
    if isinstance(value, list):
        return [u for v in value for u in _urls(v)]
    if isinstance(value, str) and value.startswith(BASE):
        return [value]
    return []


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def crawl(client) -> Crawl:  # noqa: ANN001
    found = Crawl()
    queue = [BASE + "system"]
    seen: set[str] = set()
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        assert response.headers["Access-Control-Allow-Origin"] == "*", url
        if url.endswith(("/access", "/download")):
            assert response.mimetype == "application/pdf", url
            disposition = response.headers["Content-Disposition"]
            assert disposition.startswith("attachment;" if url.endswith("/download") else "inline")
            assert 'filename="' in disposition
            found.pdfs[url] = _pdf_text(response.data)
            continue
        assert response.headers["Content-Type"] == JSON_TYPE, url
        text = response.get_data(as_text=True)
        found.raw.append(text)
        data = json.loads(text)
        if "data" in data:
            assert set(data) == {"data", "pagination", "links"}, url
            list_url = url.split("?")[0]
            found.lists.setdefault(list_url, []).extend(data["data"])
            for obj in data["data"]:
                found.copies.append((url, obj))
                found.copies.extend((url, e) for e in validate(obj))
            queue.extend(_urls(data["data"]))
            queue.extend(u for k, u in data["links"].items() if k == "next")
        else:
            assert data["id"] == url, f"{url} answers with the id {data['id']}"
            found.objects[url] = data
            found.copies.extend((url, e) for e in validate(data))
            queue.extend(_urls(data))
    return found


@pytest.fixture
def crawled(client, oparl) -> Crawl:
    return crawl(client)


def test_every_object_of_every_type_is_valid_and_reachable(crawled, oparl):
    types = Counter(type_of(obj) for obj in crawled.objects.values())
    assert set(types) == set(TYPES), f"types never reached: {set(TYPES) - set(types)}"
    deleted = Counter(type_of(o) for o in crawled.objects.values() if o.get("deleted"))
    for name in (
        "Organization",
        "Membership",
        "Person",
        "AgendaItem",
        "Location",
        "LegislativeTerm",
    ):
        assert deleted[name] >= 1, f"no deleted {name} was published"
    # every list of the body was walked, and its entries are the objects at their URLs
    body = crawled.objects[f"{BASE}body/{oparl.ids['body']}"]
    for key in (
        "organization",
        "person",
        "meeting",
        "paper",
        "agendaItem",
        "consultation",
        "file",
        "locationList",
        "legislativeTermList",
        "membership",
    ):
        assert body[key] in crawled.lists, key
    for where, copy in crawled.copies:
        assert copy == crawled.objects[copy["id"]], f"{copy['id']} differs in {where}"
    # every object of a type is in the body's list of that type
    for key, name in (("meeting", "Meeting"), ("paper", "Paper"), ("file", "File")):
        listed = {o["id"] for o in crawled.lists[body[key]]}
        assert listed == {u for u, o in crawled.objects.items() if type_of(o) == name}


def test_nothing_non_public_is_published(crawled, oparl):
    everything = "\n".join(crawled.raw + list(crawled.pdfs.values()))
    for secret in SECRETS:
        assert secret not in everything, secret
    assert "@example.org" not in everything  # no e-mail address of anybody
    assert "Nicht öffentlicher Teil" not in everything
    numbers = [o["number"] for o in crawled.objects.values() if "number" in o]
    assert numbers and all(n.startswith("Ö ") for n in numbers)
    meetings = {o["id"] for o in crawled.objects.values() if type_of(o) == "Meeting"}
    for key in ("closed", "hidden"):
        assert f"{BASE}meeting/{oparl.ids[key]}" not in meetings
    persons = [o for o in crawled.objects.values() if type_of(o) == "Person"]
    for person in persons:
        assert set(person) <= {
            "id",
            "type",
            "created",
            "modified",
            "deleted",
            "body",
            "name",
            "membership",
        }
    assert f"{BASE}person/{oparl.ids['staff_user']}" not in crawled.objects


def test_the_files_hold_the_public_parts(crawled, oparl):
    first = oparl.ids["first"]
    agenda = crawled.pdfs[f"{BASE}file/meeting-{first}-invitation/access"]
    assert "Einladung und Tagesordnung" in agenda and "Öffentlicher Teil" in agenda
    assert "Eröffnung und Begrüßung" in agenda and "Ö 2.1" in agenda
    assert "Zurückgezogener Tagesordnungspunkt" not in agenda
    minutes = crawled.pdfs[f"{BASE}file/meeting-{first}-minutes/download"]
    assert "Niederschrift (öffentlicher Teil)" in minutes
    assert "Empfehlung mit Ausbau zuerst in Schulnähe." in minutes
    assert "Mitglied 1" in minutes  # who was present is part of the public minutes
    # a public paper dealt with in the non-public part: neither that session nor its result
    school = crawled.objects[f"{BASE}paper/{oparl.ids['school']}"]
    steps = school["consultation"]
    assert steps and all("agendaItem" not in s and "meeting" not in s for s in steps)
    meeting = crawled.objects[f"{BASE}meeting/{first}"]
    session_day = meeting["start"][:10]
    german_day = ".".join(reversed(session_day.split("-")))
    paper_text = crawled.pdfs[f"{BASE}file/paper-{oparl.ids['school']}/access"]
    assert "Konzept Digitale Schule" in paper_text
    assert german_day not in paper_text and "zur Kenntnis genommen" not in paper_text
    motion_text = crawled.pdfs[f"{BASE}file/paper-{oparl.ids['motion']}/access"]
    assert german_day in motion_text and "Antragsteller: Fraktion A" in motion_text


def test_the_format_checks_are_real():
    good = {
        "id": "https://rat.example.org/oparl/v1/system",
        "type": "https://schema.oparl.org/1.1/System",
        "oparlVersion": "https://schema.oparl.org/1.1/",
        "body": "https://rat.example.org/oparl/v1/bodies",
        "created": "2024-01-31T18:00:00+01:00",
    }
    validate(good, "System")
    for key, bad in [
        ("body", "rat.example.org/oparl/v1/bodies"),
        ("body", "/oparl/v1/bodies"),
        ("website", "ftp://rat.example.org/"),
        ("website", "http://"),
        ("website", "http://rat example.org/"),
        ("created", "2024-01-31"),
        ("created", "2024-01-31T18:00:00"),
        ("created", "31.01.2024 18:00"),
        ("created", "2024-02-30T10:00:00Z"),
    ]:
        with pytest.raises(AssertionError, match="is no valid System"):
            validate({**good, key: bad}, "System")
    assert checker.conforms("2024-01-31", "date") and not checker.conforms("31.01.2024", "date")
    assert not checker.conforms("2024-02-30", "date")
    with pytest.raises(AssertionError, match="not in the System schema"):
        validate({**good, "email": ["a@example.org"]}, "System")


def test_the_demo_body_is_valid_oparl_without_its_non_public_part(app_ctx, client):
    """The demo Landkreis, a year of committee work: every object valid, every copy equal,
    no title of a non-public item, session or paper anywhere."""
    import sqlalchemy as sa

    from digiflow.committees.models import AgendaItem, Meeting, Paper
    from digiflow.core.db import db
    from digiflow.org.models import Committee

    result = app_ctx.test_cli_runner().invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    found = crawl(client)
    types = Counter(type_of(o) for o in found.objects.values())
    assert types["Meeting"] >= 5 and types["AgendaItem"] >= 10 and types["File"] >= 5
    for where, copy in found.copies:
        assert copy == found.objects[copy["id"]], f"{copy['id']} differs in {where}"
    public_papers = set(db.session.scalars(sa.select(Paper.title).where(Paper.is_public)))
    hidden = set(
        db.session.scalars(
            sa.select(AgendaItem.title)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .join(Committee, Committee.id == Meeting.committee_id)
            .where(
                sa.or_(
                    AgendaItem.is_public.is_(False),
                    Meeting.is_public.is_(False),
                    Committee.is_public.is_(False),
                )
            )
        )
    )
    hidden |= set(db.session.scalars(sa.select(Paper.title).where(Paper.is_public.is_(False))))
    hidden -= public_papers  # a public paper may be dealt with in a non-public part
    assert hidden, "the demo has no non-public part to check"
    everything = "\n".join(found.raw + list(found.pdfs.values()))
    assert not [title for title in hidden if title in everything]
    assert "@" not in "\n".join(found.raw)  # no e-mail address
