"""The outbox: every e-mail is a row, written in the transaction of the change that causes it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from digiflow.core.db import db, enum_column, utcnow
from digiflow.users.models import User


class MailStatus(StrEnum):
    pending = "pending"  # waiting for delivery (first try or a retry at next_attempt_at)
    sending = "sending"  # claimed by a worker
    sent = "sent"
    failed = "failed"  # gave up after the last try; an admin can send it again
    held = "held"  # the recipient wants this kind once a day: waits for the digest
    digested = "digested"  # went out as part of a daily digest


class OutboxMessage(db.Model):
    """One e-mail to one recipient."""

    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # what caused it, e.g. "state_changed", "approval_requested", "reminder"
    kind: Mapped[str] = mapped_column(sa.String(50))
    # the same key is never sent twice (e.g. "approval:<task id>:<user id>")
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    recipient_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(sa.String(254))
    language: Mapped[str] = mapped_column(sa.String(2), default="de")
    subject: Mapped[str] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str | None] = mapped_column(sa.Text)
    # an iCalendar attachment (deadlines, invitations)
    ics: Mapped[str | None] = mapped_column(sa.Text)
    ics_filename: Mapped[str | None] = mapped_column(sa.String(100))
    status: Mapped[MailStatus] = mapped_column(
        enum_column(MailStatus, length=16), default=MailStatus.pending
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # when a worker claimed it (a claim older than the lease is taken over by the sweep)
    claimed_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()

    recipient: Mapped[User | None] = relationship()
    attachments: Mapped[list[OutboxAttachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="OutboxAttachment.id"
    )

    @property
    def message_id(self) -> str:
        """A stable Message-ID: a repeated delivery is recognisable as the same mail."""
        return f"<outbox-{self.id}-{self.dedupe_key.replace(':', '.')[:120]}@digiflow>"

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status.value} to={self.to_address}>"


class OutboxAttachment(db.Model):
    """A file sent with an outbox mail (e.g. the agenda of a session as PDF)."""

    __tablename__ = "outbox_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)

    message: Mapped[OutboxMessage] = relationship(back_populates="attachments")

    def __repr__(self) -> str:
        return f"<OutboxAttachment {self.id} {self.filename!r} message={self.message_id}>"


class MailMode(StrEnum):
    immediate = "immediate"
    digest = "digest"  # once a day, in one mail


#: The kinds of mails a user can receive immediately or as a daily digest.
MAIL_KINDS = ("approval_requested", "state_changed", "reminder")


class MailPreference(db.Model):
    """How a user wants one kind of mail; without a row: immediately."""

    __tablename__ = "mail_preferences"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    mode: Mapped[MailMode] = mapped_column(enum_column(MailMode, length=16))

    def __repr__(self) -> str:
        return f"<MailPreference user={self.user_id} {self.kind}={self.mode.value}>"
