"""Recording a committee's result on the measure page.

Until the committees module plans sessions and agendas, the committee secretary records the
result of a consultation here; the workflow's committee transition moves the measure on.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from digiflow.core.db import db
from digiflow.core.errors import DomainError
from digiflow.core.formatting import language
from digiflow.core.permissions import can
from digiflow.core.roles import Role
from digiflow.core.workflow.definition import CommitteeResult
from digiflow.measures.blueprint import bp
from digiflow.measures.models import Measure
from digiflow.measures.operations import record_committee_result
from digiflow.org.models import Committee
from digiflow.users.models import User

RESULT_LABELS = {
    CommitteeResult.recommended: _l("empfohlen / beschlossen wie vorgelegt"),
    CommitteeResult.amended: _l("mit Änderungen empfohlen / beschlossen"),
    CommitteeResult.rejected: _l("abgelehnt"),
    CommitteeResult.deferred: _l("vertagt"),
    CommitteeResult.noted: _l("zur Kenntnis genommen"),
}


class CommitteeResultForm(FlaskForm):
    committee_id = SelectField(_l("Gremium"), coerce=int, validators=[DataRequired()])
    result = SelectField(_l("Ergebnis"), validators=[DataRequired()])
    comment = TextAreaField(
        _l("Beschlusstext oder Abstimmungsergebnis"),
        validators=[Length(max=5000)],
        description=_l(
            "z. B. „Der Ausschuss empfiehlt die Freigabe (9 Ja, 2 Nein, 1 Enthaltung).“"
        ),
    )


def committee_result_form(measure: Measure, user: User) -> CommitteeResultForm | None:
    """The form for ``user`` on ``measure``, or None when they may record no result now."""
    transitions = [t for _key, t in measure.definition.committee_from(measure.state)]
    if not transitions:
        return None
    types = {t.committee.committee_type for t in transitions if t.committee}
    committees = [
        c
        for c in db.session.scalars(
            sa.select(Committee)
            .where(Committee.type.in_(types), Committee.is_active.is_(True))
            .order_by(Committee.name)
        )
        if user.has_role(Role.committee_secretary, committee_id=c.id, scoped=True)
    ]
    if not committees:
        return None
    form = CommitteeResultForm(prefix="committee")
    form.committee_id.choices = [(c.id, c.name) for c in committees]
    results: list[str] = []
    for transition in transitions:
        assert transition.committee is not None
        results.extend(r.value for r in transition.committee.results if r.value not in results)
    form.result.choices = [(r, RESULT_LABELS[CommitteeResult(r)]) for r in results]
    return form


@bp.post("/<int:measure_id>/committee-result")
@login_required
def committee_result(measure_id: int) -> Any:
    measure = db.session.get(Measure, measure_id)
    if measure is None or not can(current_user, "measure.view", measure):
        abort(404)
    form = committee_result_form(measure, current_user)
    if form is None:
        abort(403)
    if not form.validate_on_submit():
        flash(_("Bitte Gremium und Ergebnis auswählen."), "error")
        return redirect(url_for("measures.detail", measure_id=measure.id)), 303
    committee = db.session.get(Committee, form.committee_id.data)
    try:
        record_committee_result(
            measure,
            actor=current_user,
            committee=committee,
            result=form.result.data,
            comment=form.comment.data,
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message(language()), "error")
        return redirect(url_for("measures.detail", measure_id=measure_id)), 303
    flash(_("Das Ergebnis des Gremiums wurde erfasst."), "success")
    return redirect(url_for("measures.detail", measure_id=measure.id, _anchor="history"))


__all__ = ["committee_result", "committee_result_form"]
