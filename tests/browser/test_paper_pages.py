"""Papers, resolution tracking, calendar feeds, the measure page's committee panel and the
start page in a real browser: axe finds no serious problems; the forms are plain POSTs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from digiflow.committees import agenda, meetings, papers, session
from digiflow.committees.models import AttendanceStatus
from digiflow.core.db import db
from digiflow.core.time import LOCAL_TZ
from tests.browser.axe import assert_no_serious_violations
from tests.browser.conftest import login, logout
from tests.factories import PASSWORD, SessionWorld, drive_to_committee


def local(days: int, hour: int = 17) -> datetime:
    day = datetime.now(LOCAL_TZ).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ).astimezone(UTC)


def _world() -> tuple[SessionWorld, dict]:
    """A measure on an agenda (with its paper), a held session with a tracked resolution."""
    world = SessionWorld()
    measure = drive_to_committee(world, world.measure(title="E-Akte im Bauamt"))
    upcoming = meetings.plan_meeting(world.specialist, actor=world.secretary, starts_at=local(30))
    measure_item = agenda.add_measure_item(upcoming, measure, actor=world.secretary)
    paper = papers.create_paper(
        actor=world.office,
        body=world.body,
        paper_type="decision",
        title="WLAN in allen Kreisschulen",
        lead_department=world.dept,
        routing=[(world.specialist, "decision", True)],
    )
    held = meetings.plan_meeting(world.specialist, actor=world.secretary, starts_at=local(20))
    item = agenda.add_item(held, actor=world.secretary, title=paper.title, paper=paper)
    meetings.send_invitation(held, actor=world.secretary)
    day = held.starts_at + timedelta(minutes=5)
    session.record_attendance(
        held,
        actor=world.secretary,
        statuses={m.id: AttendanceStatus.present for m in world.members},
        now=day,
    )
    session.record_result(
        item,
        actor=world.secretary,
        result="recommended",
        votes_yes=5,
        votes_no=0,
        votes_abstain=0,
        now=day,
    )
    db.session.commit()
    return world, {"measure": measure, "paper": paper, "measure_paper": measure_item.paper}


def test_papers_pages_and_the_form(new_page, app_ctx) -> None:
    world, ids = _world()
    page: Page = new_page()
    login(page, world.office.email, PASSWORD)

    page.goto("/papers/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vorlagen")
    expect(page.get_by_role("cell", name=ids["measure_paper"].reference)).to_be_visible()
    assert_no_serious_violations(page)

    page.goto(f"/papers/{ids['paper'].id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("WLAN in allen Kreisschulen")
    assert_no_serious_violations(page)

    page.goto("/papers/new")
    assert_no_serious_violations(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Vorlage anlegen").click()
    title = page.get_by_label("Titel")
    expect(title).to_have_attribute("aria-invalid", "true")
    assert_no_serious_violations(page)  # the page with errors, too
    title.fill("Informationsdrucksache Breitband")
    page.get_by_label("Vorlagenart").select_option(label="Informationsdrucksache")
    page.locator("#routing-0-committee_id").select_option(label=world.specialist.name)
    page.locator("#routing-0-role").select_option(label="Kenntnisnahme")
    with page.expect_navigation():
        page.get_by_role("button", name="Vorlage anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Informationsdrucksache Breitband")
    expect(page.locator("table.consultations")).to_contain_text("Kenntnisnahme")


def test_resolution_tracking_calendar_and_measure_panel(new_page, app_ctx) -> None:
    world, ids = _world()
    page: Page = new_page()
    login(page, world.head.email, PASSWORD)

    page.goto("/resolutions/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Beschlussverfolgung")
    assert_no_serious_violations(page)
    edit = page.locator("details.edit").first
    edit.locator("summary").click()
    edit.get_by_label("erledigt", exact=True).check()
    edit.get_by_label("Vermerk").fill("Alle Schulen angeschlossen.")
    assert_no_serious_violations(page)  # with the form open
    with page.expect_navigation():
        edit.get_by_role("button", name="Stand speichern").click()
    expect(page.locator(".flash-success")).to_contain_text("erledigt")

    page.goto("/")
    assert_no_serious_violations(page)

    page.goto(f"/measures/{ids['measure'].id}")
    expect(page.locator("section.committee-panel")).to_contain_text("Beratung in den Gremien")
    assert_no_serious_violations(page)

    logout(page)
    login(page, world.members[0].email, PASSWORD)
    page.goto("/profile/calendar")
    assert_no_serious_violations(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Link erstellen").click()
    link = page.get_by_role("textbox", name="Kalender-Link")
    expect(link).to_have_value(re.compile(r"/calendar/[A-Za-z0-9_-]+\.ics$"))
    assert_no_serious_violations(page)
    page.goto("/")
    expect(page.get_by_role("heading", name="Meine nächsten Sitzungen")).to_be_visible()
    assert_no_serious_violations(page)
