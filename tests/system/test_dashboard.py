"""The start page "Meine Aufgaben": approvals (also as substitute), overdue items, my
measures with their next deadline, recent changes on watched measures; bounded queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from digiflow.core.db import db, utcnow
from digiflow.core.time import LOCAL_TZ
from digiflow.measures.models import Decision, Measure, Watch
from digiflow.measures.operations import decide_approval, submit_measure
from tests.factories import PASSWORD, World, make_substitute, make_user

LONG_AGO = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def world(app_ctx):
    return World()


def page_of(client, auth, user):
    auth.login(user.email, PASSWORD)
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def section(html, heading):
    start = html.index(heading)
    end = html.find("<section", start)
    return html[start : end if end != -1 else len(html)]


def test_head_sees_the_waiting_approval_and_the_deputy_sees_it_on_behalf(world, client, auth):
    measure = world.measure(title="E-Akte im Jugendamt")
    submit_measure(measure, actor=world.proposer, now=LONG_AGO)
    deputy = make_user(department=world.dept, name="Stefan Stellmacher")
    today = utcnow().date()
    make_substitute(world.head, deputy, today - timedelta(days=1), today + timedelta(days=3))
    db.session.commit()

    head_page = section(page_of(client, auth, world.head), "Genehmigungen, die auf mich warten")
    assert "E-Akte im Jugendamt" in head_page
    assert "Fachbereichsleitung" in head_page
    assert "überfällig" in head_page  # due five business days after January 2025
    auth.logout()
    deputy_page = section(page_of(client, auth, deputy), "Genehmigungen, die auf mich warten")
    assert "E-Akte im Jugendamt" in deputy_page
    assert world.head.name in deputy_page
    auth.logout()
    office_page = section(page_of(client, auth, world.office), "Genehmigungen, die auf mich warten")
    assert "E-Akte im Jugendamt" not in office_page  # office decides after the head


def test_overdue_lists_only_visible_measures(world, client, auth):
    mine = world.measure(title="Eigene Maßnahme")
    submit_measure(mine, actor=world.proposer, now=LONG_AGO)
    other_proposer = make_user(department=world.other_dept)
    from digiflow.core.roles import Role
    from digiflow.users.operations import assign_role

    assign_role(other_proposer, Role.proposer, department=world.other_dept)
    from digiflow.measures.operations import create_measure
    from tests.factories import complete_fields

    foreign = create_measure(
        actor=other_proposer,
        department=world.other_dept,
        title="Fremde Maßnahme",
        workflow_name="digitalization_measure",
        **complete_fields(),
    )
    submit_measure(foreign, actor=other_proposer, now=LONG_AGO)
    db.session.commit()
    html = section(page_of(client, auth, world.proposer), "Überfällig")
    assert "Eigene Maßnahme" in html
    assert "Fremde Maßnahme" not in html
    auth.logout()
    office = section(page_of(client, auth, world.office), "Überfällig")
    assert "Eigene Maßnahme" in office and "Fremde Maßnahme" in office


def test_my_measures_show_the_next_deadline(world, client, auth):
    measure = world.measure(title="Online-Terminvergabe")
    submit_measure(measure, actor=world.proposer, now=datetime(2026, 3, 2, 9, tzinfo=UTC))
    db.session.commit()
    html = section(page_of(client, auth, world.proposer), "Meine Maßnahmen")
    assert "Online-Terminvergabe" in html
    assert "23.03.2026" in html  # 15 business days


def test_changes_on_watched_measures(world, client, auth):
    watched = world.measure(title="Beobachtete Maßnahme")
    unwatched = world.measure(title="Andere Maßnahme")
    db.session.add(Watch(measure_id=watched.id, user_id=world.finance.id))
    for measure in (watched, unwatched):
        submit_measure(measure, actor=world.proposer)
    decide_approval(watched, actor=world.head, decision=Decision.approve)
    db.session.commit()
    html = section(page_of(client, auth, world.finance), "Änderungen an beobachteten Maßnahmen")
    assert "Beobachtete Maßnahme" in html
    assert "Entwurf → Vorschlag" in html
    assert "Andere Maßnahme" not in html


def test_dashboard_queries_do_not_grow_with_the_number_of_items(world, client, auth, query_counter):
    def add(n):
        for i in range(n):
            measure = world.measure(title=f"Maßnahme {i}")
            submit_measure(measure, actor=world.proposer, now=LONG_AGO)
            db.session.add(Watch(measure_id=measure.id, user_id=world.head.id))
        db.session.commit()

    add(2)
    auth.login(world.head.email, PASSWORD)
    client.get("/")
    with query_counter:
        assert client.get("/").status_code == 200
    few = query_counter.count
    add(25)
    with query_counter:
        assert client.get("/").status_code == 200
    assert query_counter.count == few, query_counter.statements
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Measure)) == 27


# -- sessions and resolutions ----------------------------------------------------------------


def _local(days: int, hour: int = 17) -> datetime:
    day = datetime.now(LOCAL_TZ).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ).astimezone(UTC)


def _held(world, days_ago: int, title: str, result: bool):
    """A session ``days_ago`` days ago, invited and opened; ``title`` decided when ``result``."""
    from digiflow.committees import agenda, meetings, session
    from digiflow.committees.models import AttendanceStatus

    start = _local(-days_ago)
    before = start - timedelta(days=20)
    meeting = meetings.plan_meeting(
        world.specialist, actor=world.secretary, starts_at=start, now=before
    )
    item = agenda.add_item(meeting, actor=world.secretary, title=title, now=before)
    meetings.send_invitation(meeting, actor=world.secretary, now=before)
    day = start + timedelta(minutes=5)
    session.record_attendance(
        meeting,
        actor=world.secretary,
        statuses={m.id: AttendanceStatus.present for m in world.members},
        now=day,
    )
    if result:
        session.record_result(
            item,
            actor=world.secretary,
            result="recommended",
            votes_yes=5,
            votes_no=0,
            votes_abstain=0,
            now=day,
        )
    return meeting, item, day


@pytest.fixture
def session_world(app_ctx):
    from tests.factories import SessionWorld

    return SessionWorld()


def test_secretary_sees_what_is_due_for_the_sessions_of_their_committees(
    session_world, client, auth
):
    from digiflow.committees import agenda, meetings, session

    world = session_world
    upcoming = meetings.plan_meeting(world.specialist, actor=world.secretary, starts_at=_local(30))
    late = meetings.plan_meeting(world.main, actor=world.secretary, starts_at=_local(3))
    invited = meetings.plan_meeting(world.specialist, actor=world.secretary, starts_at=_local(20))
    agenda.add_item(invited, actor=world.secretary, title="Mitteilungen")
    meetings.send_invitation(invited, actor=world.secretary)
    unrecorded, _item, _day = _held(world, 3, "Offener Punkt", result=False)
    closed, _item, day = _held(world, 10, "Erledigter Punkt", result=True)
    session.close_meeting(closed, actor=world.secretary, now=day + timedelta(hours=1))
    far = meetings.plan_meeting(world.specialist, actor=world.secretary, starts_at=_local(100))
    db.session.commit()

    html = section(page_of(client, auth, world.secretary), "Sitzungen meiner Gremien")

    def row(meeting):
        start = html.index(meeting.name)
        return html[start : html.index("</tr>", start)]

    invite_by = (upcoming.starts_at.astimezone(LOCAL_TZ).date() - timedelta(days=7)).strftime(
        "%d.%m.%Y"
    )
    assert f"Einladen bis {invite_by}" in row(upcoming)
    assert "Vorlagenschluss" in row(upcoming)
    assert "Ladungsfrist verstrichen" in row(late)
    assert "eingeladen am" in row(invited)
    assert "Ergebnisse fehlen: 1 Tagesordnungspunkte" in row(unrecorded)
    assert "Niederschrift abschließen" in row(closed)
    assert far.name not in html  # beyond the next weeks
    auth.logout()
    page = page_of(client, auth, world.office)
    assert "Sitzungen meiner Gremien" not in page  # not a secretary


def test_members_see_their_next_sessions(session_world, client, auth):
    from digiflow.committees import meetings

    world = session_world
    mine = meetings.plan_meeting(
        world.specialist, actor=world.secretary, starts_at=_local(12), location=world.location
    )
    cancelled = meetings.plan_meeting(world.specialist, actor=world.secretary, starts_at=_local(14))
    meetings.cancel_meeting(cancelled, actor=world.secretary, reason="Keine Themen")
    other = meetings.plan_meeting(world.main, actor=world.secretary, starts_at=_local(13))
    db.session.commit()
    html = section(page_of(client, auth, world.members[0]), "Meine nächsten Sitzungen")
    assert mine.name in html and "Kreishaus, Sitzungssaal 1" in html
    assert cancelled.name in html and "abgesagt" in html
    assert other.name not in html
    auth.logout()
    assert "Meine nächsten Sitzungen" not in page_of(client, auth, world.council)


def test_department_people_see_their_department_s_open_resolutions(session_world, client, auth):
    from digiflow.committees import agenda, meetings, papers, session
    from digiflow.committees.models import AttendanceStatus, ResolutionTask

    world = session_world
    meeting = meetings.plan_meeting(world.specialist, actor=world.secretary, starts_at=_local(20))
    items = []
    for title, department in [
        ("WLAN Schulen", world.dept),
        ("Fremder Beschluss", world.other_dept),
    ]:
        paper = papers.create_paper(
            actor=world.office,
            body=world.body,
            paper_type="decision",
            title=title,
            lead_department=department,
            routing=[(world.specialist, "decision", True)],
        )
        items.append(agenda.add_item(meeting, actor=world.secretary, title=title, paper=paper))
    meetings.send_invitation(meeting, actor=world.secretary)
    day = meeting.starts_at + timedelta(minutes=5)
    session.record_attendance(
        meeting,
        actor=world.secretary,
        statuses={m.id: AttendanceStatus.present for m in world.members},
        now=day,
    )
    for item in items:
        session.record_result(
            item,
            actor=world.secretary,
            result="recommended",
            votes_yes=5,
            votes_no=0,
            votes_abstain=0,
            now=day,
        )
    task = db.session.scalars(
        sa.select(ResolutionTask).where(ResolutionTask.agenda_item_id == items[0].id)
    ).one()
    task.target_date = utcnow().date() - timedelta(days=2)
    db.session.commit()
    html = section(page_of(client, auth, world.head), "Offene Beschlüsse meines Fachbereichs")
    assert "WLAN Schulen" in html and "Fremder Beschluss" not in html
    assert "(überfällig)" in html and "1 von 1 offenen Beschlüssen" in html
    auth.logout()
    assert "Offene Beschlüsse meines Fachbereichs" not in page_of(client, auth, world.council)


def test_committee_sections_do_not_grow_the_queries(session_world, client, auth, query_counter):
    from digiflow.committees import agenda, meetings, session
    from digiflow.committees.models import AttendanceStatus, ResolutionTask
    from digiflow.core.roles import Role
    from digiflow.users.operations import assign_role

    world = session_world
    # one person who is secretary, member and in a department: every section shows
    person = world.secretary
    person.department_id = world.dept.id
    assign_role(person, Role.proposer, department=world.dept)
    from digiflow.committees.members import add_member

    add_member(world.main, actor=world.admin, user=person, starts_on=datetime(2020, 1, 1).date())

    def add(n, offset):
        for i in range(n):
            meeting = meetings.plan_meeting(
                world.main, actor=world.secretary, starts_at=_local(offset + i)
            )
            item = agenda.add_item(
                meeting, actor=world.secretary, title=f"Beschluss {offset + i}", urgent_reason="x"
            )
            meetings.send_invitation(meeting, actor=world.secretary, urgent_reason="x")
            day = meeting.starts_at + timedelta(minutes=5)
            session.record_attendance(
                meeting,
                actor=world.secretary,
                statuses={m.id: AttendanceStatus.present for m in [*world.main_members, person]},
                now=day,
            )
            session.record_result(
                item,
                actor=world.secretary,
                result="recommended",
                votes_yes=3,
                votes_no=0,
                votes_abstain=0,
                now=day,
            )
            task = db.session.scalars(
                sa.select(ResolutionTask).where(ResolutionTask.agenda_item_id == item.id)
            ).one()
            task.department_id = world.dept.id
        db.session.commit()

    add(2, 2)
    auth.login(person.email, PASSWORD)
    client.get("/")
    with query_counter:
        assert client.get("/").status_code == 200
    few = query_counter.count
    add(8, 10)
    with query_counter:
        response = client.get("/")
    assert response.status_code == 200
    assert query_counter.count == few, query_counter.statements
    html = response.get_data(as_text=True)
    assert "Beschluss 17" in html and "Meine nächsten Sitzungen" in html
