"""Measures (Maßnahmen), their audit history and their approval tasks."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.dialects.postgresql  # noqa: F401 - before sa.func.to_tsvector (types)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from digiflow.catalogs.models import CatalogEntry
from digiflow.core.db import db, enum_column, utcnow
from digiflow.core.workflow.models import StoredWorkflow
from digiflow.funding.models import FundingProgramme
from digiflow.org.models import Body, Department
from digiflow.users.models import User

if TYPE_CHECKING:
    from digiflow.core.workflow.definition import StateDef, WorkflowDef

Money = sa.Numeric(14, 2)


class Measure(db.Model):
    """A digitalization measure on its way through a workflow."""

    __tablename__ = "measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(sa.ForeignKey("bodies.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    field_of_action_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("catalog_entries.id"), index=True
    )
    priority_id: Mapped[int | None] = mapped_column(sa.ForeignKey("catalog_entries.id"), index=True)
    it_provider_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("catalog_entries.id"), index=True
    )
    funding_programme_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("funding_programmes.id"), index=True
    )
    cost_one_off: Mapped[Decimal | None] = mapped_column(Money)
    # per year
    cost_recurring: Mapped[Decimal | None] = mapped_column(Money)
    budget_year: Mapped[int | None] = mapped_column(index=True)
    start_date: Mapped[date | None] = mapped_column()
    target_date: Mapped[date | None] = mapped_column()

    # the workflow version the measure started on; it stays on it
    workflow_id: Mapped[int] = mapped_column(sa.ForeignKey("workflow_definitions.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(64), index=True)
    state_entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    # deadline of the current state in business days, if the state has one
    state_deadline: Mapped[date | None] = mapped_column(index=True)
    # how often the measure was sent back for revision
    return_count: Mapped[int] = mapped_column(default=0)
    # optimistic locking: a stale form or a concurrent change is refused
    version: Mapped[int] = mapped_column(default=1)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # full-text search over title and description (PostgreSQL only; SQLite uses LIKE)
        sa.Index(
            "ix_measures_fulltext",
            sa.func.to_tsvector(
                sa.literal_column("'german'"),
                sa.func.coalesce(sa.column("title"), "")
                + " "
                + sa.func.coalesce(sa.column("description"), ""),
            ),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql"),
        sa.Index("ix_measures_updated_at_id", "updated_at", "id"),
    )

    body: Mapped[Body] = relationship()
    department: Mapped[Department] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    field_of_action: Mapped[CatalogEntry | None] = relationship(foreign_keys=[field_of_action_id])
    priority: Mapped[CatalogEntry | None] = relationship(foreign_keys=[priority_id])
    it_provider: Mapped[CatalogEntry | None] = relationship(foreign_keys=[it_provider_id])
    funding_programme: Mapped[FundingProgramme | None] = relationship()
    strategic_goals: Mapped[list[CatalogEntry]] = relationship(
        secondary="measure_strategic_goals", order_by="CatalogEntry.position"
    )
    workflow: Mapped[StoredWorkflow] = relationship()
    history: Mapped[list[HistoryEntry]] = relationship(
        back_populates="measure", order_by="HistoryEntry.id", cascade="all, delete-orphan"
    )
    approval_tasks: Mapped[list[ApprovalTask]] = relationship(
        back_populates="measure", order_by="ApprovalTask.id", cascade="all, delete-orphan"
    )

    @property
    def total_costs(self) -> Decimal:
        """One-off plus one year of recurring costs."""
        return (self.cost_one_off or Decimal(0)) + (self.cost_recurring or Decimal(0))

    @property
    def definition(self) -> WorkflowDef:
        from digiflow.core.workflow.registry import registry

        return registry().definition(self.workflow)

    @property
    def state_def(self) -> StateDef:
        return self.definition.states[self.state]

    @property
    def is_closed(self) -> bool:
        return self.state_def.category.is_terminal

    def __repr__(self) -> str:
        return f"<Measure {self.id} {self.state!r} {self.title[:30]!r}>"


class HistoryAction(StrEnum):
    created = "created"
    edited = "edited"
    transition = "transition"  # a manual transition fired (submit, defer, complete, ...)
    approval_opened = "approval_opened"
    approved = "approved"  # one approver approved one step
    rejected = "rejected"
    returned = "returned"  # sent back for revision
    committee_result = "committee_result"
    withdrawn = "withdrawn"
    attachment_added = "attachment_added"  # changes: attachment_id, filename, kind
    attachment_removed = "attachment_removed"  # soft delete; the file is kept


class HistoryEntry(db.Model):
    """One line of a measure's audit history: who, when, on whose behalf, from what to what."""

    __tablename__ = "measure_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(
        sa.ForeignKey("measures.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # None for the system (e.g. a scheduled escalation)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # the absent person the actor stood in for, if any
    on_behalf_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[HistoryAction] = mapped_column(enum_column(HistoryAction))
    transition: Mapped[str | None] = mapped_column(sa.String(64))
    step: Mapped[str | None] = mapped_column(sa.String(64))
    from_state: Mapped[str | None] = mapped_column(sa.String(64))
    to_state: Mapped[str | None] = mapped_column(sa.String(64))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    # field -> [old, new] for edits; committee details for results
    changes: Mapped[dict | None] = mapped_column(sa.JSON)

    measure: Mapped[Measure] = relationship(back_populates="history")
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    on_behalf_of: Mapped[User | None] = relationship(foreign_keys=[on_behalf_of_id])

    def __repr__(self) -> str:
        return (
            f"<HistoryEntry {self.id} measure={self.measure_id} {self.action.value} "
            f"{self.from_state}->{self.to_state}>"
        )


class TaskStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    returned = "returned"
    cancelled = "cancelled"  # withdrawn measure, or a parallel step ended by a rejection


class ApprovalTask(db.Model):
    """One step of an approval chain for one measure, in one round."""

    __tablename__ = "approval_tasks"
    __table_args__ = (sa.UniqueConstraint("measure_id", "transition", "step", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(
        sa.ForeignKey("measures.id", ondelete="CASCADE"), index=True
    )
    transition: Mapped[str] = mapped_column(sa.String(64))
    step: Mapped[str] = mapped_column(sa.String(64))
    order: Mapped[int] = mapped_column()
    # 1 for the first time this chain runs for the measure, 2 after a send-back, ...
    round: Mapped[int] = mapped_column(default=1)
    status: Mapped[TaskStatus] = mapped_column(
        enum_column(TaskStatus), default=TaskStatus.pending, index=True
    )
    required_approvals: Mapped[int] = mapped_column()
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_on: Mapped[date | None] = mapped_column(index=True)
    closed_at: Mapped[datetime | None] = mapped_column()

    measure: Mapped[Measure] = relationship(back_populates="approval_tasks")
    decisions: Mapped[list[ApprovalDecision]] = relationship(
        back_populates="task", order_by="ApprovalDecision.id", cascade="all, delete-orphan"
    )

    @property
    def approvals(self) -> int:
        return sum(1 for d in self.decisions if d.decision == Decision.approve)

    def __repr__(self) -> str:
        return (
            f"<ApprovalTask {self.id} measure={self.measure_id} {self.transition}/{self.step} "
            f"r{self.round} {self.status.value}>"
        )


class Decision(StrEnum):
    approve = "approve"
    reject = "reject"
    ret = "return"  # send back for revision


class ApprovalDecision(db.Model):
    """One person's decision in an approval task; each person and each approver slot once."""

    __tablename__ = "approval_decisions"
    __table_args__ = (
        sa.UniqueConstraint("task_id", "principal_id"),
        sa.UniqueConstraint("task_id", "approver_index"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(
        sa.ForeignKey("approval_tasks.id", ondelete="CASCADE"), index=True
    )
    # which entry of the step's approvers list this decision fills
    approver_index: Mapped[int] = mapped_column()
    # who clicked
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # whose approval it is: the actor, or the absent person the actor stands in for
    principal_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    decision: Mapped[Decision] = mapped_column(enum_column(Decision, length=16))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    task: Mapped[ApprovalTask] = relationship(back_populates="decisions")
    actor: Mapped[User] = relationship(foreign_keys=[actor_id])
    principal: Mapped[User] = relationship(foreign_keys=[principal_id])

    @property
    def on_behalf_of_id(self) -> int | None:
        return self.principal_id if self.principal_id != self.actor_id else None

    def __repr__(self) -> str:
        return f"<ApprovalDecision task={self.task_id} {self.decision.value} by={self.actor_id}>"


measure_strategic_goals = sa.Table(
    "measure_strategic_goals",
    db.metadata,
    sa.Column("measure_id", sa.ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("goal_id", sa.ForeignKey("catalog_entries.id"), primary_key=True),
)


class Watch(db.Model):
    """A user who follows a measure's changes (Beobachten)."""

    __tablename__ = "measure_watchers"

    measure_id: Mapped[int] = mapped_column(
        sa.ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Watch measure={self.measure_id} user={self.user_id}>"


class Comment(db.Model):
    """A comment on a measure."""

    __tablename__ = "measure_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(
        sa.ForeignKey("measures.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Comment {self.id} measure={self.measure_id}>"


class AttachmentKind(StrEnum):
    concept = "concept"  # Konzept
    report = "report"  # Bericht
    other = "other"


class Attachment(db.Model):
    """A file attached to a measure, stored outside the web root under a generated name."""

    __tablename__ = "measure_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(
        sa.ForeignKey("measures.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[AttachmentKind] = mapped_column(enum_column(AttachmentKind, length=16))
    # the name the uploader's file had (shown, never used as a path)
    filename: Mapped[str] = mapped_column(sa.String(255))
    # random name under UPLOAD_DIR
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # detected from the content, not from the name
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column()

    uploaded_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.filename!r} measure={self.measure_id}>"


class SavedFilter(db.Model):
    """A filter of the measures list that a user saved under a name."""

    __tablename__ = "saved_filters"
    __table_args__ = (sa.UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    # the list's query string (filters and sort), without paging
    query: Mapped[str] = mapped_column(sa.String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<SavedFilter {self.id} {self.name!r} user={self.user_id}>"
