"""Numbers, amounts and dates as people in a German town hall read them (and in English)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_currency, format_date, format_datetime, format_decimal, get_locale

from digiflow.core.time import LOCAL_TZ


def language() -> str:
    """The language of the current request: ``de`` or ``en``."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "de"


def money(value: Decimal | int | float | None) -> str:
    """1.000.000,00 € in German, €1,000,000.00 in English; an en dash when empty."""
    if value is None:
        return "–"
    return format_currency(value, "EUR")


def number(value: Decimal | int | float | None) -> str:
    if value is None:
        return "–"
    return format_decimal(value)


def day(value: date | datetime | None) -> str:
    """27.11.2023 in German, 27 Nov 2023 in English."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date()
    return format_date(value, "dd.MM.yyyy" if language() == "de" else "d MMM yyyy")


def moment(value: datetime | None) -> str:
    """27.11.2023, 14:05 in German local time."""
    if value is None:
        return "–"
    pattern = "dd.MM.yyyy, HH:mm" if language() == "de" else "d MMM yyyy, HH:mm"
    return format_datetime(value.astimezone(LOCAL_TZ), pattern)


def german_amount(value: Decimal | None) -> str:
    """The amount as a German form field shows it: 1.000.000,00 (no currency sign)."""
    if value is None:
        return ""
    text = f"{value:,.2f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
