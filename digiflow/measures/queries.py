"""Read-only queries about measures, for pages and mails."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from digiflow.core.db import db
from digiflow.core.time import local_date, now_or
from digiflow.core.workflow.engine import identities, open_slot
from digiflow.measures.models import (
    ApprovalTask,
    HistoryAction,
    HistoryEntry,
    Measure,
    TaskStatus,
    Watch,
)
from digiflow.measures.permissions import visible_measures
from digiflow.users.models import User


def my_measures(user: User, limit: int = 50) -> list[Measure]:
    """Open measures the user owns, the nearest deadline first."""
    return list(
        db.session.scalars(
            sa.select(Measure)
            .where(Measure.owner_id == user.id, Measure.closed_at.is_(None))
            .options(selectinload(Measure.workflow), selectinload(Measure.department))
            .order_by(
                Measure.state_deadline.is_(None),
                Measure.state_deadline,
                Measure.updated_at.desc(),
            )
            .limit(limit)
        )
    )


def overdue_measures(
    user: User, now: datetime | None = None, limit: int = 20
) -> tuple[list[Measure], int]:
    """Open measures the user can see whose state deadline has passed, and how many."""
    today = local_date(now_or(now))
    condition = sa.and_(
        visible_measures(user),
        Measure.closed_at.is_(None),
        Measure.state_deadline < today,
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Measure).where(condition))
    rows = db.session.scalars(
        sa.select(Measure)
        .where(condition)
        .options(selectinload(Measure.workflow), selectinload(Measure.department))
        .order_by(Measure.state_deadline, Measure.id)
        .limit(limit)
    )
    return list(rows), total or 0


def watched_changes(
    user: User, now: datetime | None = None, days: int = 14, limit: int = 20
) -> list[HistoryEntry]:
    """Recent history of the measures the user watches (what changed, newest first)."""
    since = now_or(now) - timedelta(days=days)
    return list(
        db.session.scalars(
            sa.select(HistoryEntry)
            .join(Watch, Watch.measure_id == HistoryEntry.measure_id)
            .where(
                Watch.user_id == user.id,
                HistoryEntry.at >= since,
                HistoryEntry.action != HistoryAction.approval_opened,
            )
            .options(
                selectinload(HistoryEntry.measure).selectinload(Measure.workflow),
                selectinload(HistoryEntry.actor),
                selectinload(HistoryEntry.on_behalf_of),
            )
            .order_by(HistoryEntry.at.desc(), HistoryEntry.id.desc())
            .limit(limit)
        )
    )


def pending_approvals_for(
    user: User, now: datetime | None = None
) -> list[tuple[ApprovalTask, User | None]]:
    """Pending approval tasks the user may decide, with the absent person they would act for."""
    on = local_date(now_or(now))
    tasks = db.session.scalars(
        sa.select(ApprovalTask)
        .where(ApprovalTask.status == TaskStatus.pending)
        .options(
            selectinload(ApprovalTask.measure).selectinload(Measure.workflow),
            selectinload(ApprovalTask.decisions),
        )
        .order_by(ApprovalTask.due_on.is_(None), ApprovalTask.due_on, ApprovalTask.id)
    ).all()
    result: list[tuple[ApprovalTask, User | None]] = []
    people = identities(user, on)
    for task in tasks:
        approval = task.measure.definition.transitions[task.transition].approval
        assert approval is not None
        step = next(s for s in approval.steps if s.key == task.step)
        for identity in people:
            if open_slot(identity.principal, step, task.decisions, task.measure) is not None:
                result.append((task, identity.on_behalf_of))
                break
    return result
