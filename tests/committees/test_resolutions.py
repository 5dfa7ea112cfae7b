"""Resolution tracking through HTTP: the list (visibility, filters, overdue, traffic light) and
the form that updates a resolution (who may change what, stale versions, bad input)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from digiflow.committees import agenda, meetings, papers, session
from digiflow.committees.models import AttendanceStatus, ResolutionStatus, ResolutionTask
from digiflow.committees.overview import ResolutionEditor, ResolutionFilter, Viewer, resolutions
from digiflow.core.db import db
from digiflow.core.permissions import can
from digiflow.core.roles import Role
from digiflow.core.time import LOCAL_TZ, local_date
from tests.conftest import csrf_token
from tests.factories import PASSWORD, SessionWorld, make_substitute, make_user


def local(days: int, hour: int = 17) -> datetime:
    day = datetime.now(LOCAL_TZ).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ).astimezone(UTC)


class Tracked:
    """A held session of the specialist committee with three carried, tracked resolutions:
    ``dept_task`` (a paper of the department ``dept``), ``free_task`` (no department) and
    ``secret_task`` (non-public item, no department)."""

    def __init__(self, world: SessionWorld) -> None:
        paper = papers.create_paper(
            actor=world.office,
            body=world.body,
            paper_type="decision",
            title="WLAN in allen Kreisschulen",
            lead_department=world.dept,
            routing=[(world.specialist, "decision", True)],
        )
        meeting = meetings.plan_meeting(
            world.specialist, actor=world.secretary, starts_at=local(20)
        )
        items = [
            agenda.add_item(meeting, actor=world.secretary, title=paper.title, paper=paper),
            agenda.add_item(meeting, actor=world.secretary, title="Bericht zur Breitbandförderung"),
            agenda.add_item(
                meeting, actor=world.secretary, title="Personalangelegenheit", is_public=False
            ),
        ]
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
        tasks = {t.agenda_item_id: t for t in db.session.scalars(sa.select(ResolutionTask)).all()}
        self.meeting = meeting
        self.dept_task, self.free_task, self.secret_task = (tasks[i.id] for i in items)
        self.day = day


@pytest.fixture
def world(app_ctx):
    return SessionWorld()


@pytest.fixture
def tracked(world):
    tracked = Tracked(world)
    db.session.commit()
    return tracked


def html(response) -> str:
    return response.get_data(as_text=True)


def login(client, auth, user) -> None:
    client._cookies.clear()
    auth.login(user.email, PASSWORD)


def reload(task: ResolutionTask) -> ResolutionTask:
    db.session.expire_all()
    return db.session.get(ResolutionTask, task.id)


def row_of(page: str, task: ResolutionTask) -> str:
    start = page.index(f'id="resolution-{task.id}"')
    return page[start : page.index("</tr>", start)]


def submit(client, task, **fields):
    page = html(client.get("/resolutions/"))
    version = re.search(rf'id="version-{task.id}" name="version" type="hidden" value="(\d+)"', page)
    data = {
        "status": "in_progress",
        "note": "",
        "version": version.group(1) if version else str(task.version),
        "csrf_token": csrf_token(page),
        **{k: v for k, v in fields.items()},
    }
    return client.post(f"/resolutions/{task.id}", data=data)


# -- the list ------------------------------------------------------------------------------


def test_list_shows_the_open_resolutions_with_light_department_and_target_date(
    world, client, auth, tracked
):
    login(client, auth, world.head)
    page = html(client.get("/resolutions/"))
    row = row_of(page, tracked.dept_task)
    assert world.specialist.name in row
    assert "Ö 1 WLAN in allen Kreisschulen" in row
    assert world.dept.short_name in row
    target = tracked.dept_task.target_date
    assert target == local_date(tracked.meeting.starts_at) + timedelta(days=90)
    assert target.strftime("%d.%m.%Y") in row
    assert 'class="light light-in_progress"' in row and "in Bearbeitung" in row
    assert "überfällig" not in row
    assert f'href="/meetings/{tracked.meeting.id}"' in row
    assert "Treffer: 3" in page  # the head is staff: the non-public item too


def test_non_public_resolutions_only_for_members_and_staff(world, client, auth, tracked):
    outsider = make_user(Role.council_member)
    db.session.commit()
    login(client, auth, outsider)
    page = html(client.get("/resolutions/"))
    assert "Personalangelegenheit" not in page and "Treffer: 2" in page
    login(client, auth, world.members[0])
    assert "Personalangelegenheit" in html(client.get("/resolutions/"))


def test_sql_visibility_and_edit_rights_mirror_the_rules(world, tracked):
    outsider = make_user(Role.council_member)
    deputy = make_user(name="Vertretung der Gremienbetreuung")
    today = date.today()
    make_substitute(world.secretary, deputy, today - timedelta(days=1), today + timedelta(days=1))
    db.session.flush()
    everything = db.session.scalars(sa.select(ResolutionTask)).all()
    people = [
        outsider,
        deputy,
        world.members[0],
        world.head,
        world.other_head,
        world.proposer,
        world.office,
        world.secretary,
        world.council,
    ]
    for user in people:
        viewer = Viewer(user)
        listed = resolutions(viewer, ResolutionFilter(include_closed=True), today)
        assert {t.id for t in listed} == {
            t.id for t in everything if can(user, "resolution.view", t)
        }, user
        editor = ResolutionEditor(user, viewer, today)
        for task in listed:
            assert editor.may_edit(task) == can(user, "resolution.edit", task), (user, task)
            assert editor.may_reassign(task) == can(user, "resolution.reassign", task)


def test_filters_overdue_department_and_all(world, client, auth, tracked):
    tracked.free_task.target_date = date.today() - timedelta(days=1)
    tracked.secret_task.status = ResolutionStatus.done
    db.session.commit()
    login(client, auth, world.office)
    page = html(client.get("/resolutions/"))
    assert "Treffer: 2" in page  # done ones only with "alle"
    row = row_of(page, tracked.free_task)
    assert '<strong class="overdue">überfällig</strong>' in row
    page = html(client.get("/resolutions/?overdue=y"))
    assert "Treffer: 1" in page and "Bericht zur Breitbandförderung" in page
    page = html(client.get(f"/resolutions/?department={world.dept.id}"))
    assert "Treffer: 1" in page and "WLAN in allen Kreisschulen" in page
    page = html(client.get("/resolutions/?all=y"))
    assert "Treffer: 3" in page
    row = row_of(page, tracked.secret_task)
    assert 'class="light light-done"' in row and "erledigt" in row
    page = html(client.get("/resolutions/?department=abc"))
    assert "Unbekannter Fachbereich." in page and "Treffer: 2" in page


# -- updating --------------------------------------------------------------------------------


def test_department_head_sets_the_light_but_cannot_move_date_or_department(
    world, client, auth, tracked
):
    task = tracked.dept_task
    old_target = task.target_date
    login(client, auth, world.head)
    page = html(client.get("/resolutions/"))
    form = row_of(page, task)
    assert "Stand ändern" in form and f'id="note-{task.id}"' in form
    assert f'id="target_date-{task.id}"' not in form  # only office and secretaries
    response = submit(
        client,
        task,
        status="done",
        note="Alle Schulen angeschlossen.",
        target_date="01.01.2030",
        department_id=str(world.other_dept.id),
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/resolutions/#resolution-{task.id}")
    task = reload(task)
    assert task.status == ResolutionStatus.done and task.closed_at is not None
    assert task.status_note == "Alle Schulen angeschlossen."
    assert task.updated_by_id == world.head.id
    assert task.target_date == old_target and task.department_id == world.dept.id
    # the free resolution has no department: the head may not touch it
    assert f'action="/resolutions/{tracked.free_task.id}"' not in page
    response = submit(client, tracked.free_task, status="done")
    assert response.status_code == 403
    assert reload(tracked.free_task).status == ResolutionStatus.in_progress


def test_office_moves_the_target_date_and_hands_over_to_another_department(
    world, client, auth, tracked
):
    task = tracked.free_task
    login(client, auth, world.office)
    response = submit(
        client,
        task,
        status="in_progress",
        note="Zuständigkeit geklärt.",
        target_date="30.06.2030",
        department_id=str(world.other_dept.id),
    )
    assert response.status_code == 303
    task = reload(task)
    assert task.target_date == date(2030, 6, 30)
    assert task.department_id == world.other_dept.id
    assert task.status_note == "Zuständigkeit geklärt."


def test_a_stale_form_is_refused_and_changes_nothing(world, client, auth, tracked):
    task = tracked.dept_task
    login(client, auth, world.head)
    page = html(client.get("/resolutions/"))
    token = csrf_token(page)
    data = {
        "status": "done",
        "note": "Erledigt.",
        "version": str(task.version),
        "csrf_token": token,
    }
    assert client.post(f"/resolutions/{task.id}", data=data).status_code == 303
    # the same form once more (its version is old now)
    response = client.post(
        f"/resolutions/{task.id}", data={**data, "status": "impossible", "note": "Doch nicht."}
    )
    assert response.status_code == 409
    assert "inzwischen von jemand anderem geändert" in html(response)
    task = reload(task)
    assert task.status == ResolutionStatus.done and task.status_note == "Erledigt."


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"status": "impossible", "note": ""}, 422, "warum der Beschluss nicht umsetzbar ist"),
        ({"status": "vielleicht"}, 422, 'id="status-'),
        ({"status": "done", "note": "x" * 1001}, 422, "höchstens 1000 Zeichen"),
        ({"status": "done", "target_date": "31.02.2030"}, 422, "Bitte geben Sie ein Datum wie"),
        ({"status": "done", "target_date": "01.01.2001"}, 422, "Zieltermin liegt vor der Sitzung"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(
    world, client, auth, tracked, fields, status, message
):
    task = tracked.dept_task
    before = (task.status, task.status_note, task.target_date, task.version)
    login(client, auth, world.office)
    response = submit(client, task, **fields)
    assert response.status_code == status
    page = html(response)
    assert message in page
    assert '<details class="edit" open>' in row_of(page, task)  # the form stays open
    task = reload(task)
    assert (task.status, task.status_note, task.target_date, task.version) == before


def test_a_resolution_the_user_may_not_see_answers_404(world, client, auth, tracked):
    outsider = make_user(Role.council_member)
    db.session.commit()
    login(client, auth, outsider)
    token = csrf_token(html(client.get("/resolutions/")))
    data = {"status": "done", "version": "1", "csrf_token": token}
    assert client.post(f"/resolutions/{tracked.secret_task.id}", data=data).status_code == 404
    assert client.post("/resolutions/999999", data=data).status_code == 404
    assert client.post(f"/resolutions/{tracked.free_task.id}", data=data).status_code == 403
    assert reload(tracked.secret_task).status == ResolutionStatus.in_progress


def test_a_substitute_of_the_secretary_may_reassign(world, client, auth, tracked):
    deputy = make_user(Role.proposer, name="Vertretung")
    today = date.today()
    make_substitute(world.secretary, deputy, today - timedelta(days=1), today + timedelta(days=1))
    db.session.commit()
    login(client, auth, deputy)
    response = submit(client, tracked.free_task, status="done", target_date="01.12.2030")
    assert response.status_code == 303
    task = reload(tracked.free_task)
    assert task.status == ResolutionStatus.done and task.target_date == date(2030, 12, 1)
