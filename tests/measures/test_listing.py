"""The measures list, its filters, sorting, keyset paging, saved filters and the board."""

from __future__ import annotations

import html
import itertools
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from digiflow.catalogs.models import CatalogEntry, CatalogKind
from digiflow.core.db import db
from digiflow.core.roles import Role
from digiflow.core.workflow.registry import registry
from digiflow.funding.models import FundingProgramme, FundingProvider
from digiflow.measures.listing import SORTS, canonical_query, encode_cursor, escape_like
from digiflow.measures.models import Measure, SavedFilter
from tests.conftest import USING_POSTGRES, csrf_token
from tests.factories import PASSWORD, World, make_user

# --- helpers (also used by test_export.py) -----------------------------------------------------

_seq = itertools.count(1)
BASE_TIME = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def catalog(kind: CatalogKind, label: str, position: int = 0) -> CatalogEntry:
    entry = CatalogEntry(
        kind=kind, key=f"k{next(_seq)}", label_de=label, label_en=label + " EN", position=position
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def programme(world: World, name: str) -> FundingProgramme:
    prog = FundingProgramme(body_id=world.body.id, name=name, provider=FundingProvider.federal)
    db.session.add(prog)
    db.session.flush()
    return prog


def bulk_measures(
    world: World,
    count: int,
    workflow: str = "digitalization_measure",
    priorities: list[CatalogEntry] | None = None,
    **fixed: Any,
) -> None:
    """Insert ``count`` measures in one statement (no operations, no history).

    Owners, departments, priorities, costs and dates vary so that eager loading and sorting are
    exercised; values repeat so that sorting meets ties, and some are empty.
    """
    stored = registry().current(workflow)
    owners = [world.proposer, world.head, world.other_head, world.office]
    departments = [world.dept, world.other_dept]
    choices: list[int | None] = [p.id for p in priorities or []] + [None]
    rows = []
    for i in range(count):
        n = next(_seq)
        row = {
            "body_id": world.body.id,
            "title": f"Maßnahme {n % 7:02d}" if n % 2 else f"MASSNAHME {n % 7:02d}",
            "description": "Massendaten",
            "department_id": departments[i % 2].id,
            "owner_id": owners[i % 4].id,
            "priority_id": choices[i % len(choices)],
            "workflow_id": stored.id,
            "state": ["draft", "proposal", "concept", "implementation"][i % 4],
            "state_entered_at": BASE_TIME,
            "cost_one_off": Decimal(1000 * (i % 5)) if i % 6 else None,
            "cost_recurring": Decimal(100 * (i % 3)) if i % 4 else None,
            "budget_year": 2025 + i % 2,
            "target_date": date(2027, 1, 1) + timedelta(days=i % 3) if i % 5 else None,
            "state_deadline": date(2026, 4, 1) if i % 3 == 0 else None,
            "created_at": BASE_TIME,
            "updated_at": BASE_TIME + timedelta(minutes=i % 4),
        }
        row.update(fixed)
        rows.append(row)
    if rows:
        db.session.execute(sa.insert(Measure), rows)
    db.session.flush()


ROW = re.compile(r'<th scope="row"><a href="([^"]*)">([^<]*)</a></th>')


def listed(page_html: str) -> list[tuple[int, str]]:
    """The (id, title) pairs of the list's rows, in order."""
    out = []
    for href, title in ROW.findall(page_html):
        measure_id = re.findall(r"\d+", urlsplit(html.unescape(href)).path)[-1]
        out.append((int(measure_id), html.unescape(title)))
    return out


def listed_titles(page_html: str) -> list[str]:
    return [t for _, t in listed(page_html)]


def rel_link(page_html: str, rel: str) -> str | None:
    match = re.search(rf'<a rel="{rel}" href="([^"]+)"', page_html)
    return html.unescape(match.group(1)) if match else None


def login(client: Any, auth: Any, user: Any) -> None:
    db.session.commit()
    response = auth.login(user.email, PASSWORD)
    assert response.status_code == 302


@pytest.fixture
def world(app_ctx: Any) -> World:
    return World()


# --- visibility --------------------------------------------------------------------------------


def test_list_shows_only_visible_measures_even_when_filtering_for_others(client, auth, world):
    world.measure(title="Eigene Maßnahme A")
    other = make_user((Role.proposer, world.other_dept))
    from digiflow.measures.operations import create_measure

    create_measure(actor=other, department=world.other_dept, title="Fremde Maßnahme B")
    login(client, auth, world.proposer)

    page = client.get("/measures/").get_data(as_text=True)
    assert listed_titles(page) == ["Eigene Maßnahme A"]
    page = client.get(f"/measures/?department={world.other_dept.id}").get_data(as_text=True)
    assert listed_titles(page) == []
    page = client.get("/measures/?q=Fremde").get_data(as_text=True)
    assert listed_titles(page) == []
    board = client.get(f"/measures/board?department={world.other_dept.id}").get_data(as_text=True)
    assert "Fremde Maßnahme B" not in board
    board = client.get("/measures/board").get_data(as_text=True)
    assert "Eigene Maßnahme A" in board and "Fremde Maßnahme B" not in board

    auth.logout()
    login(client, auth, world.office)
    page = client.get("/measures/").get_data(as_text=True)
    assert sorted(listed_titles(page)) == ["Eigene Maßnahme A", "Fremde Maßnahme B"]


def test_list_needs_a_login(client):
    response = client.get("/measures/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/measures/board").status_code == 302


# --- filters -----------------------------------------------------------------------------------


@pytest.fixture
def varied(world: World) -> dict[str, Any]:
    """Six measures that each differ from a plain one in exactly one filtered attribute."""
    high = catalog(CatalogKind.priority, "hoch", 1)
    low = catalog(CatalogKind.priority, "niedrig", 3)
    schools = catalog(CatalogKind.field_of_action, "Schulen")
    online = catalog(CatalogKind.field_of_action, "Online-Dienste")
    itdz = catalog(CatalogKind.it_provider, "ITDZ")
    kdo = catalog(CatalogKind.it_provider, "KDO")
    gigabit = programme(world, "Gigabitförderung")
    other_prog = programme(world, "Digitalpakt")
    common = {
        "priority_id": low.id,
        "field_of_action_id": online.id,
        "budget_year": 2025,
    }
    m = {
        "plain": world.measure(title="Plain", **common),
        "priority": world.measure(title="Hohe Priorität", **{**common, "priority_id": high.id}),
        "field": world.measure(title="Schulfeld", **{**common, "field_of_action_id": schools.id}),
        "year": world.measure(title="Jahr 2026", **{**common, "budget_year": 2026}),
    }
    m["programme"] = world.measure(title="Gefördert", **common)
    m["programme"].funding_programme_id = gigabit.id
    m["provider"] = world.measure(title="Beim ITDZ", **common)
    m["provider"].it_provider_id = itdz.id
    m["plain"].funding_programme_id = other_prog.id
    m["plain"].it_provider_id = kdo.id
    from digiflow.measures.operations import create_measure

    m["other_dept"] = create_measure(
        actor=world.office, department=world.other_dept, title="Anderer Fachbereich", **common
    )
    db.session.flush()
    return {
        "measures": m,
        "high": high,
        "schools": schools,
        "gigabit": gigabit,
        "itdz": itdz,
    }


def test_each_filter_narrows(client, auth, world, varied):
    login(client, auth, world.office)

    def titles(query: str) -> set[str]:
        response = client.get("/measures/?" + query)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert "error-summary" not in body, body
        return set(listed_titles(body))

    everything = titles("")
    assert len(everything) == 7
    assert titles(f"priority={varied['high'].id}") == {"Hohe Priorität"}
    assert titles(f"field_of_action={varied['schools'].id}") == {"Schulfeld"}
    assert titles("budget_year=2026") == {"Jahr 2026"}
    assert titles(f"funding_programme={varied['gigabit'].id}") == {"Gefördert"}
    assert titles(f"it_provider={varied['itdz'].id}") == {"Beim ITDZ"}
    assert titles(f"department={world.other_dept.id}") == {"Anderer Fachbereich"}
    assert titles(f"department={world.dept.id}") == everything - {"Anderer Fachbereich"}
    assert titles("state=draft") == everything
    assert titles("state=proposal") == set()
    assert titles("category=open") == everything
    assert titles("category=active") == set()
    # filters combine
    assert titles(f"department={world.dept.id}&budget_year=2026") == {"Jahr 2026"}
    assert titles(f"department={world.other_dept.id}&budget_year=2026") == set()


def test_state_category_and_overdue_filters(client, auth, world):
    bulk_measures(world, 0)
    stored = registry().current("digitalization_measure")
    small = registry().current("small_measure")
    past, future = date(2020, 1, 1), date(2099, 1, 1)
    rows = [
        ("Überfällig im Vorschlag", stored.id, "proposal", past),
        ("Rechtzeitig im Vorschlag", stored.id, "proposal", future),
        ("Abgelehnt mit alter Frist", stored.id, "rejected", past),
        ("Klein und überfällig", small.id, "proposal", past),
        ("Klein und fertig", small.id, "completed", past),
    ]
    for title, workflow_id, state, deadline in rows:
        db.session.add(
            Measure(
                body_id=world.body.id,
                title=title,
                department_id=world.dept.id,
                owner_id=world.proposer.id,
                workflow_id=workflow_id,
                state=state,
                state_deadline=deadline,
            )
        )
    login(client, auth, world.office)

    def titles(query: str) -> set[str]:
        return set(listed_titles(client.get("/measures/?" + query).get_data(as_text=True)))

    assert titles("overdue=1") == {"Überfällig im Vorschlag", "Klein und überfällig"}
    assert titles("state=proposal") == {
        "Überfällig im Vorschlag",
        "Rechtzeitig im Vorschlag",
        "Klein und überfällig",
    }
    assert titles("category=done") == {"Klein und fertig"}
    assert titles("category=rejected") == {"Abgelehnt mit alter Frist"}
    page = client.get("/measures/?state=proposal").get_data(as_text=True)
    # overdue is said in words, not only by colour
    assert page.count('<strong class="overdue">überfällig</strong>') == 2


def test_search_finds_every_word_in_title_or_description(client, auth, world):
    world.measure(title="E-Akte einführen", description="Elektronische Akte im Bauamt")
    world.measure(title="WLAN an Schulen", description="Ausbau in allen Kreisschulen")
    world.measure(title="Förderquote 100% erreichen", description="Mit Unterstützung_des Landes")
    login(client, auth, world.office)

    def titles(q: str) -> set[str]:
        response = client.get("/measures/", query_string={"q": q})
        assert response.status_code == 200
        return set(listed_titles(response.get_data(as_text=True)))

    assert titles("akte") == {"E-Akte einführen"}
    assert titles("Bauamt Akte") == {"E-Akte einführen"}  # words from title and description
    assert titles("Akte WLAN") == set()  # every word must match
    assert titles("wlan") == {"WLAN an Schulen"}
    if not USING_POSTGRES:
        # the LIKE fallback escapes its wildcards
        assert titles("100%") == {"Förderquote 100% erreichen"}
        assert titles("%") == {"Förderquote 100% erreichen"}
        assert titles("ul_n") == set()  # "_" would match "Schulen"
        assert titles("Unterstützung_des") == {"Förderquote 100% erreichen"}


@pytest.mark.skipif(not USING_POSTGRES, reason="German stemming needs PostgreSQL")
def test_search_uses_german_stemming_and_the_fulltext_index(client, auth, world):
    world.measure(title="Digitale Schule", description="Tablets für die Grundschule")
    world.measure(title="Bauanträge online", description="Digitaler Bauantrag")
    login(client, auth, world.office)

    def titles(q: str) -> set[str]:
        return set(
            listed_titles(client.get("/measures/", query_string={"q": q}).get_data(as_text=True))
        )

    assert titles("Schulen") == {"Digitale Schule"}
    assert titles("Bauantrag") == {"Bauanträge online"}
    assert titles('"digitale schule"') == {"Digitale Schule"}
    assert titles("Schule -Tablets") == set()  # websearch syntax

    from digiflow.measures.listing import search_condition

    query = sa.select(Measure.id).where(search_condition("Schulen"))
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    db.session.execute(sa.text("SET enable_seqscan = off"))
    plan = "\n".join(db.session.execute(sa.text("EXPLAIN " + sql)).scalars())
    db.session.execute(sa.text("RESET enable_seqscan"))
    assert "ix_measures_fulltext" in plan, plan


def test_like_escape():
    assert escape_like("100%_a\\b") == "100\\%\\_a\\\\b"


# --- invalid parameters ------------------------------------------------------------------------


def test_invalid_parameters_are_reported_and_ignored(client, auth, world):
    world.measure(title="Eine")
    world.measure(title="Zwei")
    login(client, auth, world.office)
    response = client.get(
        "/measures/?budget_year=abc&department=99999&state=nope&category=x&priority=abc"
        "&field_of_action=-1&it_provider=1e3&funding_programme=7&overdue=vielleicht"
        "&sort=colour&dir=up&per_page=5&after=%%%garbage"
    )
    assert response.status_code == 200
    body = html.unescape(response.get_data(as_text=True))
    assert sorted(listed_titles(body)) == ["Eine", "Zwei"]
    for message in (
        "Das Haushaltsjahr muss eine Jahreszahl wie 2025 sein.",
        "Diesen Fachbereich gibt es nicht.",
        "Den Status „nope“ gibt es nicht.",
        "Die Statusgruppe „x“ gibt es nicht.",
        "Diese Priorität gibt es nicht.",
        "Dieses Handlungsfeld gibt es nicht.",
        "Diesen IT-Dienstleister gibt es nicht.",
        "Dieses Förderprogramm gibt es nicht.",
        "Die Angabe „überfällig“ ist ungültig.",
        "Nach „colour“ kann nicht sortiert werden.",
        "Die Sortierrichtung muss „asc“ oder „desc“ sein.",
        "Einträge pro Seite: bitte eine Zahl von 10 bis 200.",
        "Der Verweis auf die Seite ist ungültig; die erste Seite wird angezeigt.",
    ):
        assert message in body, message
    # the message is tied to its field
    assert 'id="filter-budget_year" aria-invalid="true"' in body or (
        'aria-invalid="true"' in body and 'id="filter-budget_year-error"' in body
    )
    # NUL characters (PostgreSQL refuses them) and huge numbers never reach the database
    for query in ("q=a%00b", "state=dr%00aft", "department=99999999999999999999999"):
        assert client.get("/measures/?" + query).status_code == 200
    # the board and the exports ignore them too
    assert client.get("/measures/board?budget_year=abc&state=nope").status_code == 200
    assert client.get("/measures/export.csv?budget_year=abc&after=x").status_code == 200


def test_a_cursor_of_another_sort_is_refused(client, auth, world):
    bulk_measures(world, 12)
    login(client, auth, world.office)
    first = client.get("/measures/?per_page=10").get_data(as_text=True)
    after = parse_qs(urlsplit(rel_link(first, "next")).query)["after"][0]
    response = client.get(f"/measures/?sort=title&dir=asc&after={after}")
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Der Verweis auf die Seite ist ungültig" in body
    assert len(listed(body)) == 12
    # hand-made cursors with values the database would refuse
    for sort, values in (
        ("title", ["a\x00", 1]),
        ("title", ["a", 10**30]),
        ("title", [1, 1]),
        ("title", ["a"]),
        ("costs", ["1e999999", 1]),
        ("updated", ["0001-01-01T00:00:00+01:00", 1]),
        ("updated", ["2026-01-01T00:00:00", 1]),
        ("target_date", [0, "2026-13-01", 1]),
    ):
        response = client.get(
            "/measures/", query_string={"sort": sort, "after": encode_cursor(sort, values)}
        )
        assert response.status_code == 200
        assert "Der Verweis auf die Seite ist ungültig" in html.unescape(
            response.get_data(as_text=True)
        )
    response = client.get("/measures/", query_string={"q": "x" * 250})
    assert "Der Suchbegriff ist zu lang" in html.unescape(response.get_data(as_text=True))


# --- sorting and keyset paging -----------------------------------------------------------------


def _expected_order(sort: str, descending: bool) -> list[int]:
    from digiflow.measures.listing import load_catalogs

    catalogs = load_catalogs()
    positions = {key: i for i, key in enumerate(catalogs.states)}
    db.session.expire_all()
    measures = db.session.scalars(sa.select(Measure)).all()

    def value(m: Measure) -> Any:
        return {
            "title": lambda: m.title.lower(),
            "department": lambda: m.department.short_name.lower(),
            "state": lambda: positions[m.state],
            "priority": lambda: m.priority.position if m.priority else None,
            "costs": lambda: m.total_costs,
            "target_date": lambda: m.target_date,
            "updated": lambda: m.updated_at,
        }[sort]()

    filled = sorted(
        (m for m in measures if value(m) is not None),
        key=lambda m: (value(m), m.id),
        reverse=descending,
    )
    empty = sorted(
        (m for m in measures if value(m) is None), key=lambda m: m.id, reverse=descending
    )
    return [m.id for m in filled + empty]


def test_keyset_paging_returns_every_row_once_in_every_order(client, auth, world):
    priorities = [catalog(CatalogKind.priority, f"P{i}", i) for i in (1, 2, 2)]
    bulk_measures(world, 37, priorities=priorities)
    login(client, auth, world.office)
    for sort in SORTS:
        for direction in ("asc", "desc"):
            url = f"/measures/?sort={sort}&dir={direction}&per_page=10"
            pages: list[list[int]] = []
            while url:
                body = client.get(url).get_data(as_text=True)
                assert "error-summary" not in body
                pages.append([i for i, _ in listed(body)])
                url = rel_link(body, "next")
                assert len(pages) < 10, "paging does not end"
            seen = [i for page in pages for i in page]
            assert len(seen) == 37 and len(set(seen)) == 37, (sort, direction)
            assert [len(p) for p in pages] == [10, 10, 10, 7]
            assert seen == _expected_order(sort, direction == "desc"), (sort, direction)
            # and back again with "Zurück", page by page
            back: list[list[int]] = [pages[-1]]
            url = rel_link(body, "prev")
            while url:
                body = client.get(url).get_data(as_text=True)
                back.append([i for i, _ in listed(body)])
                url = rel_link(body, "prev")
            assert back[::-1] == pages, (sort, direction)


def test_sort_headers_are_links_with_aria_sort(client, auth, world):
    bulk_measures(world, 3)
    login(client, auth, world.office)
    body = html.unescape(client.get("/measures/?sort=costs&dir=asc").get_data(as_text=True))
    assert body.count("aria-sort=") == 1
    assert re.search(
        r'<th scope="col" class="num" aria-sort="ascending">\s*<a href="[^"]*sort=costs&dir=desc',
        body,
    )
    assert re.search(r'<a href="[^"]*sort=title&dir=asc"', body)
    default = client.get("/measures/").get_data(as_text=True)
    assert re.search(r'aria-sort="descending">\s*<a href="[^"]*sort=updated', default)


def test_page_size_and_total(client, auth, world):
    bulk_measures(world, 60)
    login(client, auth, world.office)
    body = client.get("/measures/").get_data(as_text=True)
    assert len(listed(body)) == 50
    assert "Treffer: 60" in body
    assert rel_link(body, "prev") is None and rel_link(body, "next")
    body = client.get("/measures/?per_page=200").get_data(as_text=True)
    assert len(listed(body)) == 60 and rel_link(body, "next") is None


# --- bounded queries ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["office", "proposer"])
def test_list_and_board_issue_a_bounded_number_of_queries(client, auth, world, query_counter, who):
    priorities = [catalog(CatalogKind.priority, f"P{i}", i) for i in (1, 2)]
    bulk_measures(world, 10, priorities=priorities)
    user = getattr(world, who)
    login(client, auth, user)
    urls = ["/measures/?per_page=200", "/measures/board", "/measures/?overdue=1&q=Maßnahme"]
    small = {}
    for url in urls:
        with query_counter:
            assert client.get(url).status_code == 200
        small[url] = query_counter.count
    bulk_measures(world, 990, priorities=priorities)
    db.session.commit()
    for url in urls:
        with query_counter:
            body = client.get(url).get_data(as_text=True)
        assert query_counter.count == small[url], (url, query_counter.statements)
        if url.startswith("/measures/?per_page"):
            assert len(listed(body)) == 200
    print(f"queries ({who}):", small)  # noqa: T201 - shown with -s, for the report
    assert max(small.values()) <= 12


# --- the board ---------------------------------------------------------------------------------


def test_board_has_a_section_per_state_with_counts_and_a_limit(client, auth, world):
    bulk_measures(world, 0)
    bulk_measures(world, 105, state="concept")
    bulk_measures(world, 2, state="draft")
    bulk_measures(world, 3, workflow="small_measure", state="proposal")
    login(client, auth, world.office)
    body = client.get("/measures/board").get_data(as_text=True)
    definition = registry().file_definition("digitalization_measure").definition
    headings = re.findall(
        r'<section class="board-column[^"]*" aria-labelledby="column-(\w+)">', body
    )
    assert headings == list(definition.states)
    concept = body.split('id="column-concept"')[1].split("</section>")[0]
    assert "(105" in concept
    assert concept.count('<li class="card">') == 100
    assert "5 weitere – mehr in der Liste" in concept
    more = re.search(r'<p class="more"><a href="([^"]+)"', concept).group(1)
    assert "state=concept" in html.unescape(more)
    proposal = body.split('id="column-proposal"')[1].split("</section>")[0]
    assert "(3" in proposal and proposal.count('<li class="card">') == 3  # the small workflow's
    draft = body.split('id="column-draft"')[1].split("</section>")[0]
    assert draft.count('<li class="card">') == 2 and "mehr in der Liste" not in draft
    # filters apply to the board
    body = client.get(f"/measures/board?department={world.other_dept.id}").get_data(as_text=True)
    assert body.count('<li class="card">') == 52 + 1 + 1


# --- saved filters -----------------------------------------------------------------------------


def _save(client: Any, name: str, query: str, token: str | None = None) -> Any:
    if token is None:
        token = csrf_token(client.get("/measures/").get_data(as_text=True))
    return client.post(
        "/measures/filters", data={"name": name, "query": query, "csrf_token": token}
    )


def test_saved_filters(client, auth, world):
    world.measure(title="Im Jahr 2026", budget_year=2026)
    world.measure(title="Im Jahr 2025", budget_year=2025)
    login(client, auth, world.proposer)

    response = _save(client, "Nur 2026", "budget_year=2026&after=abc&bogus=1&sort=title&dir=asc")
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {
        "budget_year": ["2026"],
        "sort": ["title"],
        "dir": ["asc"],
    }
    saved = db.session.scalars(sa.select(SavedFilter)).one()
    saved_id = saved.id
    assert (
        saved.user_id == world.proposer.id and saved.query == "budget_year=2026&sort=title&dir=asc"
    )

    page = client.get("/measures/?budget_year=2026&sort=title&dir=asc").get_data(as_text=True)
    assert "Der Filter „Nur 2026“ wurde gespeichert." in page
    assert 'aria-current="true">Nur 2026</a>' in page
    assert listed_titles(page) == ["Im Jahr 2026"]
    # the save form carries the current filter
    assert 'name="query" type="hidden" value="budget_year=2026&amp;sort=title&amp;dir=asc"' in page

    # the same name again: a clear message, nothing saved
    response = _save(client, " Nur  2026 ", "budget_year=2025")
    assert response.status_code == 409
    assert "Sie haben bereits einen Filter namens „Nur 2026“" in response.get_data(as_text=True)
    # without a name
    response = _save(client, "  ", "budget_year=2025")
    assert response.status_code == 422
    assert "Bitte geben Sie einen Namen für den Filter ein." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(SavedFilter.id))) == 1

    # another user may use the same name, but neither see nor delete the first one's
    auth.logout()
    login(client, auth, world.head)
    assert _save(client, "Nur 2026", "").status_code == 302
    page = client.get("/measures/").get_data(as_text=True)
    assert f"/measures/filters/{saved_id}/delete" not in page
    token = csrf_token(page)
    response = client.post(f"/measures/filters/{saved_id}/delete", data={"csrf_token": token})
    assert response.status_code == 404
    assert (
        client.post("/measures/filters/99999/delete", data={"csrf_token": token}).status_code == 404
    )
    db.session.expire_all()
    assert db.session.get(SavedFilter, saved_id) is not None

    # the owner deletes it; CSRF is required
    auth.logout()
    login(client, auth, world.proposer)
    assert client.post(f"/measures/filters/{saved_id}/delete").status_code == 400
    assert _save(client, "Ohne Token", "", token="falsch").status_code == 400
    token = csrf_token(client.get("/measures/").get_data(as_text=True))
    response = client.post(f"/measures/filters/{saved_id}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(SavedFilter, saved_id) is None
    names = db.session.scalars(sa.select(SavedFilter.name)).all()
    assert names == ["Nur 2026"]  # the other user's


def test_canonical_query_keeps_filters_and_sort_only():
    assert canonical_query("?after=x&q=E-Akte&before=y&per_page=20&q=zweites&x=1&state=") == (
        "q=E-Akte&per_page=20"
    )


# --- language ----------------------------------------------------------------------------------


def test_list_in_english(client, auth, world):
    world.measure(title="Eine Maßnahme", cost_one_off=Decimal("1000000"), cost_recurring=None)
    user = make_user(Role.council_member, language="en")
    login(client, auth, user)
    body = client.get("/measures/").get_data(as_text=True)
    assert "Draft" in body and "Entwurf" not in body.split("<tbody>")[1]
    assert "€1,000,000.00" in body
    assert "Filter" in body and "Apply filters" in body
