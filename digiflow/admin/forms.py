"""Forms of the administration pages (users, roles, departments, substitutes).

Select fields whose choices come from the database get them in the view; ``validate_choice`` is
off where the operation gives the clearer message (a deputy that is the person themselves).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import Email, EqualTo, Length, StopValidation

from digiflow.core.forms import GermanDateField
from digiflow.users.operations import MIN_PASSWORD_LENGTH

LANGUAGE_CHOICES = [SelectChoice("de", _l("Deutsch")), SelectChoice("en", _l("Englisch"))]
INVALID_CHOICE = _l("Bitte wählen Sie einen Eintrag aus der Liste.")


class Required:
    """Like ``DataRequired``, but silent when the field could not even be read (a bad date)."""

    field_flags = {"required": True}

    def __init__(self, message: Any) -> None:
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        if field.process_errors:
            raise StopValidation()
        if field.data is None or (isinstance(field.data, str) and not field.data.strip()):
            raise StopValidation(self.message)


def optional_id(value: Any) -> int | None:
    """Coerce a select's value to an id; the empty choice is ``None``."""
    if value in (None, "", "None"):
        return None
    return int(value)


def _name_field() -> StringField:
    return StringField(
        _l("Name"),
        validators=[
            Required(_l("Bitte geben Sie einen Namen an.")),
            Length(max=200, message=_l("Der Name darf höchstens 200 Zeichen lang sein.")),
        ],
        render_kw={"autocomplete": "off"},
    )


def _email_field() -> EmailField:
    return EmailField(
        _l("E-Mail-Adresse"),
        validators=[
            Required(_l("Bitte geben Sie eine E-Mail-Adresse an.")),
            Email(
                _l("Bitte geben Sie eine gültige E-Mail-Adresse ein."), check_deliverability=False
            ),
            Length(max=254, message=_l("Die E-Mail-Adresse ist zu lang.")),
        ],
        render_kw={"autocomplete": "off"},
    )


def _password_field(label: Any) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            Required(_l("Bitte geben Sie ein Passwort an.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=_l("Das Passwort muss 12 bis 200 Zeichen lang sein."),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class UserCreateForm(FlaskForm):
    name = _name_field()
    email = _email_field()
    department = SelectField(
        _l("Fachbereich"),
        coerce=optional_id,
        validate_choice=False,
        invalid_value_message=INVALID_CHOICE,
    )
    language = SelectField(
        _l("Sprache"), choices=LANGUAGE_CHOICES, invalid_choice_message=INVALID_CHOICE
    )
    password = _password_field(_l("Anfangspasswort"))


class UserEditForm(FlaskForm):
    name = _name_field()
    email = _email_field()
    department = SelectField(
        _l("Fachbereich"),
        coerce=optional_id,
        validate_choice=False,
        invalid_value_message=INVALID_CHOICE,
    )
    language = SelectField(
        _l("Sprache"), choices=LANGUAGE_CHOICES, invalid_choice_message=INVALID_CHOICE
    )
    active = BooleanField(_l("Konto aktiv (kann sich anmelden)"))


class PasswordResetForm(FlaskForm):
    new_password = _password_field(_l("Neues Passwort"))
    new_password_repeat = PasswordField(
        _l("Neues Passwort wiederholen"),
        validators=[
            Required(_l("Bitte wiederholen Sie das neue Passwort.")),
            EqualTo("new_password", message=_l("Die beiden Passwörter stimmen nicht überein.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class RoleForm(FlaskForm):
    role = SelectField(
        _l("Rolle"),
        validators=[Required(_l("Bitte wählen Sie eine Rolle."))],
        invalid_choice_message=INVALID_CHOICE,
    )
    scope_department = SelectField(
        _l("Nur für Fachbereich"),
        coerce=optional_id,
        validate_choice=False,
        invalid_value_message=INVALID_CHOICE,
    )
    scope_committee = SelectField(
        _l("Nur für Gremium"),
        coerce=optional_id,
        validate_choice=False,
        invalid_value_message=INVALID_CHOICE,
    )


class SubstituteForm(FlaskForm):
    deputy = SelectField(
        _l("Vertretung durch"),
        coerce=optional_id,
        validate_choice=False,
        validators=[Required(_l("Bitte wählen Sie die Person, die vertritt."))],
    )
    starts_on = GermanDateField(
        _l("Von"), validators=[Required(_l("Bitte geben Sie den ersten Tag an."))]
    )
    ends_on = GermanDateField(
        _l("Bis einschließlich"), validators=[Required(_l("Bitte geben Sie den letzten Tag an."))]
    )
    note = StringField(
        _l("Notiz"),
        validators=[Length(max=300, message=_l("Die Notiz darf höchstens 300 Zeichen lang sein."))],
    )


class DepartmentForm(FlaskForm):
    short_name = StringField(
        _l("Kurzbezeichnung"),
        validators=[
            Required(_l("Bitte geben Sie eine Kurzbezeichnung an.")),
            Length(max=30, message=_l("Die Kurzbezeichnung darf höchstens 30 Zeichen lang sein.")),
        ],
    )
    name = _name_field()
