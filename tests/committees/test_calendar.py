"""Calendar feeds: links shown once and stored as hashes, renewed and deleted links stop
working, the feed without login (sessions, cancelled ones, deadlines) and never a non-public
agenda item in it."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from digiflow.committees import agenda, feeds, meetings
from digiflow.committees.models import CalendarFeed
from digiflow.core.db import db, utcnow
from digiflow.core.roles import Role
from digiflow.core.time import LOCAL_TZ
from digiflow.measures.operations import submit_measure
from tests.conftest import csrf_token
from tests.factories import PASSWORD, SessionWorld, make_committee, make_user

LINK = re.compile(r'id="new-link" class="feed-link" value="(http://[^"]+/calendar/([^"/]+)\.ics)"')


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


def create_feed(client, committee_id="") -> tuple[str, str, str]:
    """Create (or renew) a feed through the page; return the page, the link and the token."""
    token = csrf_token(html(client.get("/profile/calendar")))
    response = client.post(
        "/profile/calendar/feeds", data={"committee_id": str(committee_id), "csrf_token": token}
    )
    assert response.status_code == 201, html(response)
    assert response.headers["Cache-Control"] == "no-store"
    page = html(response)
    match = LINK.search(page)
    assert match, "the new link is shown"
    return page, match.group(1), match.group(2)


def fetch(client, token: str):
    client._cookies.clear()  # a calendar program has no session
    return client.get(f"/calendar/{token}.ics")


def events(response) -> list:
    calendar = Calendar.from_ical(response.data)
    return [c for c in calendar.walk() if c.name == "VEVENT"]


def sessions_world(world):
    """A planned session of the specialist committee with a public and a non-public item, a
    cancelled one, one of the main committee, and an old one out of the feed's window."""
    planned = meetings.plan_meeting(
        world.specialist, actor=world.secretary, starts_at=local(30), location=world.location
    )
    agenda.add_item(planned, actor=world.secretary, title="Breitbandausbau Bericht")
    agenda.add_item(
        planned, actor=world.secretary, title="Vertrag mit Rechenzentrum", is_public=False
    )
    cancelled = meetings.plan_meeting(world.specialist, actor=world.secretary, starts_at=local(45))
    meetings.cancel_meeting(cancelled, actor=world.secretary, reason="Keine Themen")
    main = meetings.plan_meeting(world.main, actor=world.secretary, starts_at=local(40))
    agenda.add_item(main, actor=world.secretary, title="Haushalt")
    return planned, cancelled, main


# -- links ---------------------------------------------------------------------------------


def test_the_link_is_shown_once_and_only_its_hash_is_stored(world, client, auth):
    db.session.commit()
    login(client, auth, world.members[0])
    page, link, token = create_feed(client)
    assert len(token) >= 43  # secrets.token_urlsafe(32)
    assert "nur dieses eine Mal angezeigt" in page
    stored = db.session.scalars(sa.select(CalendarFeed)).one()
    assert stored.user_id == world.members[0].id and stored.committee_id is None
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.token_hash
    # the page does not show it again
    again = html(client.get("/profile/calendar"))
    assert token not in again and "Meine Sitzungen und Fristen" in again
    assert "noch nie" in again
    assert fetch(client, token).status_code == 200


def test_wrong_token_renewed_and_deleted_links_answer_404(world, client, auth):
    db.session.commit()
    login(client, auth, world.members[0])
    _page, _link, old = create_feed(client)
    assert fetch(client, "falsch").status_code == 404
    assert fetch(client, old[:-1] + ("A" if old[-1] != "A" else "B")).status_code == 404
    assert fetch(client, "x" * 500).status_code == 404
    login(client, auth, world.members[0])
    _page, _link, new = create_feed(client)  # renew: one feed, a new link
    assert new != old
    assert db.session.scalar(sa.select(sa.func.count(CalendarFeed.id))) == 1
    assert fetch(client, old).status_code == 404
    assert fetch(client, new).status_code == 200
    # delete
    login(client, auth, world.members[0])
    feed = db.session.scalars(sa.select(CalendarFeed)).one()
    token = csrf_token(html(client.get("/profile/calendar")))
    response = client.post(f"/profile/calendar/feeds/{feed.id}/delete", data={"csrf_token": token})
    assert response.status_code == 303
    assert fetch(client, new).status_code == 404


