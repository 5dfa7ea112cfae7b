"""Reminders as rows: what is due, when, about which target; sent once by the scanner."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from digiflow.core.db import db, enum_column, utcnow
from digiflow.measures.models import ApprovalTask, Measure


class ReminderKind(StrEnum):
    """What a reminder is about; stored as its value, so a new kind needs no migration.

    Kinds that arrive with later issues (funding deadlines) are added here together with their
    target column and their sender in the scanner.
    """

    state_deadline_approaching = "state_deadline_approaching"  # to the owner
    state_deadline_overdue = "state_deadline_overdue"  # to the owner and the department head
    approval_pending = "approval_pending"  # to the approvers who have not decided
    approval_escalation = "approval_escalation"  # to escalate_to, else the department head
    # sessions (committees module): to the secretaries, and before the Vorlagenschluss to the
    # owners of the measures waiting for the committee
    submission_deadline = "submission_deadline"
    invitation_due = "invitation_due"  # the last day the invitation keeps the notice period
    result_missing = "result_missing"  # the business day after a session with items open
    resolution_due = "resolution_due"  # a resolution's target date, to its department


#: The kinds the measure handlers own (created, moved and cancelled with the measure).
MEASURE_KINDS = (
    ReminderKind.state_deadline_approaching,
    ReminderKind.state_deadline_overdue,
    ReminderKind.approval_pending,
    ReminderKind.approval_escalation,
)

#: The kinds that follow a session's date (moved when it is rescheduled).
MEETING_KINDS = (
    ReminderKind.submission_deadline,
    ReminderKind.invitation_due,
    ReminderKind.result_missing,
)

_UNSENT = "sent_at IS NULL AND cancelled_at IS NULL"


class Reminder(db.Model):
    """One reminder; its recipients are resolved from the target when it is sent."""

    __tablename__ = "reminders"
    __table_args__ = (
        # the scanner's query: what is unsent and due, by due time (small: sent rows drop out)
        sa.Index(
            "ix_reminders_unsent_due",
            "due_at",
            postgresql_where=sa.text(_UNSENT),
            sqlite_where=sa.text(_UNSENT),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(enum_column(ReminderKind, length=50))
    # makes a reminder exist once, e.g. "state:<measure>:<state>:<entered at>:<lead>"
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    measure_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("measures.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("approval_tasks.id", ondelete="CASCADE"), index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    resolution_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("resolution_tasks.id", ondelete="CASCADE"), index=True
    )
    # the deadline the reminder is about (a German calendar day)
    deadline_on: Mapped[date | None] = mapped_column()
    # when to send: a business day of the body's federal state, REMINDER_SEND_HOUR local time
    due_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    # the target went away (state left, step decided, measure withdrawn): never sent
    cancelled_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    measure: Mapped[Measure | None] = relationship()
    task: Mapped[ApprovalTask | None] = relationship()

    @property
    def is_pending(self) -> bool:
        return self.sent_at is None and self.cancelled_at is None

    def __repr__(self) -> str:
        status = "sent" if self.sent_at else "cancelled" if self.cancelled_at else "pending"
        return f"<Reminder {self.id} {self.key} due={self.due_at.isoformat()} {status}>"
