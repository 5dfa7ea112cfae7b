"""CSV and XLSX exports of the measures list: every matching visible measure, German formats."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from digiflow.core.db import db
from digiflow.core.roles import Role
from digiflow.measures.export import COLUMNS, csv_cell, defuse
from digiflow.measures.listing import today
from digiflow.measures.operations import create_measure
from tests.factories import World, make_user
from tests.measures.test_listing import bulk_measures, login

HEADER_DE = [
    "Nr.",
    "Titel",
    "Fachbereich",
    "Status",
    "Handlungsfeld",
    "Priorität",
    "Förderprogramm",
    "IT-Dienstleister",
    "Haushaltsjahr",
    "Einmalige Kosten",
    "Laufende Kosten pro Jahr",
    "Gesamtkosten",
    "Beginn",
    "Zieltermin",
    "Frist",
    "Überfällig",
    "Verantwortlich",
    "Zuletzt geändert",
]


@pytest.fixture
def world(app_ctx) -> World:
    return World()


def read_csv(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, so that Excel reads umlauts"
    text = raw.decode("utf-8-sig")
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def by_title(rows: list[list[str]]) -> dict[str, dict[str, str]]:
    header = rows[0]
    return {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}


def test_csv_has_german_formats_and_defuses_formulas(client, auth, world):
    world.measure(
        title="E-Akte einführen",
        cost_one_off=Decimal("1000000"),
        cost_recurring=Decimal("2500.5"),
        budget_year=2026,
        start_date=date(2023, 11, 27),
        target_date=date(2024, 3, 1),
    )
    for title in ('=HYPERLINK("http://x")', "+49 Vorwahl", "-Minus", "@SUM(A1)"):
        world.measure(title=title)
    login(client, auth, world.office)

    response = client.get("/measures/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="massnahmen-{today().isoformat()}.csv"'
    rows = read_csv(response)
    assert rows[0] == HEADER_DE
    assert len(rows) == 6
    measures = by_title(rows)
    akte = measures["E-Akte einführen"]
    assert akte["Einmalige Kosten"] == "1000000,00"
    assert akte["Laufende Kosten pro Jahr"] == "2500,50"
    assert akte["Gesamtkosten"] == "1002500,50"
    assert akte["Beginn"] == "27.11.2023"
    assert akte["Zieltermin"] == "01.03.2024"
    assert akte["Haushaltsjahr"] == "2026"
    assert akte["Status"] == "Entwurf"
    assert akte["Fachbereich"] == world.dept.short_name
    assert akte["Handlungsfeld"] == "Online-Dienste" and akte["Priorität"] == "hoch"
    assert akte["Überfällig"] == "nein"
    assert akte["Verantwortlich"] == world.proposer.name
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", akte["Zuletzt geändert"])
    # formulas arrive as text
    titles = set(measures)
    assert {'\'=HYPERLINK("http://x")', "'+49 Vorwahl", "'-Minus", "'@SUM(A1)"} <= titles


def test_csv_cells():
    assert csv_cell(Decimal("1000000"), "amount") == "1000000,00"
    assert csv_cell(Decimal("0.5"), "amount") == "0,50"
    assert csv_cell(None, "amount") == ""
    assert csv_cell(date(2023, 11, 27), "date") == "27.11.2023"
    assert csv_cell(datetime(2023, 11, 27, 14, 5), "moment") == "27.11.2023 14:05"  # noqa: DTZ001
    assert defuse("=1+1") == "'=1+1" and defuse("\t=x") == "'\t=x" and defuse("a=b") == "a=b"


def test_exports_hold_every_matching_row_in_the_lists_order(client, auth, world):
    bulk_measures(world, 130, budget_year=2026)
    bulk_measures(world, 5, budget_year=2025)
    db.session.commit()
    login(client, auth, world.office)
    rows = read_csv(client.get("/measures/export.csv?budget_year=2026&per_page=10&sort=title"))
    assert len(rows) == 1 + 130  # all of them, not one page
    assert {row[8] for row in rows[1:]} == {"2026"}
    titles = [row[1] for row in rows[1:]]
    assert [t.lower() for t in titles] == sorted(t.lower() for t in titles)
    # the cursor of a page does not cut the export
    page = client.get("/measures/?budget_year=2026&sort=title&per_page=10").get_data(as_text=True)
    after = re.search(r'rel="next" href="[^"]*after=([^&"]+)', page).group(1)
    rows = read_csv(client.get(f"/measures/export.csv?budget_year=2026&sort=title&after={after}"))
    assert len(rows) == 131


def test_exports_show_only_visible_measures(client, auth, world):
    world.measure(title="Eigene Maßnahme")
    other = make_user((Role.proposer, world.other_dept), department=world.other_dept)
    create_measure(actor=other, department=world.other_dept, title="Fremde Maßnahme")
    login(client, auth, world.proposer)
    rows = read_csv(client.get("/measures/export.csv"))
    assert [r[1] for r in rows[1:]] == ["Eigene Maßnahme"]
    rows = read_csv(client.get(f"/measures/export.csv?department={world.other_dept.id}"))
    assert rows[1:] == []
    book = load_workbook(
        io.BytesIO(
            client.get(
                f"/measures/export.xlsx?q=Fremde&department={world.other_dept.id}"
            ).get_data()
        )
    )
    assert book.active.max_row == 1
    book = load_workbook(io.BytesIO(client.get("/measures/export.xlsx").get_data()))
    assert [c.value for c in book.active["B"]][1:] == ["Eigene Maßnahme"]


def test_csv_header_in_the_users_language(client, auth, world):
    world.measure(title="Eine")
    user = make_user(Role.council_member, language="en")
    login(client, auth, user)
    rows = read_csv(client.get("/measures/export.csv"))
    assert rows[0][:4] == ["No.", "Title", "Department", "Status"]
    assert rows[1][3] == "Draft"
    assert rows[1][9] == "100000,00"  # still German Excel's number format


def test_xlsx_has_real_numbers_dates_and_a_formatted_header(client, auth, world):
    world.measure(
        title="E-Akte einführen",
        cost_one_off=Decimal("1000000"),
        cost_recurring=Decimal("2500.5"),
        start_date=date(2023, 11, 27),
    )
    world.measure(title="=1+1", cost_one_off=None, cost_recurring=None)
    login(client, auth, world.office)

    response = client.get("/measures/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["Content-Disposition"].endswith(
        f'filename="massnahmen-{today().isoformat()}.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book.active
    assert sheet.title == "Maßnahmen"
    header = [c for c in sheet[1]]
    assert [c.value for c in header] == HEADER_DE
    assert all(c.font.bold for c in header)
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == COLUMNS[1].width
    rows = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    akte = rows["E-Akte einführen"]
    one_off, recurring, total = akte[9], akte[10], akte[11]
    assert one_off.value == 1000000 and one_off.data_type == "n"
    assert recurring.value == pytest.approx(2500.5)
    assert total.value == pytest.approx(1002500.5)
    assert one_off.number_format == '#,##0.00 "€"'
    start = akte[12]
    assert start.is_date and start.value == datetime(2023, 11, 27)  # noqa: DTZ001
    assert start.number_format == "DD.MM.YYYY"
    assert akte[17].is_date and akte[17].number_format == "DD.MM.YYYY HH:MM"
    assert akte[8].value == 2026 and akte[0].data_type == "n"
    # a formula-like title stays text and is not evaluated
    formula = rows["=1+1"]
    assert formula[1].data_type == "s" and formula[1].quotePrefix
    assert formula[9].value is None
