"""The daily digest: mails a user wants once a day go out together, in one mail."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from digiflow.core.db import db
from digiflow.core.time import local_date, now_or
from digiflow.notifications.models import MailStatus, OutboxMessage
from digiflow.notifications.outbox import enqueue
from digiflow.users.models import User


def send_digests(now: datetime | None = None) -> int:
    """Write one digest per user with held mails; return how many digests were written.

    Each user's digest is one transaction: the held mails become ``digested`` and the digest
    is queued together (its dedupe key makes a second run on the same day write nothing).
    """
    now = now_or(now)
    day = local_date(now)
    user_ids = db.session.scalars(
        sa.select(OutboxMessage.recipient_id)
        .where(OutboxMessage.status == MailStatus.held, OutboxMessage.recipient_id.is_not(None))
        .distinct()
    ).all()
    written = 0
    for user_id in user_ids:
        user = db.session.get(User, user_id)
        held = db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.recipient_id == user_id, OutboxMessage.status == MailStatus.held)
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
            .with_for_update()
        ).all()
        if not held or user is None:
            db.session.rollback()
            continue
        digest = enqueue(
            user,
            kind="digest",
            template="digest",
            dedupe_key=f"digest:{user_id}:{day.isoformat()}:{held[-1].id}",
            context={"items": held, "day": day, "url": ""},
        )
        for message in held:
            message.status = MailStatus.digested
        db.session.commit()
        written += 1 if digest is not None else 0
    return written
