"""Forms of the committee and session pages (German input: dates TT.MM.JJJJ, times HH:MM).

The forms check what a form can check (required fields, formats, an end before its start);
the operations in ``digiflow.committees`` decide everything else and say why they refuse.
Select fields whose choices come from the database or from the language get them in the view.
Forms that change a session carry its ``version``: a stale page is refused.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from digiflow.core.forms import GermanDateField

NO_CHOICE = ""
_CLOCK = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?(?:\s*Uhr)?$", re.IGNORECASE)


class Required:
    """Like ``DataRequired``, but silent when the field could not even be read (a bad date),
    and 0 counts as given."""

    field_flags = {"required": True}

    def __init__(self, message: Any) -> None:
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        if field.process_errors:
            raise StopValidation()
        if field.data is None or (isinstance(field.data, str) and not field.data.strip()):
            raise StopValidation(self.message)


def options(pairs: Any) -> list[SelectChoice]:
    """(value, label) pairs as the choices of a select, radio or checkbox field."""
    return [SelectChoice(str(value), text) for value, text in pairs]


def optional_id(value: Any) -> int | None:
    """Coerce a select's value to an id; the empty choice (or garbage) is ``None``."""
    if value is None or value in (NO_CHOICE, "None"):
        return None
    text = str(value)
    return int(text) if text.isdigit() else None


class ClockField(Field):
    """A time of day, shown and read as HH:MM (also 9:30, 18.30, 18 Uhr)."""

    widget = TextInput()

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        render_kw = kwargs.setdefault("render_kw", {})
        render_kw.setdefault("placeholder", "HH:MM")
        render_kw.setdefault("autocomplete", "off")
        render_kw.setdefault("inputmode", "numeric")
        render_kw.setdefault("size", 6)
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%H:%M") if self.data else ""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        match = _CLOCK.match(valuelist[0].strip())
        hour = int(match.group(1)) if match else -1
        minute = int(match.group(2) or 0) if match else -1
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            self.data = None
            raise ValueError(_l("Bitte geben Sie eine Uhrzeit wie 18:00 ein."))
        self.data = time(hour, minute)


class CountField(Field):
    """A whole number from 0 (votes, days), read strictly: 3, not 3,5 or -1."""

    widget = TextInput()

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        render_kw = kwargs.setdefault("render_kw", {})
        render_kw.setdefault("inputmode", "numeric")
        render_kw.setdefault("size", 4)
        render_kw.setdefault("autocomplete", "off")
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip()
        if not text.isdigit() or len(text) > 6:
            self.data = None
            raise ValueError(_l("Bitte geben Sie eine ganze Zahl ab 0 ein."))
        self.data = int(text)


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of checkboxes (rendered inside a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# -- committees --------------------------------------------------------------------------------


def _days(label: Any, description: Any) -> CountField:
    return CountField(
        label,
        validators=[Required(_l("Bitte geben Sie die Zahl der Tage an."))],
        description=description,
    )


class CommitteeForm(FlaskForm):
    """A committee's settings (creating one: also the body when there are several)."""

    body_id = SelectField(_l("Körperschaft"), coerce=optional_id)
    name = StringField(
        _l("Name"),
        validators=[
            Required(_l("Bitte geben Sie einen Namen an.")),
            Length(max=200, message=_l("Der Name darf höchstens 200 Zeichen lang sein.")),
        ],
        description=_l("z. B. „Ausschuss für Digitalisierung und Organisation“"),
    )
    short_name = StringField(
        _l("Kurzbezeichnung"),
        validators=[
            Required(_l("Bitte geben Sie eine Kurzbezeichnung an.")),
            Length(max=30, message=_l("Höchstens 30 Zeichen.")),
        ],
        description=_l("z. B. „ADO“; eindeutig, erscheint in Dateinamen und Listen."),
    )
    type = SelectField(_l("Art des Gremiums"))
    notice_days = _days(
        _l("Ladungsfrist (Tage)"),
        _l("So viele Kalendertage vor der Sitzung muss die Einladung verschickt sein."),
    )
    urgent_notice_days = _days(
        _l("Verkürzte Ladungsfrist (Tage)"),
        _l("Bei Dringlichkeit (mit Begründung) genügen so viele Tage; höchstens die Ladungsfrist."),
    )
    submission_days = _days(
        _l("Vorlagenschluss (Tage vor der Sitzung)"),
        _l("Bis dahin müssen Vorlagen eingereicht sein; mindestens die Ladungsfrist."),
    )
    is_public = BooleanField(_l("Sitzungen sind in der Regel öffentlich"))
    description = TextAreaField(
        _l("Beschreibung"),
        validators=[Length(max=5000)],
        description=_l("Aufgaben und Zuständigkeit des Gremiums (optional)."),
        render_kw={"rows": 3},
    )


VOTING_CHOICES = options(
    [
        ("auto", _l("wie die Funktion es vorsieht")),
        ("yes", _l("stimmberechtigt")),
        ("no", _l("ohne Stimmrecht")),
    ]
)


class MemberForm(FlaskForm):
    user_id = SelectField(
        _l("Person"),
        coerce=optional_id,
        validators=[Required(_l("Bitte wählen Sie eine Person."))],
    )
    role = SelectField(_l("Funktion"))
    voting = SelectField(
        _l("Stimmrecht"),
        choices=VOTING_CHOICES,
        default="auto",
        description=_l(
            "Stellvertretende und beratende Mitglieder haben kein eigenes Stimmrecht; "
            "Stellvertretende stimmen, wenn sie für ein abwesendes Mitglied eintreten."
        ),
    )
    group_id = SelectField(_l("Fraktion / Gruppe"), coerce=optional_id)
    starts_on = GermanDateField(
        _l("Mitglied ab"),
        validators=[Required(_l("Bitte geben Sie an, ab wann die Person Mitglied ist."))],
        description=_l("TT.MM.JJJJ, z. B. 01.11.2021"),
    )
    ends_on = GermanDateField(
        _l("Mitglied bis"),
        description=_l("TT.MM.JJJJ; leer lassen, wenn nicht befristet."),
    )

    def validate_ends_on(self, field: GermanDateField) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("Das Ende der Mitgliedschaft liegt vor ihrem Beginn."))


