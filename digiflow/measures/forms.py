"""Forms of the measure pages: the measure itself and the actions on it.

Every form validates on the server; the operations check again (and decide what is allowed).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from digiflow.core.forms import AmountField, GermanDateField
from digiflow.measures.models import AttachmentKind, Decision

NO_CHOICE = ""


def non_negative(form: Any, field: Any) -> None:
    """Refuse negative amounts (an amount that could not be read has its own message)."""
    if field.data is not None and field.data < 0:
        raise ValidationError(_l("Kosten dürfen nicht negativ sein."))


def optional_int(value: Any) -> int | None:
    """Coerce a select's value to an id; the empty choice is None."""
    if value is None or value == NO_CHOICE or value == "None":
        return None
    return int(value)


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of checkboxes (rendered inside a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MeasureForm(FlaskForm):
    """Create or edit a measure; ``department_id`` only when creating."""

    department_id = SelectField(
        _l("Fachbereich"),
        coerce=optional_int,
        validators=[InputRequired(_l("Bitte wählen Sie einen Fachbereich."))],
        description=_l("Der Fachbereich, der die Maßnahme vorschlägt und umsetzt."),
    )
    title = StringField(
        _l("Titel"),
        validators=[
            DataRequired(_l("Bitte geben Sie einen Titel an.")),
            Length(max=300, message=_l("Der Titel darf höchstens 300 Zeichen lang sein.")),
        ],
        description=_l("Kurz und eindeutig, z. B. „Einführung der E-Akte im Bauamt“."),
    )
    description = TextAreaField(
        _l("Beschreibung"),
        validators=[Length(max=20000)],
        description=_l(
            "Was soll erreicht werden, für wen und warum? Für das Einreichen erforderlich."
        ),
        render_kw={"rows": 6},
    )
    owner_id = SelectField(
        _l("Verantwortliche Person"),
        coerce=optional_int,
        validators=[InputRequired(_l("Bitte wählen Sie die verantwortliche Person."))],
        description=_l("Wer die Maßnahme im Fachbereich betreut; vorausgewählt sind Sie selbst."),
    )
    field_of_action_id = SelectField(
        _l("Handlungsfeld"),
        coerce=optional_int,
        description=_l("Das Handlungsfeld der Digitalisierungsstrategie."),
    )
    priority_id = SelectField(
        _l("Priorität"),
        coerce=optional_int,
        description=_l("Wird in der Regel von den Digitalisierungsbeauftragten festgelegt."),
    )
    strategic_goal_ids = CheckboxListField(
        _l("Strategische Ziele"),
        coerce=int,
        description=_l("Zu welchen Zielen der Strategie trägt die Maßnahme bei? Mehrere möglich."),
    )
    it_provider_id = SelectField(
        _l("IT-Dienstleister"),
        coerce=optional_int,
        description=_l("Wer die Lösung technisch betreibt, z. B. der kommunale IT-Zweckverband."),
    )
    funding_programme_id = SelectField(
        _l("Förderprogramm"),
        coerce=optional_int,
        description=_l("Falls die Maßnahme gefördert werden soll."),
    )
    cost_one_off = AmountField(
        _l("Einmalige Kosten"),
        validators=[Optional(), non_negative],
        description=_l("Einmalige Investitionskosten in Euro, z. B. 250.000,00"),
    )
    cost_recurring = AmountField(
        _l("Laufende Kosten pro Jahr"),
        validators=[Optional(), non_negative],
        description=_l("Jährliche Betriebs-, Lizenz- und Wartungskosten in Euro, z. B. 12.500,00"),
    )
    budget_year = IntegerField(
        _l("Haushaltsjahr"),
        validators=[
            Optional(),
            NumberRange(
                min=2000,
                max=2100,
                message=_l("Das Haushaltsjahr muss zwischen 2000 und 2100 liegen."),
            ),
        ],
        description=_l("Das Jahr, in dem die Mittel veranschlagt werden, z. B. 2026"),
        render_kw={"inputmode": "numeric"},
    )
    start_date = GermanDateField(
        _l("Beginn"),
        description=_l("Geplanter Beginn als TT.MM.JJJJ, z. B. 01.03.2026"),
    )
    target_date = GermanDateField(
        _l("Zieltermin"),
        description=_l("Geplantes Ende der Umsetzung als TT.MM.JJJJ, z. B. 30.06.2027"),
    )
    # the measure's version when the form was opened: a stale form is refused
    version = HiddenField()

    def validate_target_date(self, field: GermanDateField) -> None:
        start = self.start_date.data
        if start and field.data and field.data < start:
            raise ValidationError(_l("Der Zieltermin liegt vor dem Beginn."))


class TransitionForm(FlaskForm):
    comment = TextAreaField(_l("Begründung"), validators=[Length(max=5000)])
    version = HiddenField()


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Begründung für die Rücknahme"),
        validators=[
            DataRequired(_l("Bitte begründen Sie die Rücknahme.")),
            Length(max=5000),
        ],
        description=_l("Der Rat fragt, warum eine Maßnahme nicht weiterverfolgt wird."),
    )
    version = HiddenField()


DECISION_CHOICES = [
    SelectChoice(Decision.approve.value, _l("Genehmigen")),
    SelectChoice(Decision.reject.value, _l("Ablehnen")),
    SelectChoice(Decision.ret.value, _l("Zur Überarbeitung zurückgeben")),
]


class DecideForm(FlaskForm):
    task_id = HiddenField(validators=[InputRequired()])
    decision = RadioField(
        _l("Entscheidung"),
        choices=DECISION_CHOICES,
        validate_choice=False,
        validators=[
            InputRequired(_l("Bitte wählen Sie eine Entscheidung.")),
            AnyOf(
                [choice.value for choice in DECISION_CHOICES],
                message=_l("Bitte wählen Sie eine Entscheidung."),
            ),
        ],
    )
    reason = TextAreaField(
        _l("Begründung"),
        validators=[Length(max=5000)],
        description=_l("Erforderlich bei Ablehnung und Rückgabe."),
    )

    def validate_task_id(self, field: HiddenField) -> None:
        if not str(field.data or "").isdigit():
            raise ValidationError(_l("Unbekannter Genehmigungsschritt."))

    def validate_reason(self, field: TextAreaField) -> None:
        if (
            self.decision.data in (Decision.reject.value, Decision.ret.value)
            and not (field.data or "").strip()
        ):
            raise ValidationError(_l("Bitte begründen Sie die Ablehnung oder Rückgabe."))


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Kommentar"),
        validators=[
            DataRequired(_l("Bitte schreiben Sie einen Kommentar.")),
            Length(max=5000, message=_l("Ein Kommentar darf höchstens 5000 Zeichen lang sein.")),
        ],
        render_kw={"rows": 4},
    )


KIND_CHOICES = [
    SelectChoice(AttachmentKind.concept.value, _l("Konzept")),
    SelectChoice(AttachmentKind.report.value, _l("Bericht")),
    SelectChoice(AttachmentKind.other.value, _l("Sonstiges")),
]


class AttachmentForm(FlaskForm):
    kind = SelectField(_l("Art"), choices=KIND_CHOICES, default=AttachmentKind.concept.value)
    # the help text names the size limit from the configuration (see the template)
    file = FileField(_l("Datei"), validators=[FileRequired(_l("Bitte wählen Sie eine Datei."))])
