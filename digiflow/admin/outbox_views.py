"""The outbox for admins: mails by status, the periodic jobs' last runs, re-sending failed mails.

Routes on the ``admin`` blueprint; every page needs ``admin.access``. Only a failed mail can be
sent again (``resend`` puts it back into the queue; the worker gets it after the commit).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from digiflow.admin.views import bp, refused
from digiflow.core.db import db, utcnow
from digiflow.core.errors import DomainError
from digiflow.core.formatting import language
from digiflow.core.permissions import permission_required
from digiflow.notifications.delivery import resend
from digiflow.notifications.models import MailStatus, OutboxMessage
from digiflow.system.models import Heartbeat
from digiflow.users.models import User

PER_PAGE = 25
SENT_SHOWN = 50
# the ``status`` filter of the page: one status, or every mail; none is the overview
FILTERS = ("failed", "pending", "sending", "sent", "all")
# the periodic jobs whose last run the page shows, in this order
JOBS = ("beat", "outbox-sweep", "reminder-scan")

STATUS_LABELS: dict[MailStatus, tuple[str, str]] = {
    MailStatus.pending: ("wartet", "waiting"),
    MailStatus.sending: ("wird zugestellt", "being delivered"),
    MailStatus.sent: ("gesendet", "sent"),
    MailStatus.failed: ("fehlgeschlagen", "failed"),
}


class NotResendable(DomainError):
    """Only a failed mail can be sent again."""

    http_status = 409
    code = "not_resendable"


def status_label(status: MailStatus) -> str:
    german, english = STATUS_LABELS[status]
    return english if language() == "en" else german


def ensure_resendable(message: OutboxMessage) -> None:
    """Refuse (409) unless the mail has failed for good."""
    if message.status != MailStatus.failed:
        german, english = STATUS_LABELS[message.status]
        raise NotResendable(
            "Nur fehlgeschlagene Mails können erneut gesendet werden; "
            f"diese Mail hat den Status „{german}“.",
            f"Only failed mails can be sent again; this mail is “{english}”.",
            status=message.status.value,
        )


def _status_filter(raw: str | None) -> str | None:
    return raw if raw in FILTERS else None


def _mails(*conditions: Any) -> sa.Select[tuple[OutboxMessage]]:
    # the recipient's name only, not their roles (selectin-loaded with every user otherwise)
    recipient = joinedload(OutboxMessage.recipient).lazyload(User.role_assignments)
    return sa.select(OutboxMessage).where(*conditions).options(recipient)


def _listing(status_filter: str) -> sa.Select[tuple[OutboxMessage]]:
    """The mails of one filter, in the order an admin reads them."""
    if status_filter == "all":
        return _mails().order_by(OutboxMessage.id.desc())
    status = MailStatus(status_filter)
    stmt = _mails(OutboxMessage.status == status)
    if status in (MailStatus.pending, MailStatus.sending):
        return stmt.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
    if status == MailStatus.sent:
        return stmt.order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc())
    return stmt.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())


def _counts() -> dict[MailStatus, int]:
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count(OutboxMessage.id)).group_by(
            OutboxMessage.status
        )
    ).all()
    counts = dict.fromkeys(MailStatus, 0)
    counts.update({MailStatus(status): total for status, total in rows})
    return counts


def _jobs() -> dict[str, Heartbeat | None]:
    beats = db.session.scalars(sa.select(Heartbeat).where(Heartbeat.name.in_(JOBS)))
    found = {beat.name: beat for beat in beats}
    return {name: found.get(name) for name in JOBS}


def _outbox_page(status_filter: str | None, page: int = 1, status: int = 200) -> Any:
    now = utcnow()
    heartbeat_seconds = current_app.config["HEARTBEAT_SECONDS"]
    jobs = _jobs()
    beat = jobs["beat"]
    beat_late = beat is None or beat.last_run_at < now - timedelta(seconds=3 * heartbeat_seconds)
    context: dict[str, Any] = {
        "counts": _counts(),
        "jobs": jobs,
        "beat_late": beat_late,
        "heartbeat_seconds": heartbeat_seconds,
        "status_filter": status_filter,
        "filters": FILTERS,
        "status_label": status_label,
        "MailStatus": MailStatus,
        "sent_shown": SENT_SHOWN,
    }
    raw = request.args.get("status")
    if raw and status_filter is None:
        context["unknown_filter"] = raw[:50]
    if status_filter is None:
        waiting = (MailStatus.pending, MailStatus.sending)
        context["failed"] = db.session.scalars(_listing("failed").limit(PER_PAGE)).all()
        context["waiting"] = db.session.scalars(
            _mails(OutboxMessage.status.in_(waiting))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(PER_PAGE)
        ).all()
        context["sent"] = db.session.scalars(_listing("sent").limit(SENT_SHOWN)).all()
        context["per_page"] = PER_PAGE
    else:
        context["pagination"] = db.paginate(
            _listing(status_filter), page=max(page, 1), per_page=PER_PAGE, error_out=False
        )
    return render_template("admin/outbox.html", **context), status


@bp.get("/outbox")
@permission_required("admin.access")
def outbox() -> Any:
    return _outbox_page(
        _status_filter(request.args.get("status")), request.args.get("page", 1, type=int)
    )


@bp.post("/outbox/<int:message_id>/resend")
@permission_required("admin.access")
def resend_mail(message_id: int) -> Any:
    back = _status_filter(request.form.get("status"))
    # locked, so that two admins (or an admin and the CLI) re-send it once
    message = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update()
    )
    if message is None:
        abort(404)
    try:
        ensure_resendable(message)
        resend(message)
    except DomainError as exc:
        return refused(exc, lambda status: _outbox_page(back, status=status))
    db.session.commit()
    flash(
        _(
            "Die Mail „%(subject)s“ an %(address)s wird erneut gesendet.",
            subject=message.subject,
            address=message.to_address,
        ),
        "success",
    )
    return redirect(url_for("admin.outbox", status=back))
