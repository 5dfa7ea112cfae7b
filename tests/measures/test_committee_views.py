"""The measure page's panel "Beratung in den Gremien": results come from sessions only (no
form on the measure page any more); the panel shows whether the measure waits for a session
and is on an agenda, its paper with the consultation sequence, and the history names the
session and the votes (not to readers who may not see a non-public item)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from digiflow.committees import agenda, meetings, session
from digiflow.committees.models import AgendaItem, AttendanceStatus
from digiflow.core.db import db
from digiflow.core.roles import Role
from digiflow.core.time import LOCAL_TZ
from tests.conftest import csrf_token
from tests.factories import PASSWORD, SessionWorld, drive_to_committee, make_user


def local(days: int, hour: int = 17) -> datetime:
    day = datetime.now(LOCAL_TZ).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ).astimezone(UTC)


@pytest.fixture
def world(app_ctx):
    return SessionWorld()


@pytest.fixture
def at_committee(world):
    measure = drive_to_committee(world, world.measure(title="WLAN an Kreisschulen"))
    db.session.commit()
    return measure


def page_of(client, auth, user, measure) -> str:
    client._cookies.clear()
    auth.login(user.email, PASSWORD)
    response = client.get(f"/measures/{measure.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def panel(page: str) -> str:
    start = page.index('aria-labelledby="committees-heading"')
    return page[start : page.index("</section>", start)]


def history(page: str) -> str:
    start = page.index('id="history"')
    return page[start : page.index("</section>", start)]


def hold(world, meeting, item, **result):
    meetings.send_invitation(meeting, actor=world.secretary)
    day = meeting.starts_at + timedelta(minutes=5)
    session.record_attendance(
        meeting,
        actor=world.secretary,
        statuses={m.id: AttendanceStatus.present for m in world.members},
        now=day,
    )
    session.record_result(item, actor=world.secretary, now=day, **result)


def test_the_result_form_and_its_route_are_gone(world, at_committee, client, auth):
    page = page_of(client, auth, world.secretary, at_committee)
    assert "Ergebnis des Gremiums erfassen" not in page and "committee-result" not in page
    token = csrf_token(page)
    response = client.post(
        f"/measures/{at_committee.id}/committee-result",
        data={"committee-result": "recommended", "csrf_token": token},
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(type(at_committee), at_committee.id).state == "committee_recommendation"


def test_a_waiting_measure_says_so_until_it_is_on_an_agenda(world, at_committee, client, auth):
    text = panel(page_of(client, auth, world.proposer, at_committee))
    assert "Die Maßnahme wartet auf eine Sitzung des Gremiums „Fachausschuss“." in text
    assert "Sie steht noch auf keiner Tagesordnung." in text

    meeting = meetings.plan_meeting(world.specialist, actor=world.secretary, starts_at=local(30))
    agenda.add_item(meeting, actor=world.secretary, title="Eröffnung")
    item = agenda.add_measure_item(meeting, at_committee, actor=world.secretary)
    db.session.commit()
    text = panel(page_of(client, auth, world.proposer, at_committee))
    day = meeting.starts_at.astimezone(LOCAL_TZ).strftime("%d.%m.%Y")
    assert (
        f"Sie steht auf der Tagesordnung der Sitzung von „{world.specialist.name}“ am {day} (Ö 2)."
        in text
    )
    assert f'href="/meetings/{meeting.id}"' in text
    # the paper with its consultation sequence, linked
    paper = item.paper
    assert f'<a href="/papers/{paper.id}">Vorlage {paper.reference}</a>' in text
    assert "Beschlussvorlage" in text
    assert world.specialist.name in text and world.main.name in text
    assert "Vorberatung" in text and "Entscheidung" in text


def test_history_names_the_session_and_the_votes(world, at_committee, client, auth):
    meeting = meetings.plan_meeting(world.specialist, actor=world.secretary, starts_at=local(30))
    item = agenda.add_measure_item(meeting, at_committee, actor=world.secretary)
    hold(
        world,
        meeting,
        item,
        result="recommended",
        votes_yes=3,
        votes_no=1,
        votes_abstain=0,
        excluded=[world.members[4].id],
    )
    db.session.commit()
    page = page_of(client, auth, world.council, at_committee)
    entry = history(page)
    day = meeting.starts_at.astimezone(LOCAL_TZ).strftime("%d.%m.%Y")
    assert f"{world.specialist.name}: empfohlen" in entry
    assert f"Sitzung am {day}" in entry and f'href="/meetings/{meeting.id}"' in entry
    assert "TOP Ö 1" in entry
    assert "Abstimmung: 3 Ja, 1 Nein, 0 Enthaltungen, 1 befangen" in entry
    # the measure waits for the main committee now; the first step shows its result
    text = panel(page)
    assert "„Kreis-/Verwaltungsausschuss“" in text
    assert "empfohlen / beschlossen wie vorgelegt" in text and "3 Ja, 1 Nein" in text


def test_a_non_public_item_shows_neither_number_nor_votes_to_outsiders(
    world, at_committee, client, auth
):
    meeting = meetings.plan_meeting(world.specialist, actor=world.secretary, starts_at=local(30))
    item = agenda.add_measure_item(meeting, at_committee, actor=world.secretary, is_public=False)
    db.session.commit()
    outsider = make_user(Role.council_member)
    db.session.commit()
    # on the agenda, but in the non-public part: the outsider learns nothing of it
    text = panel(page_of(client, auth, outsider, at_committee))
    assert "Die Maßnahme wartet auf eine Sitzung" in text
    assert "N 1" not in text and "Sie steht auf der Tagesordnung" not in text
    assert "Sie steht auf der Tagesordnung" in panel(
        page_of(client, auth, world.members[0], at_committee)
    )

    hold(world, meeting, item, result="recommended", votes_yes=4, votes_no=1, votes_abstain=0)
    db.session.commit()
    page = page_of(client, auth, outsider, at_committee)
    entry = history(page)
    assert "Sitzung am" in entry
    assert "TOP N 1" not in entry and "Abstimmung" not in entry
    assert "N 1" not in panel(page) and "4 Ja" not in panel(page)
    page = page_of(client, auth, world.members[0], at_committee)
    assert "TOP N 1" in history(page) and "Abstimmung: 4 Ja, 1 Nein" in history(page)
    assert "N 1" in panel(page)


def test_a_draft_has_no_panel(world, client, auth):
    draft = world.measure(title="Noch im Entwurf")
    db.session.commit()
    page = page_of(client, auth, world.proposer, draft)
    assert "Beratung in den Gremien" not in page


def test_the_panel_does_not_grow_the_page_s_queries_per_consultation(
    world, at_committee, client, auth, query_counter
):
    def on_agenda(days):
        meeting = meetings.plan_meeting(
            world.specialist, actor=world.secretary, starts_at=local(days)
        )
        return agenda.add_measure_item(meeting, at_committee, actor=world.secretary)

    def count() -> int:
        client.get(f"/measures/{at_committee.id}")
        with query_counter:
            response = client.get(f"/measures/{at_committee.id}")
        assert response.status_code == 200
        return query_counter.count

    first = on_agenda(30)
    hold(world, first.meeting, first, result="deferred")
    on_agenda(40)
    db.session.commit()
    page_of(client, auth, world.council, at_committee)
    few = count()
    # two more deferrals and the measure on a fourth agenda: more consultations, sessions
    # and history entries on the page, the same number of queries
    db.session.expire_all()
    for days in (40, 50):
        item = db.session.scalars(
            sa.select(AgendaItem).where(
                AgendaItem.measure_id == at_committee.id, AgendaItem.result.is_(None)
            )
        ).one()
        hold(world, item.meeting, item, result="deferred")
        on_agenda(days + 10)
    db.session.commit()
    assert count() == few, query_counter.statements
    page = page_of(client, auth, world.council, at_committee)
    assert page.count("vertagt") >= 3
