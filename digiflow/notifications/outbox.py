"""Writing mails into the outbox, and handing them to Celery once the transaction committed.

``enqueue`` renders the mail in the recipient's language and adds the row to the current
transaction: if the change rolls back, so does the mail. After the commit each new row is sent
to the worker; when the broker is down nothing is lost, the periodic sweep delivers it later.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy.orm import Session

from digiflow.core.db import db, utcnow
from digiflow.notifications.models import (
    MAIL_KINDS,
    MailMode,
    MailPreference,
    MailStatus,
    OutboxAttachment,
    OutboxMessage,
)
from digiflow.users.models import User

log = logging.getLogger(__name__)

_PENDING_KEY = "digiflow.outbox.new"


def public_url(path: str) -> str:
    """An absolute link for a mail (mails are also rendered outside requests)."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def enqueue(
    recipient: User,
    *,
    kind: str,
    template: str,
    dedupe_key: str,
    context: dict[str, Any] | None = None,
    ics: str | None = None,
    ics_filename: str | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> OutboxMessage | None:
    """Render ``emails/<template>.*`` for ``recipient`` and add it to the outbox.

    ``attachments`` are ``(filename, content type, data)`` sent with the mail (a PDF agenda).
    Returns None when a mail with ``dedupe_key`` exists already (it is never sent twice).
    """
    exists = db.session.scalar(
        sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    )
    if exists is not None:
        return None
    held = (
        kind in MAIL_KINDS
        and db.session.scalar(
            sa.select(MailPreference.mode).where(
                MailPreference.user_id == recipient.id, MailPreference.kind == kind
            )
        )
        == MailMode.digest
    )
    values = {"recipient": recipient, "public_url": public_url, **(context or {})}
    with force_locale(recipient.language):
        subject = render_template(f"emails/{template}.subject.txt", **values).strip()
        text = render_template(f"emails/{template}.txt", **values)
        html = render_template(f"emails/{template}.html", **values)
    message = OutboxMessage(
        kind=kind,
        dedupe_key=dedupe_key,
        recipient_id=recipient.id,
        to_address=recipient.email,
        language=recipient.language,
        subject=" ".join(subject.split())[:300],
        text_body=text,
        html_body=html,
        ics=ics,
        ics_filename=ics_filename,
        status=MailStatus.held if held else MailStatus.pending,
        next_attempt_at=utcnow(),
        attachments=[
            OutboxAttachment(filename=name, content_type=content_type, data=data)
            for name, content_type, data in attachments or []
        ],
    )
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except sa.exc.IntegrityError:
        return None  # the same mail was queued at the same moment by another transaction
    if not held:
        db.session.info.setdefault(_PENDING_KEY, []).append(message)
    return message


def _dispatch_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released; the real commit comes later
    messages = session.info.pop(_PENDING_KEY, [])
    if not messages:
        return
    celery = current_app.extensions["celery"]
    try:
        # one quick connection attempt: a broker that is down must not hold up the request
        with celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=3)
            # one task per transaction: a bulk change (the demo, an import) is one task
            celery.send_task(
                "digiflow.deliver_mails",
                args=([message.id for message in messages],),
                connection=connection,
                retry=False,
            )

    except Exception as exc:  # noqa: BLE001 - the broker is down: the sweep delivers later
        log.warning(
            "%s mail(s) not handed to the worker (%s); the sweep will send them", len(messages), exc
        )


def _forget_after_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        return  # only a savepoint was rolled back; the rest of the transaction goes on
    session.info.pop(_PENDING_KEY, None)


def init_outbox() -> None:
    """Hand new mails to the worker after every commit (registered once)."""
    if not sa.event.contains(Session, "after_commit", _dispatch_after_commit):
        sa.event.listen(Session, "after_commit", _dispatch_after_commit)
        sa.event.listen(Session, "after_rollback", _forget_after_rollback)
