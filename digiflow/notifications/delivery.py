"""Delivering outbox mails over SMTP, with retries and exponential backoff.

A mail is first *claimed* (status ``sending``, committed), then sent, then marked ``sent`` (or
rescheduled, or ``failed`` after the last try). A claim is one conditional UPDATE, so two
workers or two sweeps never send the same mail; a claim whose worker died is taken over after
``MAIL_CLAIM_LEASE_SECONDS``. Only a worker killed in the instant between the SMTP server's
acceptance and the commit of ``sent`` can cause a second delivery; it carries the same stable
Message-ID, so mail programs show it once.

This module commits on purpose, twice per mail: the claim must be durable before the mail
leaves, and the result must be durable after.
"""

from __future__ import annotations

import logging
import re
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import sqlalchemy as sa
from flask import current_app

from digiflow.core.db import db
from digiflow.core.time import now_or
from digiflow.notifications.models import MailStatus, OutboxMessage

log = logging.getLogger(__name__)

#: The iCalendar METHOD of an attachment (PUBLISH for deadlines, REQUEST/CANCEL for sessions).
_ICS_METHOD = re.compile(r"^METHOD:([A-Z-]+)\r?$", re.MULTILINE)


def backoff(attempts: int) -> timedelta:
    """The wait before try ``attempts + 1``: base, 2×base, 4×base, ... up to the maximum."""
    base = current_app.config["MAIL_RETRY_BASE_SECONDS"]
    cap = current_app.config["MAIL_RETRY_MAX_SECONDS"]
    return timedelta(seconds=min(cap, base * 2 ** max(attempts - 1, 0)))


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    lease = timedelta(seconds=current_app.config["MAIL_CLAIM_LEASE_SECONDS"])
    return sa.or_(
        sa.and_(OutboxMessage.status == MailStatus.pending, OutboxMessage.next_attempt_at <= now),
        sa.and_(OutboxMessage.status == MailStatus.sending, OutboxMessage.claimed_at < now - lease),
    )


def _claim(message_id: int, now: datetime) -> OutboxMessage | None:
    """Claim the mail with one conditional UPDATE: of two workers, exactly one gets it."""
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, _claimable(now))
        .values(
            status=MailStatus.sending,
            claimed_at=now,
            attempts=OutboxMessage.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        return None
    return db.session.get(OutboxMessage, message_id, populate_existing=True)


def build_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = format_datetime(message.created_at)
    email["Auto-Submitted"] = "auto-generated"
    email["Content-Language"] = message.language
    email.set_content(message.text_body)
    if message.html_body:
        email.add_alternative(message.html_body, subtype="html")
    if message.ics:
        method = _ICS_METHOD.search(message.ics)
        email.add_attachment(
            message.ics.encode("utf-8"),
            maintype="text",
            subtype="calendar",
            filename=message.ics_filename or "termin.ics",
            params={"method": method.group(1) if method else "PUBLISH"},
        )
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        email.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return email


def _send(email: EmailMessage) -> None:
    config = current_app.config
    timeout = config["MAIL_TIMEOUT_SECONDS"]
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout) as smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(email)


def deliver(message_id: int, now: datetime | None = None) -> MailStatus | None:
    """Try to deliver one mail now; return its new status, or None if it was not due/claimable."""
    now = now_or(now)
    message = _claim(message_id, now)
    if message is None:
        return None
    try:
        _send(build_email(message))
    except (OSError, smtplib.SMTPException) as exc:
        message = db.session.get(OutboxMessage, message_id)
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        message.claimed_at = None
        if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            message.status = MailStatus.failed
            log.error(
                "mail %s failed for good after %s tries: %s", message_id, message.attempts, exc
            )
        else:
            message.status = MailStatus.pending
            message.next_attempt_at = now + backoff(message.attempts)
        db.session.commit()
        return message.status
    message = db.session.get(OutboxMessage, message_id)
    message.status = MailStatus.sent
    message.sent_at = now
    message.last_error = None
    db.session.commit()
    return MailStatus.sent


def due_ids(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Ids of the mails that are due (pending and due, or claimed by a worker that died)."""
    now = now_or(now)
    return list(
        db.session.scalars(
            sa.select(OutboxMessage.id)
            .where(_claimable(now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )


def sweep(now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Deliver what is due (the broker was down, a worker died, a retry is due)."""
    counts: dict[str, int] = {}
    ids = due_ids(now, limit)
    db.session.rollback()
    for message_id in ids:
        status = deliver(message_id, now)
        key = status.value if status else "skipped"
        counts[key] = counts.get(key, 0) + 1
    return counts


def resend(message: OutboxMessage, now: datetime | None = None) -> None:
    """Put a failed mail back into the queue (an admin's decision); flush only."""
    message.status = MailStatus.pending
    message.attempts = 0
    message.next_attempt_at = now_or(now)
    message.claimed_at = None
    db.session.flush()
    from digiflow.notifications.outbox import _PENDING_KEY

    db.session.info.setdefault(_PENDING_KEY, []).append(message)
