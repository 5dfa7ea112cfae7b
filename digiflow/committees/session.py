"""The session day: attendance, quorum, and the result of each agenda item.

Rules (Niedersachsen, NKomVG §§ 65, 66; configurable bodies follow the same logic):

- **Quorum** (Beschlussfähigkeit): more than half of the voting seats are present and may vote.
  Members excluded from an item for a conflict of interest (befangen) do not count for it; an
  item the remaining members cannot decide has to be deferred.
- **Majority**: a motion is carried when the yes votes outnumber the no votes; abstentions do
  not count; **a tie is a rejection**.
- The recorded result must agree with the votes: "recommended" and "amended" need a majority,
  "rejected" must not have one. "Deferred" and "taken note of" need no quorum.

Recording the result of an item about a measure fires the workflow's committee step in the
same transaction: the measure moves on, is sent back, or waits for the next session, as its
definition maps the result; a result the workflow does not expect is refused and nothing is
stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from digiflow.committees.agenda import number_of
from digiflow.committees.meetings import lock_meeting, meeting_day, require_secretary
from digiflow.committees.members import members_on
from digiflow.committees.models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingState,
    MemberRole,
    ResolutionTask,
    VoteExclusion,
)
from digiflow.committees.papers import consultation_of
from digiflow.core.db import db
from digiflow.core.errors import IllegalTransition, ValidationFailed
from digiflow.core.signals import agenda_result_recorded, meeting_changed
from digiflow.core.time import local_date, now_or
from digiflow.core.workflow.definition import CommitteeResult
from digiflow.measures.models import Measure
from digiflow.measures.operations import record_committee_result
from digiflow.users.models import User

#: Results that are decided by a vote (and need the quorum).
VOTED = (CommitteeResult.recommended, CommitteeResult.amended, CommitteeResult.rejected)
#: Results that carry the motion.
CARRIED = (CommitteeResult.recommended, CommitteeResult.amended)


@dataclass(frozen=True)
class Quorum:
    """Seats with a vote, and how many of them are present and may vote."""

    seats: int
    present: int

    @property
    def required(self) -> int:
        """More than half of the seats."""
        return self.seats // 2 + 1

    @property
    def is_quorate(self) -> bool:
        return self.seats > 0 and self.present >= self.required


def is_carried(yes: int, no: int) -> bool:
    """Majority of yes over no decides; a tie is rejected."""
    return yes > no


# -- attendance ------------------------------------------------------------------------------


def _session_started(meeting: Meeting, now: datetime) -> None:
    if local_date(now) < meeting_day(meeting):
        raise IllegalTransition(
            f"Die Sitzung findet erst am {meeting_day(meeting):%d.%m.%Y} statt.",
            f"The session only takes place on {meeting_day(meeting):%Y-%m-%d}.",
        )


def record_attendance(
    meeting: Meeting,
    *,
    actor: User,
    statuses: Mapping[int, AttendanceStatus | str],
    stand_ins: Mapping[int, int] | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Meeting:
    """Record who attends (member user id -> present/excused/absent); ``stand_ins`` maps a
    present deputy member to the absent voting member they vote for. Opens the session."""
    now = now_or(now)
    lock_meeting(meeting, expected_version)
    require_secretary(actor, meeting.committee, now)
    if meeting.state not in (MeetingState.invited, MeetingState.held):
        raise IllegalTransition(
            "Anwesenheit wird für eingeladene Sitzungen erfasst.",
            "Attendance is recorded for sessions the members were invited to.",
        )
    if meeting.closed_at is not None:
        raise IllegalTransition("Die Sitzung ist geschlossen.", "The session has been closed.")
    _session_started(meeting, now)
    memberships = {m.user_id: m for m in members_on(meeting.committee, meeting_day(meeting))}
    unknown = set(statuses) - set(memberships)
    if unknown:
        raise ValidationFailed(
            "Anwesenheit kann nur für Mitglieder des Gremiums erfasst werden.",
            "Attendance can only be recorded for members of the committee.",
        )
    clean = {
        uid: AttendanceStatus(statuses.get(uid, AttendanceStatus.absent)) for uid in memberships
    }
    stand_ins = dict(stand_ins or {})
    for deputy_id, absent_id in stand_ins.items():
        deputy, absent = memberships.get(deputy_id), memberships.get(absent_id)
        if (
            deputy is None
            or absent is None
            or deputy.role != MemberRole.deputy
            or not absent.has_voting_right
            or clean[deputy_id] != AttendanceStatus.present
            or clean[absent_id] == AttendanceStatus.present
        ):
            raise ValidationFailed(
                "Ein anwesendes stellvertretendes Mitglied kann nur für ein abwesendes "
                "stimmberechtigtes Mitglied abstimmen.",
                "A present deputy member can only vote for an absent voting member.",
            )
    if len(set(stand_ins.values())) != len(stand_ins):
        raise ValidationFailed(
            "Für ein abwesendes Mitglied kann nur eine Person abstimmen.",
            "Only one person can vote for an absent member.",
        )
    existing = {a.user_id: a for a in meeting.attendance}
    for user_id, status in clean.items():
        has_vote = status == AttendanceStatus.present and (
            memberships[user_id].has_voting_right or user_id in stand_ins
        )
        row = existing.get(user_id)
        if row is None:
            row = Attendance(meeting=meeting, user_id=user_id)
            db.session.add(row)
        row.status = status
        row.has_vote = has_vote
        row.stands_in_for_id = stand_ins.get(user_id)
        row.recorded_at = now
    if meeting.state == MeetingState.invited:
        meeting.state = MeetingState.held
    if meeting.opened_at is None:
        meeting.opened_at = now
    meeting.updated_at = now
    db.session.flush()
    meeting_changed.send(meeting, actor=actor)
    return meeting


def quorum(meeting: Meeting, excluded: Iterable[int] = ()) -> Quorum:
    """The quorum of the session as attendance stands, without the ``excluded`` members."""
    seats = sum(
        1 for m in members_on(meeting.committee, meeting_day(meeting)) if m.has_voting_right
    )
    excluded = set(excluded)
    present = sum(
        1
        for a in meeting.attendance
        if a.status == AttendanceStatus.present and a.has_vote and a.user_id not in excluded
    )
    return Quorum(seats=seats, present=present)


# -- results ---------------------------------------------------------------------------------


def _votes(
    votes_yes: int | None, votes_no: int | None, votes_abstain: int | None
) -> tuple[int, int, int] | None:
    given = [v for v in (votes_yes, votes_no, votes_abstain) if v is not None]
    if not given:
        return None
    if len(given) != 3 or any(not isinstance(v, int) or v < 0 for v in given):
        raise ValidationFailed(
            "Bitte geben Sie Ja-, Nein-Stimmen und Enthaltungen als ganze Zahlen ab 0 an.",
            "Please give the yes and no votes and the abstentions as whole numbers from 0.",
        )
    return votes_yes, votes_no, votes_abstain  # type: ignore[return-value]


def record_result(
    item: AgendaItem,
    *,
    actor: User,
    result: CommitteeResult | str,
    votes_yes: int | None = None,
    votes_no: int | None = None,
    votes_abstain: int | None = None,
    excluded: Iterable[int] = (),
    resolution_text: str | None = None,
    now: datetime | None = None,
) -> AgendaItem:
    """Record the committee's result for ``item`` (see the module's rules) and fire the
    measure's committee step."""
    now = now_or(now)
    meeting = item.meeting
    lock_meeting(meeting)
    db.session.refresh(item)
    identity = require_secretary(actor, meeting.committee, now)
    if item.deleted_at is not None:
        raise IllegalTransition(
            "Der Punkt steht nicht mehr auf der Tagesordnung.",
            "The item is no longer on the agenda.",
        )
    if meeting.state != MeetingState.held or meeting.closed_at is not None:
        raise IllegalTransition(
            "Ergebnisse werden in der laufenden Sitzung erfasst, nachdem die Anwesenheit "
            "festgestellt ist.",
            "Results are recorded during the session, once attendance has been recorded.",
        )
    if item.result is not None:
        raise IllegalTransition(
            "Für diesen Punkt ist bereits ein Ergebnis erfasst.",
            "A result has already been recorded for this item.",
        )
    try:
        result = CommitteeResult(result)
    except ValueError as exc:
        raise ValidationFailed("Unbekanntes Ergebnis.", "Unknown result.") from exc
    text = (resolution_text or "").strip() or None
    votes = _votes(votes_yes, votes_no, votes_abstain)

    memberships = {m.user_id: m for m in members_on(meeting.committee, meeting_day(meeting))}
    excluded = set(excluded)
    if excluded - set(memberships):
        raise ValidationFailed(
            "Befangen sein können nur Mitglieder des Gremiums.",
            "Only members of the committee can be excluded for a conflict of interest.",
        )
    status = quorum(meeting, excluded)
    if result in VOTED:
        if votes is None:
            raise ValidationFailed(
                "Bitte geben Sie das Abstimmungsergebnis an.", "Please enter the vote."
            )
        if not status.is_quorate:
            raise IllegalTransition(
                f"Das Gremium ist nicht beschlussfähig: {status.present} von {status.seats} "
                f"stimmberechtigten Mitgliedern können abstimmen, nötig sind {status.required}. "
                f"Der Punkt kann nur vertagt werden.",
                f"The committee has no quorum: {status.present} of {status.seats} voting "
                f"members can vote, {status.required} are needed. The item can only be "
                f"deferred.",
            )
    if votes is not None:
        if result == CommitteeResult.noted:
            raise ValidationFailed(
                "Über eine Kenntnisnahme wird nicht abgestimmt.",
                "Taking note of an item is not voted on.",
            )
        if sum(votes) > status.present:
            raise ValidationFailed(
                f"Es wurden {sum(votes)} Stimmen angegeben, aber nur {status.present} "
                f"stimmberechtigte Mitglieder können abstimmen.",
                f"{sum(votes)} votes were given, but only {status.present} voting members can "
                f"vote.",
            )
        yes, no, _abstain = votes
        carried = is_carried(yes, no)
        if result in CARRIED and not carried:
            tie = " (Stimmengleichheit)" if yes == no else ""
            tie_en = " (a tie)" if yes == no else ""
            raise ValidationFailed(
                f"Mit {yes} Ja- und {no} Nein-Stimmen ist der Antrag abgelehnt{tie}.",
                f"With {yes} yes and {no} no votes the motion is rejected{tie_en}.",
            )
        if result == CommitteeResult.rejected and carried:
            raise ValidationFailed(
                f"Mit {yes} Ja- und {no} Nein-Stimmen ist der Antrag angenommen.",
                f"With {yes} yes and {no} no votes the motion is carried.",
            )
        if result == CommitteeResult.deferred and not carried:
            raise ValidationFailed(
                f"Mit {yes} Ja- und {no} Nein-Stimmen ist die Vertagung abgelehnt.",
                f"With {yes} yes and {no} no votes the deferral is rejected.",
            )
    if result == CommitteeResult.amended and not text:
        raise ValidationFailed(
            "Bitte geben Sie den geänderten Beschlusstext an.",
            "Please enter the amended resolution text.",
        )
    if item.approves_minutes_of_id is not None and result not in (
        *CARRIED,
        CommitteeResult.rejected,
        CommitteeResult.deferred,
    ):
        raise ValidationFailed(
            "Über die Niederschrift wird abgestimmt.", "The minutes are voted on."
        )

    item.result = result
    if votes is not None:
        item.votes_yes, item.votes_no, item.votes_abstain = votes
    item.voting_present = status.present
    item.voting_seats = status.seats
    item.resolution_text = text
    item.result_recorded_at = now
    item.result_recorded_by_id = actor.id
    item.result_on_behalf_of_id = identity.on_behalf_of.id if identity.on_behalf_of else None
    item.updated_at = now
    for user_id in sorted(excluded):
        db.session.add(VoteExclusion(item=item, user_id=user_id))
    db.session.flush()

    if item.measure_id is not None:
        measure = db.session.get(Measure, item.measure_id)
        assert measure is not None
        record_committee_result(
            measure,
            actor=actor,
            committee=meeting.committee,
            result=result,
            comment=text,
            details=_details(item, meeting),
            now=now,
        )
    if item.approves_minutes_of_id is not None and result in CARRIED:
        _approve_minutes(item, now)
    if result in CARRIED and item.approves_minutes_of_id is None:
        consultation = consultation_of(item)
        if consultation is None or consultation.is_authoritative:
            _track(item, now)
    consultation = consultation_of(item)
    if consultation is not None:
        consultation.updated_at = now
    meeting.updated_at = now
    db.session.flush()
    agenda_result_recorded.send(item, actor=actor, on_behalf_of=identity.on_behalf_of)
    return item


