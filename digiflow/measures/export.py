"""Exports of the measures list: CSV for German Excel and a real XLSX workbook.

Both take every visible measure that matches the list's filter (not just one page), in the
list's order, fetched in batches. The file is built inside the request into a spooled temporary
file (memory first, disk when large) and sent from there.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import IO, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from digiflow.core.time import LOCAL_TZ
from digiflow.measures.listing import Catalogs
from digiflow.measures.models import Measure

#: Cells a spreadsheet would read as a formula (CSV/formula injection, OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SPOOL_SIZE = 8 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    key: str
    header: Any  # a lazy German text
    kind: str  # text, int, amount, date, moment, yesno
    width: float


COLUMNS = (
    Column("id", _l("Nr."), "int", 8),
    Column("title", _l("Titel"), "text", 50),
    Column("department", _l("Fachbereich"), "text", 14),
    Column("state", _l("Status"), "text", 26),
    Column("field_of_action", _l("Handlungsfeld"), "text", 24),
    Column("priority", _l("Priorität"), "text", 12),
    Column("funding_programme", _l("Förderprogramm"), "text", 28),
    Column("it_provider", _l("IT-Dienstleister"), "text", 22),
    Column("budget_year", _l("Haushaltsjahr"), "int", 14),
    Column("cost_one_off", _l("Einmalige Kosten"), "amount", 18),
    Column("cost_recurring", _l("Laufende Kosten pro Jahr"), "amount", 18),
    Column("total_costs", _l("Gesamtkosten"), "amount", 18),
    Column("start_date", _l("Beginn"), "date", 12),
    Column("target_date", _l("Zieltermin"), "date", 12),
    Column("state_deadline", _l("Frist"), "date", 12),
    Column("overdue", _l("Überfällig"), "yesno", 11),
    Column("owner", _l("Verantwortlich"), "text", 24),
    Column("updated_at", _l("Zuletzt geändert"), "moment", 18),
)


def row_values(measure: Measure, catalogs: Catalogs, language: str, today: date) -> list[Any]:
    """The typed values of one measure's row, in the order of :data:`COLUMNS`."""

    def entry(e: Any) -> str | None:
        return e.label(language) if e is not None else None

    updated = measure.updated_at.astimezone(LOCAL_TZ).replace(tzinfo=None)
    return [
        measure.id,
        measure.title,
        measure.department.short_name,
        catalogs.state_label(measure, language),
        entry(measure.field_of_action),
        entry(measure.priority),
        measure.funding_programme.name if measure.funding_programme else None,
        entry(measure.it_provider),
        measure.budget_year,
        measure.cost_one_off,
        measure.cost_recurring,
        measure.total_costs,
        measure.start_date,
        measure.target_date,
        measure.state_deadline,
        catalogs.is_overdue(measure, today),
        measure.owner.name,
        updated,
    ]


def defuse(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would run as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value: Any, kind: str) -> str:
    """A value as German Excel reads it: 1000000,00 and 27.11.2023."""
    if value is None:
        return ""
    if kind == "amount":
        return f"{Decimal(value):.2f}".replace(".", ",")
    if kind == "date":
        return value.strftime("%d.%m.%Y")
    if kind == "moment":
        return value.strftime("%d.%m.%Y %H:%M")
    if kind == "yesno":
        return _("ja") if value else _("nein")
    if kind == "int":
        return str(value)
    return defuse(str(value))


def write_csv(rows: Iterable[list[Any]], target: IO[bytes]) -> None:
    """Write UTF-8 with BOM, ``;`` separated, CRLF line ends, header in the user's language."""
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow([defuse(str(c.header)) for c in COLUMNS])
    for values in rows:
        writer.writerow([csv_cell(v, c.kind) for v, c in zip(values, COLUMNS, strict=True)])
    text.flush()
    text.detach()


AMOUNT_FORMAT = '#,##0.00 "€"'
DATE_FORMAT = "DD.MM.YYYY"
MOMENT_FORMAT = "DD.MM.YYYY HH:MM"


def write_xlsx(rows: Iterable[list[Any]], target: IO[bytes], title: str) -> None:
    """Write a workbook: bold header, real numbers and dates with formats, column widths."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, value=str(column.header))
        cell.font = bold
        cell.data_type = "s"
        header.append(cell)
    sheet.append(header)
    count = 0
    for values in rows:
        sheet.append([_xlsx_cell(sheet, v, c.kind) for v, c in zip(values, COLUMNS, strict=True)])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    workbook.save(target)


def _xlsx_cell(sheet: Any, value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "amount":
        cell = WriteOnlyCell(sheet, value=Decimal(value))
        cell.number_format = AMOUNT_FORMAT
        return cell
    if kind in ("date", "moment"):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT if kind == "date" else MOMENT_FORMAT
        return cell
    if kind == "yesno":
        return _("ja") if value else _("nein")
    if kind == "int":
        return value
    text = str(value)
    if not text.startswith(FORMULA_STARTS):
        return text
    # text a spreadsheet would run stays text, marked as typed with a leading apostrophe
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def spooled() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_SIZE, mode="w+b")


def chunks(source: IO[bytes], size: int = 64 * 1024) -> Iterator[bytes]:
    """Send a built file in chunks and close it, also when the download is broken off."""
    try:
        while chunk := source.read(size):
            yield chunk
    finally:
        source.close()


def export_filename(today: date, extension: str) -> str:
    return f"massnahmen-{today.isoformat()}.{extension}"
