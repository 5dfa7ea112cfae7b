"""Sessions: planning (single or recurring), moving, cancelling, inviting.

Operations flush, never commit. Each fires a signal: the reminders that depend on the session's
date follow it (``digiflow.committees.handlers``), and the members get their invitation, the
update or the cancellation by e-mail with an iCalendar attachment.

Notice period (Ladungsfrist): the invitation must reach the members ``notice_days`` calendar
days before the session day. Later, it can only go out as an urgent invitation
(Dringlichkeit) with a reason, down to ``urgent_notice_days``; after that it is refused (the
session has to be moved).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from dateutil.rrule import rrulestr
from flask import current_app

from digiflow.committees.models import (
    AgendaItem,
    Location,
    Meeting,
    MeetingSeries,
    MeetingState,
)
from digiflow.committees.permissions import secretary_identity
from digiflow.core.db import db
from digiflow.core.errors import IllegalTransition, PermissionDenied, StaleObject, ValidationFailed
from digiflow.core.signals import (
    meeting_cancelled,
    meeting_invited,
    meeting_planned,
    meeting_rescheduled,
)
from digiflow.core.time import LOCAL_TZ, local_date, now_or
from digiflow.core.workflow.engine import Identity
from digiflow.org.models import Committee
from digiflow.users.models import User

#: The longest session a form accepts (a Kreistag meets all day, not for days).
MAX_DURATION = timedelta(hours=16)
#: How many sessions one recurrence rule may create at once.
MAX_OCCURRENCES = 60
#: Frequencies a recurrence rule may have (a session every minute is a typo).
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_RRULE_KEY = re.compile(r"^[A-Z]+$")


def require_secretary(actor: User, committee: Committee, now: datetime) -> Identity:
    """The identity in which ``actor`` acts as the committee's secretary, or PermissionDenied."""
    identity = secretary_identity(actor, committee, local_date(now))
    if identity is None:
        raise PermissionDenied(
            "Nur die Gremienbetreuung dieses Gremiums darf das tun.",
            "Only a secretary of this committee may do this.",
        )
    return identity


def lock_meeting(meeting: Meeting, expected_version: int | None = None) -> None:
    """Lock the session's row for this transaction and reload it (SELECT ... FOR UPDATE)."""
    db.session.refresh(meeting, with_for_update=True)
    if expected_version is not None and meeting.version != expected_version:
        raise StaleObject(
            "Die Sitzung wurde inzwischen von jemand anderem geändert. Bitte laden Sie die "
            "Seite neu.",
            "Somebody else changed the session in the meantime. Please reload the page.",
        )


def meeting_day(meeting: Meeting) -> date:
    """The German calendar day of the session."""
    return local_date(meeting.starts_at)


def default_name(committee: Committee, starts_at: datetime) -> str:
    return f"{committee.name} – Sitzung am {local_date(starts_at):%d.%m.%Y}"


def _check_times(starts_at: datetime, ends_at: datetime | None, now: datetime) -> None:
    if starts_at.tzinfo is None or (ends_at is not None and ends_at.tzinfo is None):
        raise ValueError("session times must be timezone-aware")
    if starts_at <= now:
        raise ValidationFailed(
            "Der Sitzungstermin muss in der Zukunft liegen.",
            "The session must be in the future.",
        )
    if ends_at is not None and not starts_at < ends_at <= starts_at + MAX_DURATION:
        raise ValidationFailed(
            "Das Ende der Sitzung muss nach ihrem Beginn liegen (am selben Tag).",
            "The session must end after it starts (on the same day).",
        )


def _check_location(location: Location | None, committee: Committee) -> None:
    if location is not None and (
        location.body_id != committee.body_id or location.deleted_at is not None
    ):
        raise ValidationFailed("Unbekannter Sitzungsort.", "Unknown location.")


