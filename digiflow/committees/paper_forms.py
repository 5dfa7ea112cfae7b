"""Forms of the papers, resolution tracking and calendar pages.

Every form validates on the server; the operations check again (and decide what is allowed).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from digiflow.committees.labels import choices
from digiflow.committees.models import PaperType, ResolutionStatus
from digiflow.core.forms import GermanDateField
from digiflow.core.workflow.definition import ConsultationRole

NO_CHOICE = ""
#: Rows for the consultation sequence on the new-paper form (no JavaScript adds rows).
ROUTING_ROWS = 4


def optional_int(value: Any) -> int | None:
    """Coerce a select's value to an id; the empty choice is None."""
    if value is None or value == NO_CHOICE or value == "None":
        return None
    return int(value)


# -- papers --------------------------------------------------------------------------------


class RoutingRow(Form):
    """One step of the consultation sequence: committee, role, authoritative."""

    committee_id = SelectField(_l("Gremium"), coerce=optional_int, validate_choice=True)
    role = SelectField(_l("Rolle in der Beratungsfolge"), default=ConsultationRole.preliminary)
    authoritative = BooleanField(_l("Entscheidet abschließend (maßgeblich)"))


class PaperForm(FlaskForm):
    """Create or edit a paper; ``routing`` only when creating."""

    paper_type = SelectField(
        _l("Vorlagenart"), validators=[InputRequired(_l("Bitte wählen Sie die Vorlagenart."))]
    )
    title = StringField(
        _l("Titel"),
        validators=[
            DataRequired(_l("Bitte geben Sie einen Titel an.")),
            Length(max=500, message=_l("Der Titel darf höchstens 500 Zeichen lang sein.")),
        ],
    )
    paper_date = GermanDateField(
        _l("Datum der Vorlage"),
        validators=[InputRequired(_l("Bitte geben Sie ein Datum wie 27.11.2023 ein."))],
        description=_l("TT.MM.JJJJ; das Jahr bestimmt die Vorlagennummer."),
    )
    lead_department_id = SelectField(
        _l("Federführender Fachbereich"), coerce=optional_int, validate_choice=True
    )
    submitted_by = StringField(
        _l("Antragsteller"),
        validators=[Length(max=500, message=_l("Höchstens 500 Zeichen."))],
        description=_l("Nur bei Anträgen: die Fraktionen oder Gruppen, die den Antrag stellen."),
    )
    is_public = BooleanField(_l("Öffentliche Vorlage"), default=True)
    proposal = TextAreaField(
        _l("Beschlussvorschlag"),
        validators=[Length(max=20000, message=_l("Höchstens 20.000 Zeichen."))],
        description=_l("Der Text, über den das Gremium beschließt."),
    )
    text = TextAreaField(
        _l("Sachverhalt"),
        validators=[Length(max=100000, message=_l("Höchstens 100.000 Zeichen."))],
    )
    routing = FieldList(FormField(RoutingRow), min_entries=ROUTING_ROWS, max_entries=ROUTING_ROWS)
    # the paper's last change when the form was opened (edit only): a stale form is refused
    loaded = HiddenField()

    def validate_submitted_by(self, field: StringField) -> None:
        if self.paper_type.data == PaperType.motion.value and not (field.data or "").strip():
            raise ValidationError(_l("Bitte geben Sie an, wer den Antrag stellt."))


def fill_paper_choices(
    form: PaperForm, departments: list[tuple[int, str]], committees: list[tuple[int, str]] | None
) -> None:
    """Selects in the user's language: types, departments and (new papers) committees."""
    form.paper_type.choices = choices(PaperType)
    form.lead_department_id.choices = [(NO_CHOICE, _l("– keiner –")), *departments]
    if committees is not None:
        roles = choices(ConsultationRole)
        for row in form.routing:
            row.form.committee_id.choices = [(NO_CHOICE, _l("– kein Gremium –")), *committees]
            row.form.role.choices = roles


class ConsultationForm(FlaskForm):
    """Route a paper to one more committee, at the end of its sequence."""

    committee_id = SelectField(
        _l("Gremium"),
        coerce=optional_int,
        validators=[InputRequired(_l("Bitte wählen Sie ein Gremium."))],
    )
    role = SelectField(
        _l("Rolle in der Beratungsfolge"),
        validators=[InputRequired(_l("Bitte wählen Sie die Rolle."))],
    )
    authoritative = BooleanField(_l("Entscheidet abschließend (maßgeblich)"))

    def validate_committee_id(self, field: SelectField) -> None:
        if field.data is None:
            raise ValidationError(_l("Bitte wählen Sie ein Gremium."))


class PaperFilterForm(Form):
    """The filters of the papers list: a plain GET form (nothing changes)."""

    q = SearchField(_l("Suche im Titel"), id="filter-q")
    year = StringField(
        _l("Jahr"),
        id="filter-year",
        render_kw={"inputmode": "numeric", "maxlength": 4, "size": 6, "autocomplete": "off"},
    )
    type = SelectField(_l("Vorlagenart"), id="filter-type", validate_choice=False)
    department = SelectField(_l("Fachbereich"), id="filter-department", validate_choice=False)


# -- resolution tracking -----------------------------------------------------------------------


class ResolutionForm(FlaskForm):
    """The state of one resolution's implementation; carries the task's version."""

    status = RadioField(
        _l("Stand der Umsetzung"),
        validators=[InputRequired(_l("Bitte wählen Sie den Stand."))],
    )
    note = TextAreaField(
        _l("Vermerk"),
        validators=[
            Length(max=1000, message=_l("Der Vermerk darf höchstens 1000 Zeichen lang sein."))
        ],
        description=_l("Pflicht bei „nicht umsetzbar“: warum nicht."),
    )
    target_date = GermanDateField(_l("Zieltermin"), validators=[Optional()])
    department_id = SelectField(
        _l("Zuständiger Fachbereich"), coerce=optional_int, validate_choice=True
    )
    version = HiddenField()


def fill_resolution_choices(form: ResolutionForm, departments: list[tuple[int, str]]) -> None:
    form.status.choices = choices(ResolutionStatus)
    form.department_id.choices = [(NO_CHOICE, _l("– keiner –")), *departments]


class ResolutionFilterForm(Form):
    """The filters of the resolution tracking list (GET)."""

    department = SelectField(_l("Fachbereich"), id="filter-department", validate_choice=False)
    overdue = BooleanField(_l("Nur überfällige"), id="filter-overdue")
    all = BooleanField(_l("Alle (auch erledigte)"), id="filter-all")


# -- calendar feeds ----------------------------------------------------------------------------


class FeedForm(FlaskForm):
    """Create or renew a feed: the personal one (no committee) or one committee's."""

    committee_id = SelectField(_l("Kalender"), coerce=optional_int, validate_choice=True)
