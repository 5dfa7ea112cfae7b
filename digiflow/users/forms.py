"""Forms for signing in and for the user's own settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField
from wtforms.validators import DataRequired, Email, Length


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-Mail-Adresse"),
        validators=[
            DataRequired(_l("Bitte geben Sie Ihre E-Mail-Adresse ein.")),
            Email(
                _l("Bitte geben Sie eine gültige E-Mail-Adresse ein."), check_deliverability=False
            ),
            Length(max=254),
        ],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Passwort"),
        validators=[DataRequired(_l("Bitte geben Sie Ihr Passwort ein.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Angemeldet bleiben"))


class ProfileForm(FlaskForm):
    language = SelectField(
        _l("Sprache"),
        choices=[SelectChoice("de", _l("Deutsch")), SelectChoice("en", _l("Englisch"))],
    )


MAIL_MODE_CHOICES = [
    SelectChoice("immediate", _l("sofort einzeln")),
    SelectChoice("digest", _l("einmal täglich zusammengefasst")),
]


class MailPreferencesForm(FlaskForm):
    approval_requested = SelectField(_l("Genehmigungsanfragen"), choices=MAIL_MODE_CHOICES)
    state_changed = SelectField(_l("Änderungen des Stands"), choices=MAIL_MODE_CHOICES)
    reminder = SelectField(_l("Erinnerungen an Fristen"), choices=MAIL_MODE_CHOICES)