def test_nobody_deletes_another_person_s_feed(world, client, auth):
    db.session.commit()
    login(client, auth, world.members[0])
    _page, _link, token = create_feed(client)
    feed = db.session.scalars(sa.select(CalendarFeed)).one()
    login(client, auth, world.members[1])
    assert f"/profile/calendar/feeds/{feed.id}/delete" not in html(client.get("/profile/calendar"))
    csrf = csrf_token(html(client.get("/profile/calendar")))
    response = client.post(f"/profile/calendar/feeds/{feed.id}/delete", data={"csrf_token": csrf})
    assert response.status_code == 404
    assert fetch(client, token).status_code == 200


def test_a_deactivated_user_s_feed_answers_404(world, client, auth):
    db.session.commit()
    login(client, auth, world.members[0])
    _page, _link, token = create_feed(client)
    world.members[0].is_active_account = False
    db.session.commit()
    assert fetch(client, token).status_code == 404


def test_bad_input_and_no_login(world, client, auth):
    db.session.commit()
    response = client.get("/profile/calendar")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, auth, world.members[0])
    token = csrf_token(html(client.get("/profile/calendar")))
    response = client.post(
        "/profile/calendar/feeds", data={"committee_id": "999999", "csrf_token": token}
    )
    assert response.status_code == 422
    assert 'id="committee_id-error"' in html(response)
    response = client.post("/profile/calendar/feeds", data={"committee_id": ""})  # no CSRF token
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(CalendarFeed.id))) == 0


def test_last_use_is_recorded_at_most_once_a_minute(world, client, auth):
    db.session.commit()
    login(client, auth, world.members[0])
    _page, _link, token = create_feed(client)
    response = fetch(client, token)
    assert response.headers["Cache-Control"].startswith("private")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    feed = db.session.scalars(sa.select(CalendarFeed)).one()
    first = feed.last_used_at
    assert first is not None
    assert feeds.touch(feed, first + timedelta(seconds=30)) is False
    db.session.expire_all()
    assert db.session.get(CalendarFeed, feed.id).last_used_at == first
    assert feeds.touch(feed, first + timedelta(minutes=2)) is True
    db.session.expire_all()
    assert db.session.get(CalendarFeed, feed.id).last_used_at == first + timedelta(minutes=2)


# -- content ---------------------------------------------------------------------------------


def test_member_s_feed_lists_sessions_without_non_public_items(world, client, auth):
    planned, cancelled, main = sessions_world(world)
    old = meetings.plan_meeting(
        world.specialist,
        actor=world.secretary,
        starts_at=utcnow() - timedelta(days=200),
        now=utcnow() - timedelta(days=210),
    )
    db.session.commit()
    login(client, auth, world.members[0])
    _page, _link, token = create_feed(client)
    response = fetch(client, token)
    assert response.status_code == 200
    body = response.data.decode()
    assert "Vertrag mit Rechenzentrum" not in body  # never a non-public item
    by_uid = {str(e["uid"]): e for e in events(response)}
    assert set(by_uid) == {f"meeting-{planned.id}@digiflow", f"meeting-{cancelled.id}@digiflow"}
    assert f"meeting-{old.id}@digiflow" not in by_uid  # more than 90 days ago
    event = by_uid[f"meeting-{planned.id}@digiflow"]
    assert "Ö 1 Breitbandausbau Bericht" in str(event["description"])
    assert "Kreishaus, Sitzungssaal 1" in str(event["location"])
    assert str(event["status"]) == "CONFIRMED"
    assert str(by_uid[f"meeting-{cancelled.id}@digiflow"]["status"]) == "CANCELLED"
    assert "METHOD:PUBLISH" in body


