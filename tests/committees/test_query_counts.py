"""The session pages need as many queries for a long agenda as for a short one: the number of
SQL statements of each page is the same for a session with 2 measures and 2 further items as
for one with 8 and 8 (no query per item, paper, vote or member)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from digiflow.committees import agenda, meetings, minutes, session
from digiflow.committees.models import AttendanceStatus, Meeting
from digiflow.core.db import db, utcnow
from tests.committees.test_views import login
from tests.factories import SessionWorld, drive_to_committee


@pytest.fixture
def world(app_ctx):
    world = SessionWorld()
    db.session.commit()
    return world


def closed_session(world, measures: int, free: int, minutes_ago: int) -> Meeting:
    """A session held a moment ago with ``measures`` measures and ``free`` further items on
    its agenda, everybody present, a result for every item, closed, minutes finalized."""
    now = utcnow()
    earlier = now - timedelta(days=3)
    meeting = meetings.plan_meeting(
        world.specialist,
        actor=world.secretary,
        starts_at=now - timedelta(minutes=minutes_ago),
        location=world.location,
        now=earlier,
    )
    for n in range(measures):
        measure = drive_to_committee(world, world.measure(title=f"Maßnahme {minutes_ago}-{n}"))
        agenda.add_measure_item(
            meeting, measure, actor=world.secretary, urgent_reason="Eilt", now=earlier
        )
    for n in range(free):
        agenda.add_item(
            meeting, actor=world.secretary, title=f"Bericht {n}", urgent_reason="Eilt", now=earlier
        )
    meetings.send_invitation(meeting, actor=world.secretary, urgent_reason="Eilt", now=earlier)
    members = [*world.members, world.deputy_member, world.advisory]
    session.record_attendance(
        meeting,
        actor=world.secretary,
        statuses={m.id: AttendanceStatus.present for m in members},
    )
    for numbered in agenda.numbering(meeting):
        item = numbered.item
        if item.measure_id is not None:
            session.record_result(
                item,
                actor=world.secretary,
                result="recommended",
                votes_yes=5,
                votes_no=0,
                votes_abstain=0,
                resolution_text="Der Ausschuss empfiehlt die Maßnahme.",
            )
        else:
            session.record_result(item, actor=world.secretary, result="noted")
    session.close_meeting(meeting, actor=world.secretary)
    minutes.finalize_minutes(meeting, actor=world.secretary)
    db.session.commit()
    return meeting


PAGES = (
    "/meetings/{id}",
    "/meetings/{id}/agenda",
    "/meetings/{id}/attendance",
    "/meetings/{id}/session",
    "/meetings/{id}/minutes",
    "/meetings/{id}/invitation",
    "/meetings/",
    "/papers/",
    "/resolutions/",
)


def statements_per_page(client, counter, meeting: Meeting) -> dict[str, int]:
    counts = {}
    for pattern in PAGES:
        url = pattern.format(id=meeting.id)
        with counter:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[pattern] = counter.count
    return counts


def test_session_pages_need_no_query_per_item(world, client, auth, query_counter):
    small = closed_session(world, measures=2, free=2, minutes_ago=120)
    login(auth, world.secretary)
    short = statements_per_page(client, query_counter, small)

    big = closed_session(world, measures=8, free=8, minutes_ago=60)
    long = statements_per_page(client, query_counter, big)

    assert long == short
    # a sanity bound: a page is a handful of queries, not dozens
    assert max(short.values()) <= 30, short


def test_committee_and_attendance_pages_need_no_query_per_member(
    world, client, auth, query_counter
):
    from datetime import date

    from digiflow.committees.members import add_member
    from digiflow.core.roles import Role
    from tests.factories import make_user

    meeting = meetings.plan_meeting(
        world.specialist,
        actor=world.secretary,
        starts_at=utcnow() + timedelta(days=30),
        location=world.location,
    )
    db.session.commit()
    pages = (
        f"/committees/{world.specialist.id}",
        f"/meetings/{meeting.id}",
        f"/meetings/{meeting.id}/attendance",
        f"/meetings/{meeting.id}/invitation",
    )
    login(auth, world.secretary)

    def counts():
        found = {}
        for url in pages:
            with query_counter:
                response = client.get(url)
            assert response.status_code == 200, url
            found[url] = query_counter.count
        return found

    few = counts()  # seven members
    for n in range(10):
        member = make_user(Role.council_member, name=f"Weiteres Mitglied {n}")
        group = world.group_a if n % 2 else world.group_b
        add_member(
            world.specialist,
            actor=world.admin,
            user=member,
            starts_on=date(2020, 1, 1),
            group=group,
        )
    db.session.commit()
    assert counts() == few
