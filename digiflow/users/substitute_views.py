"""The user's own substitutes (Vertretung): ``/profile/substitutes`` on the ``auth`` blueprint.

The app factory imports this module before it registers the blueprint.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from digiflow.admin.forms import SubstituteForm
from digiflow.admin.views import (
    create_substitute_from,
    deputy_choices,
    refused,
    today,
    upcoming_substitutes,
)
from digiflow.core.db import db
from digiflow.core.errors import DomainError
from digiflow.users.models import Substitute
from digiflow.users.operations import remove_substitute
from digiflow.users.views import bp

__all__ = ["bp"]


def _page(form: SubstituteForm, status: int = 200) -> Any:
    form.deputy.choices = deputy_choices(current_user)
    return render_template(
        "auth/substitutes.html",
        form=form,
        substitutes=upcoming_substitutes(Substitute.user_id == current_user.id),
        standing_in=upcoming_substitutes(Substitute.deputy_id == current_user.id),
        today=today(),
    ), status


@bp.route("/profile/substitutes", methods=["GET", "POST"])
@login_required
def substitutes() -> Any:
    """Who stands in for me, and when; I name them myself."""
    form = SubstituteForm()
    form.deputy.choices = deputy_choices(current_user)
    if not form.validate_on_submit():
        return _page(form, 422 if form.errors else 200)
    try:
        create_substitute_from(form, current_user._get_current_object())
    except DomainError as exc:
        return refused(exc, lambda status: _page(form, status))
    db.session.commit()
    flash(_("Die Vertretung ist eingetragen."), "success")
    return redirect(url_for("auth.substitutes"))


@bp.post("/profile/substitutes/<int:substitute_id>/delete")
@login_required
def delete_substitute(substitute_id: int) -> Any:
    substitute = db.session.get(Substitute, substitute_id)
    if substitute is None or substitute.user_id != current_user.id:
        abort(404)  # somebody else's substitution: as if it did not exist
    remove_substitute(substitute)
    db.session.commit()
    flash(_("Die Vertretung ist entfernt."), "success")
    return redirect(url_for("auth.substitutes"))
