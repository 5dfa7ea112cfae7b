"""The monthly overview of open measures and open resolutions per department, for its heads."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from digiflow.core.db import db
from digiflow.core.roles import Role
from digiflow.core.time import local_date, now_or
from digiflow.measures.models import Measure
from digiflow.notifications.handlers import recipients_for
from digiflow.notifications.outbox import enqueue
from digiflow.org.models import Department
from digiflow.users.models import RoleAssignment, User


def send_department_digests(now: datetime | None = None) -> int:
    """Queue one overview per department head (or deputy) for this month; return how many.

    It lists the department's open measures and the resolutions it is responsible for that are
    still in progress (Beschlussverfolgung). The dedupe key names the month, so a second run in
    the same month queues nothing.
    """
    from digiflow.committees.agenda import number_of
    from digiflow.committees.resolutions import open_resolutions

    now = now_or(now)
    today = local_date(now)
    month = today.strftime("%Y-%m")
    written = 0
    departments = db.session.scalars(
        sa.select(Department).where(Department.is_active.is_(True)).order_by(Department.id)
    ).all()
    for department in departments:
        measures = db.session.scalars(
            sa.select(Measure)
            .where(Measure.department_id == department.id, Measure.closed_at.is_(None))
            .options(selectinload(Measure.workflow), selectinload(Measure.owner))
            .order_by(Measure.state_deadline.is_(None), Measure.state_deadline, Measure.id)
        ).all()
        resolutions = [
            (task, number_of(task.agenda_item)) for task in open_resolutions(department.id)
        ]
        if not measures and not resolutions:
            continue
        heads = db.session.scalars(
            sa.select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                RoleAssignment.role == Role.department_head,
                RoleAssignment.department_id == department.id,
                User.is_active_account.is_(True),
            )
            .order_by(User.id)
        ).all()
        for recipient, behalf in recipients_for(list(heads), today):
            queued = enqueue(
                recipient,
                kind="department_digest",
                template="department_digest",
                dedupe_key=f"department-digest:{department.id}:{month}:{recipient.id}",
                context={
                    "department": department,
                    "measures": measures,
                    "resolutions": resolutions,
                    "today": today,
                    "on_behalf_of": behalf,
                    "overdue": [
                        m for m in measures if m.state_deadline and m.state_deadline < today
                    ],
                },
            )
            written += queued is not None
    return written