class EndMembershipForm(FlaskForm):
    ends_on = GermanDateField(
        _l("Mitglied bis"),
        validators=[Required(_l("Bitte geben Sie das Ende der Mitgliedschaft an."))],
        description=_l("Der letzte Tag der Mitgliedschaft, TT.MM.JJJJ"),
    )


class LocationForm(FlaskForm):
    description = StringField(
        _l("Bezeichnung"),
        validators=[
            Required(_l("Bitte beschreiben Sie den Sitzungsort.")),
            Length(max=300, message=_l("Höchstens 300 Zeichen.")),
        ],
        description=_l("z. B. „Kreishaus, Sitzungssaal 1“"),
    )
    street_address = StringField(_l("Straße und Hausnummer"), validators=[Length(max=200)])
    room = StringField(_l("Raum"), validators=[Length(max=100)])
    postal_code = StringField(_l("Postleitzahl"), validators=[Length(max=10)])
    locality = StringField(_l("Ort"), validators=[Length(max=100)])


class GroupForm(FlaskForm):
    name = StringField(
        _l("Name der Fraktion oder Gruppe"),
        validators=[
            Required(_l("Bitte geben Sie einen Namen an.")),
            Length(max=200, message=_l("Der Name darf höchstens 200 Zeichen lang sein.")),
        ],
    )
    short_name = StringField(
        _l("Kurzbezeichnung der Fraktion"),
        validators=[
            Required(_l("Bitte geben Sie eine Kurzbezeichnung an.")),
            Length(max=50, message=_l("Höchstens 50 Zeichen.")),
        ],
    )


# -- sessions ----------------------------------------------------------------------------------


class VersionForm(FlaskForm):
    """An action on a session without further input; carries the session's version."""

    version = HiddenField()


class _TimesForm(FlaskForm):
    day = GermanDateField(
        _l("Datum"),
        validators=[Required(_l("Bitte geben Sie das Datum der Sitzung an."))],
        description=_l("TT.MM.JJJJ, z. B. 12.03.2026"),
    )
    starts = ClockField(
        _l("Beginn"),
        validators=[Required(_l("Bitte geben Sie die Uhrzeit des Beginns an."))],
        description=_l("HH:MM, z. B. 17:00"),
    )
    ends = ClockField(_l("Ende"), description=_l("HH:MM, optional, z. B. 19:30"))
    location_id = SelectField(_l("Sitzungsort"), coerce=optional_id)

    def validate_ends(self, field: ClockField) -> None:
        if (
            field.data is not None
            and self.starts.data is not None
            and field.data <= self.starts.data
        ):
            raise ValidationError(_l("Das Ende muss nach dem Beginn liegen (am selben Tag)."))


