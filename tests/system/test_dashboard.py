"""The start page "Meine Aufgaben": approvals (also as substitute), overdue items, my
measures with their next deadline, recent changes on watched measures; bounded queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from digiflow.core.db import db, utcnow
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
