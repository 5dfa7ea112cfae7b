"""The papers pages through HTTP: list with filters, the page with its consultation sequence,
the PDF, the form, routing to one more committee; who sees what (non-public papers and
agenda items), bad input and stale forms change nothing."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from digiflow.committees import agenda, meetings, papers, session
from digiflow.committees.models import AttendanceStatus, Consultation, Paper, PaperType
from digiflow.committees.overview import Viewer
from digiflow.core.db import db
from digiflow.core.permissions import can
from digiflow.core.roles import CommitteeType, Role
from digiflow.core.time import LOCAL_TZ
from digiflow.core.workflow.definition import ConsultationRole
from digiflow.users.operations import assign_role
from tests.conftest import csrf_token
from tests.factories import (
    PASSWORD,
    SessionWorld,
    drive_to_committee,
    make_committee,
    make_user,
)


def local(days: int, hour: int = 17) -> datetime:
    day = datetime.now(LOCAL_TZ).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ).astimezone(UTC)


@pytest.fixture
def world(app_ctx):
    return SessionWorld()


def html(response) -> str:
    return response.get_data(as_text=True)


def login(client, auth, user) -> None:
    client._cookies.clear()
    auth.login(user.email, PASSWORD)


def post(client, url, data, page_url):
    token = csrf_token(html(client.get(page_url)))
    return client.post(url, data={**data, "csrf_token": token})


def make_paper(world, **kwargs) -> Paper:
    values = dict(
        actor=world.office,
        body=world.body,
        paper_type="information",
        title="Verwaltungsstrategie zur Digitalisierung",
        lead_department=world.dept,
        routing=[(world.specialist, "information", False)],
    )
    values.update(kwargs)
    return papers.create_paper(**values)


def decide(world, meeting, item, result="recommended", yes=4, no=1):
    """Invite, record attendance (all present) and the result of ``item``."""
    if meeting.state.value == "planned":
        meetings.send_invitation(meeting, actor=world.secretary)
    day = meeting.starts_at + timedelta(minutes=5)
    people = world.members if meeting.committee_id == world.specialist.id else world.main_members
    session.record_attendance(
        meeting,
        actor=world.secretary,
        statuses={p.id: AttendanceStatus.present for p in people},
        now=day,
    )
    session.record_result(
        item,
        actor=world.secretary,
        result=result,
        votes_yes=yes if result != "noted" else None,
        votes_no=no if result != "noted" else None,
        votes_abstain=0 if result != "noted" else None,
        now=day,
    )
    return day


# -- the list ------------------------------------------------------------------------------


def test_list_shows_public_papers_to_everybody_and_non_public_ones_only_to_who_may_see_them(
    world, client, auth
):
    make_paper(world, title="Öffentliche Strategie")
    make_paper(world, title="Vergabe Rechenzentrum", is_public=False, paper_type="decision")
    outsider = make_user(Role.council_member)
    db.session.commit()

    login(client, auth, outsider)
    page = html(client.get("/papers/"))
    assert "Öffentliche Strategie" in page and "Vergabe Rechenzentrum" not in page
    assert "Treffer: 1" in page
    # a member of the committee the paper is routed to, and staff, see it
    for person in (world.members[0], world.proposer):
        login(client, auth, person)
        page = html(client.get("/papers/"))
        assert "Vergabe Rechenzentrum" in page and "Treffer: 2" in page
        assert "nicht öffentlich" in page


def test_list_condition_mirrors_the_rule(world):
    make_paper(world, title="A")
    make_paper(world, title="B", is_public=False)
    make_paper(world, title="C", is_public=False, routing=[(world.main, "decision", True)])
    deleted = make_paper(world, title="D")
    deleted.deleted_at = datetime.now(UTC)
    outsider = make_user(Role.council_member)
    db.session.flush()
    everything = db.session.scalars(sa.select(Paper)).all()
    for user in [outsider, world.members[0], world.main_members[0], world.proposer, world.council]:
        listed = set(db.session.scalars(sa.select(Paper.id).where(Viewer(user).papers_condition())))
        assert listed == {p.id for p in everything if can(user, "paper.view", p)}, user


def test_filters_by_year_type_department_and_title(world, client, auth):
    make_paper(world, title="Strategie 2018", paper_date=date(2018, 4, 19))
    make_paper(world, title="Antrag WLAN", paper_type="motion", submitted_by="Fraktion A")
    make_paper(world, title="Anderer Fachbereich", lead_department=world.other_dept)
    db.session.commit()
    login(client, auth, world.office)

    def titles(query: str) -> set[str]:
        page = html(client.get(f"/papers/?{query}"))
        return {t for t in ("Strategie 2018", "Antrag WLAN", "Anderer Fachbereich") if t in page}

    assert titles("year=2018") == {"Strategie 2018"}
    assert titles("type=motion") == {"Antrag WLAN"}
    assert titles(f"department={world.other_dept.id}") == {"Anderer Fachbereich"}
    assert titles("q=wlan") == {"Antrag WLAN"}
    assert titles("q=100%25") == set()  # a LIKE wildcard is taken literally
    page = html(client.get("/papers/?year=abc&type=unbekannt"))
    assert "Das Jahr „abc“ ist ungültig." in page and "Unbekannte Vorlagenart." in page
    assert "Treffer: 3" in page  # the invalid filters are ignored


def test_list_tells_where_each_paper_stands(world, client, auth):
    waiting = make_paper(world, title="Wartet")
    on_agenda = make_paper(world, title="Steht an")
    meeting = meetings.plan_meeting(world.specialist, actor=world.secretary, starts_at=local(30))
    agenda.add_item(meeting, actor=world.secretary, title=on_agenda.title, paper=on_agenda)
    unrouted = make_paper(world, title="Ohne", routing=[])
    db.session.commit()
    login(client, auth, world.office)
    page = html(client.get("/papers/"))
    row = lambda title: page[page.index(title) : page.index("</tr>", page.index(title))]  # noqa: E731
    assert f"wartet auf Beratung: {world.specialist.name}" in row(waiting.title)
    assert f"auf der Tagesordnung: {world.specialist.name} am" in row(on_agenda.title)
    assert "ohne Beratungsfolge" in row(unrouted.title)


# -- one paper -------------------------------------------------------------------------------


def test_paper_page_shows_facts_consultations_and_links(world, client, auth):
    measure = drive_to_committee(world, world.measure(title="E-Akte einführen"))
    meeting = meetings.plan_meeting(
        world.specialist, actor=world.secretary, starts_at=local(30), ends_at=local(30, 20)
    )
    item = agenda.add_measure_item(meeting, measure, actor=world.secretary)
    paper = item.paper
    paper.proposal = "Der Ausschuss empfiehlt die Einführung."
    db.session.commit()
    login(client, auth, world.council)
    page = html(client.get(f"/papers/{paper.id}"))
    assert f"Beschlussvorlage {paper.reference}" in page
    assert "<h1>E-Akte einführen</h1>" in page
    assert world.dept.name in page
    assert f'href="/measures/{measure.id}"' in page
    assert "Der Ausschuss empfiehlt die Einführung." in page
    table = page[page.index('<table class="consultations">') : page.index("</table>")]
    assert world.specialist.name in table and world.main.name in table
    assert "Vorberatung" in table and "Entscheidung" in table
    assert "Ö 1" in table and "offen" in table
    assert f'href="/meetings/{meeting.id}"' in table
    assert "noch nicht terminiert" in table  # the main committee's step
    assert "Vorlage bearbeiten" not in page  # council members read
    assert client.get(f"/papers/{2**31}").status_code == 404
    assert client.get("/papers/99999").status_code == 404


def test_non_public_paper_is_hidden_from_council_members_outside_its_committees(
    world, client, auth
):
    paper = make_paper(world, title="Vergabe", is_public=False, paper_type="decision")
    db.session.commit()
    login(client, auth, world.council)
    assert client.get(f"/papers/{paper.id}").status_code == 404
    assert client.get(f"/papers/{paper.id}.pdf").status_code == 404
    login(client, auth, world.members[0])
    assert client.get(f"/papers/{paper.id}").status_code == 200
    response = client.get(f"/papers/{paper.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_public_paper_in_a_non_public_part_shows_no_number_or_result_to_outsiders(
    world, client, auth
):
    paper = make_paper(world, title="Rahmenvertrag Telefonie", paper_type="decision")
    paper.consultations[0].role = ConsultationRole.decision
    meeting = meetings.plan_meeting(world.specialist, actor=world.secretary, starts_at=local(30))
    item = agenda.add_item(
        meeting, actor=world.secretary, title=paper.title, paper=paper, is_public=False
    )
    decide(world, meeting, item, "rejected", yes=1, no=4)
    db.session.commit()

    login(client, auth, world.council)  # not a member of the specialist committee
    page = html(client.get(f"/papers/{paper.id}"))
    table = page[page.index('<table class="consultations">') : page.index("</table>")]
    assert "N 1" not in table and "abgelehnt" not in table and "1 Ja" not in table
    assert "nicht öffentlich" in table
    text = _pdf_text(client.get(f"/papers/{paper.id}.pdf").data)
    assert "Rahmenvertrag Telefonie" in text and "abgelehnt" not in text

    login(client, auth, world.members[0])
    page = html(client.get(f"/papers/{paper.id}"))
    table = page[page.index('<table class="consultations">') : page.index("</table>")]
    assert "N 1" in table and "abgelehnt" in table and "1 Ja, 4 Nein" in table
    assert "abgelehnt" in _pdf_text(client.get(f"/papers/{paper.id}.pdf").data)


# -- creating and editing ------------------------------------------------------------------------


def routing_row(n, committee="", role="preliminary", authoritative=False):
    row = {f"routing-{n}-committee_id": str(committee), f"routing-{n}-role": role}
    if authoritative:
        row[f"routing-{n}-authoritative"] = "y"
    return row


def paper_form(**overrides):
    data = {
        "paper_type": "motion",
        "title": "Antrag: Digitalisierungsoffensive",
        "paper_date": "14.03.2023",
        "lead_department_id": "",
        "submitted_by": "Fraktion A, Fraktion B",
        "is_public": "y",
        "proposal": "1. Der Kreistag stellt 1,0 Mio. € bereit.",
        "text": "Begründung.",
    }
    for n in range(4):
        data.update(routing_row(n))
    data.update(overrides)
    return data


def test_office_creates_a_motion_routed_to_three_committees(world, client, auth):
    council = make_committee(world.body, CommitteeType.council)
    db.session.commit()
    login(client, auth, world.office)
    page = html(client.get("/papers/new"))
    assert 'id="routing-3-committee_id"' in page and "Schritt 4" in page
    data = paper_form(
        lead_department_id=str(world.dept.id),
        **routing_row(0, world.specialist.id, "preliminary"),
        **routing_row(1, ""),  # an empty row in between is skipped
        **routing_row(2, world.main.id, "preliminary"),
        **routing_row(3, council.id, "decision", authoritative=True),
    )
    response = post(client, "/papers/new", data, "/papers/new")
    assert response.status_code == 303
    paper = db.session.scalars(sa.select(Paper)).one()
    assert response.headers["Location"].endswith(f"/papers/{paper.id}")
    assert paper.reference == "0001/2023"
    assert paper.paper_type == PaperType.motion
    assert paper.submitted_by == "Fraktion A, Fraktion B"
    assert paper.lead_department_id == world.dept.id
    assert [(c.committee_id, c.role.value, c.is_authoritative) for c in paper.consultations] == [
        (world.specialist.id, "preliminary", False),
        (world.main.id, "preliminary", False),
        (council.id, "decision", True),
    ]
    page = html(client.get(f"/papers/{paper.id}"))
    assert "Die Vorlage 0001/2023 wurde angelegt." in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": " "}, "title", "Bitte geben Sie einen Titel an."),
        ({"paper_date": "31.02.2023"}, "paper_date", "Bitte geben Sie ein Datum wie"),
        ({"submitted_by": ""}, "submitted_by", "Bitte geben Sie an, wer den Antrag stellt."),
        ({"paper_type": "memo"}, "paper_type", ""),
        ({"routing-0-committee_id": "999999"}, "routing-0-committee_id", ""),
    ],
)
def test_bad_input_is_named_at_the_field_and_creates_nothing(
    world, client, auth, overrides, field, message
):
    db.session.commit()
    login(client, auth, world.office)
    response = post(client, "/papers/new", paper_form(**overrides), "/papers/new")
    assert response.status_code == 422
    page = html(response)
    match = re.search(rf'<p class="error" id="{re.escape(field)}-error">([^<]*)</p>', page)
    assert match and message in match.group(1)
    assert f'href="#{field}"' in page  # the summary links to the field
    assert db.session.scalar(sa.select(sa.func.count(Paper.id))) == 0


def test_only_who_may_create_papers_gets_the_form(world, client, auth):
    db.session.commit()
    for person, status in [(world.council, 403), (world.finance, 403), (world.proposer, 200)]:
        login(client, auth, person)
        assert client.get("/papers/new").status_code == status
    login(client, auth, world.council)
    token = csrf_token(html(client.get("/papers/")))
    response = client.post("/papers/new", data={**paper_form(), "csrf_token": token})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Paper.id))) == 0


def test_lead_department_edits_its_paper_and_a_stale_form_is_refused(world, client, auth):
    paper = make_paper(world, title="Alter Titel", paper_date=date(2025, 3, 1))
    db.session.commit()
    login(client, auth, world.head)
    page = html(client.get(f"/papers/{paper.id}/edit"))
    loaded = re.search(r'name="loaded" type="hidden" value="([^"]*)"', page).group(1)
    data = {
        "paper_type": "information",
        "title": "Neuer Titel",
        "paper_date": "02.03.2025",
        "lead_department_id": str(world.dept.id),
        "submitted_by": "",
        "is_public": "y",
        "proposal": "",
        "text": "Text",
        "loaded": loaded,
    }
    url = f"/papers/{paper.id}/edit"
    assert post(client, url, data, url).status_code == 303
    db.session.expire_all()
    assert paper.title == "Neuer Titel" and paper.paper_date == date(2025, 3, 2)
    # the same (now stale) form again: refused, nothing changes
    response = post(client, url, {**data, "title": "Noch neuer"}, url)
    assert response.status_code == 409
    assert "inzwischen von jemand anderem geändert" in html(response)
    db.session.expire_all()
    assert paper.title == "Neuer Titel"
    # the year of the number cannot change
    fresh = re.search(r'name="loaded" type="hidden" value="([^"]*)"', html(client.get(url)))
    response = post(
        client, url, {**data, "loaded": fresh.group(1), "paper_date": "01.01.2026"}, url
    )
    assert response.status_code == 422 and "im Jahr der Vorlagennummer" in html(response)
    # another department's proposer may not
    other = make_user(department=world.other_dept)
    assign_role(other, Role.proposer, department=world.other_dept)
    db.session.commit()
    login(client, auth, other)
    assert client.get(url).status_code == 403


def test_paper_a_committee_dealt_with_can_no_longer_be_edited(world, client, auth):
    paper = make_paper(world, title="Bericht")
    meeting = meetings.plan_meeting(world.specialist, actor=world.secretary, starts_at=local(30))
    item = agenda.add_item(meeting, actor=world.secretary, title=paper.title, paper=paper)
    decide(world, meeting, item, "noted")
    db.session.commit()
    login(client, auth, world.office)
    assert client.get(f"/papers/{paper.id}/edit").status_code == 403
    assert "Vorlage bearbeiten" not in html(client.get(f"/papers/{paper.id}"))


def test_routing_to_one_more_committee(world, client, auth):
    paper = make_paper(world)
    db.session.commit()
    login(client, auth, world.secretary)
    url = f"/papers/{paper.id}"
    data = {
        "consultation-committee_id": str(world.main.id),
        "consultation-role": "decision",
        "consultation-authoritative": "y",
    }
    token = csrf_token(html(client.get(url)))
    response = client.post(f"{url}/consultations", data={**data, "consultation-csrf_token": token})
    assert response.status_code == 303
    rows = db.session.scalars(
        sa.select(Consultation)
        .where(Consultation.paper_id == paper.id)
        .order_by(Consultation.position)
    ).all()
    assert [(c.committee_id, c.role.value, c.is_authoritative, c.position) for c in rows] == [
        (world.specialist.id, "information", False, 1),
        (world.main.id, "decision", True, 2),
    ]
    # no committee chosen: the message at the field, nothing added
    response = client.post(
        f"{url}/consultations",
        data={
            "consultation-committee_id": "",
            "consultation-role": "decision",
            "consultation-csrf_token": token,
        },
    )
    assert response.status_code == 422
    assert 'id="consultation-committee_id-error"' in html(response)
    assert db.session.scalar(sa.select(sa.func.count(Consultation.id))) == 2
    # finance may read but not route
    login(client, auth, world.finance)
    token = csrf_token(html(client.get(url)))
    response = client.post(f"{url}/consultations", data={**data, "consultation-csrf_token": token})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Consultation.id))) == 2


def test_english_paper_page(world, client, auth):
    paper = make_paper(world)
    reader = make_user(Role.council_member, language="en")
    db.session.commit()
    login(client, auth, reader)
    page = html(client.get(f"/papers/{paper.id}"))
    assert "Information paper" in page and "Consultation sequence" in page
    assert "Beratungsfolge" not in page
