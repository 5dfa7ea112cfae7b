"""Lists: paging with links and counts, the four filters, bad parameters, stable order, and
a number of queries that does not grow with the number of objects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from digiflow.committees import agenda, meetings
from digiflow.committees.models import Location
from digiflow.core.db import db
from tests.factories import SessionWorld
from tests.oparl.conftest import local
from tests.oparl.schema import validate

V1 = "/oparl/v1"


@pytest.fixture
def world(app_ctx):
    world = SessionWorld()
    db.session.commit()
    return world


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def places(world, count: int) -> list[Location]:
    """``count`` locations, created on day n of 2024 and modified 10 days later."""
    rows = []
    for n in range(1, count + 1):
        created = utc(2024, 1, 1, 10) + timedelta(days=n)
        rows.append(
            Location(
                body_id=world.body.id,
                description=f"Raum {n}",
                created_at=created,
                updated_at=created + timedelta(days=10),
            )
        )
    db.session.add_all(rows)
    db.session.commit()
    return rows


def get(client, path: str, **params):  # noqa: ANN201
    response = client.get(path, query_string=params or None)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    return response


def names(page: dict) -> list[str]:
    return [o["description"] for o in page["data"]]


def test_paging_links_and_counts(client, world):
    rows = places(world, 7)  # and the SessionWorld's room: 8 locations
    url = f"{V1}/body/{world.body.id}/location"
    first = get(client, url, limit=3).get_json()
    assert first["pagination"] == {
        "totalElements": 8,
        "elementsPerPage": 3,
        "currentPage": 1,
        "totalPages": 3,
    }
    assert len(first["data"]) == 3 and "prev" not in first["links"]
    links = first["links"]
    assert set(links) == {"first", "self", "next", "last"}
    for key, page in (("first", "1"), ("self", "1"), ("next", "2"), ("last", "3")):
        query = parse_qs(urlsplit(links[key]).query)
        assert query == {"limit": ["3"], "page": [page]}, key
        assert links[key].startswith(f"http://localhost{url}?")
    # walking the next links gives every object once, ordered by id
    seen, page, pages = [], first, 1
    while "next" in page["links"]:
        page = get(client, page["links"]["next"]).get_json()
        pages += 1
        for obj in page["data"]:
            validate(obj, "Location")
        seen += page["data"]
    seen = first["data"] + seen
    assert pages == 3 and page["pagination"]["currentPage"] == 3 and len(page["data"]) == 2
    assert set(page["links"]) == {"first", "prev", "self", "last"}
    ids = [int(o["id"].rsplit("/", 1)[1]) for o in seen]
    assert ids == sorted(ids) and len(set(ids)) == 8
    assert {r.id for r in rows} < set(ids)
    # default page length, and a page beyond the end is empty (not an error)
    whole = get(client, url).get_json()
    assert whole["pagination"]["elementsPerPage"] == 20 and len(whole["data"]) == 8
    beyond = get(client, url, page=9).get_json()
    assert beyond["data"] == [] and beyond["pagination"]["currentPage"] == 9
    assert parse_qs(urlsplit(beyond["links"]["prev"]).query)["page"] == ["1"]
    # the order is stable: the same page twice is the same
    assert (
        get(client, url, limit=3, page=2).get_json() == get(client, url, limit=3, page=2).get_json()
    )


def test_filters_on_created_and_modified(client, world):
    places(world, 3)  # Raum n: created 2024-01-(1+n) 10:00 UTC, modified 10 days later
    url = f"{V1}/body/{world.body.id}/location"

    def found(**params: str) -> list[str]:
        response = get(client, url, **params)
        assert response.status_code == 200, response.get_json()
        return [n for n in names(response.get_json()) if n.startswith("Raum")]

    assert found(created_since="2024-01-03T00:00:00+01:00") == ["Raum 2", "Raum 3"]
    assert found(created_since="2024-01-03T11:00:00+01:00") == ["Raum 2", "Raum 3"]  # inclusive
    assert found(created_since="2024-01-03T10:00:01Z") == ["Raum 3"]
    assert found(created_until="2024-01-03T10:00:00Z") == ["Raum 1", "Raum 2"]  # inclusive
    assert found(created_until="2024-01-03T09:59:59Z") == ["Raum 1"]
    assert found(modified_since="2024-01-13T10:00:00Z") == ["Raum 2", "Raum 3"]
    assert found(modified_until="2024-01-12T23:00:00+01:00") == ["Raum 1"]
    assert found(created_since="2024-01-02T00:00:00Z", modified_until="2024-01-13T10:00:00Z") == [
        "Raum 1",
        "Raum 2",
    ]
    # a "+" that was not URL-encoded arrives as a space: still understood
    response = client.get(f"{url}?created_since=2024-01-03T11:00:00+01:00")
    assert [n for n in names(response.get_json()) if n.startswith("Raum")] == [
        "Raum 2",
        "Raum 3",
    ]
    # the links keep the filters
    page = get(
        client,
        url,
        limit=1,
        created_since="2024-01-03T11:00:00+01:00",
        created_until="2024-12-31T00:00:00Z",
    ).get_json()
    assert page["pagination"]["totalElements"] == 2
    query = parse_qs(urlsplit(page["links"]["next"]).query)
    assert query["created_since"] == ["2024-01-03T11:00:00+01:00"] and query["limit"] == ["1"]
    assert query["created_until"] == ["2024-12-31T00:00:00+00:00"]
    assert names(get(client, page["links"]["next"]).get_json()) == ["Raum 3"]


@pytest.mark.parametrize(
    ("parameter", "value", "says"),
    [
        ("created_since", "gestern", "ISO 8601"),
        ("created_since", "2024-01-31", "ISO 8601"),
        ("created_until", "2024-01-31T18:00:00", "Zeitzone"),
        ("modified_since", "2024-13-01T10:00:00Z", "ISO 8601"),
        ("modified_until", "31.01.2024 18:00", "ISO 8601"),
        ("modified_since", "", "ISO 8601"),
        ("limit", "0", "von 1 bis 100"),
        ("limit", "101", "von 1 bis 100"),
        ("limit", "zehn", "von 1 bis 100"),
        ("limit", "-5", "von 1 bis 100"),
        ("page", "0", "ab 1"),
        ("page", "zwei", "ab 1"),
    ],
)
def test_a_bad_parameter_is_refused_with_its_name_and_why(client, world, parameter, value, says):
    places(world, 2)
    response = get(client, f"{V1}/body/{world.body.id}/location", **{parameter: value})
    assert response.status_code == 400
    error = response.get_json()
    assert error["error"] == "invalid_parameter" and error["parameter"] == parameter
    assert parameter in error["message"] and says in error["message"]


def test_every_list_takes_the_filters(client, world):
    lists = [
        "organization",
        "person",
        "meeting",
        "paper",
        "agenda-item",
        "consultation",
        "file",
        "membership",
        "location",
        "legislative-term",
    ]
    future = (datetime.now(UTC) + timedelta(days=3650)).isoformat()
    for part in lists:
        url = f"{V1}/body/{world.body.id}/{part}"
        everything = get(client, url).get_json()["pagination"]["totalElements"]
        assert (
            get(client, url, created_until=future).get_json()["pagination"]["totalElements"]
            == everything
        ), part
        assert get(client, url, modified_since=future).get_json()["data"] == [], part
        assert get(client, url, created_since="kaputt").status_code == 400, part
    assert get(client, f"{V1}/bodies", modified_since=future).get_json()["data"] == []
    assert len(get(client, f"{V1}/bodies").get_json()["data"]) == 1


def _sessions(world, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        meeting = meetings.plan_meeting(
            world.specialist, actor=world.secretary, starts_at=local(30 + n)
        )
        agenda.add_item(meeting, actor=world.secretary, title=f"Bericht {n}")
        agenda.add_item(meeting, actor=world.secretary, title=f"Personal {n}", is_public=False)
        if n % 2:
            meetings.send_invitation(meeting, actor=world.secretary)
    db.session.commit()


def test_a_list_of_50_meetings_needs_no_more_queries_than_a_list_of_5(client, world, query_counter):
    url = f"{V1}/body/{world.body.id}/meeting?limit=100"
    _sessions(world, 5)
    with query_counter:
        few = client.get(url).get_json()
    small = query_counter.count
    _sessions(world, 45, start=5)
    with query_counter:
        many = client.get(url).get_json()
    assert len(few["data"]) == 5 and len(many["data"]) == 50
    assert sum(len(m["agendaItem"]) for m in many["data"]) == 50
    assert sum("invitation" in m for m in many["data"]) == 25
    assert query_counter.count == small, query_counter.statements
    assert small <= 10


def test_other_lists_need_few_queries(client, oparl, query_counter):
    for part in (
        "organization",
        "person",
        "paper",
        "agenda-item",
        "consultation",
        "file",
        "membership",
    ):
        with query_counter:
            page = client.get(f"{V1}/body/{oparl.ids['body']}/{part}?limit=100").get_json()
        assert len(page["data"]) >= 3, part
        assert query_counter.count <= 10, (part, query_counter.statements)
