"""The pages that exist, in a real browser: accessibility (axe, keyboard), languages, no-JS."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from digiflow.core.db import db
from digiflow.measures.operations import submit_measure
from tests.browser.axe import assert_no_serious_violations
from tests.browser.conftest import login, logout
from tests.factories import PASSWORD, World


def _world_with_work() -> World:
    """A world where the department head has an approval waiting and the proposer a measure."""
    world = World()
    measure = world.measure(title="E-Akte im Bauamt")
    submit_measure(measure, actor=world.proposer)
    db.session.commit()
    return world


def test_login_page_has_no_serious_accessibility_problems(page: Page) -> None:
    page.goto("/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    assert_no_serious_violations(page)


def test_keyboard_reaches_the_skip_link_first_and_then_the_form(page: Page) -> None:
    page.goto("/login")
    skip = page.get_by_role("link", name="Zum Inhalt springen")

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # visible when focused, not left off-screen

    page.keyboard.press("Enter")  # jumps over the header into <main>
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("E-Mail-Adresse")).to_be_focused()


def test_empty_login_shows_the_errors_at_the_fields(page: Page) -> None:
    page.goto("/login")
    with page.expect_navigation():
        page.get_by_role("button", name="Anmelden", exact=True).click()

    email = page.get_by_label("E-Mail-Adresse")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description("Bitte geben Sie Ihre E-Mail-Adresse ein.")
    error = page.locator(".field", has=email).locator(".error")
    expect(error).to_have_text("Bitte geben Sie Ihre E-Mail-Adresse ein.")
    assert error.get_attribute("id") in (email.get_attribute("aria-describedby") or "").split()

    password = page.get_by_label("Passwort")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_accessible_description("Bitte geben Sie Ihr Passwort ein.")
    assert_no_serious_violations(page)  # the page with errors, too


def test_start_page_has_no_serious_accessibility_problems(page: Page, app_ctx) -> None:
    world = _world_with_work()

    login(page, world.head.email, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Aufgaben")
    expect(page.get_by_role("cell", name="E-Akte im Bauamt")).to_be_visible()
    assert_no_serious_violations(page)

    logout(page)
    login(page, world.proposer.email, PASSWORD)
    expect(page.get_by_role("cell", name="E-Akte im Bauamt")).to_be_visible()
    assert_no_serious_violations(page)


def test_language_switch_to_english_and_back(page: Page, app_ctx) -> None:
    world = World()
    db.session.commit()
    login(page, world.proposer.email, PASSWORD)

    page.goto("/profile")
    assert_no_serious_violations(page)
    page.get_by_label("Sprache").select_option(label="Englisch")
    with page.expect_navigation():
        page.get_by_role("button", name="Speichern", exact=True).click()

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My tasks")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_no_serious_violations(page)  # the English page

    page.goto("/profile")
    page.get_by_label("Language").select_option(label="German")
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Aufgaben")
    expect(page.locator("html")).to_have_attribute("lang", "de")


def test_sign_in_and_out_without_javascript(new_page: Callable[..., Page], app_ctx) -> None:
    world = World()
    db.session.commit()
    page = new_page(java_script_enabled=False)
    page.set_content("<title>off</title><script>document.title = 'on'</script>")
    expect(page).to_have_title("off")  # the page's scripts do not run

    login(page, world.proposer.email, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Aufgaben")
    logout(page)
    expect(page).to_have_url("/login")
    expect(page.get_by_role("status")).to_have_text("Sie haben sich abgemeldet.")
    page.goto("/")
    expect(page).to_have_url("/login?next=%2F")