def plan_meeting(
    committee: Committee,
    *,
    actor: User,
    starts_at: datetime,
    ends_at: datetime | None = None,
    location: Location | None = None,
    name: str | None = None,
    is_public: bool | None = None,
    now: datetime | None = None,
) -> Meeting:
    """Plan one session of ``committee``."""
    now = now_or(now)
    require_secretary(actor, committee, now)
    if not committee.is_active or committee.deleted_at is not None:
        raise IllegalTransition(
            "Das Gremium ist nicht mehr aktiv.", "The committee is no longer active."
        )
    _check_times(starts_at, ends_at, now)
    _check_location(location, committee)
    meeting = Meeting(
        committee=committee,
        name=(name or "").strip()[:300] or default_name(committee, starts_at),
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        is_public=committee.is_public if is_public is None else is_public,
        state=MeetingState.planned,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(meeting)
    db.session.flush()
    meeting_planned.send(meeting, actor=actor)
    return meeting


# -- recurring sessions ----------------------------------------------------------------------


def parse_rrule(text: str, first_start: datetime) -> list[datetime]:
    """Check an RRULE and return its occurrences (local wall-clock times, aware) for at most
    ``MAX_OCCURRENCES`` sessions; raise ValidationFailed with the reason otherwise.

    The rule is applied to the local time of ``first_start``, so that a session at 18:00 stays
    at 18:00 across the change to and from summer time.
    """
    rule = (text or "").strip().upper()
    if rule.startswith("RRULE:"):
        rule = rule[len("RRULE:") :]
    if not rule:
        raise ValidationFailed(
            "Bitte geben Sie eine Wiederholungsregel an (z. B. FREQ=MONTHLY;BYDAY=2WE).",
            "Please enter a recurrence rule (e.g. FREQ=MONTHLY;BYDAY=2WE).",
        )
    if len(rule) > 500 or "\n" in rule or "DTSTART" in rule:
        raise ValidationFailed(
            "Die Wiederholungsregel ist ungültig (eine Zeile, ohne DTSTART).",
            "The recurrence rule is invalid (one line, without DTSTART).",
        )
    parts = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
    if len(parts) != len([p for p in rule.split(";") if p]) or not all(
        _RRULE_KEY.match(k) for k in parts
    ):
        raise ValidationFailed(
            "Die Wiederholungsregel besteht aus Angaben wie FREQ=MONTHLY;BYDAY=2WE.",
            "A recurrence rule consists of parts such as FREQ=MONTHLY;BYDAY=2WE.",
        )
    if parts.get("FREQ") not in FREQUENCIES:
        raise ValidationFailed(
            "FREQ muss DAILY, WEEKLY, MONTHLY oder YEARLY sein.",
            "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY.",
        )
    if {"BYHOUR", "BYMINUTE", "BYSECOND"} & set(parts):
        raise ValidationFailed(
            "Die Uhrzeit kommt aus dem ersten Termin, nicht aus der Regel.",
            "The time of day comes from the first session, not from the rule.",
        )
    start_local = first_start.astimezone(LOCAL_TZ).replace(tzinfo=None)
    try:
        recurrence = rrulestr(rule, dtstart=start_local)
        occurrences = []
        for occurrence in recurrence:
            occurrences.append(occurrence)
            if len(occurrences) >= MAX_OCCURRENCES:
                break
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise ValidationFailed(
            f"Die Wiederholungsregel ist ungültig: {exc}.",
            f"The recurrence rule is invalid: {exc}.",
        ) from exc
    if not occurrences:
        raise ValidationFailed(
            "Die Wiederholungsregel ergibt keinen Termin.",
            "The recurrence rule yields no session.",
        )
    return [o.replace(tzinfo=LOCAL_TZ).astimezone(UTC) for o in occurrences]


def _occurrences_between(series: MeetingSeries, after: datetime, until: datetime) -> list[datetime]:
    start_local = series.first_start.astimezone(LOCAL_TZ).replace(tzinfo=None)
    recurrence = rrulestr(series.rrule, dtstart=start_local)
    after_local = after.astimezone(LOCAL_TZ).replace(tzinfo=None)
    until_local = until.astimezone(LOCAL_TZ).replace(tzinfo=None)
    found = []
    for occurrence in recurrence.between(after_local, until_local, inc=False):
        found.append(occurrence.replace(tzinfo=LOCAL_TZ).astimezone(UTC))
        if len(found) >= MAX_OCCURRENCES:
            break
    return found


def _horizon(now: datetime) -> datetime:
    return now + timedelta(days=current_app.config.get("SERIES_HORIZON_DAYS", 365))


def plan_series(
    committee: Committee,
    *,
    actor: User,
    rrule: str,
    first_start: datetime,
    duration_minutes: int = 120,
    location: Location | None = None,
    name: str | None = None,
    now: datetime | None = None,
) -> MeetingSeries:
    """Plan recurring sessions; those up to the horizon (a year) are created now."""
    now = now_or(now)
    require_secretary(actor, committee, now)
    if not 15 <= duration_minutes <= MAX_DURATION.total_seconds() // 60:
        raise ValidationFailed(
            "Die Dauer muss zwischen 15 Minuten und 16 Stunden liegen.",
            "The duration must be between 15 minutes and 16 hours.",
        )
    _check_times(first_start, None, now)
    _check_location(location, committee)
    occurrences = parse_rrule(rrule, first_start)
    rule = rrule.strip().upper().removeprefix("RRULE:")
    series = MeetingSeries(
        committee=committee,
        rrule=rule,
        first_start=first_start,
        duration_minutes=duration_minutes,
        location=location,
        name=(name or "").strip()[:300] or None,
        generated_until=first_start,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(series)
    db.session.flush()
    horizon = _horizon(now)
    for start in occurrences:
        if start > horizon:
            break
        _add_occurrence(series, start, actor, now)
    return series


def _add_occurrence(
    series: MeetingSeries, start: datetime, actor: User | None, now: datetime
) -> None:
    committee = series.committee
    meeting = Meeting(
        committee=committee,
        series=series,
        occurrence_start=start,
        name=series.name or default_name(committee, start),
        starts_at=start,
        ends_at=start + timedelta(minutes=series.duration_minutes),
        location_id=series.location_id,
        is_public=committee.is_public,
        state=MeetingState.planned,
        created_by_id=actor.id if actor else None,
        created_at=now,
        updated_at=now,
    )
    db.session.add(meeting)
    series.generated_until = max(series.generated_until, start)
    db.session.flush()
    meeting_planned.send(meeting, actor=actor)


def extend_series(now: datetime | None = None) -> int:
    """Create the sessions of every open series that come within the horizon; return how many.

    Safe to run twice: an occurrence exists once (unique on series and planned moment).
    """
    now = now_or(now)
    horizon = _horizon(now)
    created = 0
    series_list = db.session.scalars(
        sa.select(MeetingSeries).where(
            MeetingSeries.ended_at.is_(None), MeetingSeries.generated_until < horizon
        )
    ).all()
    for series in series_list:
        if not series.committee.is_active:
            continue
        for start in _occurrences_between(series, series.generated_until, horizon):
            exists = db.session.scalar(
                sa.select(Meeting.id).where(
                    Meeting.series_id == series.id, Meeting.occurrence_start == start
                )
            )
            if exists is None and start > now:
                _add_occurrence(series, start, None, now)
                created += 1
            series.generated_until = max(series.generated_until, start)
    db.session.flush()
    return created


def end_series(series: MeetingSeries, *, actor: User, now: datetime | None = None) -> int:
    """Stop a series: its planned future sessions are cancelled; return how many."""
    now = now_or(now)
    require_secretary(actor, series.committee, now)
    series.ended_at = now
    cancelled = 0
    for meeting in db.session.scalars(
        sa.select(Meeting).where(
            Meeting.series_id == series.id,
            Meeting.starts_at > now,
            Meeting.state.in_([MeetingState.planned, MeetingState.invited]),
        )
    ):
        cancel_meeting(meeting, actor=actor, reason="Sitzungsreihe beendet.", now=now)
        cancelled += 1
    db.session.flush()
    return cancelled


# -- moving and cancelling -------------------------------------------------------------------


def reschedule_meeting(
    meeting: Meeting,
    *,
    actor: User,
    starts_at: datetime,
    ends_at: datetime | None = None,
    location: Location | None = None,
    reason: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Meeting:
    """Move a session that has not taken place; every reminder that depends on its date
    moves with it, and invited members get the update (same calendar entry, new time)."""
    now = now_or(now)
    lock_meeting(meeting, expected_version)
    require_secretary(actor, meeting.committee, now)
    if meeting.state not in (MeetingState.planned, MeetingState.invited):
        raise IllegalTransition(
            "Nur geplante oder eingeladene Sitzungen können verlegt werden.",
            "Only planned or invited sessions can be moved.",
        )
    _check_times(starts_at, ends_at, now)
    _check_location(location, meeting.committee)
    reason = (reason or "").strip() or None
    if meeting.state == MeetingState.invited and not reason:
        raise ValidationFailed(
            "Die Mitglieder sind bereits eingeladen: bitte nennen Sie den Grund der Verlegung.",
            "The members have been invited already: please give the reason for the move.",
        )
    old = meeting.starts_at
    if meeting.name == default_name(meeting.committee, old):
        meeting.name = default_name(meeting.committee, starts_at)
    meeting.starts_at = starts_at
    meeting.ends_at = ends_at
    meeting.location = location
    if meeting.state == MeetingState.invited:
        meeting.ical_sequence += 1
    meeting.updated_at = now
    db.session.flush()
    meeting_rescheduled.send(meeting, actor=actor, old_starts_at=old, reason=reason)
    return meeting


def cancel_meeting(
    meeting: Meeting,
    *,
    actor: User,
    reason: str | None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Meeting:
    """Cancel a session that has not taken place. Its reminders are cancelled; items without a
    result are freed (their measures are offered for the next session); invited members get
    the cancellation."""
    now = now_or(now)
    lock_meeting(meeting, expected_version)
    require_secretary(actor, meeting.committee, now)
    if meeting.state not in (MeetingState.planned, MeetingState.invited):
        raise IllegalTransition(
            "Nur geplante oder eingeladene Sitzungen können abgesagt werden.",
            "Only planned or invited sessions can be cancelled.",
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "Bitte nennen Sie den Grund der Absage.", "Please give the reason for cancelling."
        )
    was_invited = meeting.state == MeetingState.invited
    meeting.state = MeetingState.cancelled
    meeting.cancelled_at = now
    meeting.cancel_reason = reason[:2000]
    if was_invited:
        meeting.ical_sequence += 1
    meeting.updated_at = now
    db.session.flush()
    meeting_cancelled.send(meeting, actor=actor, reason=reason, was_invited=was_invited)
    return meeting


# -- notice period and invitation ------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """Where the session stands with its notice period (Ladungsfrist) on ``today``."""

    today: date
    session_day: date
    notice_days: int
    urgent_notice_days: int
    #: the last day a regular invitation keeps the notice period
    regular_deadline: date
    #: the last day an urgent invitation is possible
    urgent_deadline: date

    @property
    def days_left(self) -> int:
        return (self.session_day - self.today).days

    @property
    def regular_ok(self) -> bool:
        return self.today <= self.regular_deadline

    @property
    def urgent_ok(self) -> bool:
        return self.today <= self.urgent_deadline


def notice(meeting: Meeting, now: datetime | None = None) -> Notice:
    committee = meeting.committee
    day = meeting_day(meeting)
    return Notice(
        today=local_date(now_or(now)),
        session_day=day,
        notice_days=committee.notice_days,
        urgent_notice_days=committee.urgent_notice_days,
        regular_deadline=day - timedelta(days=committee.notice_days),
        urgent_deadline=day - timedelta(days=committee.urgent_notice_days),
    )


def submission_deadline(meeting: Meeting) -> date:
    """Vorlagenschluss: papers for the session are due on this day."""
    return meeting_day(meeting) - timedelta(days=meeting.committee.submission_days)


def send_invitation(
    meeting: Meeting,
    *,
    actor: User,
    urgent_reason: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Meeting:
    """Invite the members: the agenda by e-mail with an iCalendar invitation and the agenda as
    PDF (the mails are written into the outbox in this transaction). Sending again after a
    change of the agenda sends the updated invitation.

    Within the notice period the invitation is regular; later only urgent, with a reason.
    """
    now = now_or(now)
    lock_meeting(meeting, expected_version)
    require_secretary(actor, meeting.committee, now)
    if meeting.state not in (MeetingState.planned, MeetingState.invited):
        raise IllegalTransition(
            "Zu dieser Sitzung kann nicht mehr eingeladen werden.",
            "Invitations to this session can no longer be sent.",
        )
    if meeting.starts_at <= now:
        raise IllegalTransition(
            "Die Sitzung hat bereits begonnen.", "The session has already started."
        )
    items = db.session.scalar(
        sa.select(sa.func.count(AgendaItem.id)).where(
            AgendaItem.meeting_id == meeting.id, AgendaItem.deleted_at.is_(None)
        )
    )
    if not items:
        raise IllegalTransition("Die Tagesordnung ist leer.", "The agenda is empty.")
    status = notice(meeting, now)
    urgent_reason = (urgent_reason or "").strip() or None
    if not status.regular_ok:
        if not status.urgent_ok:
            raise IllegalTransition(
                f"Auch die verkürzte Ladungsfrist von {status.urgent_notice_days} Tagen ist "
                f"nicht mehr einzuhalten; bitte verlegen Sie die Sitzung.",
                f"Even the shortened notice period of {status.urgent_notice_days} days can no "
                f"longer be kept; please move the session.",
            )
        if not urgent_reason:
            raise ValidationFailed(
                f"Die Ladungsfrist von {status.notice_days} Tagen ist nicht mehr eingehalten: "
                f"einladen nur als Dringlichkeitsladung mit Begründung.",
                f"The notice period of {status.notice_days} days is no longer met: invite "
                f"only as an urgent invitation, with a reason.",
            )
    else:
        urgent_reason = None
    if meeting.invitation_sent_at is not None:
        meeting.ical_sequence += 1
    meeting.invitation_sent_at = now
    meeting.invitation_urgent_reason = urgent_reason[:2000] if urgent_reason else None
    meeting.state = MeetingState.invited
    meeting.updated_at = now
    db.session.flush()
    meeting_invited.send(meeting, actor=actor, urgent_reason=urgent_reason)
    return meeting