def _details(item: AgendaItem, meeting: Meeting) -> dict[str, Any]:
    details: dict[str, Any] = {
        "meeting_id": meeting.id,
        "agenda_item_id": item.id,
        "number": number_of(item),
        "session_day": meeting_day(meeting).isoformat(),
    }
    if item.votes_yes is not None:
        details["votes"] = {
            "yes": item.votes_yes,
            "no": item.votes_no,
            "abstain": item.votes_abstain,
            "excluded": len(item.exclusions),
        }
    return details


def _approve_minutes(item: AgendaItem, now: datetime) -> None:
    earlier = db.session.get(Meeting, item.approves_minutes_of_id)
    assert earlier is not None
    if earlier.minutes_finalized_at is None or earlier.minutes_approved_at is not None:
        raise IllegalTransition(
            "Diese Niederschrift kann nicht (mehr) genehmigt werden.",
            "These minutes cannot be approved (any more).",
        )
    earlier.minutes_approved_at = now
    earlier.state = MeetingState.minutes_approved
    earlier.updated_at = now


def _track(item: AgendaItem, now: datetime) -> ResolutionTask:
    """Open the resolution tracking of a carried resolution (Beschlussverfolgung)."""
    department_id = None
    if item.paper is not None and item.paper.lead_department_id is not None:
        department_id = item.paper.lead_department_id
    elif item.measure is not None:
        department_id = item.measure.department_id
    days = current_app.config.get("RESOLUTION_TARGET_DAYS", 90)
    task = ResolutionTask(
        agenda_item=item,
        department_id=department_id,
        target_date=meeting_day(item.meeting) + timedelta(days=days),
        created_at=now,
        updated_at=now,
    )
    db.session.add(task)
    db.session.flush()
    return task


