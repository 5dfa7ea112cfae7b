"""The acceptance test of the sessions issue, in a real browser: a measure goes through a
session (agenda, invitation whose mail with ICS and PDF arrives at a real SMTP server,
attendance, vote, result) and the measure page shows its next state. axe checks the session
page, the agenda builder, the invitation page and the session-day pages on the way.

The session is planned for today, a few minutes ahead (attendance is recorded on the session
day, the invitation before the session starts): its Vorlagenschluss and Ladungsfrist have
passed, so the measure goes on the agenda as an urgent item and the invitation is urgent; the
committee's shortened notice period is set to 0 days for that, in the browser.

The helpers are shared with ``test_journeys.py``.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from playwright.sync_api import Page, expect

from digiflow.core.db import db
from digiflow.core.time import LOCAL_TZ
from digiflow.measures.models import Measure
from digiflow.notifications.delivery import sweep
from tests.browser.axe import assert_no_serious_violations
from tests.browser.conftest import login
from tests.factories import PASSWORD, SessionWorld, drive_to_committee

#: Minutes between planning a session and its start: time to build its agenda and invite.
LEAD_MINUTES = 3


def session_start() -> datetime:
    """Today, a few minutes ahead (German time, whole minutes); just before midnight it waits
    for the next day, so that the session stays on the day it is planned for."""
    while True:
        now = datetime.now(LOCAL_TZ)
        start = (now + timedelta(minutes=LEAD_MINUTES)).replace(second=0, microsecond=0)
        if start.date() == now.date():
            return start
        time.sleep(30)


def plan_session_today(page: Page, committee) -> datetime:  # noqa: ANN001
    """Plan a single session of ``committee`` for today in the browser; land on its agenda."""
    start = session_start()
    page.goto(f"/committees/{committee.id}")
    page.get_by_role("link", name="Sitzung planen").click()
    single = page.locator("section", has=page.get_by_role("heading", name="Einzelne Sitzung"))
    single.get_by_label("Datum").fill(start.strftime("%d.%m.%Y"))
    single.get_by_label("Beginn").fill(start.strftime("%H:%M"))
    single.get_by_label("Sitzungsort").select_option(
        label="Kreishaus, Sitzungssaal 1, Marktplatz 1, 31134 Hildesheim"
    )
    single.get_by_role("button", name="Sitzung planen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tagesordnung")
    return start


def put_measure_on_agenda(page: Page, title: str, urgent_reason: str) -> None:
    """In the agenda builder: the waiting measure onto the agenda (urgent: after the
    Vorlagenschluss)."""
    waiting = page.locator(
        "section", has=page.get_by_role("heading", name="Maßnahmen, die auf dieses Gremium warten")
    )
    row = waiting.get_by_role("row").filter(has_text=title)
    row.get_by_label("Begründung der Dringlichkeit").fill(urgent_reason)
    row.get_by_role("button", name="auf die Tagesordnung").click()
    expect(page.locator("table.agenda")).to_contain_text(title)


def send_urgent_invitation(page: Page, reason: str) -> None:
    page.locator("nav.meeting-nav").get_by_role("link", name="Einladung").click()
    expect(page.get_by_role("alert").filter(has_text="Ladungsfrist")).to_contain_text(
        "ist nicht mehr eingehalten"
    )
    page.get_by_label("Begründung der Dringlichkeitsladung").fill(reason)
    page.get_by_role("button", name="Einladung senden").click()
    expect(page.locator("main")).to_contain_text("eingeladen am")


def record_attendance(page: Page, absent: dict[str, str] | None = None) -> None:
    """Everybody present (preselected) except ``absent``: name -> "entschuldigt"/"abwesend"."""
    page.locator("nav.meeting-nav").get_by_role("link", name="Anwesenheit").click()
    for name, status in (absent or {}).items():
        member = page.get_by_role("group", name=name)
        member.get_by_label(status, exact=True).check()
    page.get_by_role("button", name="Anwesenheit speichern").click()
    expect(page.locator("main")).to_contain_text("Die Anwesenheit ist erfasst")


def record_result(
    page: Page, number: str, result: str, votes: tuple[int, int, int], text: str = ""
) -> None:
    card = page.locator("article.item-card", has=page.get_by_role("heading", name=number))
    card.get_by_role("group", name=f"Ergebnis für {number}").get_by_label(
        result, exact=True
    ).check()
    card.get_by_label("Ja-Stimmen").fill(str(votes[0]))
    card.get_by_label("Nein-Stimmen").fill(str(votes[1]))
    card.get_by_label("Enthaltungen").fill(str(votes[2]))
    if text:
        card.get_by_label("Beschlusstext").fill(text)
    card.get_by_role("button", name="Ergebnis speichern").click()


def hold_session(page: Page, committee, title: str, reason: str = "Förderfrist") -> None:  # noqa: ANN001
    """The whole session for one measure, recommended by a majority (used by the journeys)."""
    plan_session_today(page, committee)
    put_measure_on_agenda(page, title, reason)
    send_urgent_invitation(page, reason)
    record_attendance(page)
    record_result(page, "Ö 1", "empfohlen / beschlossen wie vorgelegt", (3, 0, 0))
    expect(page.locator(".flash-success")).to_contain_text("Das Ergebnis ist erfasst")


def test_a_measure_goes_through_a_session(page: Page, smtp) -> None:  # noqa: ANN001
    world = SessionWorld()
    title = "Digitaler Bauantrag"
    measure = drive_to_committee(world, world.measure(title=title))
    db.session.commit()

    login(page, world.secretary.email, PASSWORD)
    # an urgent session today: the shortened notice period of this committee is 0 days
    page.goto(f"/committees/{world.specialist.id}")
    assert_no_serious_violations(page)
    page.get_by_text("Einstellungen ändern", exact=True).click()  # opens the form
    settings = page.locator("form[action$='/settings']")
    settings.get_by_label("Verkürzte Ladungsfrist (Tage)").fill("0")
    settings.get_by_role("button", name="Einstellungen speichern").click()
    expect(page.locator(".flash-success")).to_contain_text("Die Einstellungen wurden gespeichert.")

    # plan the session and put the measure on its agenda
    plan_session_today(page, world.specialist)
    assert_no_serious_violations(page)  # the agenda builder
    expect(page.locator("main")).to_contain_text("Vorlagenschluss vorbei")
    put_measure_on_agenda(page, title, "Die Förderfrist endet in zwei Wochen.")
    expect(page.locator("table.agenda tr", has_text=title)).to_contain_text("Ö 1")
    assert_no_serious_violations(page)

    # the invitation: the notice period has passed, so it goes out as an urgent one
    page.locator("nav.meeting-nav").get_by_role("link", name="Einladung").click()
    assert_no_serious_violations(page)
    expect(page.locator("main")).to_contain_text(
        "Die Ladungsfrist von 7 Tagen ist nicht mehr eingehalten"
    )
    page.get_by_role("button", name="Einladung senden").click()  # without the reason: refused
    expect(page.locator(".flash-error")).to_contain_text("Dringlichkeitsladung mit Begründung")
    page.get_by_label("Begründung der Dringlichkeitsladung").fill("Förderantrag bis Monatsende")
    page.get_by_role("button", name="Einladung senden").click()
    main = page.locator("main")
    expect(main).to_contain_text("Die Einladung geht an 7 Mitglieder.")
    expect(main).to_contain_text("eingeladen am")
    expect(main).to_contain_text("Förderantrag bis Monatsende")
    assert_no_serious_violations(page)  # the session page

    # the mails reach a real SMTP server: the agenda as PDF and the calendar invitation
    db.session.rollback()
    counts = sweep()
    assert counts.get("sent", 0) >= 7, counts
    invitations = [m for m in smtp.messages if "Einladung" in str(m["Subject"])]
    assert len(invitations) == 7
    parts = {part.get_content_type(): part for part in invitations[0].walk()}
    assert "METHOD:REQUEST" in parts["text/calendar"].get_content()
    assert parts["application/pdf"].get_content()[:5] == b"%PDF-"
    assert title in parts["text/plain"].get_content()

    # the session day: attendance (one member excused), then the vote
    page.locator("nav.meeting-nav").get_by_role("link", name="Anwesenheit").click()
    assert_no_serious_violations(page)
    page.get_by_role("group", name="Mitglied 5").get_by_label("entschuldigt", exact=True).check()
    page.get_by_role("button", name="Anwesenheit speichern").click()
    expect(main).to_contain_text(
        "Beschlussfähig: 4 von 5 stimmberechtigten Mitgliedern anwesend, nötig 3."
    )
    assert_no_serious_violations(page)  # the session-day page

    # a tie is a rejection: recording it as a recommendation is refused, the values stay
    record_result(page, "Ö 1", "empfohlen / beschlossen wie vorgelegt", (2, 2, 0))
    expect(page.get_by_role("alert").filter(has_text="Stimmengleichheit").first).to_be_visible()
    expect(page.get_by_label("Ja-Stimmen")).to_have_value("2")
    assert_no_serious_violations(page)  # with the error shown
    record_result(
        page,
        "Ö 1",
        "empfohlen / beschlossen wie vorgelegt",
        (3, 1, 0),
        "Der Ausschuss empfiehlt die Freigabe der Haushaltsmittel.",
    )
    expect(page.locator(".flash-success")).to_contain_text(
        "steht jetzt auf „Freigabe der Haushaltsmittel“"
    )
    card = page.locator("article.item-card", has_text=title)
    expect(card).to_contain_text("Ja: 3, Nein: 1, Enthaltungen: 0")
    expect(card).to_contain_text(f"Erfasst von {world.secretary.name}")

    # the measure is in its next state
    card.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".wf-current").first).to_contain_text("Freigabe der Haushaltsmittel")
    db.session.expire_all()
    assert db.session.get(Measure, measure.id).state == "budget_release"

    # closing the session writes the minutes' draft
    page.go_back()
    page.get_by_role("button", name="Sitzung schließen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Niederschrift")
    expect(page.get_by_label("Text der Niederschrift")).to_contain_text("Ö 1 Digitaler Bauantrag")
    assert_no_serious_violations(page)
