"""The committee and session pages through HTTP, with real logins and CSRF tokens: committees
and members, planning (single and recurring), the calendar, the session page with its
downloads, moving and cancelling. Who sees what: non-public items never reach people who may
not see them."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from digiflow.committees import agenda, meetings
from digiflow.committees.models import (
    CouncilGroup,
    Location,
    Meeting,
    MeetingSeries,
    MeetingState,
    Membership,
)
from digiflow.core.db import db
from digiflow.core.time import LOCAL_TZ
from digiflow.org.models import Committee
from tests.conftest import csrf_token
from tests.factories import PASSWORD, SessionWorld, make_user

# -- helpers (shared with test_views_session.py) -----------------------------------------------


def local(days: int, hour: int = 17, minute: int = 0) -> datetime:
    """``days`` from today at ``hour`` German time, as UTC."""
    day = datetime.now(LOCAL_TZ).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ).astimezone(UTC)


def german(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def html_of(response) -> str:
    return response.get_data(as_text=True)


def form_token(html: str, prefix: str = "") -> str:
    """The CSRF token of a (prefixed) form on the page, else any token of the page."""
    if prefix:
        match = re.search(
            rf'name="{re.escape(prefix)}-csrf_token" type="hidden" value="([^"]+)"', html
        )
        if match:
            return match.group(1)
    return csrf_token(html)


def post(client, url: str, data: dict | None = None, page: str | None = None, prefix: str = ""):
    """POST with a CSRF token taken from ``page`` (default: the start page)."""
    html = html_of(client.get(page or "/"))
    name = f"{prefix}-csrf_token" if prefix else "csrf_token"
    return client.post(url, data={**(data or {}), name: form_token(html, prefix)})


def error_next_to(html: str, field_id: str) -> str:
    """The error message rendered next to a field (tied to it by id)."""
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">([^<]*)</p>', html)
    assert match, f"no error next to {field_id}"
    return match.group(1)


def reload(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def world(app_ctx):
    world = SessionWorld()
    db.session.commit()
    return world


def login(auth, user) -> None:
    response = auth.login(user.email, PASSWORD)
    assert response.status_code in (302, 303), "login failed"


def planned(world, days: int = 30, committee=None, **kwargs) -> Meeting:
    return meetings.plan_meeting(
        committee or world.specialist,
        actor=world.secretary,
        starts_at=local(days),
        ends_at=local(days, 19),
        location=world.location,
        **kwargs,
    )


def meeting_with_both_parts(world) -> Meeting:
    meeting = planned(world)
    agenda.add_item(meeting, actor=world.secretary, title="Mitteilungen der Verwaltung")
    agenda.add_item(
        meeting, actor=world.secretary, title="Grundstücksangelegenheit Müller", is_public=False
    )
    db.session.commit()
    return meeting


# -- committees --------------------------------------------------------------------------------


def test_committee_list_and_page_show_members_secretaries_and_sessions(world, client, auth):
    meeting = planned(world, days=12)
    db.session.commit()
    login(auth, world.council)
    html = html_of(client.get("/committees/"))
    assert world.specialist.name in html and "Fachausschuss" in html
    assert world.secretary.name in html
    row = re.search(rf"{re.escape(world.specialist.name)}.*?</tr>", html, re.S).group(0)
    assert "<td>5</td>" in row  # five voting members (the deputy and the advisory one do not vote)
    assert f'href="/meetings/{meeting.id}"' in row

    response = client.get(f"/committees/{world.specialist.id}")
    assert response.status_code == 200
    html = html_of(response)
    for text in (
        "Mitglied 1",
        "Stellvertreterin",
        "Stellvertretendes Mitglied",
        "Beratendes Mitglied",
    ):
        assert text in html, text
    member = re.search(r"<th scope=\"row\">Mitglied 4</th>.*?</tr>", html, re.S).group(0)
    assert "<td>B</td>" in member and "<td>ja</td>" in member and "01.01.2020 – offen" in member
    deputy = re.search(r"<th scope=\"row\">Stellvertreterin</th>.*?</tr>", html, re.S).group(0)
    assert "<td>nein</td>" in deputy
    assert "7 Tage" in html and "14 Tage vor der Sitzung" in html
    assert meeting.name in html
    # a council member manages nothing here
    assert "Einstellungen speichern" not in html and "Mitglied hinzufügen" not in html
    assert "Sitzung planen" not in html
    assert client.get("/committees/999999").status_code == 404
    assert client.get(f"/committees/{2**40}").status_code == 404


def test_secretary_changes_settings_bad_input_changes_nothing(world, client, auth):
    login(auth, world.secretary)
    url = f"/committees/{world.specialist.id}"
    html = html_of(client.get(url))
    assert "Einstellungen speichern" in html and "Sitzung planen" in html
    settings = {
        "name": "Ausschuss für Digitalisierung",
        "short_name": "ADO",
        "type": "specialist",
        "notice_days": "7",
        "urgent_notice_days": "9",  # longer than the notice period
        "submission_days": "14",
        "is_public": "y",
        "description": "",
    }
    response = post(client, f"{url}/settings", settings, page=url)
    assert response.status_code == 422
    assert "Die verkürzte Ladungsfrist darf nicht länger sein als die Ladungsfrist." in html_of(
        response
    )
    assert reload(world.specialist).urgent_notice_days == 2
    response = post(client, f"{url}/settings", {**settings, "notice_days": "-1"}, page=url)
    assert response.status_code == 422
    assert "ganze Zahl" in error_next_to(html_of(response), "notice_days-settings")
    response = post(client, f"{url}/settings", {**settings, "urgent_notice_days": "0"}, page=url)
    assert response.status_code == 303
    committee = reload(world.specialist)
    assert (committee.short_name, committee.urgent_notice_days) == ("ADO", 0)
    assert committee.name == "Ausschuss für Digitalisierung"
    assert "Die Einstellungen wurden gespeichert." in html_of(client.get(url))


def test_members_are_added_ended_and_removed_by_managers_only(world, client, auth):
    person = make_user(name="Neue Kreistagsabgeordnete")
    db.session.commit()
    url = f"/committees/{world.specialist.id}"
    login(auth, world.council)
    data = {
        "user_id": str(person.id),
        "role": "member",
        "voting": "auto",
        "group_id": str(world.group_b.id),
        "starts_on": "01.02.2024",
        "ends_on": "",
    }
    assert post(client, f"{url}/members", data, page=url).status_code == 403
    auth.logout()

    login(auth, world.secretary)
    before = count(Membership)
    response = post(client, f"{url}/members", {**data, "ends_on": "01.01.2024"}, page=url)
    assert response.status_code == 422
    assert "vor ihrem Beginn" in error_next_to(html_of(response), "ends_on-member")
    response = post(client, f"{url}/members", {**data, "starts_on": "31.02.2024"}, page=url)
    assert response.status_code == 422
    assert "27.11.2023" in error_next_to(html_of(response), "starts_on-member")
    response = post(client, f"{url}/members", {**data, "user_id": ""}, page=url)
    assert response.status_code == 422
    # a deputy cannot be given a vote of her own: the operation says why
    response = post(client, f"{url}/members", {**data, "role": "deputy", "voting": "yes"}, page=url)
    assert response.status_code == 422
    assert "kein eigenes Stimmrecht" in html_of(response)
    assert count(Membership) == before

    response = post(client, f"{url}/members", data, page=url)
    assert response.status_code == 303
    membership = db.session.scalars(
        sa.select(Membership).where(Membership.user_id == person.id)
    ).one()
    assert membership.group_id == world.group_b.id and membership.has_voting_right
    assert membership.starts_on == date(2024, 2, 1)
    # the same person twice in the same period
    response = post(client, f"{url}/members", data, page=url)
    assert response.status_code == 422 and "bereits Mitglied" in html_of(response)

    end = f"{url}/members/{membership.id}/end"
    response = post(client, end, {"ends_on": "01.01.2023"}, page=url)
    assert response.status_code == 422 and reload(membership).ends_on is None
    assert post(client, end, {"ends_on": "31.12.2099"}, page=url).status_code == 303
    assert reload(membership).ends_on == date(2099, 12, 31)
    remove = f"{url}/members/{membership.id}/remove"
    assert post(client, remove, page=url).status_code == 303
    assert reload(membership).deleted_at is not None
    assert post(client, remove, page=url).status_code == 404
    # a seat of another committee is not found under this one
    seat = db.session.scalars(
        sa.select(Membership).where(Membership.committee_id == world.main.id)
    ).first()
    end_other = f"{url}/members/{seat.id}/end"
    assert post(client, end_other, {"ends_on": "01.01.2030"}, page=url).status_code == 404
    assert reload(seat).ends_on is None


def test_admins_create_committees_and_groups_secretaries_add_locations(world, client, auth):
    login(auth, world.secretary)
    assert client.get("/committees/new").status_code == 403
    url = f"/committees/{world.specialist.id}"
    response = post(client, f"{url}/groups", {"name": "Freie Wähler", "short_name": "FW"}, page=url)
    assert response.status_code == 403
    response = post(client, f"{url}/locations", {"description": ""}, page=url)
    assert response.status_code == 422
    assert "Sitzungsort" in error_next_to(html_of(response), "description-loc")
    response = post(
        client,
        f"{url}/locations",
        {"description": "Rathaus, Ratssaal", "street_address": "Markt 1", "locality": "Alfeld"},
        page=url,
    )
    assert response.status_code == 303
    assert db.session.scalar(sa.select(Location).where(Location.description == "Rathaus, Ratssaal"))
    auth.logout()

    login(auth, world.admin)
    page = html_of(client.get("/committees/new"))
    assert "Gremium anlegen" in page and "Körperschaft" not in page  # one body: no choice
    data = {
        "name": "Unter-AG Digitalisierung",
        "short_name": world.specialist.short_name,  # taken
        "type": "working_group",
        "notice_days": "7",
        "urgent_notice_days": "2",
        "submission_days": "10",
        "description": "Monatliche Arbeitsgruppe",
    }
    response = post(client, "/committees/new", data, page="/committees/new")
    assert response.status_code == 422 and "Kurzbezeichnung" in html_of(response)
    response = post(client, "/committees/new", {**data, "short_name": ""}, page="/committees/new")
    assert response.status_code == 422
    assert "Kurzbezeichnung" in error_next_to(html_of(response), "short_name")
    response = post(
        client, "/committees/new", {**data, "short_name": "UAG"}, page="/committees/new"
    )
    assert response.status_code == 303
    created = db.session.scalar(sa.select(Committee).where(Committee.short_name == "UAG"))
    assert created.type.value == "working_group" and created.is_public is False
    response = post(client, f"{url}/groups", {"name": "Freie Wähler", "short_name": "FW"}, page=url)
    assert response.status_code == 303
    assert db.session.scalar(sa.select(CouncilGroup).where(CouncilGroup.short_name == "FW"))


# -- planning ----------------------------------------------------------------------------------


def test_planning_a_single_session_bad_input_changes_nothing(world, client, auth):
    url = f"/committees/{world.specialist.id}/meetings/new"
    login(auth, world.council)
    assert client.get(url).status_code == 403
    auth.logout()
    login(auth, world.secretary)
    page = html_of(client.get(url))
    assert "Einzelne Sitzung" in page and "Sitzungsreihe" in page
    day = (datetime.now(LOCAL_TZ) + timedelta(days=40)).date()
    data = {
        "kind": "single",
        "single-day": "",
        "single-starts": "17:00",
        "single-ends": "19:30",
        "single-location_id": str(world.location.id),
        "single-name": "",
    }
    before = count(Meeting)
    response = post(client, url, data, page=url, prefix="single")
    assert response.status_code == 422
    assert (
        error_next_to(html_of(response), "single-day")
        == "Bitte geben Sie das Datum der Sitzung an."
    )
    response = post(
        client,
        url,
        {**data, "single-day": german(day), "single-ends": "16:00"},
        page=url,
        prefix="single",
    )
    assert response.status_code == 422
    assert "nach dem Beginn" in error_next_to(html_of(response), "single-ends")
    response = post(
        client,
        url,
        {**data, "single-day": german(day), "single-starts": "25:00"},
        page=url,
        prefix="single",
    )
    assert response.status_code == 422
    assert "18:00" in error_next_to(html_of(response), "single-starts")
    yesterday = german((datetime.now(LOCAL_TZ) - timedelta(days=1)).date())
    response = post(client, url, {**data, "single-day": yesterday}, page=url, prefix="single")
    assert response.status_code == 422
    assert "Der Sitzungstermin muss in der Zukunft liegen." in html_of(response)
    assert 'value="17:00"' in html_of(response)  # the entered values stay
    assert count(Meeting) == before

    response = post(client, url, {**data, "single-day": german(day)}, page=url, prefix="single")
    assert response.status_code == 303
    meeting = db.session.scalars(sa.select(Meeting).order_by(Meeting.id.desc())).first()
    assert response.headers["Location"].endswith(f"/meetings/{meeting.id}/agenda")
    start = meeting.starts_at.astimezone(LOCAL_TZ)
    assert (start.date(), start.hour, start.minute) == (day, 17, 0)
    assert meeting.ends_at.astimezone(LOCAL_TZ).strftime("%H:%M") == "19:30"
    assert meeting.location_id == world.location.id
    assert meeting.name == f"{world.specialist.name} – Sitzung am {german(day)}"


def test_planning_a_series_from_a_choice_or_an_rrule(world, client, auth):
    url = f"/committees/{world.specialist.id}/meetings/new"
    login(auth, world.secretary)
    # the 2nd Wednesday of a month some months ahead
    base = (datetime.now(LOCAL_TZ) + timedelta(days=40)).date().replace(day=1)
    first = base + timedelta(days=(2 - base.weekday()) % 7 + 7)
    assert first.weekday() == 2 and 8 <= first.day <= 14
    data = {
        "kind": "series",
        "series-day": german(first),
        "series-starts": "18:00",
        "series-ends": "19:30",
        "series-recurrence": "monthly_weekday",
        "series-rrule": "",
        "series-count": "4",
        "series-until": "",
        "series-location_id": "",
        "series-name": "Unter-AG Digitalisierung",
    }
    bad = [
        ({"series-recurrence": "custom", "series-rrule": "FREQ=SECONDLY"}, "FREQ muss"),
        ({"series-recurrence": "custom", "series-rrule": "FREQ=MONTHLY;BYDAY=XX"}, "ungültig"),
        ({"series-recurrence": "custom", "series-rrule": ""}, "Wiederholungsregel"),
        ({"series-count": "2", "series-until": german(first + timedelta(days=90))}, "entweder"),
        ({"series-count": "-3"}, "ganze Zahl"),
        ({"series-recurrence": "custom", "series-rrule": "FREQ=WEEKLY;COUNT=3"}, "COUNT"),
    ]
    for changes, message in bad:
        response = post(client, url, {**data, **changes}, page=url, prefix="series")
        assert response.status_code == 422, changes
        assert message in html_of(response), changes
    assert count(MeetingSeries) == 0 and count(Meeting) == 0

    response = post(client, url, data, page=url, prefix="series")
    assert response.status_code == 303
    series = db.session.scalars(sa.select(MeetingSeries)).one()
    assert series.rrule == "FREQ=MONTHLY;BYDAY=2WE;COUNT=4" and series.duration_minutes == 90
    starts = [
        m.starts_at.astimezone(LOCAL_TZ)
        for m in db.session.scalars(sa.select(Meeting).order_by(Meeting.starts_at))
    ]
    assert len(starts) == 4
    assert all(s.weekday() == 2 and 8 <= s.day <= 14 and s.hour == 18 for s in starts)
    assert "FREQ=MONTHLY;BYDAY=2WE;COUNT=4" in html_of(client.get(response.headers["Location"]))

    response = post(
        client,
        url,
        {
            **data,
            "series-recurrence": "custom",
            "series-rrule": "RRULE:FREQ=WEEKLY;INTERVAL=3;BYDAY=WE",
            "series-count": "",
            "series-until": german(first + timedelta(days=50)),
        },
        page=url,
        prefix="series",
    )
    assert response.status_code == 303
    latest = db.session.scalars(sa.select(MeetingSeries).order_by(MeetingSeries.id.desc())).first()
    assert latest.rrule.startswith("FREQ=WEEKLY;INTERVAL=3;BYDAY=WE;UNTIL=")
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(Meeting.series_id == latest.id)) == 3
    )  # first, +21 and +42 days


def test_ending_a_series_cancels_its_planned_sessions(world, client, auth):
    series = meetings.plan_series(
        world.specialist, actor=world.secretary, rrule="FREQ=MONTHLY;COUNT=3", first_start=local(20)
    )
    db.session.commit()
    page = f"/committees/{world.specialist.id}"
    login(auth, world.council)
    assert post(client, f"/series/{series.id}/end", page=page).status_code == 403
    auth.logout()
    login(auth, world.secretary)
    assert post(client, "/series/999999/end", page=page).status_code == 404
    response = post(client, f"/series/{series.id}/end", page=page)
    assert response.status_code == 303
    assert reload(series).ended_at is not None
    states = set(db.session.scalars(sa.select(Meeting.state).where(Meeting.series_id == series.id)))
    assert states == {MeetingState.cancelled}
    assert "3 geplante Sitzungen wurden abgesagt" in html_of(
        client.get(response.headers["Location"])
    )


# -- the calendar and the session page ---------------------------------------------------------


def test_calendar_lists_upcoming_or_past_sessions_per_committee(world, client, auth):
    soon = planned(world, days=3)
    main = planned(world, days=5, committee=world.main)
    old = meetings.plan_meeting(
        world.specialist,
        actor=world.secretary,
        starts_at=local(-10),
        now=local(-20),
    )
    db.session.commit()
    login(auth, world.council)
    html = html_of(client.get("/meetings/"))
    assert soon.name in html and main.name in html and old.name not in html
    assert html.index(soon.name) < html.index(main.name)
    html = html_of(client.get(f"/meetings/?committee={world.main.id}"))
    assert main.name in html and soon.name not in html
    html = html_of(client.get("/meetings/?when=past"))
    assert old.name in html and soon.name not in html
    html = html_of(client.get("/meetings/?committee=abc"))
    assert "Das gewählte Gremium gibt es nicht" in html and soon.name in html


def test_non_public_items_reach_members_and_staff_only(world, client, auth):
    meeting = meeting_with_both_parts(world)
    secret = "Grundstücksangelegenheit Müller"
    paths = [f"/meetings/{meeting.id}", f"/meetings/{meeting.id}/session.ics"]

    for user, sees in [
        (world.members[0], True),  # member of the committee
        (world.proposer, True),  # staff
        (world.council, False),  # council member, not in this committee
        (world.main_members[0], False),  # member of another committee
    ]:
        login(auth, user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200
            body = html_of(response).replace("\r\n ", "")  # unfold iCalendar lines
            assert "Mitteilungen der Verwaltung" in body
            assert (secret in body) is sees, (user.name, path)
        pdf = client.get(f"/meetings/{meeting.id}/agenda.pdf")
        assert pdf.mimetype == "application/pdf"
        text = pdf_text(pdf.data)
        assert "Mitteilungen der Verwaltung" in text
        assert (secret in text) is sees, user.name
        auth.logout()

    for path in [*paths, f"/meetings/{meeting.id}/agenda.pdf", "/meetings/", "/committees/"]:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_session_page_shows_agenda_deadlines_and_secretary_steps(world, client, auth):
    from tests.factories import drive_to_committee

    measure = drive_to_committee(world, world.measure(title="E-Akte im Bauamt"))
    meeting = planned(world, days=30)
    agenda.add_measure_item(meeting, measure, actor=world.secretary)
    db.session.commit()
    day = meetings.meeting_day(meeting)
    login(auth, world.secretary)
    html = html_of(client.get(f"/meetings/{meeting.id}"))
    assert "E-Akte im Bauamt" in html and "Ö 1" in html
    assert f'href="/measures/{measure.id}"' in html
    assert german(day - timedelta(days=14)) in html  # Vorlagenschluss
    assert f"Einladung spätestens am {german(day - timedelta(days=7))}" in html
    assert "Einladung prüfen und senden" in html and "geplant" in html
    assert f'href="/meetings/{meeting.id}/agenda.pdf"' in html
    paper = db.session.scalar(sa.select(type(meeting.items[0].paper)))
    assert paper.reference in html
    auth.logout()
    login(auth, world.council)
    html = html_of(client.get(f"/meetings/{meeting.id}"))
    assert "E-Akte im Bauamt" in html
    assert "Einladung spätestens" not in html and "Einladung prüfen und senden" not in html
    ics = client.get(f"/meetings/{meeting.id}/session.ics")
    assert ics.mimetype == "text/calendar"
    body = html_of(ics)
    assert "METHOD:PUBLISH" in body and f"UID:meeting-{meeting.id}@digiflow" in body
    assert "BEGIN:VEVENT" in body and "Kreishaus" in body
    assert client.get(f"/meetings/{meeting.id}/minutes.pdf").status_code == 404  # not held
    assert client.get("/meetings/999999").status_code == 404


# -- moving and cancelling ---------------------------------------------------------------------


def test_moving_needs_a_reason_once_invited_and_a_stale_form_is_refused(world, client, auth):
    meeting = meeting_with_both_parts(world)
    meetings.send_invitation(meeting, actor=world.secretary)
    db.session.commit()
    version = meeting.version
    url = f"/meetings/{meeting.id}/edit"
    login(auth, world.council)
    assert client.get(url).status_code == 403
    auth.logout()
    login(auth, world.secretary)
    page = html_of(client.get(url))
    assert f'name="version" type="hidden" value="{version}"' in page
    new_day = (datetime.now(LOCAL_TZ) + timedelta(days=44)).date()
    data = {
        "day": german(new_day),
        "starts": "16:00",
        "ends": "18:00",
        "location_id": str(world.location.id),
        "reason": "",
        "version": str(version),
    }
    old_start = meeting.starts_at
    response = post(client, url, data, page=url)
    assert response.status_code == 422 and "Grund der Verlegung" in html_of(response)
    response = post(
        client, url, {**data, "reason": "Raum belegt", "version": str(version - 1)}, page=url
    )
    assert response.status_code == 409
    assert "inzwischen von jemand anderem geändert" in html_of(response)
    assert reload(meeting).starts_at == old_start
    response = post(client, url, {**data, "reason": "Raum belegt"}, page=url)
    assert response.status_code == 303
    moved = reload(meeting)
    assert moved.starts_at.astimezone(LOCAL_TZ).date() == new_day
    assert moved.ical_sequence == 1

    cancel = f"/meetings/{meeting.id}/cancel"
    response = post(client, cancel, {"reason": "", "version": str(moved.version)}, page=url)
    assert response.status_code == 422 and reload(meeting).state == MeetingState.invited
    response = post(
        client, cancel, {"reason": "Keine Beratungsgegenstände", "version": str(version)}, page=url
    )
    assert response.status_code == 409 and reload(meeting).state == MeetingState.invited
    response = post(
        client,
        cancel,
        {"reason": "Keine Beratungsgegenstände", "version": str(moved.version)},
        page=url,
    )
    assert response.status_code == 303
    assert reload(meeting).state == MeetingState.cancelled
    html = html_of(client.get(f"/meetings/{meeting.id}"))
    assert "Abgesagt" in html and "Keine Beratungsgegenstände" in html
    assert "Nur geplante oder eingeladene Sitzungen" in html_of(client.get(url))


def test_pages_speak_english_to_english_users(world, client, auth):
    meeting = meeting_with_both_parts(world)
    reader = make_user(name="Ole Ostermann", language="en")
    db.session.commit()
    login(auth, reader)
    html = html_of(client.get(f"/meetings/{meeting.id}"))
    assert '<html lang="en">' in html
    for text in ("Agenda", "Public part", "Submission deadline", "not invited yet"):
        assert text in html, text
    assert "Tagesordnung als PDF" not in html and "Vorlagenschluss" not in html
    html = html_of(client.get(f"/committees/{world.specialist.id}"))
    assert "Members" in html and "Specialist committee" in html and "Deputy member" in html
    html = html_of(client.get("/meetings/"))
    assert "Session calendar" in html and "Upcoming sessions" in html
