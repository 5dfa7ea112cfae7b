"""Journeys in a real browser, by the people who own each step, and axe on the main pages."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import Page, expect

from digiflow.core.db import db
from digiflow.measures.models import HistoryEntry, Measure
from digiflow.measures.operations import submit_measure
from tests.browser.axe import assert_no_serious_violations
from tests.browser.conftest import login, logout
from tests.browser.test_sessions import hold_session
from tests.factories import (
    PASSWORD,
    SessionWorld,
    World,
    complete_fields,
    make_substitute,
    make_user,
)


def approvals(page: Page):  # noqa: ANN201
    return page.locator("section.approval-panel")


def decide(page: Page, decision: str, reason: str = "") -> None:
    panel = approvals(page)
    panel.get_by_label(decision, exact=True).first.check()
    if reason:
        panel.get_by_label("Begründung").first.fill(reason)
    panel.get_by_role("button", name="Entscheidung speichern").first.click()


def open_measure(page: Page, title: str) -> None:
    page.goto("/measures/")
    page.get_by_role("link", name=title).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def state_is(page: Page, label: str) -> None:
    expect(page.locator(".wf-current, [aria-current='step']").first).to_contain_text(label)


def as_user(page: Page, user, title: str) -> None:  # noqa: ANN001
    logout(page)
    login(page, user.email, PASSWORD)
    open_measure(page, title)


def test_whole_journey_through_the_default_workflow(page: Page) -> None:
    world = SessionWorld()
    for committee in (world.specialist, world.main):
        committee.urgent_notice_days = 0  # sessions today need the shortest notice
    complete_fields()  # catalog entries: a field of action and a priority
    db.session.commit()
    title = "Digitaler Bauantrag (Journey)"

    login(page, world.proposer.email, PASSWORD)
    page.goto("/measures/new")
    assert_no_serious_violations(page)
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Beschreibung").fill("Bauanträge online stellen, OZG-Leistung.")
    page.get_by_label("Handlungsfeld").select_option(label="Online-Dienste")
    page.get_by_label("Priorität").select_option(label="hoch")
    page.get_by_label("Einmalige Kosten").fill("250.000,00")
    page.get_by_label("Laufende Kosten pro Jahr").fill("12.500,00")
    page.get_by_label("Haushaltsjahr").fill("2027")
    page.get_by_label("Zieltermin").fill("30.06.2028")
    page.get_by_role("button", name="Maßnahme anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("main")).to_contain_text("250.000,00 €")
    assert_no_serious_violations(page)
    page.get_by_role("button", name="Einreichen").click()
    state_is(page, "Vorschlag")

    as_user(page, world.head, title)
    assert_no_serious_violations(page)
    decide(page, "Genehmigen")
    as_user(page, world.office, title)
    decide(page, "Genehmigen")
    state_is(page, "Konzept")

    as_user(page, world.finance, title)
    decide(page, "Genehmigen")
    as_user(page, world.office2, title)
    decide(page, "Genehmigen")
    state_is(page, "Beschlussempfehlung")

    # the committees decide in their sessions (urgent sessions today, see test_sessions.py)
    as_user(page, world.secretary, title)
    hold_session(page, world.specialist, title)
    open_measure(page, title)
    state_is(page, "Freigabe")
    hold_session(page, world.main, title)
    open_measure(page, title)
    state_is(page, "Umsetzung")

    as_user(page, world.proposer, title)
    actions = page.locator("section.measure-actions")
    actions.get_by_label("Begründung").first.fill("In Betrieb genommen.")
    actions.get_by_role("button", name="Abschließen").click()
    state_is(page, "Abgeschlossen")
    history = page.locator("#history").locator("..")
    expect(history).to_contain_text("In Betrieb genommen.")
    expect(history).to_contain_text(world.proposer.name)
    measure = db.session.scalar(db.select(Measure).where(Measure.title == title))
    db.session.refresh(measure)
    assert measure.state == "completed"


def test_send_back_and_rejection(page: Page) -> None:
    world = World()
    measure = world.measure(title="Notebooks für mobiles Arbeiten")
    submit_measure(measure, actor=world.proposer)
    db.session.commit()
    title = measure.title

    login(page, world.head.email, PASSWORD)
    open_measure(page, title)
    decide(page, "Ablehnen")  # without the reason the page refuses it
    expect(approvals(page).locator(".error").first).to_be_visible()
    state_is(page, "Vorschlag")
    decide(page, "Zur Überarbeitung zurückgeben", "Bitte Wartungskosten ergänzen.")
    state_is(page, "Zur Überarbeitung")

    as_user(page, world.proposer, title)
    page.get_by_role("link", name="Angaben bearbeiten").click()
    page.get_by_label("Laufende Kosten pro Jahr").fill("30.000,00")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator("main")).to_contain_text("30.000,00 €")
    page.get_by_role("button", name="Einreichen").click()
    state_is(page, "Vorschlag")

    as_user(page, world.head, title)
    decide(page, "Genehmigen")
    as_user(page, world.office, title)
    decide(page, "Ablehnen", "Landesweite Lösung geplant.")
    state_is(page, "Abgelehnt")
    expect(page.locator("main")).to_contain_text("Landesweite Lösung geplant.")


def test_substitute_approves_on_behalf_of_the_absent_head(page: Page) -> None:
    world = World()
    deputy = make_user(department=world.dept, name="Stefan Stellmacher")
    make_substitute(
        world.head, deputy, date.today() - timedelta(days=1), date.today() + timedelta(days=7)
    )
    measure = world.measure(title="Online-Terminvergabe Bürgerbüro")
    submit_measure(measure, actor=world.proposer)
    db.session.commit()

    login(page, deputy.email, PASSWORD)
    waiting = page.locator(
        "section", has=page.get_by_role("heading", name="Genehmigungen, die auf mich warten")
    )
    expect(waiting).to_contain_text(measure.title)
    expect(waiting).to_contain_text(world.head.name)
    waiting.get_by_role("link", name=measure.title).click()
    expect(approvals(page)).to_contain_text(world.head.name)
    decide(page, "Genehmigen")
    expect(page.locator("#history").locator("..")).to_contain_text(world.head.name)
    entry = db.session.scalars(
        db.select(HistoryEntry).where(
            HistoryEntry.measure_id == measure.id, HistoryEntry.on_behalf_of_id == world.head.id
        )
    ).first()
    assert entry is not None and entry.actor_id == deputy.id


def test_main_pages_have_no_serious_accessibility_problems(page: Page) -> None:
    world = World()
    measure = world.measure(title="Schul-Cloud")
    submit_measure(measure, actor=world.proposer)
    db.session.commit()
    login(page, world.admin.email, PASSWORD)
    for path in (
        "/",
        "/measures/",
        "/measures/?q=Schul&overdue=y",
        "/measures/board",
        f"/measures/{measure.id}",
        "/admin/",
        "/admin/users",
        f"/admin/users/{world.head.id}",
        "/admin/users/new",
        "/admin/departments",
        f"/admin/departments/{world.dept.id}",
        "/admin/substitutes",
        "/admin/outbox",
        "/admin/workflows",
        "/admin/workflows/digitalization_measure",
        "/profile",
        "/profile/substitutes",
    ):
        page.goto(path)
        assert_no_serious_violations(page)
    logout(page)
    login(page, world.proposer.email, PASSWORD)
    for path in ("/measures/new", f"/measures/{measure.id}"):
        page.goto(path)
        assert_no_serious_violations(page)
    page.goto("/measures/new")
    page.get_by_role("button", name="Maßnahme anlegen").click()  # empty: errors shown
    expect(page.locator(".error-summary, .error").first).to_be_visible()
    assert_no_serious_violations(page)
