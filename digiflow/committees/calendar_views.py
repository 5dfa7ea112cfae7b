"""Calendar feeds (blueprint ``calendar``): the page where people make, renew and delete their
feed links (``/profile/calendar``), and the feed itself (``/calendar/<token>.ics``, no login:
calendar programs cannot sign in; the secret token is the key).

A new or renewed link is shown once, in the answer to the POST that made it (never in a
redirect or the session cookie); only its SHA-256 is stored (:mod:`digiflow.committees.feeds`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from digiflow.committees import feeds
from digiflow.committees.models import CalendarFeed
from digiflow.committees.paper_forms import NO_CHOICE, FeedForm
from digiflow.core.db import db, utcnow
from digiflow.core.errors import DomainError
from digiflow.core.formatting import language
from digiflow.core.permissions import can
from digiflow.extensions import csrf
from digiflow.org.models import Committee
from digiflow.users.models import User

bp = Blueprint("calendar", __name__)

MAX_ID = 2**31 - 1


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _form(user: User, bound: FeedForm | None = None) -> FeedForm:
    form = bound or FeedForm(formdata=None)
    form.committee_id.choices = [(NO_CHOICE, _("Meine Sitzungen und Fristen"))] + [
        (c.id, c.name) for c in feeds.subscribable_committees(user)
    ]
    return form


def _page(
    status: int = 200,
    *,
    form: FeedForm | None = None,
    new_link: str | None = None,
    new_feed: CalendarFeed | None = None,
) -> Any:
    user = _user()
    response = Response(
        render_template(
            "calendar/feeds.html",
            feeds=feeds.feeds_of(user),
            form=_form(user, form),
            new_link=new_link,
            new_feed=new_feed,
        ),
        status=status,
    )
    # the page may show a secret link: not kept by caches or the browser's history cache
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/profile/calendar")
@login_required
def index() -> Any:
    return _page()


@bp.post("/profile/calendar/feeds")
@login_required
def create_feed() -> Any:
    """Create a feed, or renew its link (the old link stops working); show the link once."""
    user = _user()
    form = _form(user, FeedForm())
    if not form.validate():
        flash(_("Bitte korrigieren Sie die markierten Angaben."), "error")
        return _page(422, form=form)
    committee = None
    if form.committee_id.data is not None:
        committee = db.session.get(Committee, form.committee_id.data)
    try:
        calendar_feed, token = feeds.issue_feed(user, committee=committee, now=utcnow())
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message(language()), "error")
        return _page(exc.http_status, form=form)
    link = url_for("calendar.feed", token=token, _external=True)
    flash(
        _(
            "Der Kalender-Link ist erstellt. Er wird nur jetzt angezeigt; ein früherer Link "
            "für diesen Kalender funktioniert nicht mehr."
        ),
        "success",
    )
    return _page(201, new_link=link, new_feed=calendar_feed)


@bp.post("/profile/calendar/feeds/<int:feed_id>/delete")
@login_required
def delete_feed(feed_id: int) -> Any:
    user = _user()
    calendar_feed = db.session.get(CalendarFeed, feed_id) if feed_id <= MAX_ID else None
    if calendar_feed is None or not can(user, "calendar_feed.manage", calendar_feed):
        abort(404)
    try:
        feeds.delete_feed(calendar_feed, actor=user)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message(language()), "error")
        return _page(exc.http_status)
    flash(_("Der Kalender-Link ist gelöscht; er funktioniert nicht mehr."), "success")
    return redirect(url_for("calendar.index"), 303)


@bp.get("/calendar/<token>.ics")
@csrf.exempt
def feed(token: str) -> Any:
    """The feed behind a secret link; an unknown link or a deactivated owner answers 404."""
    calendar_feed = feeds.feed_for_token(token)
    if calendar_feed is None:
        abort(404)
    now = utcnow()
    body = feeds.render_feed(calendar_feed, now)
    feeds.touch(calendar_feed, now)
    db.session.commit()
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="digiflow.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
