"""The pages of one measure through HTTP: detail, form, workflow actions, comments, watching."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from digiflow.catalogs.models import CatalogEntry, CatalogKind
from digiflow.core.db import db, utcnow
from digiflow.core.roles import Role
from digiflow.core.time import local_date
from digiflow.funding.models import FundingProgramme, FundingProvider
from digiflow.measures.models import (
    ApprovalDecision,
    ApprovalTask,
    Attachment,
    AttachmentKind,
    Comment,
    Decision,
    HistoryAction,
    HistoryEntry,
    Measure,
    TaskStatus,
    Watch,
)
from digiflow.measures.operations import submit_measure, update_measure
from digiflow.users.models import User
from tests.conftest import csrf_token
from tests.factories import PASSWORD, World, make_substitute, make_user


@pytest.fixture
def world(app_ctx):
    world = World()
    db.session.commit()
    return world


def html_of(response) -> str:
    return response.get_data(as_text=True)


def token(client, measure=None) -> str:
    url = f"/measures/{measure.id}" if measure is not None else "/"
    return csrf_token(html_of(client.get(url)))


def post(client, url, data=None, measure=None):
    """POST with a valid CSRF token taken from a page of the session."""
    return client.post(url, data={**(data or {}), "csrf_token": token(client, measure)})


def reload(measure) -> Measure:
    db.session.expire_all()
    return db.session.get(Measure, measure.id)


def snapshot(measure):
    """Everything an action could change, to assert that a refused one changed nothing."""
    m = reload(measure)
    tasks = db.session.execute(
        sa.select(ApprovalTask.id, ApprovalTask.status).where(ApprovalTask.measure_id == m.id)
    ).all()
    decisions = db.session.scalar(sa.select(sa.func.count()).select_from(ApprovalDecision))
    history = db.session.scalar(
        sa.select(sa.func.count()).select_from(HistoryEntry).where(HistoryEntry.measure_id == m.id)
    )
    return (m.state, m.version, m.title, tuple(tasks), decisions, history)


def error_next_to(html: str, field_id: str) -> str:
    """The error message rendered next to a field (tied to it by id)."""
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">([^<]*)</p>', html)
    assert match, f"no error next to {field_id}"
    return match.group(1)


def catalog(kind: CatalogKind, key: str, de: str, en: str, position: int = 0) -> CatalogEntry:
    entry = CatalogEntry(kind=kind, key=key, label_de=de, label_en=en, position=position)
    db.session.add(entry)
    db.session.flush()
    return entry


# -- the page per role ---------------------------------------------------------------------


def test_page_shows_facts_workflow_and_history(world, client, auth):
    provider = catalog(CatalogKind.it_provider, "itebo", "ITEBO Zweckverband", "ITEBO")
    goal = catalog(CatalogKind.strategic_goal, "online", "Online-Verfügbarkeit", "Online access")
    programme = FundingProgramme(
        body_id=world.body.id, name="Digitale Kommune Niedersachsen", provider=FundingProvider.state
    )
    db.session.add(programme)
    measure = world.measure(title="E-Akte im Bauamt", cost_one_off=Decimal("1250000.5"))
    measure.it_provider = provider
    measure.funding_programme = programme
    measure.strategic_goals = [goal]
    db.session.commit()

    auth.login(world.proposer.email, PASSWORD)
    response = client.get(f"/measures/{measure.id}")
    assert response.status_code == 200
    html = html_of(response)
    assert "<h1>E-Akte im Bauamt</h1>" in html
    for text in (
        world.dept.name,
        world.proposer.name,
        "Online-Dienste",  # field of action
        "hoch",  # priority
        "ITEBO Zweckverband",
        "Online-Verfügbarkeit",
        "Digitale Kommune Niedersachsen",
        "1.250.000,50\u00a0€",
        "10.000,00\u00a0€",
        "2026",
        "30.06.2027",
        "Digitalisierungsmaßnahme (Version 1)",
    ):
        assert text in html, text
    # the workflow diagram marks the current state in text and for assistive technology
    current = re.search(r'<li class="[^"]*wf-current" aria-current="step">(.*?)</li>', html, re.S)
    assert current and "Entwurf" in current.group(1) and "aktueller Stand" in current.group(1)
    assert html.count('aria-current="step"') == 1
    assert (
        'Entwurf</span>\n      <span class="wf-arrow">→</span>\n      <span class="wf-to">Vorschlag'
        in html
    )
    # history as an ordered list
    assert '<ol class="timeline" reversed>' in html and "Angelegt" in html
    # the owner may submit, edit and withdraw
    assert f'action="/measures/{measure.id}/transition/submit"' in html
    assert ">Einreichen</button>" in html
    assert f'href="/measures/{measure.id}/edit"' in html
    assert ">Maßnahme zurückziehen</button>" in html


def test_overdue_state_deadline_is_said_in_text(world, client, auth):
    measure = world.measure()
    submit_measure(measure, actor=world.proposer)
    measure.state_deadline = local_date(utcnow()) - timedelta(days=1)
    db.session.commit()
    auth.login(world.office.email, PASSWORD)
    html = html_of(client.get(f"/measures/{measure.id}"))
    assert "überfällig" in html
    assert "Vorschlag" in html


def test_page_in_english_for_english_users(world, client, auth):
    reader = make_user(Role.council_member, language="en")
    measure = world.measure()
    db.session.commit()
    auth.login(reader.email, PASSWORD)
    html = html_of(client.get(f"/measures/{measure.id}"))
    assert "current step" in html and "Draft" in html and "History" in html
    assert "aktueller Stand" not in html and "Verlauf" not in html


def test_proposer_of_another_department_gets_404_everywhere(world, client, auth):
    stranger = make_user((Role.proposer, world.other_dept), department=world.other_dept)
    measure = world.measure()
    db.session.commit()
    auth.login(stranger.email, PASSWORD)
    assert client.get(f"/measures/{measure.id}").status_code == 404
    assert client.get(f"/measures/{measure.id}/edit").status_code == 404
    assert client.get("/measures/999999").status_code == 404
    assert client.get("/measures/99999999999999999999").status_code == 404
    before = snapshot(measure)
    for url, data in (
        (f"/measures/{measure.id}/transition/submit", {}),
        (f"/measures/{measure.id}/withdraw", {"reason": "weg damit"}),
        (f"/measures/{measure.id}/comments", {"body": "Hallo"}),
        (f"/measures/{measure.id}/watch", {}),
    ):
        assert post(client, url, data).status_code == 404, url
    assert snapshot(measure) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Watch)) == 0


def test_council_member_sees_the_page_but_no_actions(world, client, auth):
    measure = world.measure()
    submit_measure(measure, actor=world.proposer)
    db.session.commit()
    auth.login(world.council.email, PASSWORD)
    response = client.get(f"/measures/{measure.id}")
    assert response.status_code == 200
    html = html_of(response)
    assert "E-Akte einführen" in html
    assert "Für Sie sind bei dieser Maßnahme derzeit keine Schritte vorgesehen." in html
    assert "/transition/" not in html
    assert "/decide" not in html and "Entscheidung speichern" not in html
    assert "/withdraw" not in html and "/edit" not in html
    assert "Kommentar speichern" not in html and "Anhang hochladen" not in html
    # the pending step is visible to everybody, the decision only to its approvers
    assert "Offene Genehmigungen" in html and "Fachbereichsleitung" in html
    # and posting anyway is refused
    before = snapshot(measure)
    assert post(client, f"/measures/{measure.id}/comments", {"body": "x"}).status_code == 403
    response = post(
        client,
        f"/measures/{measure.id}/decide",
        {"task_id": measure.approval_tasks[0].id, "decision": "approve"},
    )
    assert response.status_code == 403
    assert "Sie gehören nicht zu den Genehmigenden" in html_of(response)
    assert snapshot(measure) == before


# -- the form ------------------------------------------------------------------------------


def form_data(world, **overrides):
    data = {
        "department_id": str(world.dept.id),
        "title": "Digitaler Bauantrag",
        "description": "Bauanträge online stellen",
        "owner_id": str(world.proposer.id),
        "field_of_action_id": "",
        "priority_id": "",
        "it_provider_id": "",
        "funding_programme_id": "",
        "cost_one_off": "1.000.000,00 €",
        "cost_recurring": "12.500,50",
        "budget_year": "2026",
        "start_date": "27.11.2023",
        "target_date": "30.06.2027",
    }
    data.update(overrides)
    return data


def test_create_with_german_amounts_and_dates_then_detail(world, client, auth):
    field = catalog(CatalogKind.field_of_action, "ozg", "OZG-Leistungen", "OZG services")
    goals = [
        catalog(CatalogKind.strategic_goal, "online", "Online-Verfügbarkeit", "Online", 1),
        catalog(CatalogKind.strategic_goal, "user", "Nutzerorientierung", "Users", 2),
        catalog(CatalogKind.strategic_goal, "old", "Alt", "Old", 3),
    ]
    goals[2].is_active = False
    db.session.commit()
    auth.login(world.proposer.email, PASSWORD)
    page = html_of(client.get("/measures/new"))
    assert "Einmalige Investitionskosten in Euro, z. B. 250.000,00" in page
    assert "OZG-Leistungen" in page and "Nutzerorientierung" in page and ">Alt<" not in page
    # only the proposer's own department can be chosen
    assert world.dept.name in page and world.other_dept.name not in page
    # the current user is the default owner
    assert f'<option selected value="{world.proposer.id}">' in page

    data = form_data(world, field_of_action_id=str(field.id))
    data["strategic_goal_ids"] = [str(goals[0].id), str(goals[1].id)]
    response = client.post("/measures/new", data={**data, "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    measure = db.session.scalars(sa.select(Measure)).one()
    assert response.headers["Location"].endswith(f"/measures/{measure.id}")
    assert measure.cost_one_off == Decimal("1000000.00")
    assert measure.cost_recurring == Decimal("12500.50")
    assert measure.start_date.isoformat() == "2023-11-27"
    assert measure.field_of_action_id == field.id
    assert [g.key for g in measure.strategic_goals] == ["online", "user"]
    assert [h.action for h in measure.history] == [HistoryAction.created]

    html = html_of(client.get(response.headers["Location"]))
    assert "Die Maßnahme wurde angelegt." in html
    assert "1.000.000,00\u00a0€" in html and "27.11.2023" in html and "Nutzerorientierung" in html


def test_form_errors_are_shown_next_to_the_field_and_nothing_is_saved(world, client, auth):
    auth.login(world.proposer.email, PASSWORD)
    tok = token(client)
    data = form_data(
        world, cost_one_off="12,3,4", start_date="31.02.2024", budget_year="1999", title=""
    )
    response = client.post("/measures/new", data={**data, "csrf_token": tok})
    assert response.status_code == 422
    html = html_of(response)
    assert (
        error_next_to(html, "cost_one_off") == "Bitte geben Sie einen Betrag wie 1.000.000,00 ein."
    )
    assert 'aria-describedby="cost_one_off-help cost_one_off-error"' in html
    assert error_next_to(html, "start_date") == "Bitte geben Sie ein Datum wie 27.11.2023 ein."
    assert "zwischen 2000 und 2100" in error_next_to(html, "budget_year")
    assert error_next_to(html, "title") == "Bitte geben Sie einen Titel an."
    assert 'class="error-summary"' in html
    # the input is kept as typed
    assert 'value="12,3,4"' in html

    response = client.post(
        "/measures/new",
        data={**form_data(world, start_date="01.07.2027"), "csrf_token": tok},
    )
    assert response.status_code == 422
    assert error_next_to(html_of(response), "target_date") == "Der Zieltermin liegt vor dem Beginn."

    # an owner from another department is refused next to the field
    response = client.post(
        "/measures/new",
        data={**form_data(world, owner_id=str(world.other_head.id)), "csrf_token": tok},
    )
    assert response.status_code == 422  # not among the choices
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Measure)) == 0


def test_office_chooses_among_all_departments_and_owners_must_fit(world, client, auth):
    auth.login(world.office.email, PASSWORD)
    page = html_of(client.get("/measures/new"))
    assert world.dept.name in page and world.other_dept.name in page
    response = client.post(
        "/measures/new",
        data={
            **form_data(world, department_id=str(world.dept.id), owner_id=str(world.other_head.id)),
            "csrf_token": csrf_token(page),
        },
    )
    assert response.status_code == 422
    assert "gehört nicht zum gewählten Fachbereich" in error_next_to(html_of(response), "owner_id")
    response = client.post(
        "/measures/new",
        data={
            **form_data(
                world, department_id=str(world.other_dept.id), owner_id=str(world.other_head.id)
            ),
            "csrf_token": csrf_token(page),
        },
    )
    assert response.status_code == 302
    measure = db.session.scalars(sa.select(Measure)).one()
    assert measure.department_id == world.other_dept.id
    assert measure.owner_id == world.other_head.id
    assert measure.created_by_id == world.office.id


def test_create_needs_a_department_to_propose_for(world, client, auth):
    auth.login(world.council.email, PASSWORD)
    assert client.get("/measures/new").status_code == 403
    assert post(client, "/measures/new", form_data(world)).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Measure)) == 0


def test_edit_saves_changes_in_one_history_entry(world, client, auth):
    goal = catalog(CatalogKind.strategic_goal, "online", "Online-Verfügbarkeit", "Online")
    provider = catalog(CatalogKind.it_provider, "itebo", "ITEBO", "ITEBO")
    measure = world.measure()
    db.session.commit()
    auth.login(world.proposer.email, PASSWORD)
    page = html_of(client.get(f"/measures/{measure.id}/edit"))
    assert 'name="version" type="hidden" value="1"' in page
    assert 'value="100.000,00"' in page  # the amount in German notation
    assert 'name="department_id"' not in page
    data = form_data(world, title="E-Akte (neu)", it_provider_id=str(provider.id))
    data.pop("department_id")
    data["strategic_goal_ids"] = [str(goal.id)]
    data["version"] = "1"
    response = client.post(
        f"/measures/{measure.id}/edit", data={**data, "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 302
    measure = reload(measure)
    assert measure.title == "E-Akte (neu)"
    assert measure.it_provider_id == provider.id
    assert [g.id for g in measure.strategic_goals] == [goal.id]
    edits = [h for h in measure.history if h.action == HistoryAction.edited]
    assert len(edits) == 1
    assert {"title", "it_provider_id", "strategic_goal_ids", "cost_one_off"} <= set(
        edits[0].changes
    )
    html = html_of(client.get(f"/measures/{measure.id}"))
    assert "Die Änderungen wurden gespeichert." in html
    assert "Angaben geändert" in html and "IT-Dienstleister" in html


def test_stale_edit_form_is_refused_and_changes_nothing(world, client, auth):
    measure = world.measure()
    db.session.commit()
    auth.login(world.proposer.email, PASSWORD)
    page = html_of(client.get(f"/measures/{measure.id}/edit"))
    # somebody else changes the measure in the meantime
    update_measure(measure, actor=world.office, description="Neue Beschreibung")
    db.session.commit()
    before = snapshot(measure)
    data = form_data(world, title="Mein Titel")
    data.pop("department_id")
    data["version"] = "1"
    response = client.post(
        f"/measures/{measure.id}/edit", data={**data, "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 409
    assert "inzwischen von jemand anderem geändert" in html_of(response)
    assert 'value="Mein Titel"' in html_of(response)  # the input is not lost
    assert snapshot(measure) == before
    assert reload(measure).description == "Neue Beschreibung"


def test_edit_only_while_with_the_department(world, client, auth):
    measure = world.measure()
    submit_measure(measure, actor=world.proposer)
    db.session.commit()
    auth.login(world.proposer.email, PASSWORD)
    assert client.get(f"/measures/{measure.id}/edit").status_code == 403
    assert "/edit" not in html_of(client.get(f"/measures/{measure.id}"))


# -- workflow actions ----------------------------------------------------------------------


def test_submit_through_http(world, client, auth):
    measure = world.measure()
    db.session.commit()
    auth.login(world.proposer.email, PASSWORD)
    response = post(client, f"/measures/{measure.id}/transition/submit", {"version": "1"}, measure)
    assert response.status_code == 302
    assert reload(measure).state == "proposal"
    html = html_of(client.get(response.headers["Location"]))
    assert "„Einreichen“ ist erledigt." in html
    assert re.search(r"Entwurf <span class=\"wf-arrow\">→</span> Vorschlag", html)


def test_missing_csrf_token_is_refused_with_400(world, client, auth):
    measure = world.measure()
    db.session.commit()
    auth.login(world.proposer.email, PASSWORD)
    submitted = world.measure(title="Eingereicht")
    submit_measure(submitted, actor=world.proposer)
    db.session.add(Watch(measure_id=measure.id, user_id=world.proposer.id))
    attachment = Attachment(
        measure_id=measure.id,
        kind=AttachmentKind.other,
        filename="a.pdf",
        stored_name="0" * 32,
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        uploaded_by_id=world.proposer.id,
    )
    db.session.add(attachment)
    db.session.commit()
    task = pending_task(submitted)
    before = snapshot(measure), snapshot(submitted)
    for url, data in (
        (f"/measures/{measure.id}/transition/submit", {"version": "1"}),
        (f"/measures/{submitted.id}/decide", {"task_id": task.id, "decision": "approve"}),
        (f"/measures/{measure.id}/withdraw", {"reason": "x", "version": "1"}),
        (f"/measures/{measure.id}/comments", {"body": "x"}),
        (f"/measures/{measure.id}/watch", {}),
        (f"/measures/{measure.id}/unwatch", {}),
        (f"/measures/{measure.id}/attachments", {"kind": "other"}),
        (f"/measures/{measure.id}/attachments/{attachment.id}/delete", {}),
        (f"/measures/{measure.id}/edit", {**form_data(world), "version": "1"}),
        ("/measures/new", form_data(world)),
    ):
        response = client.post(url, data=data)
        assert response.status_code == 400, url
        assert "Die Anfrage war unvollständig oder abgelaufen." in html_of(response)
    assert (snapshot(measure), snapshot(submitted)) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Watch)) == 1
    assert db.session.get(Attachment, attachment.id).deleted_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Measure)) == 2


def test_failed_guard_is_shown_with_422_and_changes_nothing(world, client, auth):
    measure = world.measure(description="")
    db.session.commit()
    auth.login(world.proposer.email, PASSWORD)
    page = html_of(client.get(f"/measures/{measure.id}"))
    assert "Noch nicht möglich:" in page and "Beschreibung" in page
    before = snapshot(measure)
    response = post(client, f"/measures/{measure.id}/transition/submit", {"version": "1"})
    assert response.status_code == 422
    assert "Pflichtangaben fehlen: Beschreibung." in html_of(response)
    assert snapshot(measure) == before


def test_stale_transition_is_refused(world, client, auth):
    measure = world.measure()
    db.session.commit()
    auth.login(world.proposer.email, PASSWORD)
    before = snapshot(measure)
    response = post(client, f"/measures/{measure.id}/transition/submit", {"version": "0"})
    assert response.status_code == 409
    assert snapshot(measure) == before


def test_transition_the_user_may_not_start_is_403(world, client, auth):
    measure = world.measure()
    db.session.commit()
    auth.login(world.finance.email, PASSWORD)
    before = snapshot(measure)
    response = post(client, f"/measures/{measure.id}/transition/submit", {"version": "1"})
    assert response.status_code == 403
    assert "Sie dürfen „Einreichen“ bei dieser Maßnahme nicht ausführen." in html_of(response)
    assert snapshot(measure) == before
    response = post(client, f"/measures/{measure.id}/transition/nonsense", {"version": "1"})
    assert response.status_code == 409


def test_comment_required_transition(world, client, auth):
    measure = world.measure()
    submit_measure(measure, actor=world.proposer)
    db.session.commit()
    auth.login(world.office.email, PASSWORD)
    page = html_of(client.get(f"/measures/{measure.id}"))
    assert ">Zurückstellen</button>" in page and 'id="comment-defer"' in page
    version = str(reload(measure).version)
    before = snapshot(measure)
    response = post(
        client, f"/measures/{measure.id}/transition/defer", {"version": version, "comment": " "}
    )
    assert response.status_code == 422
    assert (
        error_next_to(html_of(response), "comment-defer") == "Bitte geben Sie eine Begründung an."
    )
    assert snapshot(measure) == before
    response = post(
        client,
        f"/measures/{measure.id}/transition/defer",
        {"version": version, "comment": "Haushaltsjahr 2027"},
    )
    assert response.status_code == 302
    measure = reload(measure)
    assert measure.state == "deferred"
    assert measure.history[-1].comment == "Haushaltsjahr 2027"


def pending_task(measure) -> ApprovalTask:
    db.session.expire_all()
    return db.session.scalars(
        sa.select(ApprovalTask).where(
            ApprovalTask.measure_id == measure.id, ApprovalTask.status == TaskStatus.pending
        )
    ).one()


def test_approval_panel_and_decisions(world, client, auth):
    measure = world.measure()
    submit_measure(measure, actor=world.proposer)
    db.session.commit()
    task = pending_task(measure)
    auth.login(world.head.email, PASSWORD)
    html = html_of(client.get(f"/measures/{measure.id}"))
    panel = html[html.index('id="approvals-heading"') :]
    assert "Fachbereichsleitung" in panel and "Frist" in panel
    assert f'name="task_id" type="hidden" value="{task.id}"' in panel
    for value, label in (
        ("approve", "Genehmigen"),
        ("reject", "Ablehnen"),
        ("return", "Zur Überarbeitung zurückgeben"),
    ):
        assert f'name="decision" required type="radio" value="{value}"' in panel
        assert f">{label}</label>" in panel
    assert ">Entscheidung speichern</button>" in panel
    assert "im Auftrag von" not in panel

    # reject without a reason: 422, message next to the field, nothing changed
    before = snapshot(measure)
    response = post(
        client, f"/measures/{measure.id}/decide", {"task_id": task.id, "decision": "reject"}
    )
    assert response.status_code == 422
    assert error_next_to(html_of(response), f"reason-{task.id}") == (
        "Bitte begründen Sie die Ablehnung oder Rückgabe."
    )
    assert 'role="alert">Bitte korrigieren Sie die markierten Angaben.' in html_of(response)
    assert snapshot(measure) == before
    response = post(client, f"/measures/{measure.id}/decide", {"task_id": task.id})
    assert response.status_code == 422
    assert snapshot(measure) == before

    response = post(
        client, f"/measures/{measure.id}/decide", {"task_id": task.id, "decision": "approve"}
    )
    assert response.status_code == 302
    assert "Ihre Genehmigung wurde gespeichert." in html_of(client.get(f"/measures/{measure.id}"))
    decision = db.session.scalars(sa.select(ApprovalDecision)).one()
    assert decision.actor_id == world.head.id and decision.decision == Decision.approve

    # the step is closed now: deciding on it again is refused with the reason
    before = snapshot(measure)
    response = post(
        client, f"/measures/{measure.id}/decide", {"task_id": task.id, "decision": "approve"}
    )
    assert response.status_code == 409
    assert "bereits abgeschlossen" in html_of(response)
    assert snapshot(measure) == before

    # the office returns it for revision with a reason
    auth.logout()
    auth.login(world.office.email, PASSWORD)
    office_task = pending_task(measure)
    response = post(
        client,
        f"/measures/{measure.id}/decide",
        {"task_id": office_task.id, "decision": "return", "reason": "Kosten genauer"},
    )
    assert response.status_code == 302
    measure = reload(measure)
    assert measure.state == "returned"
    html = html_of(client.get(f"/measures/{measure.id}"))
    assert "Kosten genauer" in html and "Zur Überarbeitung zurückgegeben" in html


def test_reject_with_reason_ends_the_chain(world, client, auth):
    measure = world.measure()
    submit_measure(measure, actor=world.proposer)
    db.session.commit()
    task = pending_task(measure)
    auth.login(world.head.email, PASSWORD)
    response = post(
        client,
        f"/measures/{measure.id}/decide",
        {"task_id": task.id, "decision": "reject", "reason": "Kein Bedarf"},
    )
    assert response.status_code == 302
    assert reload(measure).state == "rejected"


def test_substitute_sees_on_behalf_and_decides_for_the_absent_head(world, client, auth):
    deputy = make_user(department=world.dept, name="Dora Vertretung")
    today = local_date(utcnow())
    make_substitute(world.head, deputy, today - timedelta(days=1), today + timedelta(days=1))
    measure = world.measure()
    submit_measure(measure, actor=world.proposer)
    db.session.commit()
    task = pending_task(measure)
    auth.login(deputy.email, PASSWORD)
    html = html_of(client.get(f"/measures/{measure.id}"))
    panel = html[html.index('id="approvals-heading"') :]
    assert f"im Auftrag von {world.head.name}" in panel
    # the deputy may also withdraw for the head, and is told so
    actions = html[html.index('id="actions-heading"') : html.index('id="approvals-heading"')]
    assert ">Maßnahme zurückziehen</button>" in actions
    assert f"im Auftrag von {world.head.name}" in actions
    response = post(
        client, f"/measures/{measure.id}/decide", {"task_id": task.id, "decision": "approve"}
    )
    assert response.status_code == 302
    decision = db.session.scalars(sa.select(ApprovalDecision)).one()
    assert decision.actor_id == deputy.id and decision.principal_id == world.head.id
    entry = reload(measure).history[-1]
    assert entry.action in (HistoryAction.approved, HistoryAction.approval_opened)
    approved = [h for h in reload(measure).history if h.action == HistoryAction.approved][0]
    assert approved.actor_id == deputy.id and approved.on_behalf_of_id == world.head.id
    html = html_of(client.get(f"/measures/{measure.id}"))
    assert f"im Auftrag von {world.head.name}" in html  # in the flash and in the timeline
    timeline = html[html.index('<ol class="timeline"') :]
    assert f"Dora Vertretung, im Auftrag von {world.head.name}" in timeline


def test_withdraw_needs_a_reason(world, client, auth):
    measure = world.measure()
    db.session.commit()
    auth.login(world.proposer.email, PASSWORD)
    before = snapshot(measure)
    response = post(client, f"/measures/{measure.id}/withdraw", {"reason": "", "version": "1"})
    assert response.status_code == 422
    assert error_next_to(html_of(response), "reason-withdraw") == (
        "Bitte begründen Sie die Rücknahme."
    )
    assert snapshot(measure) == before
    response = post(
        client, f"/measures/{measure.id}/withdraw", {"reason": "Doppelt", "version": "1"}
    )
    assert response.status_code == 302
    assert reload(measure).state == "withdrawn"
    html = html_of(client.get(f"/measures/{measure.id}"))
    assert "Die Maßnahme wurde zurückgezogen." in html and "Doppelt" in html
    # closed: nothing left to do
    assert "Maßnahme zurückziehen" not in html


def test_withdraw_is_not_offered_to_finance(world, client, auth):
    measure = world.measure()
    db.session.commit()
    auth.login(world.finance.email, PASSWORD)
    assert "Maßnahme zurückziehen" not in html_of(client.get(f"/measures/{measure.id}"))
    response = post(client, f"/measures/{measure.id}/withdraw", {"reason": "x", "version": "1"})
    assert response.status_code == 403
    assert reload(measure).state == "draft"


# -- comments and watching -----------------------------------------------------------------


def test_comments(world, client, auth):
    measure = world.measure()
    db.session.commit()
    auth.login(world.office.email, PASSWORD)
    response = post(client, f"/measures/{measure.id}/comments", {"body": "  "})
    assert response.status_code == 422
    assert (
        error_next_to(html_of(response), "body-comment") == "Bitte schreiben Sie einen Kommentar."
    )
    response = post(client, f"/measures/{measure.id}/comments", {"body": "Bitte <b>Kosten</b>"})
    assert response.status_code == 302
    html = html_of(client.get(f"/measures/{measure.id}"))
    assert "Bitte &lt;b&gt;Kosten&lt;/b&gt;" in html  # escaped
    comment = db.session.scalars(sa.select(Comment)).one()
    assert comment.author_id == world.office.id


def test_watch_and_unwatch(world, client, auth):
    measure = world.measure()
    db.session.add(Watch(measure_id=measure.id, user_id=world.office.id))
    db.session.commit()
    auth.login(world.council.email, PASSWORD)
    html = html_of(client.get(f"/measures/{measure.id}"))
    assert "Beobachtende: 1" in html and ">Beobachten</button>" in html
    assert post(client, f"/measures/{measure.id}/watch").status_code == 302
    assert post(client, f"/measures/{measure.id}/watch").status_code == 302  # idempotent
    html = html_of(client.get(f"/measures/{measure.id}"))
    assert "Beobachtende: 2" in html and ">Nicht mehr beobachten</button>" in html
    assert f'action="/measures/{measure.id}/unwatch"' in html
    assert post(client, f"/measures/{measure.id}/unwatch").status_code == 302
    watchers = db.session.scalars(sa.select(Watch.user_id)).all()
    assert watchers == [world.office.id]


# -- bounded queries -----------------------------------------------------------------------


def fill(measure, n, users):
    """Insert n history entries, comments, attachments and watchers in bulk."""
    now = utcnow()
    db.session.execute(
        sa.insert(HistoryEntry),
        [
            {
                "measure_id": measure.id,
                "at": now,
                "actor_id": users[i % len(users)].id,
                "on_behalf_of_id": users[(i + 1) % len(users)].id if i % 3 == 0 else None,
                "action": HistoryAction.transition if i % 2 else HistoryAction.edited,
                "transition": "submit" if i % 2 else None,
                "from_state": "draft",
                "to_state": "proposal" if i % 2 else "draft",
                "comment": f"Eintrag {i}",
                "changes": None if i % 2 else {"title": ["a", "b"]},
            }
            for i in range(n)
        ],
    )
    db.session.execute(
        sa.insert(Comment),
        [
            {
                "measure_id": measure.id,
                "author_id": users[i % len(users)].id,
                "body": f"K {i}",
                "created_at": now,
            }
            for i in range(n)
        ],
    )
    db.session.execute(
        sa.insert(Attachment),
        [
            {
                "measure_id": measure.id,
                "kind": AttachmentKind.concept,
                "filename": f"a{i}.pdf",
                "stored_name": f"{measure.id:04x}{i:028x}",
                "content_type": "application/pdf",
                "size": 1000 + i,
                "sha256": "0" * 64,
                "uploaded_by_id": users[i % len(users)].id,
                "uploaded_at": now,
            }
            for i in range(n)
        ],
    )
    watcher_ids = (
        db.session.execute(
            sa.insert(User).returning(User.id),
            [
                {
                    "email": f"w{measure.id}-{i}@example.org",
                    "name": f"W {i}",
                    "password_hash": "x",
                    "language": "de",
                    "is_active_account": True,
                    "created_at": now,
                }
                for i in range(n)
            ],
        )
        .scalars()
        .all()
    )
    db.session.execute(
        sa.insert(Watch),
        [{"measure_id": measure.id, "user_id": uid, "created_at": now} for uid in watcher_ids],
    )


def test_measure_page_queries_do_not_grow_with_its_content(world, client, auth, query_counter):
    users = [world.proposer, world.head, world.office, world.finance]
    small = world.measure(title="Klein")
    big = world.measure(title="Groß")
    fill(small, 10, users)
    fill(big, 1000, users)
    db.session.commit()
    auth.login(world.office.email, PASSWORD)
    urls = {"small": f"/measures/{small.id}", "big": f"/measures/{big.id}"}
    assert client.get(urls["small"]).status_code == 200  # warm up
    counts = {}
    for name, url in urls.items():
        with query_counter:
            response = client.get(url)
        assert response.status_code == 200
        counts[name] = query_counter.count
    html = html_of(response)
    assert "Eintrag 999" in html and "K 999" in html and "a999.pdf" in html
    assert "Beobachtende: 1000" in html
    assert counts["small"] == counts["big"], counts
    assert counts["big"] <= 20, counts