class PlanMeetingForm(_TimesForm):
    name = StringField(
        _l("Bezeichnung"),
        validators=[Length(max=300, message=_l("Höchstens 300 Zeichen."))],
        description=_l("Optional; sonst „<Gremium> – Sitzung am <Datum>“."),
    )


RECURRENCE_CHOICES = options(
    [
        ("monthly_weekday", _l("monatlich am selben Wochentag (z. B. am 2. Mittwoch)")),
        ("monthly_day", _l("monatlich am selben Tag des Monats")),
        ("weekly", _l("wöchentlich")),
        ("biweekly", _l("alle zwei Wochen")),
        ("custom", _l("eigene Regel (RRULE)")),
    ]
)


class PlanSeriesForm(PlanMeetingForm):
    recurrence = RadioField(
        _l("Wiederholung"),
        choices=RECURRENCE_CHOICES,
        default="monthly_weekday",
        validators=[Required(_l("Bitte wählen Sie, wie sich die Sitzung wiederholt."))],
    )
    rrule = StringField(
        _l("Eigene Regel (RRULE)"),
        validators=[Length(max=500, message=_l("Höchstens 500 Zeichen."))],
        description=_l(
            "Nur bei „eigene Regel“, nach RFC 5545 ohne DTSTART, z. B. FREQ=MONTHLY;BYDAY=2WE "
            "(2. Mittwoch), FREQ=MONTHLY;BYDAY=-1TH (letzter Donnerstag), "
            "FREQ=WEEKLY;INTERVAL=3;BYDAY=TU (jeden dritten Dienstag)."
        ),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    count = CountField(
        _l("Anzahl der Sitzungen"),
        description=_l("z. B. 10; oder ein Enddatum; beides leer: fortlaufend."),
    )
    until = GermanDateField(
        _l("Letzte Sitzung spätestens am"),
        description=_l("TT.MM.JJJJ; oder die Anzahl; beides leer: fortlaufend."),
    )

    def validate_rrule(self, field: StringField) -> None:
        if self.recurrence.data == "custom" and not (field.data or "").strip():
            raise ValidationError(
                _l("Bitte geben Sie eine Wiederholungsregel an (z. B. FREQ=MONTHLY;BYDAY=2WE).")
            )

    def validate_count(self, field: CountField) -> None:
        if field.data is not None and not 1 <= field.data <= 60:
            raise ValidationError(_l("Eine Reihe hat 1 bis 60 Sitzungen."))
        if field.data is not None and self.until.data is not None:
            raise ValidationError(_l("Bitte geben Sie entweder die Anzahl oder ein Enddatum an."))

    def validate_until(self, field: GermanDateField) -> None:
        if field.data is not None and self.day.data is not None and field.data < self.day.data:
            raise ValidationError(_l("Das Enddatum liegt vor der ersten Sitzung."))


class EditMeetingForm(_TimesForm):
    reason = TextAreaField(
        _l("Grund der Verlegung"),
        validators=[Length(max=2000)],
        description=_l(
            "Pflicht, wenn schon eingeladen ist: die Mitglieder erhalten ihn mit dem neuen Termin."
        ),
        render_kw={"rows": 2},
    )
    version = HiddenField()


class CancelMeetingForm(FlaskForm):
    reason = TextAreaField(
        _l("Grund der Absage"),
        validators=[
            Required(_l("Bitte nennen Sie den Grund der Absage.")),
            Length(max=2000, message=_l("Höchstens 2000 Zeichen.")),
        ],
        description=_l("Eingeladene Mitglieder erhalten die Absage mit diesem Grund."),
        render_kw={"rows": 2},
    )
    version = HiddenField()


# -- the agenda --------------------------------------------------------------------------------

PART_CHOICES = options(
    [("public", _l("öffentlicher Teil")), ("non_public", _l("nicht öffentlicher Teil"))]
)
URGENT_HELP = _l(
    "Nur nach dem Vorlagenschluss nötig: warum der Punkt nicht bis zur nächsten Sitzung warten "
    "kann (Dringlichkeit)."
)


def _urgent_field() -> TextAreaField:
    return TextAreaField(
        _l("Begründung der Dringlichkeit"),
        validators=[Length(max=2000, message=_l("Höchstens 2000 Zeichen."))],
        description=URGENT_HELP,
        render_kw={"rows": 2},
    )


class AgendaItemForm(FlaskForm):
    title = StringField(
        _l("Titel des Punkts"),
        validators=[
            Required(_l("Bitte geben Sie einen Titel an.")),
            Length(max=500, message=_l("Der Titel darf höchstens 500 Zeichen lang sein.")),
        ],
        description=_l("z. B. „Mitteilungen der Verwaltung“"),
    )
    text = TextAreaField(
        _l("Erläuterung"),
        validators=[Length(max=20000)],
        description=_l("Optional: Sachverhalt oder Beschlussvorschlag."),
        render_kw={"rows": 3},
    )
    part = RadioField(_l("Teil der Sitzung"), choices=PART_CHOICES, default="public")
    parent_id = SelectField(
        _l("Einordnen"),
        coerce=optional_id,
        description=_l("Als eigener Punkt oder als Unterpunkt (z. B. Ö 3.1) eines Hauptpunkts."),
    )
    urgent_reason = _urgent_field()
    version = HiddenField()


class OfferedItemForm(FlaskForm):
    """Put an offered measure, paper or earlier session's minutes on the agenda."""

    part = SelectField(_l("Teil der Sitzung"), choices=PART_CHOICES, default="public")
    urgent_reason = _urgent_field()
    version = HiddenField()


class MoveForm(FlaskForm):
    direction = HiddenField()
    version = HiddenField()


class InvitationForm(FlaskForm):
    urgent_reason = TextAreaField(
        _l("Begründung der Dringlichkeitsladung"),
        validators=[Length(max=2000, message=_l("Höchstens 2000 Zeichen."))],
        description=_l(
            "Nur nötig, wenn die Ladungsfrist nicht mehr eingehalten ist; die Mitglieder "
            "erhalten sie mit der Einladung."
        ),
        render_kw={"rows": 2},
    )
    version = HiddenField()


# -- the session day ---------------------------------------------------------------------------


class AttendanceFormBase(FlaskForm):
    """The attendance form; its fields (one status per member, a stand-in select per deputy)
    are added per session by :func:`attendance_form_class`."""

    version = HiddenField()


def attendance_form_class(
    member_ids: list[int],
    deputy_ids: list[int],
    status_choices: list[tuple[str, str]],
    stand_in_choices: list[tuple[str, str]],
) -> type[AttendanceFormBase]:
    """A form class with ``status_<user id>`` radios and ``stands_in_<deputy id>`` selects."""
    attrs: dict[str, Any] = {}
    for user_id in member_ids:
        attrs[f"status_{user_id}"] = RadioField(
            _l("Anwesenheit"),
            choices=options(status_choices),
            validators=[Required(_l("Bitte wählen Sie anwesend, entschuldigt oder abwesend."))],
        )
    for user_id in deputy_ids:
        attrs[f"stands_in_{user_id}"] = SelectField(
            _l("stimmt für"),
            choices=options(stand_in_choices),
            coerce=optional_id,
            validate_choice=False,
        )
    return type("AttendanceForm", (AttendanceFormBase,), attrs)


class ResultForm(FlaskForm):
    result = RadioField(_l("Ergebnis"), validators=[Required(_l("Bitte wählen Sie das Ergebnis."))])
    votes_yes = CountField(_l("Ja-Stimmen"))
    votes_no = CountField(_l("Nein-Stimmen"))
    votes_abstain = CountField(_l("Enthaltungen"))
    excluded = CheckboxListField(
        _l("Befangen (nehmen an Beratung und Abstimmung nicht teil)"),
        coerce=int,
        validate_choice=False,
    )
    resolution_text = TextAreaField(
        _l("Beschlusstext"),
        validators=[Length(max=20000)],
        description=_l(
            "Vorausgefüllt mit dem Beschlussvorschlag der Vorlage; bei Änderungen Pflicht."
        ),
        render_kw={"rows": 3},
    )
    version = HiddenField()

    def validate_votes_abstain(self, field: CountField) -> None:
        given = [f.data is not None for f in (self.votes_yes, self.votes_no, field)]
        if any(given) and not all(given):
            raise ValidationError(
                _l("Bitte geben Sie Ja-, Nein-Stimmen und Enthaltungen an (auch 0).")
            )


class MinutesForm(FlaskForm):
    text = TextAreaField(
        _l("Text der Niederschrift"),
        validators=[
            Required(_l("Die Niederschrift darf nicht leer sein.")),
            Length(max=1_000_000, message=_l("Die Niederschrift ist zu lang.")),
        ],
        render_kw={"rows": 24},
    )
    version = HiddenField()
