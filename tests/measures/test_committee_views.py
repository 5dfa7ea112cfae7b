"""Committee secretaries record a committee's result on the measure page."""

from __future__ import annotations

import pytest

from digiflow.core.db import db
from digiflow.measures.models import Decision, HistoryAction, Measure
from digiflow.measures.operations import decide_approval, submit_measure
from tests.conftest import csrf_token
from tests.factories import PASSWORD, World


@pytest.fixture
def at_committee(app_ctx):
    world = World()
    measure = world.measure(title="WLAN an Kreisschulen")
    submit_measure(measure, actor=world.proposer)
    for actor in (world.head, world.office, world.finance, world.office2):
        decide_approval(measure, actor=actor, decision=Decision.approve)
    assert measure.state == "committee_recommendation"
    db.session.commit()
    return world, measure


def post_result(client, measure, committee_id, result, token=None):
    page = client.get(f"/measures/{measure.id}")
    return client.post(
        f"/measures/{measure.id}/committee-result",
        data={
            "committee-committee_id": committee_id,
            "committee-result": result,
            "committee-comment": "9 Ja, 2 Nein, 1 Enthaltung",
            "committee-csrf_token": token or csrf_token(page.get_data(as_text=True)),
        },
    )


def test_secretary_records_the_recommendation(at_committee, client, auth):
    world, measure = at_committee
    auth.login(world.secretary.email, PASSWORD)
    page = client.get(f"/measures/{measure.id}").get_data(as_text=True)
    assert "Ergebnis des Gremiums erfassen" in page
    assert world.specialist.name in page and world.main.name not in page
    response = post_result(client, measure, world.specialist.id, "recommended")
    assert response.status_code == 302
    db.session.expire_all()
    measure = db.session.get(Measure, measure.id)
    assert measure.state == "budget_release"
    entry = measure.history[-1]
    assert entry.action == HistoryAction.committee_result
    assert entry.comment == "9 Ja, 2 Nein, 1 Enthaltung"


def test_others_cannot_record_and_nothing_changes(at_committee, client, auth):
    world, measure = at_committee
    auth.login(world.office.email, PASSWORD)
    page = client.get(f"/measures/{measure.id}").get_data(as_text=True)
    assert "Ergebnis des Gremiums erfassen" not in page
    response = post_result(
        client, measure, world.specialist.id, "recommended", token=csrf_token(page)
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Measure, measure.id).state == "committee_recommendation"


def test_a_result_the_workflow_does_not_map_is_refused(at_committee, client, auth):
    world, measure = at_committee
    auth.login(world.secretary.email, PASSWORD)
    response = post_result(client, measure, world.specialist.id, "noted")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Measure, measure.id).state == "committee_recommendation"
