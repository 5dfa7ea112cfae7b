"""Who is told what, by e-mail, when a measure changes (signal receivers).

The mails are written into the outbox in the same transaction as the change.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from digiflow.core.db import db
from digiflow.core.signals import approval_opened, measure_state_changed
from digiflow.core.time import local_date, now_or
from digiflow.core.workflow.engine import resolve_users
from digiflow.measures.models import ApprovalTask, HistoryEntry, Measure
from digiflow.notifications.calendar import deadline_ics
from digiflow.notifications.outbox import enqueue, public_url
from digiflow.users.models import Substitute, User


def deputies_of(user: User, on: date) -> list[User]:
    """The active deputies of ``user`` on ``on`` (empty when the user is present)."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Substitute, Substitute.deputy_id == User.id)
            .where(
                Substitute.user_id == user.id,
                Substitute.starts_on <= on,
                Substitute.ends_on >= on,
                User.is_active_account.is_(True),
            )
            .order_by(User.id)
        )
    )


def recipients_for(users: list[User], on: date) -> list[tuple[User, User | None]]:
    """Each user, or their deputies while they are absent: (recipient, on behalf of)."""
    result: list[tuple[User, User | None]] = []
    seen: set[int] = set()
    for user in users:
        deputies = deputies_of(user, on)
        for recipient, behalf in [(d, user) for d in deputies] or [(user, None)]:
            if recipient.id not in seen:
                seen.add(recipient.id)
                result.append((recipient, behalf))
    return result


def measure_url(measure: Measure) -> str:
    return public_url(f"/measures/{measure.id}")


@approval_opened.connect
def mail_approvers(task: ApprovalTask, **_kwargs: Any) -> None:
    """Ask the approvers of a newly opened step (or their deputies) to decide."""
    measure = task.measure
    definition = measure.definition
    approval = definition.transitions[task.transition].approval
    assert approval is not None
    step = next(s for s in approval.steps if s.key == task.step)
    people: list[User] = []
    for spec in step.approvers:
        people.extend(u for u in resolve_users(spec, measure) if u not in people)
    today = local_date(now_or(None))
    for recipient, behalf in recipients_for(people, today):
        ics = None
        if task.due_on:
            with force_locale(recipient.language):
                ics = deadline_ics(
                    uid=f"approval-{task.id}-{recipient.id}",
                    summary=_(
                        "Frist: %(step)s – %(title)s",
                        step=step.label.get(recipient.language),
                        title=measure.title,
                    ),
                    day=task.due_on,
                    description=_(
                        "Bitte entscheiden Sie über die Maßnahme „%(title)s“.", title=measure.title
                    ),
                    url=measure_url(measure),
                )
        enqueue(
            recipient,
            kind="approval_requested",
            template="approval_requested",
            dedupe_key=f"approval:{task.id}:{recipient.id}",
            context={
                "measure": measure,
                "task": task,
                "step": step,
                "on_behalf_of": behalf,
                "url": measure_url(measure),
            },
            ics=ics,
            ics_filename="frist.ics",
        )


@measure_state_changed.connect
def mail_state_change(
    measure: Measure,
    *,
    to_state: str,
    from_state: str | None,
    actor: User | None,
    history: HistoryEntry,
    **_kwargs: Any,
) -> None:
    """Tell the people the new state's ``on_enter: notify`` names (not the one who acted)."""
    definition = measure.definition
    people: list[User] = []
    for action in definition.states[to_state].on_enter:
        for spec in action.notify:
            people.extend(u for u in resolve_users(spec, measure) if u not in people)
    people = [p for p in people if actor is None or p.id != actor.id]
    today = local_date(now_or(None))
    for recipient, behalf in recipients_for(people, today):
        enqueue(
            recipient,
            kind="state_changed",
            template="state_changed",
            dedupe_key=f"state:{history.id}:{recipient.id}",
            context={
                "measure": measure,
                "definition": definition,
                "from_state": from_state,
                "to_state": to_state,
                "entry": history,
                "actor": actor,
                "on_behalf_of": behalf,
                "url": measure_url(measure),
            },
        )
