"""Calendar feeds: iCalendar subscriptions behind a secret link.

A feed is either a person's own (the sessions of the committees they sit in or look after,
and their deadlines) or one committee's sessions. The link carries a random token
(``secrets.token_urlsafe(32)``); only its SHA-256 is stored, so the link is shown once, when it
is created or renewed. Renewing replaces the stored hash: the old link stops working at once.

What a feed never contains: non-public agenda items. A session's description lists the
titles of its public part only (and nothing at all for a session without a public part),
whoever subscribed, because calendars are synchronized to phones and shared with assistants.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from digiflow.committees.agenda import numbering
from digiflow.committees.ical import Deadline, feed, meeting_url
from digiflow.committees.models import AgendaItem, CalendarFeed, Meeting, Membership
from digiflow.core.db import db
from digiflow.core.errors import ValidationFailed
from digiflow.core.permissions import can, require, rule
from digiflow.core.roles import Role
from digiflow.core.time import local_date, now_or
from digiflow.measures.models import Measure
from digiflow.notifications.outbox import public_url
from digiflow.org.models import Committee
from digiflow.users.models import RoleAssignment, User

#: Sessions of the last days stay in a feed (for looking back at what was on).
PAST_DAYS = 90
#: How far ahead a feed reaches (series are planned up to a year ahead).
FUTURE_DAYS = 400
#: ``last_used_at`` is written at most this often (calendar programs poll every few minutes).
TOUCH_INTERVAL = timedelta(minutes=1)
#: Longer tokens are not looked up at all.
MAX_TOKEN_LENGTH = 128


def hash_token(token: str) -> str:
    """What is stored of a token: its SHA-256 in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@rule("calendar_feed.manage")
def can_manage_feed(user: User, calendar_feed: CalendarFeed) -> bool:
    """A feed is its owner's alone (renew, delete)."""
    return calendar_feed.user_id == user.id


def feeds_of(user: User) -> list[CalendarFeed]:
    """The user's feeds: the personal one first, then by committee name."""
    return list(
        db.session.scalars(
            sa.select(CalendarFeed)
            .outerjoin(Committee, Committee.id == CalendarFeed.committee_id)
            .where(CalendarFeed.user_id == user.id)
            .options(selectinload(CalendarFeed.committee))
            .order_by(CalendarFeed.committee_id.is_not(None), Committee.name, CalendarFeed.id)
        )
    )


def subscribable_committees(user: User) -> list[Committee]:
    """Committees a feed can be made for: active ones the user can see."""
    committees = db.session.scalars(
        sa.select(Committee)
        .where(Committee.is_active.is_(True), Committee.deleted_at.is_(None))
        .order_by(Committee.name, Committee.id)
    )
    return [c for c in committees if can(user, "committee.view", c)]


def issue_feed(
    user: User, *, committee: Committee | None = None, now: datetime | None = None
) -> tuple[CalendarFeed, str]:
    """Create the user's feed (personal, or of ``committee``) or renew its link.

    Returns the feed and the token; the token is not stored and cannot be shown again.
    """
    now = now_or(now)
    if committee is not None:
        if committee.deleted_at is not None or not committee.is_active:
            raise ValidationFailed("Unbekanntes Gremium.", "Unknown committee.")
        require(user, "committee.view", committee)
    existing = db.session.scalar(
        sa.select(CalendarFeed)
        .where(
            CalendarFeed.user_id == user.id,
            CalendarFeed.committee_id.is_(None)
            if committee is None
            else CalendarFeed.committee_id == committee.id,
        )
        .with_for_update()
    )
    token = secrets.token_urlsafe(32)
    if existing is None:
        existing = CalendarFeed(user_id=user.id, committee_id=committee.id if committee else None)
        db.session.add(existing)
    existing.token_hash = hash_token(token)
    existing.created_at = now
    existing.last_used_at = None
    db.session.flush()
    return existing, token


def delete_feed(calendar_feed: CalendarFeed, *, actor: User) -> None:
    """Remove a feed: its link stops working."""
    require(actor, "calendar_feed.manage", calendar_feed)
    db.session.delete(calendar_feed)
    db.session.flush()