def close_meeting(
    meeting: Meeting,
    *,
    actor: User,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Meeting:
    """Close the session once every item has a result; the minutes' draft is written from the
    recorded results."""
    from digiflow.committees.minutes import draft_minutes

    now = now_or(now)
    lock_meeting(meeting, expected_version)
    require_secretary(actor, meeting.committee, now)
    if meeting.state != MeetingState.held or meeting.closed_at is not None:
        raise IllegalTransition(
            "Nur eine laufende Sitzung kann geschlossen werden.",
            "Only a session in progress can be closed.",
        )
    open_items = db.session.scalar(
        sa.select(sa.func.count(AgendaItem.id)).where(
            AgendaItem.meeting_id == meeting.id,
            AgendaItem.deleted_at.is_(None),
            AgendaItem.result.is_(None),
            AgendaItem.needs_result(),
        )
    )
    if open_items:
        raise IllegalTransition(
            f"Für {open_items} Tagesordnungspunkt(e) fehlt noch das Ergebnis.",
            f"{open_items} agenda item(s) still have no result.",
        )
    meeting.closed_at = now
    if not meeting.minutes_text:
        meeting.minutes_text = draft_minutes(meeting)
    meeting.updated_at = now
    db.session.flush()
    meeting_changed.send(meeting, actor=actor)
    return meeting
