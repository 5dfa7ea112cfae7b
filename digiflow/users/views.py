"""Signing in and out."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from digiflow.core.db import db, utcnow
from digiflow.extensions import limiter, login_form_email, login_manager
from digiflow.users.forms import LoginForm, MailPreferencesForm, ProfileForm
from digiflow.users.models import User

bp = Blueprint("auth", __name__)

# compared against when the e-mail address is unknown, so both cases take the same time
_DUMMY_HASH = generate_password_hash("digiflow-no-such-user")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))


def _safe_next(target: str | None) -> str:
    """Only follow ``next`` to a path on this site (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("system.index")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=login_form_email)
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("system.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email))
        if user is None:
            check_password_hash(_DUMMY_HASH, form.password.data)
        elif user.check_password(form.password.data) and user.is_active:
            login_user(user, remember=form.remember.data)
            user.last_login_at = utcnow()
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("E-Mail-Adresse oder Passwort ist falsch."))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


@bp.post("/logout")
@login_required
def logout() -> Any:
    logout_user()
    flash(_("Sie haben sich abgemeldet."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> Any:
    """The user's own settings: the language of pages and mails, how mails arrive."""
    from digiflow.notifications.preferences import mail_preferences, set_mail_preferences

    form = ProfileForm(obj=current_user, prefix="profile")
    mail_form = MailPreferencesForm(
        data={k: v.value for k, v in mail_preferences(current_user).items()}, prefix="mail"
    )
    if request.method == "POST" and "mail-submit" in request.form:
        if mail_form.validate_on_submit():
            set_mail_preferences(
                current_user,
                {
                    name: field.data
                    for name, field in mail_form._fields.items()
                    if name != "csrf_token"
                },
            )
            db.session.commit()
            flash(_("Ihre Einstellungen wurden gespeichert."), "success")
            return redirect(url_for("auth.profile"))
    elif form.validate_on_submit():
        current_user.language = form.language.data
        db.session.commit()
        refresh()
        flash(_("Ihre Einstellungen wurden gespeichert."), "success")
        return redirect(url_for("auth.profile"))
    status = 422 if form.errors or mail_form.errors else 200
    return render_template("auth/profile.html", form=form, mail_form=mail_form), status
