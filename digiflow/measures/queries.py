"""Read-only queries about measures, for pages and mails."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from digiflow.core.db import db
from digiflow.core.time import local_date, now_or
from digiflow.core.workflow.engine import identities, open_slot
from digiflow.measures.models import ApprovalTask, Measure, TaskStatus
from digiflow.users.models import User


def my_measures(user: User, limit: int = 50) -> list[Measure]:
    """Measures the user owns, most recently changed first."""
    return list(
        db.session.scalars(
            sa.select(Measure)
            .where(Measure.owner_id == user.id)
            .options(selectinload(Measure.workflow), selectinload(Measure.department))
            .order_by(Measure.updated_at.desc())
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
