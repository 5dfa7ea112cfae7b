"""E-mails of the session service, written into the outbox in the transaction of the change:
the invitation (agenda as PDF, iCalendar REQUEST), the update of a moved session, the
cancellation (iCalendar CANCEL), and the extracts of the minutes for the lead departments.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from digiflow.committees.agenda import numbering
from digiflow.committees.ical import cancellation_ics, invitation_ics, meeting_url
from digiflow.committees.meetings import meeting_day
from digiflow.committees.members import members_on
from digiflow.committees.models import AgendaItem, Meeting
from digiflow.committees.pdf import agenda_pdf, extract_pdf
from digiflow.core.db import db
from digiflow.core.roles import Role
from digiflow.core.signals import meeting_cancelled, meeting_invited, meeting_rescheduled
from digiflow.core.time import local_date
from digiflow.core.workflow.definition import RecordApprover
from digiflow.core.workflow.engine import resolve_users
from digiflow.notifications.handlers import recipients_for
from digiflow.notifications.outbox import enqueue
from digiflow.users.models import RoleAssignment, User


def invitees(meeting: Meeting) -> list[User]:
    """The members on the session day with an active account (voting, deputy, advisory)."""
    return [m.user for m in members_on(meeting.committee, meeting_day(meeting)) if m.user.is_active]


def _description(meeting: Meeting, recipient: User) -> str:
    """The agenda as text for the calendar entry (the member sees both parts)."""
    with force_locale(recipient.language):
        lines = [_("Tagesordnung:")]
        lines += [f"{n.number} {n.item.title}" for n in numbering(meeting)]
        lines += ["", meeting_url(meeting)]
    return "\n".join(lines)


def _agenda_attachment(meeting: Meeting) -> tuple[str, str, bytes]:
    filename = f"tagesordnung-{meeting.committee.short_name}-{meeting_day(meeting):%Y-%m-%d}.pdf"
    filename = filename.replace(" ", "-").lower()
    return (filename, "application/pdf", agenda_pdf(meeting, public_only=False))


@meeting_invited.connect
def mail_invitation(meeting: Meeting, *, urgent_reason: str | None = None, **_kw: Any) -> None:
    """Every member gets the agenda with the iCalendar invitation and the agenda as PDF."""
    attachment = _agenda_attachment(meeting)
    entries = numbering(meeting)
    for recipient in invitees(meeting):
        enqueue(
            recipient,
            kind="invitation",
            template="meeting_invitation",
            dedupe_key=f"invitation:{meeting.id}:{meeting.ical_sequence}:{recipient.id}",
            context={
                "meeting": meeting,
                "entries": entries,
                "urgent_reason": urgent_reason,
                "update": meeting.ical_sequence > 0,
                "url": meeting_url(meeting),
            },
            ics=invitation_ics(meeting, recipient, _description(meeting, recipient)),
            ics_filename="einladung.ics",
            attachments=[attachment],
        )


@meeting_rescheduled.connect
def mail_moved(
    meeting: Meeting, *, old_starts_at: datetime, reason: str | None, **_kw: Any
) -> None:
    """Invited members get the new date (the same calendar entry, moved)."""
    if meeting.invitation_sent_at is None:
        return
    for recipient in invitees(meeting):
        enqueue(
            recipient,
            kind="invitation",
            template="meeting_moved",
            dedupe_key=f"invitation:{meeting.id}:{meeting.ical_sequence}:{recipient.id}",
            context={
                "meeting": meeting,
                "old_starts_at": old_starts_at,
                "reason": reason,
                "url": meeting_url(meeting),
            },
            ics=invitation_ics(meeting, recipient, _description(meeting, recipient)),
            ics_filename="einladung.ics",
        )


@meeting_cancelled.connect
def mail_cancelled(meeting: Meeting, *, reason: str, was_invited: bool, **_kw: Any) -> None:
    """Invited members learn that the session is cancelled; their calendars drop it."""
    if not was_invited:
        return
    for recipient in invitees(meeting):
        enqueue(
            recipient,
            kind="invitation",
            template="meeting_cancelled",
            dedupe_key=f"invitation:{meeting.id}:{meeting.ical_sequence}:{recipient.id}",
            context={"meeting": meeting, "reason": reason, "url": meeting_url(meeting)},
            ics=cancellation_ics(meeting, recipient, reason),
            ics_filename="absage.ics",
        )


def lead_department_id(item: AgendaItem) -> int | None:
    if item.paper is not None and item.paper.lead_department_id is not None:
        return item.paper.lead_department_id
    if item.measure is not None:
        return item.measure.department_id
    return None


def extract_recipients(item: AgendaItem) -> list[User]:
    """The heads of the item's lead department and, for a measure, its owner."""
    return extract_recipients_of([item])[item.id]


def extract_recipients_of(items: Iterable[AgendaItem]) -> dict[int, list[User]]:
    """For each item (by id): the active heads of its lead department and, for a measure, its
    active owner; in two queries however many items there are."""
    items = list(items)
    department_of = {item.id: lead_department_id(item) for item in items}
    heads: dict[int, list[User]] = {}
    wanted = {d for d in department_of.values() if d is not None}
    if wanted:
        rows = db.session.execute(
            db.select(RoleAssignment.department_id, User)
            .join(User, RoleAssignment.user_id == User.id)
            .where(
                RoleAssignment.role == Role.department_head,
                RoleAssignment.department_id.in_(wanted),
                User.is_active_account.is_(True),
            )
            .order_by(User.id)
        ).unique()
        for department_id, user in rows:
            if user not in heads.setdefault(department_id, []):
                heads[department_id].append(user)
    # the owners in one query; the engine's owner rule then finds them in the session
    owner_ids = {item.measure.owner_id for item in items if item.measure is not None}
    if owner_ids:
        db.session.scalars(db.select(User).where(User.id.in_(owner_ids))).all()
    found: dict[int, list[User]] = {}
    for item in items:
        department_id = department_of[item.id]
        people = list(heads.get(department_id, [])) if department_id is not None else []
        if item.measure is not None:
            for owner in resolve_users(RecordApprover(resolve="owner"), item.measure):
                if owner not in people:
                    people.append(owner)
        found[item.id] = people
    return found


def send_extracts(meeting: Meeting, now: datetime) -> int:
    """Each item with a lead department: its extract (text and PDF) to the department; return
    how many items were sent. Sent once per item (``extract_sent_at``, dedupe key)."""
    sent = 0
    today = local_date(now)
    for entry in numbering(meeting):
        item = entry.item
        if item.extract_sent_at is not None or item.result is None:
            continue
        people = extract_recipients(item)
        if not people:
            continue
        pdf = extract_pdf(item, entry.number)
        filename = f"auszug-{entry.number.replace(' ', '').replace('.', '-').lower()}.pdf"
        for recipient, behalf in recipients_for(people, today):
            enqueue(
                recipient,
                kind="minutes_extract",
                template="minutes_extract",
                dedupe_key=f"extract:{item.id}:{recipient.id}",
                context={
                    "meeting": meeting,
                    "item": item,
                    "number": entry.number,
                    "on_behalf_of": behalf,
                    "url": meeting_url(meeting),
                },
                attachments=[(filename, "application/pdf", pdf)],
            )
        item.extract_sent_at = now
        sent += 1
    db.session.flush()
    return sent
