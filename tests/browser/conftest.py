"""Browser tests: Playwright drives Debian's Chromium against the app served on 127.0.0.1.

The tests need Chromium (``/usr/bin/chromium``, or the path in ``DIGIFLOW_CHROMIUM``) and
axe-core (``npm ci``). Without them the package is skipped, so that ``make test`` passes on a
fresh machine; CI sets ``DIGIFLOW_REQUIRE_BROWSER=1`` and then a missing piece fails the tests.

Fixtures:

- ``live_server`` (session): the test app (same database as ``app``) served by Werkzeug in a
  background thread; yields the base URL, e.g. ``http://127.0.0.1:41234``.
- ``browser`` (session): Chromium, launched once.
- ``new_page(**context_options)`` (function): a factory for pages, each in a fresh browser
  context (``base_url`` = live server, German locale, Berlin time zone, 10 s timeouts); options
  override those defaults, e.g. ``new_page(java_script_enabled=False)``.
- ``page`` (function): one such page.

Both page fixtures request ``app_ctx``: a test writes its data inside that app context and
COMMITS before it drives the browser (the server answers in its own thread and sessions); the
tables are emptied after the test, once its browser contexts are closed.

A failing test leaves a screenshot and the HTML of each of its pages in
``artifacts/screenshots/`` under the project root; CI keeps ``artifacts/`` after the run.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.browser.axe import AXE_JS
from tests.conftest import PROJECT_ROOT

CHROMIUM = Path(os.environ.get("DIGIFLOW_CHROMIUM") or "/usr/bin/chromium")
SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"
REQUIRE_BROWSER = os.environ.get("DIGIFLOW_REQUIRE_BROWSER", "").strip().lower() in {
    "1",
    "true",
    "yes",
}
TIMEOUT_MS = 10_000
CHROMIUM_ARGS = [
    "--no-sandbox",  # Chromium refuses to start as root with its sandbox (containers, CI)
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    # the machine has no internet: keep Chromium from calling home
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def _missing() -> list[str]:
    missing = []
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        missing.append(
            f"Chromium at {CHROMIUM} (apt-get install chromium, or set DIGIFLOW_CHROMIUM)"
        )
    if not AXE_JS.is_file():
        missing.append(f"axe-core at {AXE_JS.relative_to(PROJECT_ROOT)} (run `npm ci`)")
    return missing


@pytest.fixture(scope="session", autouse=True)
def _browser_requirements() -> None:
    """Skip the browser tests when Chromium or axe-core is missing; fail instead in CI."""
    missing = _missing()
    if not missing:
        return
    message = "browser tests need " + " and ".join(missing)
    if REQUIRE_BROWSER:
        pytest.fail(f"{message}; DIGIFLOW_REQUIRE_BROWSER is set, so they must run", pytrace=False)
    pytest.skip(message)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    """Keep each phase's report on the item, so fixtures can tell whether the test failed."""
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def _failed(item: pytest.Item) -> bool:
    reports = item.stash.get(_REPORTS, {})
    return any(r.failed for r in reports.values())


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without the access log (errors are still logged)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """Serve the test app on a free port of 127.0.0.1 in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    # wait for requests still running when the server stops (they hold database connections)
    server.daemon_threads = False
    server.block_on_close = True
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    pw = sync_playwright().start()
    try:
        yield pw
    finally:
        pw.stop()


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    expect.set_options(timeout=TIMEOUT_MS)
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


def _artifact_name(item: pytest.Item) -> str:
    module = Path(str(item.path)).stem
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{module}.{item.name}").strip("_")


def _save_artifacts(page: Page, name: str) -> None:
    """Store a screenshot and the HTML of ``page``; never hide the test's own failure."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        (SCREENSHOTS / f"{name}.html").write_text(page.content(), encoding="utf-8")
    except PlaywrightError as exc:
        (SCREENSHOTS / f"{name}.txt").write_text(f"no screenshot: {exc}\n", encoding="utf-8")


@pytest.fixture
def new_page(
    request: pytest.FixtureRequest, live_server: str, browser: Browser, app_ctx: Flask
) -> Iterator[Callable[..., Page]]:
    """Return ``new_page(**context_options) -> Page``: a page in a fresh browser context."""
    pages: list[Page] = []

    def factory(**context_options: Any) -> Page:
        options: dict[str, Any] = {
            "base_url": live_server,
            "locale": "de-DE",
            "timezone_id": "Europe/Berlin",
            **context_options,
        }
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        page = context.new_page()
        pages.append(page)
        return page

    yield factory

    # the report of the call phase exists by now; teardown runs after it
    failed = _failed(request.node)
    name = _artifact_name(request.node)
    for number, page in enumerate(pages, start=1):
        try:
            if failed:
                _save_artifacts(page, name if number == 1 else f"{name}-{number}")
        finally:
            page.context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A page in a fresh browser context (German locale), on the live server's base URL."""
    return new_page()


def login(page: Page, email: str, password: str) -> None:
    """Sign in through the real login form and check that it worked (with or without JS)."""
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Anmelden", exact=True).click()
    expect(page.locator("form.logout"), f"{email} could not sign in").to_have_count(1)


def logout(page: Page) -> None:
    """Sign out with the button in the header (a form POST) and check that it worked."""
    with page.expect_navigation():
        page.locator("form.logout button").click()
    expect(page.locator("form.logout"), "still signed in").to_have_count(0)
