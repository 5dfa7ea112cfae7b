"""Form fields for German input: amounts like 1.000.000,00 € and dates like 27.11.2023."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.widgets import TextInput

from digiflow.core.formatting import german_amount

_THOUSANDS_ONLY = re.compile(r"^\d{1,3}(\.\d{3})+$")


def parse_amount(text: str) -> Decimal:
    """Read an amount in German (1.000.000,00 €) or plain (1000000.00) notation."""
    cleaned = text.replace("€", "").replace("EUR", "").replace("\u00a0", "").replace(" ", "")
    cleaned = cleaned.strip()
    if not cleaned:
        raise ValueError("empty")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif _THOUSANDS_ONLY.match(cleaned):
        cleaned = cleaned.replace(".", "")
    if not re.fullmatch(r"-?\d+(\.\d{1,2})?", cleaned):
        raise ValueError(text)
    try:
        return Decimal(cleaned).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise ValueError(text) from exc


def parse_day(text: str) -> date:
    """Read 27.11.2023 (also 27.11.23 and 2023-11-27)."""
    text = text.strip()
    for pattern in ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar day
        except ValueError:
            continue
    raise ValueError(text)


class AmountField(Field):
    """An amount in euros, shown and read in German notation."""

    widget = TextInput()

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {}).setdefault("inputmode", "decimal")
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return german_amount(self.data)

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = parse_amount(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(_l("Bitte geben Sie einen Betrag wie 1.000.000,00 ein.")) from None


class GermanDateField(Field):
    """A calendar day, shown and read as TT.MM.JJJJ."""

    widget = TextInput()

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        render_kw = kwargs.setdefault("render_kw", {})
        render_kw.setdefault("placeholder", "TT.MM.JJJJ")
        render_kw.setdefault("autocomplete", "off")
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%d.%m.%Y") if self.data else ""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = parse_day(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(_l("Bitte geben Sie ein Datum wie 27.11.2023 ein.")) from None
