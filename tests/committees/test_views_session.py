"""The secretary's session pages through HTTP: the agenda builder, the invitation with the
notice period, attendance and quorum, votes and results (refusals keep the entered values and
change nothing), closing, minutes with extracts and their approval in a later session."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from digiflow.committees import agenda, meetings, minutes, session
from digiflow.committees.models import (
    AgendaItem,
    AttendanceStatus,
    Meeting,
    MeetingState,
    VoteExclusion,
)
from digiflow.core.db import db, utcnow
from digiflow.core.time import local_date
from digiflow.measures.models import Measure
from digiflow.notifications.models import OutboxMessage
from tests.committees.test_views import (
    error_next_to,
    german,
    html_of,
    login,
    planned,
    post,
    reload,
)
from tests.factories import SessionWorld, drive_to_committee, make_substitute, make_user

P = AttendanceStatus.present


@pytest.fixture
def world(app_ctx):
    world = SessionWorld()
    db.session.commit()
    return world


def outbox(kind: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


def held(world, measure: Measure | None = None, title: str | None = None) -> Meeting:
    """A session that started a minute ago, planned and (urgently) invited days before; on its
    agenda the measure and/or a free item. Attendance not yet recorded."""
    now = utcnow()
    earlier = now - timedelta(days=3)
    meeting = meetings.plan_meeting(
        world.specialist,
        actor=world.secretary,
        starts_at=now - timedelta(minutes=1),
        location=world.location,
        now=earlier,
    )
    if measure is not None:
        agenda.add_measure_item(
            meeting, measure, actor=world.secretary, urgent_reason="Eilt", now=earlier
        )
    if title is not None:
        agenda.add_item(
            meeting, actor=world.secretary, title=title, urgent_reason="Eilt", now=earlier
        )
    meetings.send_invitation(meeting, actor=world.secretary, urgent_reason="Eilt", now=earlier)
    db.session.commit()
    return meeting


def attend(world, meeting, statuses=None) -> None:
    members = [*world.members, world.deputy_member, world.advisory]
    session.record_attendance(
        meeting, actor=world.secretary, statuses=statuses or {m.id: P for m in members}
    )
    db.session.commit()


def items(meeting) -> list[AgendaItem]:
    db.session.expire_all()
    return [n.item for n in agenda.numbering(db.session.get(Meeting, meeting.id))]


# -- the agenda builder ------------------------------------------------------------------------


def test_agenda_builder_adds_orders_and_removes_items(world, client, auth):
    measure = drive_to_committee(world, world.measure(title="E-Akte im Bauamt"))
    meeting = planned(world, days=30)
    db.session.commit()
    url = f"/meetings/{meeting.id}/agenda"
    login(auth, world.members[0])
    assert client.get(url).status_code == 403
    auth.logout()

    login(auth, world.secretary)
    page = html_of(client.get(url))
    assert "E-Akte im Bauamt" in page and "auf die Tagesordnung" in page
    assert "Begründung der Dringlichkeit" in page  # always there, with its help text
    assert "Nur nach dem Vorlagenschluss nötig" in page

    def add(data):
        version = reload(meeting).version
        return post(
            client,
            f"{url}/items",
            {
                "text": "",
                "part": "public",
                "parent_id": "",
                "urgent_reason": "",
                "version": str(version),
                **data,
            },
            page=url,
        )

    assert add({"title": ""}).status_code == 422
    assert add({"title": "Eröffnung und Feststellung der Tagesordnung"}).status_code == 303
    response = post(
        client,
        f"{url}/measures/{measure.id}",
        {"part": "public", "urgent_reason": "", "version": str(reload(meeting).version)},
        page=url,
    )
    assert response.status_code == 303
    assert "steht jetzt als Ö 2 auf der Tagesordnung" in html_of(
        client.get(response.headers["Location"])
    )
    assert add({"title": "Personalangelegenheit", "part": "non_public"}).status_code == 303
    opening, measure_item, staff = items(meeting)
    assert (
        add({"title": "Bericht der Verwaltung", "parent_id": str(measure_item.id)}).status_code
        == 303
    )
    numbers = {n.item.title: n.number for n in agenda.numbering(reload(meeting))}
    assert numbers == {
        "Eröffnung und Feststellung der Tagesordnung": "Ö 1",
        "E-Akte im Bauamt": "Ö 2",
        "Bericht der Verwaltung": "Ö 2.1",
        "Personalangelegenheit": "N 1",
    }
    page = html_of(client.get(url))
    assert "Keine Maßnahme wartet" in page  # the measure is on the agenda now
    assert re.search(r'agenda-number">Ö 2\.1<', page)

    def act(item, action, **data):
        return post(
            client,
            f"{url}/items/{item.id}/{action}",
            {"version": str(reload(meeting).version), **data},
            page=url,
        )

    assert act(measure_item, "move", direction="up").status_code == 303
    numbers = {n.item.id: n.number for n in agenda.numbering(reload(meeting))}
    assert numbers[measure_item.id] == "Ö 1" and numbers[opening.id] == "Ö 2"
    assert act(opening, "part").status_code == 303
    numbers = {n.item.id: n.number for n in agenda.numbering(reload(meeting))}
    assert numbers[opening.id] == "N 2"
    assert act(staff, "remove").status_code == 303
    assert reload(staff).deleted_at is not None
    assert act(staff, "remove").status_code in (404, 409)  # gone from the agenda
    assert act(opening, "move", direction="sideways").status_code == 400
    # a page out of date is refused, and nothing moves
    stale = post(client, f"{url}/items/{opening.id}/part", {"version": "1"}, page=url)
    assert stale.status_code == 409 and "inzwischen von jemand anderem geändert" in html_of(stale)
    assert reload(opening).is_public is False
    other = planned(world, days=31)
    db.session.commit()
    assert (
        post(
            client,
            f"/meetings/{other.id}/agenda/items/{opening.id}/remove",
            {"version": "1"},
            page=url,
        ).status_code
        == 404
    )


def test_after_the_submission_deadline_items_need_an_urgent_reason(world, client, auth):
    measure = drive_to_committee(world, world.measure(title="Schul-WLAN"))
    meeting = planned(world, days=10)  # Vorlagenschluss (14 days) has passed
    db.session.commit()
    url = f"/meetings/{meeting.id}/agenda"
    login(auth, world.secretary)
    page = html_of(client.get(url))
    assert "Vorlagenschluss vorbei" in page
    data = {"part": "public", "urgent_reason": "", "version": str(meeting.version)}
    response = post(client, f"{url}/measures/{measure.id}", data, page=url)
    assert response.status_code == 422
    assert "nur als Dringlichkeitsvorlage mit Begründung" in html_of(response)
    assert items(meeting) == []
    response = post(
        client,
        f"{url}/measures/{measure.id}",
        {**data, "urgent_reason": "Förderfrist endet"},
        page=url,
    )
    assert response.status_code == 303
    (item,) = items(meeting)
    assert item.urgent_reason == "Förderfrist endet" and item.measure_id == measure.id
    assert "Förderfrist endet" in html_of(client.get(f"/meetings/{meeting.id}"))


def test_papers_and_minutes_waiting_for_the_committee_are_offered(world, client, auth):
    from digiflow.committees import papers

    paper = papers.create_paper(
        actor=world.office,
        body=world.body,
        paper_type="information",
        title="Verwaltungsstrategie zur Digitalisierung",
        proposal="Der Ausschuss nimmt die Strategie zur Kenntnis.",
        routing=[(world.specialist, "information", False)],
    )
    first = held(world, title="Bericht")
    attend(world, first)
    (report,) = items(first)
    session.record_result(report, actor=world.secretary, result="noted")
    session.close_meeting(first, actor=world.secretary)
    minutes.finalize_minutes(first, actor=world.secretary)
    meeting = planned(world, days=30)
    db.session.commit()
    url = f"/meetings/{meeting.id}/agenda"
    login(auth, world.secretary)
    page = html_of(client.get(url))
    assert paper.reference in page and "Genehmigung auf die Tagesordnung" in page
    data = {"part": "public", "urgent_reason": "", "version": str(meeting.version)}
    assert post(client, f"{url}/papers/{paper.id}", data, page=url).status_code == 303
    data["version"] = str(reload(meeting).version)
    assert post(client, f"{url}/minutes/{first.id}", data, page=url).status_code == 303
    titles = [i.title for i in items(meeting)]
    assert titles[0] == "Verwaltungsstrategie zur Digitalisierung"
    assert titles[1].startswith("Genehmigung der Niederschrift über die Sitzung am")
    assert items(meeting)[0].text == "Der Ausschuss nimmt die Strategie zur Kenntnis."


# -- the invitation ----------------------------------------------------------------------------


def test_invitation_within_the_notice_period_goes_to_every_member(world, client, auth):
    meeting = planned(world, days=30)
    agenda.add_item(meeting, actor=world.secretary, title="Mitteilungen")
    agenda.add_item(meeting, actor=world.secretary, title="Vertragssache", is_public=False)
    db.session.commit()
    url = f"/meetings/{meeting.id}/invitation"
    login(auth, world.council)
    assert client.get(url).status_code == 403
    assert post(client, url, {"version": str(meeting.version)}).status_code == 403
    auth.logout()
    login(auth, world.secretary)
    page = html_of(client.get(url))
    assert "ist eingehalten" in page and "Vertragssache" in page and "Stellvertreterin" in page
    assert "Begründung der Dringlichkeitsladung" not in page
    response = post(client, url, {"urgent_reason": "", "version": str(meeting.version)}, page=url)
    assert response.status_code == 303
    assert reload(meeting).state == MeetingState.invited
    assert len(outbox("invitation")) == 7  # five voting members, the deputy, the advisory one
    html = html_of(client.get(f"/meetings/{meeting.id}"))
    assert "Die Einladung geht an 7 Mitglieder." in html and "eingeladen am" in html
    # sending again is the updated invitation
    assert "Geänderte Einladung senden" in html_of(client.get(url))


def test_late_invitation_warns_needs_a_reason_and_too_late_is_refused(world, client, auth):
    meeting = planned(world, days=5)
    agenda.add_item(meeting, actor=world.secretary, title="Eilsache", urgent_reason="Frist")
    db.session.commit()
    url = f"/meetings/{meeting.id}/invitation"
    login(auth, world.secretary)
    page = html_of(client.get(url))
    assert "Die Ladungsfrist von 7 Tagen ist nicht mehr eingehalten" in page
    assert "Begründung der Dringlichkeitsladung" in page
    response = post(client, url, {"urgent_reason": "", "version": str(meeting.version)}, page=url)
    assert response.status_code == 422
    assert "nur als Dringlichkeitsladung mit Begründung" in html_of(response)
    assert reload(meeting).state == MeetingState.planned and outbox("invitation") == []
    response = post(client, url, {"urgent_reason": "x", "version": "0"}, page=url)
    assert response.status_code == 409 and outbox("invitation") == []
    response = post(
        client,
        url,
        {"urgent_reason": "Förderfrist endet", "version": str(meeting.version)},
        page=url,
    )
    assert response.status_code == 303
    html = html_of(client.get(f"/meetings/{meeting.id}"))
    assert "Dringlichkeitsladung" in html and "Förderfrist endet" in html

    late = planned(world, days=1)
    agenda.add_item(late, actor=world.secretary, title="Eilsache", urgent_reason="Frist")
    db.session.commit()
    page = html_of(client.get(f"/meetings/{late.id}/invitation"))
    assert "Einladung nicht möglich" in page and "verlegen Sie die Sitzung" in page
    assert "Einladung senden</button>" not in page
    response = post(
        client,
        f"/meetings/{late.id}/invitation",
        {"urgent_reason": "Eilt", "version": str(late.version)},
        page=url,
    )
    assert response.status_code == 409 and "verkürzte Ladungsfrist" in html_of(response)
    assert reload(late).state == MeetingState.planned


# -- the session day ---------------------------------------------------------------------------


def test_attendance_opens_the_session_and_shows_the_quorum(world, client, auth):
    meeting = held(world, title="Bericht")
    url = f"/meetings/{meeting.id}/attendance"
    login(auth, world.secretary)
    page = html_of(client.get(url))
    m = world.members
    assert "<legend>Mitglied 1" in page and "Stimmt als Stellvertretung für" in page
    assert f'<input checked id="status_{m[0].id}-0"' in page  # preselected: present
    data = {f"status_{x.id}": "present" for x in m[:2]}
    data |= {
        f"status_{m[2].id}": "excused",
        f"status_{m[3].id}": "absent",
        f"status_{m[4].id}": "excused",
    }
    data |= {
        f"status_{world.deputy_member.id}": "present",
        f"status_{world.advisory.id}": "present",
    }
    data |= {f"stands_in_{world.deputy_member.id}": str(m[3].id), "version": str(meeting.version)}
    response = post(client, url, {**data, f"status_{m[0].id}": "maybe"}, page=url)
    assert response.status_code == 422 and reload(meeting).state == MeetingState.invited
    # a deputy can only stand in for an absent voting member
    response = post(
        client, url, {**data, f"stands_in_{world.deputy_member.id}": str(m[0].id)}, page=url
    )
    assert response.status_code == 422 and "abwesendes stimmberechtigtes Mitglied" in html_of(
        response
    )
    assert reload(meeting).state == MeetingState.invited
    response = post(client, url, data, page=url)
    assert response.status_code == 303
    assert reload(meeting).state == MeetingState.held
    html = html_of(client.get(response.headers["Location"]))
    assert "Beschlussfähig: 3 von 5 stimmberechtigten Mitgliedern anwesend, nötig 3." in html
    assert f"Stellvertreterin (für {m[3].name})" in html

    data |= {f"status_{m[1].id}": "excused", "version": str(reload(meeting).version)}
    assert post(client, url, data, page=url).status_code == 303
    html = html_of(client.get(f"/meetings/{meeting.id}/session"))
    assert "Nicht beschlussfähig" in html and "2 von 5 stimmberechtigten Mitgliedern" in html


def test_attendance_waits_for_the_invitation_and_the_session_day(world, client, auth):
    meeting = planned(world, days=20)
    agenda.add_item(meeting, actor=world.secretary, title="Bericht")
    db.session.commit()
    login(auth, world.secretary)
    assert "noch nicht eingeladen" in html_of(client.get(f"/meetings/{meeting.id}/attendance"))
    meetings.send_invitation(meeting, actor=world.secretary)
    db.session.commit()
    page = html_of(client.get(f"/meetings/{meeting.id}/attendance"))
    assert f"am Sitzungstag erfasst, am {german(meetings.meeting_day(meeting))}" in page
    data = {f"status_{x.id}": "present" for x in world.members} | {
        "version": str(reload(meeting).version)
    }
    response = post(client, f"/meetings/{meeting.id}/attendance", data, page="/")
    assert response.status_code == 422 or response.status_code == 409
    assert reload(meeting).state == MeetingState.invited


def _result_data(meeting, **values):
    data = {
        "result": "recommended",
        "votes_yes": "3",
        "votes_no": "1",
        "votes_abstain": "1",
        "resolution_text": "",
        "version": str(reload(meeting).version),
    }
    data.update(values)
    return data


def test_refused_results_keep_the_entered_values_and_change_nothing(world, client, auth):
    measure = drive_to_committee(world, world.measure(title="E-Akte im Bauamt"))
    db.session.commit()
    meeting = held(world, measure=measure)
    m = world.members
    attend(world, meeting, {x.id: P for x in m[:4]} | {m[4].id: AttendanceStatus.excused})
    (item,) = items(meeting)
    url = f"/meetings/{meeting.id}/items/{item.id}/result"
    page = f"/meetings/{meeting.id}/session"
    login(auth, world.secretary)

    def refused(data, status, message, field=None):
        response = post(client, url, data, page=page)
        assert response.status_code == status, data
        html = html_of(response)
        if field:
            assert message in error_next_to(html, f"{field}-{item.id}")
        else:
            assert message in html, html[:2000]
        assert reload(item).result is None
        assert db.session.get(Measure, measure.id).state == "committee_recommendation"
        return html

    html = refused(
        _result_data(meeting, votes_yes="2", votes_no="2", votes_abstain="0"),
        422,
        "Mit 2 Ja- und 2 Nein-Stimmen ist der Antrag abgelehnt (Stimmengleichheit).",
    )
    # the entered values stay in the form
    assert f'<input checked id="result-{item.id}-0"' in html
    assert re.search(rf'id="votes_yes-{item.id}"[^>]*value="2"', html)
    refused(_result_data(meeting, votes_yes="-1"), 422, "ganze Zahl ab 0", "votes_yes")
    refused(
        _result_data(meeting, votes_yes="4", votes_no="1", votes_abstain="0"),
        422,
        "nur 4 stimmberechtigte",
    )
    refused(_result_data(meeting, votes_no=""), 422, "auch 0", "votes_abstain")
    refused(
        _result_data(meeting, result="recommended", votes_yes="", votes_no="", votes_abstain=""),
        422,
        "Abstimmungsergebnis",
    )
    refused(
        _result_data(meeting, result="noted", votes_yes="", votes_no="", votes_abstain=""), 409, ""
    )
    refused(
        _result_data(meeting, result="rejected", votes_yes="3", votes_no="1", votes_abstain="0"),
        422,
        "ist der Antrag angenommen",
    )
    # a member excluded for a conflict of interest: 3 of 5 can vote, still quorate; two: not
    excluded = {"excluded": [str(m[0].id), str(m[1].id)]}
    html = refused(
        {**_result_data(meeting, votes_yes="2", votes_no="0", votes_abstain="0"), **excluded},
        409,
        "nicht beschlussfähig",
    )
    assert re.search(rf'<input checked [^>]*value="{m[0].id}"', html)
    refused(_result_data(meeting, version="1"), 409, "inzwischen von jemand anderem geändert")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VoteExclusion)) == 0


def test_a_result_moves_the_measure_and_is_shown_with_who_recorded_it(world, client, auth):
    measure = drive_to_committee(world, world.measure(title="E-Akte im Bauamt"))
    db.session.commit()
    meeting = held(world, measure=measure)
    attend(world, meeting)
    (item,) = items(meeting)
    deputy = make_user(name="Vertretung der Gremienbetreuung")
    today = local_date(utcnow())
    make_substitute(world.secretary, deputy, today - timedelta(days=1), today + timedelta(days=1))
    db.session.commit()
    login(auth, deputy)
    url = f"/meetings/{meeting.id}/items/{item.id}/result"
    page = f"/meetings/{meeting.id}/session"
    form = html_of(client.get(page))
    assert "Ergebnis für Ö 1" in form and "empfohlen / beschlossen wie vorgelegt" in form
    data = _result_data(
        meeting,
        votes_yes="3",
        votes_no="1",
        votes_abstain="0",
        resolution_text="Der Ausschuss empfiehlt die Freigabe.",
        excluded=[str(world.members[4].id)],
    )
    response = post(client, url, data, page=page)
    assert response.status_code == 303
    html = html_of(client.get(response.headers["Location"]))
    assert "Die Maßnahme „E-Akte im Bauamt“ steht jetzt auf „Freigabe der Haushaltsmittel“." in html
    assert db.session.get(Measure, measure.id).state == "budget_release"
    assert "Ja: 3, Nein: 1, Enthaltungen: 0" in html
    assert f"Erfasst von {deputy.name} (für {world.secretary.name})" in html
    assert "Befangen und nicht beteiligt: Mitglied 5" in html
    html = html_of(client.get(f"/meetings/{meeting.id}"))
    assert "Der Ausschuss empfiehlt die Freigabe." in html
    # recorded once
    response = post(client, url, data, page=page)
    assert response.status_code == 409


def test_a_withdrawn_measure_on_the_agenda_is_pointed_out_and_can_be_removed(world, client, auth):
    from digiflow.measures.operations import withdraw_measure

    measure = drive_to_committee(world, world.measure(title="E-Akte im Bauamt"))
    other = drive_to_committee(world, world.measure(title="Ratsinformationssystem"))
    db.session.commit()
    meeting = held(world, measure=measure)
    agenda.add_measure_item(
        meeting, other, actor=world.secretary, urgent_reason="Eilt", now=utcnow()
    )
    attend(world, meeting)
    withdraw_measure(measure, actor=world.proposer, reason="Wird landesweit beschafft")
    db.session.commit()
    first, second = items(meeting)
    login(auth, world.secretary)
    page = f"/meetings/{meeting.id}/session"
    html = html_of(client.get(page))
    assert f'id="not-waiting-{first.id}"' in html
    assert f'id="not-waiting-{second.id}"' not in html
    assert "wartet nicht mehr auf die Beratung in diesem Gremium (jetzt: Zurückgezogen)" in html
    # the same on the agenda builder, where the item can be taken off
    agenda_page = f"/meetings/{meeting.id}/agenda"
    assert f'id="not-waiting-{first.id}"' in html_of(client.get(agenda_page))
    # a member who may not see the measure is told, without its state
    auth.logout()
    login(auth, world.members[0])
    html = html_of(client.get(f"/meetings/{meeting.id}"))
    assert f'id="not-waiting-{first.id}"' in html
    from digiflow.core.permissions import can

    visible = can(world.members[0], "measure.view", db.session.get(Measure, measure.id))
    assert ("(jetzt:" in html) == visible


def test_a_heading_over_sub_items_is_marked_and_does_not_hold_up_closing(world, client, auth):
    meeting = held(world, title="Anträge der Fraktionen")
    (heading,) = items(meeting)
    sub = agenda.add_item(
        meeting, actor=world.secretary, title="WLAN", parent=heading, urgent_reason="Eilt"
    )
    attend(world, meeting)
    login(auth, world.secretary)
    page = f"/meetings/{meeting.id}/session"
    html = html_of(client.get(page))
    assert "Überschrift: die Ergebnisse werden bei den Unterpunkten erfasst" in html
    assert "Noch 1 Punkte ohne Ergebnis" in html  # the sub-item, not the heading
    session.record_result(db.session.get(AgendaItem, sub.id), actor=world.secretary, result="noted")
    db.session.commit()
    html = html_of(client.get(page))
    assert "Alle Punkte, die ein Ergebnis brauchen, haben eines." in html
    response = post(
        client,
        f"/meetings/{meeting.id}/close",
        {"version": str(reload(meeting).version)},
        page=page,
    )
    assert response.status_code == 303
    assert reload(meeting).closed_at is not None


def test_closing_writes_the_minutes_draft_finalizing_sends_extracts(world, client, auth):
    measure = drive_to_committee(world, world.measure(title="E-Akte im Bauamt"))
    db.session.commit()
    meeting = held(world, measure=measure, title="Mitteilungen")
    attend(world, meeting)
    measure_item, note = items(meeting)
    login(auth, world.secretary)
    page = f"/meetings/{meeting.id}/session"
    close = f"/meetings/{meeting.id}/close"
    response = post(client, close, {"version": str(reload(meeting).version)}, page=page)
    assert response.status_code == 409 and "fehlt noch das Ergebnis" in html_of(response)
    for item, data in [
        (measure_item, _result_data(meeting, votes_yes="5", votes_no="0", votes_abstain="0")),
        (note, _result_data(meeting, result="noted", votes_yes="", votes_no="", votes_abstain="")),
    ]:
        data["version"] = str(reload(meeting).version)
        assert (
            post(
                client, f"/meetings/{meeting.id}/items/{item.id}/result", data, page=page
            ).status_code
            == 303
        )
    assert "entsteht, wenn die Sitzung geschlossen ist" in html_of(
        client.get(f"/meetings/{meeting.id}/minutes")
    )
    response = post(client, close, {"version": str(reload(meeting).version)}, page=page)
    assert response.status_code == 303 and response.headers["Location"].endswith("/minutes")
    url = f"/meetings/{meeting.id}/minutes"
    html = html_of(client.get(url))
    assert "Ö 1 E-Akte im Bauamt" in html and "Ja: 5, Nein: 0, Enthaltungen: 0" in html
    text = reload(meeting).minutes_text
    response = post(client, url, {"text": "  ", "version": str(reload(meeting).version)}, page=url)
    assert response.status_code == 422 and reload(meeting).minutes_text == text
    response = post(
        client, url, {"text": text + "\nErgänzung des Vorsitzes.", "version": "1"}, page=url
    )
    assert response.status_code == 409 and reload(meeting).minutes_text == text
    response = post(
        client,
        url,
        {"text": text + "\nErgänzung des Vorsitzes.", "version": str(reload(meeting).version)},
        page=url,
    )
    assert response.status_code == 303
    assert "Ergänzung des Vorsitzes." in reload(meeting).minutes_text
    pdf = client.get(f"/meetings/{meeting.id}/minutes.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"

    response = post(client, f"{url}/finalize", {"version": str(reload(meeting).version)}, page=url)
    assert response.status_code == 303
    html = html_of(client.get(url))
    assert "1 Auszüge gehen an die federführenden Fachbereiche" in html
    assert world.dept.name in html and world.head.name in html
    assert {m.recipient_id for m in outbox("minutes_extract")} == {world.head.id, world.proposer.id}
    assert "Niederschrift speichern" not in html
    response = post(client, url, {"text": "neu", "version": str(reload(meeting).version)}, page=url)
    assert response.status_code == 409

    # approved in a later session: both pages say when and where
    later = held(world, title="Mitteilungen")
    approval = agenda.add_minutes_approval_item(later, reload(meeting), actor=world.secretary)
    attend(world, later)
    session.record_result(
        approval,
        actor=world.secretary,
        result="recommended",
        votes_yes=5,
        votes_no=0,
        votes_abstain=0,
    )
    db.session.commit()
    day = german(meetings.meeting_day(later))
    today = german(local_date(utcnow()))
    assert f"genehmigt am {today} in der Sitzung vom {day}" in html_of(client.get(url))
    assert "genehmigt am" in html_of(client.get(f"/meetings/{meeting.id}"))