def feed_for_token(token: str) -> CalendarFeed | None:
    """The feed behind a link, or None (unknown token, deactivated user, removed committee)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    calendar_feed = db.session.scalar(
        sa.select(CalendarFeed)
        .where(CalendarFeed.token_hash == hash_token(token))
        .options(selectinload(CalendarFeed.user), selectinload(CalendarFeed.committee))
    )
    if calendar_feed is None or not calendar_feed.user.is_active:
        return None
    committee = calendar_feed.committee
    if calendar_feed.committee_id is not None and (
        committee is None or committee.deleted_at is not None
    ):
        return None
    return calendar_feed


def touch(calendar_feed: CalendarFeed, now: datetime | None = None) -> bool:
    """Record that the feed was fetched, at most once per ``TOUCH_INTERVAL`` (one conditional
    UPDATE); tell whether it was written."""
    now = now_or(now)
    result = db.session.execute(
        sa.update(CalendarFeed)
        .where(
            CalendarFeed.id == calendar_feed.id,
            sa.or_(
                CalendarFeed.last_used_at.is_(None),
                CalendarFeed.last_used_at < now - TOUCH_INTERVAL,
            ),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


# -- what a feed contains ----------------------------------------------------------------------


def personal_committee_ids(user: User, start: date, end: date) -> set[int] | None:
    """Committees whose sessions go into the user's own feed: those they were a member of in
    the feed's window, and those they are secretary of (None: every committee, for a global
    secretary)."""
    assignments = db.session.scalars(
        sa.select(RoleAssignment).where(
            RoleAssignment.user_id == user.id,
            RoleAssignment.role == Role.committee_secretary,
        )
    ).all()
    if any(a.committee_id is None and a.department_id is None for a in assignments):
        return None
    ids = {a.committee_id for a in assignments if a.committee_id is not None}
    ids |= set(
        db.session.scalars(
            sa.select(Membership.committee_id).where(
                Membership.user_id == user.id,
                Membership.deleted_at.is_(None),
                Membership.starts_on <= end,
                sa.or_(Membership.ends_on.is_(None), Membership.ends_on >= start),
            )
        )
    )
    return ids


def feed_meetings(committee_ids: set[int] | None, now: datetime) -> list[Meeting]:
    """Sessions of the committees (None: all) from ``PAST_DAYS`` ago on, cancelled ones too."""
    if committee_ids is not None and not committee_ids:
        return []
    query = (
        sa.select(Meeting)
        .where(
            Meeting.deleted_at.is_(None),
            Meeting.starts_at >= now - timedelta(days=PAST_DAYS),
            Meeting.starts_at <= now + timedelta(days=FUTURE_DAYS),
        )
        .options(selectinload(Meeting.location), selectinload(Meeting.committee))
        .order_by(Meeting.starts_at, Meeting.id)
    )
    if committee_ids is not None:
        query = query.where(Meeting.committee_id.in_(committee_ids))
    return list(db.session.scalars(query))


def public_items(meetings: list[Meeting]) -> dict[int, list[AgendaItem]]:
    """The public agenda items of the sessions, per session (one query)."""
    if not meetings:
        return {}
    rows = db.session.scalars(
        sa.select(AgendaItem).where(
            AgendaItem.meeting_id.in_([m.id for m in meetings]),
            AgendaItem.deleted_at.is_(None),
            AgendaItem.is_public.is_(True),
        )
    )
    items: dict[int, list[AgendaItem]] = {}
    for item in rows:
        items.setdefault(item.meeting_id, []).append(item)
    return items


def session_description(meeting: Meeting, items: list[AgendaItem]) -> str:
    """The calendar text of a session: its public agenda and the link to its page.

    Only items of the public part are listed; a session without a public part lists none.
    """
    lines: list[str] = []
    if meeting.is_cancelled:
        lines += [_("Die Sitzung ist abgesagt."), ""]
    public = [i for i in items if i.is_public and i.deleted_at is None]
    if meeting.is_public and public:
        lines.append(_("Tagesordnung (öffentlicher Teil):"))
        lines += [f"{n.number} {n.item.title}" for n in numbering(meeting, public)]
        lines.append("")
    lines.append(meeting_url(meeting))
    return "\n".join(lines)


def deadlines_for(user: User, now: datetime) -> list[Deadline]:
    """The user's deadlines: the current step of the measures they own, and the approval steps
    they may decide (as themselves or as a substitute)."""
    from digiflow.measures.queries import pending_approvals_for

    since = local_date(now) - timedelta(days=PAST_DAYS)
    deadlines: list[Deadline] = []
    owned = db.session.scalars(
        sa.select(Measure)
        .where(
            Measure.owner_id == user.id,
            Measure.closed_at.is_(None),
            Measure.state_deadline.is_not(None),
            Measure.state_deadline >= since,
        )
        .options(selectinload(Measure.workflow))
        .order_by(Measure.state_deadline, Measure.id)
    )
    lang = user.language
    for measure in owned:
        if measure.is_closed:
            continue
        assert measure.state_deadline is not None
        state = measure.state_def.label.get(lang)
        deadlines.append(
            Deadline(
                uid=f"measure-{measure.id}-{measure.state}@digiflow",
                day=measure.state_deadline,
                summary=_("Frist: %(title)s", title=measure.title),
                description=_("Frist des aktuellen Schritts „%(state)s“.", state=state),
                url=public_url(f"/measures/{measure.id}"),
            )
        )
    for task, on_behalf_of in pending_approvals_for(user, now):
        if task.due_on is None or task.due_on < since:
            continue
        measure = task.measure
        approval = measure.definition.transitions[task.transition].approval
        step = next((s for s in approval.steps if s.key == task.step), None) if approval else None
        text = _("Genehmigungsschritt „%(step)s“.", step=step.label.get(lang) if step else "")
        if on_behalf_of is not None:
            text += " " + _("Vertretung für %(name)s.", name=on_behalf_of.name)
        deadlines.append(
            Deadline(
                uid=f"approval-{task.id}@digiflow",
                day=task.due_on,
                summary=_("Genehmigung: %(title)s", title=measure.title),
                description=text,
                url=public_url(f"/measures/{measure.id}"),
            )
        )
    return deadlines


def render_feed(calendar_feed: CalendarFeed, now: datetime | None = None) -> bytes:
    """The feed as an iCalendar document (METHOD:PUBLISH), in the owner's language."""
    now = now_or(now)
    user = calendar_feed.user
    with force_locale(user.language):
        if calendar_feed.committee_id is None:
            today = local_date(now)
            ids = personal_committee_ids(
                user,
                today - timedelta(days=PAST_DAYS),
                today + timedelta(days=FUTURE_DAYS),
            )
            name = _("digiflow – Meine Sitzungen und Fristen")
            deadlines = deadlines_for(user, now)
        else:
            ids = {calendar_feed.committee_id}
            assert calendar_feed.committee is not None
            name = _("digiflow – %(committee)s", committee=calendar_feed.committee.name)
            deadlines = []
        meetings = feed_meetings(ids, now)
        items = public_items(meetings)
        entries = [(m, session_description(m, items.get(m.id, []))) for m in meetings]
        return feed(name, entries, deadlines)