def test_a_session_without_a_public_part_lists_no_items(world, client, auth):
    closed = meetings.plan_meeting(
        world.specialist, actor=world.secretary, starts_at=local(30), is_public=False
    )
    agenda.add_item(closed, actor=world.secretary, title="Klausurtagung Strategie")
    db.session.commit()
    login(client, auth, world.members[0])
    _page, _link, token = create_feed(client)
    body = fetch(client, token).data.decode()
    assert f"meeting-{closed.id}@digiflow" in body
    assert "Klausurtagung Strategie" not in body


def test_committee_feed_lists_that_committee_s_sessions(world, client, auth):
    planned, _cancelled, main = sessions_world(world)
    db.session.commit()
    login(client, auth, world.finance)  # not a member: any committee they can see
    page = html(client.get("/profile/calendar"))
    assert f'<option value="{world.main.id}">{world.main.name}</option>' in page
    _page, _link, token = create_feed(client, world.main.id)
    uids = {str(e["uid"]) for e in events(fetch(client, token))}
    assert uids == {f"meeting-{main.id}@digiflow"}
    assert world.main.name in fetch(client, token).data.decode()  # X-WR-CALNAME
    login(client, auth, world.finance)
    assert world.main.name in html(client.get("/profile/calendar"))


def test_secretary_s_feed_has_the_sessions_of_their_committees(world, client, auth):
    planned, cancelled, main = sessions_world(world)
    other = make_committee(world.body)
    elsewhere = make_user((Role.committee_secretary, other))
    foreign = meetings.plan_meeting(other, actor=elsewhere, starts_at=local(30))
    db.session.commit()
    login(client, auth, world.secretary)
    _page, _link, token = create_feed(client)
    uids = {str(e["uid"]) for e in events(fetch(client, token))}
    assert {f"meeting-{m.id}@digiflow" for m in (planned, cancelled, main)} <= uids
    assert f"meeting-{foreign.id}@digiflow" not in uids


def test_personal_feed_has_own_deadlines_and_approvals_to_decide(world, client, auth):
    measure = world.measure(title="Online-Terminvergabe")
    submit_measure(measure, actor=world.proposer)
    old = world.measure(title="Lange überfällig")  # a deadline more than 90 days ago
    submit_measure(old, actor=world.proposer, now=utcnow() - timedelta(days=200))
    db.session.commit()
    assert measure.state_deadline is not None

    login(client, auth, world.proposer)
    _page, _link, token = create_feed(client)
    entries = {str(e["uid"]): e for e in events(fetch(client, token))}
    uid = f"measure-{measure.id}-{measure.state}@digiflow"
    assert uid in entries
    assert entries[uid]["dtstart"].dt == measure.state_deadline
    assert "Online-Terminvergabe" in str(entries[uid]["summary"])
    assert f"measure-{old.id}-{old.state}@digiflow" not in entries
    assert not any("approval-" in u for u in entries)  # the proposer decides nothing

    login(client, auth, world.head)  # decides the first step
    _page, _link, token = create_feed(client)
    entries = {str(e["uid"]): e for e in events(fetch(client, token))}
    approvals = [e for u, e in entries.items() if u.startswith("approval-")]
    assert len(approvals) == 1  # the old measure's step is overdue by far more than 90 days
    assert "Genehmigung: Online-Terminvergabe" in str(approvals[0]["summary"])
    assert f"measure-{measure.id}-{measure.state}@digiflow" not in entries  # not the owner


def test_feed_in_the_owner_s_language(world, client, auth):
    sessions_world(world)
    reader = make_user(Role.council_member, language="en")
    from digiflow.committees.members import add_member

    add_member(
        world.specialist,
        actor=world.admin,
        user=reader,
        starts_on=datetime(2020, 1, 1).date(),
    )
    db.session.commit()
    login(client, auth, reader)
    _page, _link, token = create_feed(client)
    body = fetch(client, token).data.decode()
    assert "Agenda (public part):" in body and "My sessions and deadlines" in body
