"""The agenda (Tagesordnung): public and non-public parts, numbering, order, the measures that
wait for a committee of this type, and the submission deadline (Vorlagenschluss).

Numbering: the public part is numbered "Ö 1", "Ö 2", ..., the non-public part "N 1", ...;
sub-items add a level: "Ö 3.1". The number follows from the part, the position among the
siblings and the parent, so reordering renumbers everything at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from digiflow.committees.meetings import (
    lock_meeting,
    meeting_day,
    require_secretary,
    submission_deadline,
)
from digiflow.committees.models import AgendaItem, Consultation, Meeting, MeetingState, Paper
from digiflow.committees.papers import consultation_for, paper_for_measure
from digiflow.core.db import db
from digiflow.core.errors import IllegalTransition, ValidationFailed
from digiflow.core.signals import meeting_changed
from digiflow.core.time import local_date, now_or
from digiflow.core.workflow.models import StoredWorkflow
from digiflow.core.workflow.registry import registry
from digiflow.measures.models import Measure
from digiflow.org.models import Committee
from digiflow.users.models import User

#: Sessions whose agenda can still change (a held session takes urgent items on the day).
EDITABLE_STATES = (MeetingState.planned, MeetingState.invited, MeetingState.held)


@dataclass(frozen=True)
class Numbered:
    """An agenda item with its number ("Ö 3.1"), its place in the whole agenda and its depth."""

    item: AgendaItem
    number: str
    order: int
    depth: int


def active_items(meeting: Meeting) -> list[AgendaItem]:
    """The items on the agenda, with what every page shows of them loaded in a few queries
    (not one query per item)."""
    return list(
        db.session.scalars(
            sa.select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id, AgendaItem.deleted_at.is_(None))
            .order_by(AgendaItem.position, AgendaItem.id)
            .options(
                selectinload(AgendaItem.measure),
                selectinload(AgendaItem.paper),
                selectinload(AgendaItem.exclusions),
                selectinload(AgendaItem.approves_minutes_of),
            )
        )
    )


def numbering(meeting: Meeting, items: Iterable[AgendaItem] | None = None) -> list[Numbered]:
    """The agenda in order: the public part, then the non-public part, sub-items after their
    parent."""
    items = list(items) if items is not None else active_items(meeting)
    children: dict[int | None, list[AgendaItem]] = {}
    for item in items:
        children.setdefault(item.parent_id, []).append(item)
    for siblings in children.values():
        siblings.sort(key=lambda i: (i.position, i.id))
    result: list[Numbered] = []

    def walk(parent: AgendaItem | None, prefix: str, public: bool, depth: int) -> None:
        siblings = [
            i for i in children.get(parent.id if parent else None, []) if i.is_public == public
        ]
        for index, item in enumerate(siblings, start=1):
            number = f"{prefix}{index}" if depth == 0 else f"{prefix}.{index}"
            result.append(Numbered(item, number, len(result) + 1, depth))
            walk(item, number, public, depth + 1)

    walk(None, "Ö ", True, 0)
    walk(None, "N ", False, 0)
    return result


def number_of(item: AgendaItem) -> str:
    for entry in numbering(item.meeting):
        if entry.item.id == item.id:
            return entry.number
    return ""


def _siblings(meeting: Meeting, is_public: bool, parent_id: int | None) -> list[AgendaItem]:
    return list(
        db.session.scalars(
            sa.select(AgendaItem)
            .where(
                AgendaItem.meeting_id == meeting.id,
                AgendaItem.deleted_at.is_(None),
                AgendaItem.is_public.is_(is_public),
                AgendaItem.parent_id.is_(None)
                if parent_id is None
                else AgendaItem.parent_id == parent_id,
            )
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )


def _renumber(siblings: list[AgendaItem]) -> None:
    for position, item in enumerate(siblings, start=1):
        if item.position != position:
            item.position = position


# -- what waits for a committee ------------------------------------------------------------


def agenda_states(committee_type: str) -> list[tuple[int, str]]:
    """(stored workflow id, state) pairs whose state asks for an agenda slot of this type."""
    pairs: list[tuple[int, str]] = []
    for stored in db.session.scalars(sa.select(StoredWorkflow)):
        try:
            definition = registry().definition(stored)
        except Exception:  # noqa: BLE001, S112 - an unreadable old version offers nothing
            continue
        for key, state in definition.states.items():
            if any(a.request_agenda_slot == committee_type for a in state.on_enter):
                pairs.append((stored.id, key))
    return pairs


def headings(items: Iterable[AgendaItem]) -> set[int]:
    """Ids of the mere headings among ``items`` (the active items of one agenda): sub-items
    under them and no business of their own; they need no result (``needs_result``)."""
    items = list(items)
    parents = {i.parent_id for i in items if i.parent_id is not None}
    return {i.id for i in items if i.id in parents and not i.carries_business}


def no_longer_waiting(meeting: Meeting, items: Iterable[AgendaItem]) -> set[int]:
    """Ids of the measure items without a result whose measure no longer waits for a session
    of this committee's type (withdrawn, or moved on elsewhere since it was put on the
    agenda): recording a result for them would be refused, so the pages say so beforehand."""
    pending = [i for i in items if i.measure is not None and i.result is None]
    if not pending:
        return set()
    waiting = set(agenda_states(meeting.committee.type.value))
    return {i.id for i in pending if (i.measure.workflow_id, i.measure.state) not in waiting}


def _open_item_exists() -> sa.ColumnElement[bool]:
    """A measure is on an agenda that has not dealt with it yet (and was not cancelled)."""
    return (
        sa.select(AgendaItem.id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            AgendaItem.measure_id == Measure.id,
            AgendaItem.deleted_at.is_(None),
            AgendaItem.result.is_(None),
            Meeting.state != MeetingState.cancelled,
            Meeting.deleted_at.is_(None),
        )
        .exists()
    )


def waiting_measures(committee: Committee) -> list[Measure]:
    """Measures whose state asks for a session of this committee's type and that are on no
    open agenda (a deferred or cancelled item makes the measure wait again)."""
    pairs = agenda_states(committee.type.value)
    if not pairs:
        return []
    condition = sa.or_(
        *(sa.and_(Measure.workflow_id == wid, Measure.state == state) for wid, state in pairs)
    )
    return list(
        db.session.scalars(
            sa.select(Measure)
            .where(condition, Measure.body_id == committee.body_id, ~_open_item_exists())
            .order_by(Measure.state_entered_at, Measure.id)
        )
    )


# -- changing the agenda ---------------------------------------------------------------------


def _check_editable(meeting: Meeting) -> None:
    if meeting.state not in EDITABLE_STATES or meeting.deleted_at is not None:
        raise IllegalTransition(
            "Die Tagesordnung dieser Sitzung kann nicht mehr geändert werden.",
            "The agenda of this session can no longer be changed.",
        )
    if meeting.state == MeetingState.held and meeting.closed_at is not None:
        raise IllegalTransition("Die Sitzung ist geschlossen.", "The session has been closed.")


def _urgency(meeting: Meeting, urgent_reason: str | None, now: datetime) -> str | None:
    """After the Vorlagenschluss an item needs the urgent variant with a reason."""
    reason = (urgent_reason or "").strip() or None
    deadline = submission_deadline(meeting)
    if local_date(now) > deadline:
        if not reason:
            raise ValidationFailed(
                f"Der Vorlagenschluss ({deadline:%d.%m.%Y}) ist vorbei: nur als "
                f"Dringlichkeitsvorlage mit Begründung.",
                f"The submission deadline ({deadline:%Y-%m-%d}) has passed: only as an "
                f"urgent item, with a reason.",
            )
        return reason[:2000]
    return None


def add_item(
    meeting: Meeting,
    *,
    actor: User,
    title: str,
    text: str = "",
    is_public: bool = True,
    parent: AgendaItem | None = None,
    paper: Paper | None = None,
    urgent_reason: str | None = None,
    now: datetime | None = None,
    _measure: Measure | None = None,
    _approves: Meeting | None = None,
) -> AgendaItem:
    """Add an item at the end of its part (or of its parent's sub-items)."""
    now = now_or(now)
    lock_meeting(meeting)
    require_secretary(actor, meeting.committee, now)
    _check_editable(meeting)
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("Bitte geben Sie einen Titel an.", "Please enter a title.")
    if len(title) > 500:
        raise ValidationFailed(
            "Der Titel darf höchstens 500 Zeichen lang sein.",
            "The title may be at most 500 characters long.",
        )
    if parent is not None:
        if parent.meeting_id != meeting.id or parent.deleted_at is not None:
            raise ValidationFailed("Unbekannter Tagesordnungspunkt.", "Unknown agenda item.")
        if parent.parent_id is not None:
            raise ValidationFailed(
                "Unterpunkte haben keine weiteren Unterpunkte.",
                "Sub-items cannot have sub-items of their own.",
            )
        is_public = parent.is_public
    if paper is not None and not paper.is_public and is_public:
        raise ValidationFailed(
            "Eine nicht öffentliche Vorlage gehört in den nicht öffentlichen Teil.",
            "A non-public paper belongs in the non-public part.",
        )
    reason = None if _approves is not None else _urgency(meeting, urgent_reason, now)
    siblings = _siblings(meeting, is_public, parent.id if parent else None)
    item = AgendaItem(
        meeting=meeting,
        is_public=is_public,
        parent=parent,
        position=len(siblings) + 1,
        title=title,
        text=(text or "").strip(),
        paper=paper,
        measure=_measure,
        approves_minutes_of=_approves,
        urgent_reason=reason,
        created_at=now,
        updated_at=now,
    )
    db.session.add(item)
    db.session.flush()
    if paper is not None:
        consultation = consultation_for(paper, meeting.committee, now)
        consultation.agenda_item = item
        consultation.updated_at = now
    meeting.updated_at = now
    db.session.flush()
    meeting_changed.send(meeting, actor=actor)
    return item


def add_measure_item(
    meeting: Meeting,
    measure: Measure,
    *,
    actor: User,
    is_public: bool | None = None,
    urgent_reason: str | None = None,
    now: datetime | None = None,
) -> AgendaItem:
    """Put a measure that waits for this committee's type on the agenda, with its paper
    (Beschlussvorlage, created with the consultation sequence of its workflow if it has none).
    """
    now = now_or(now)
    committee = meeting.committee
    if measure.id not in {m.id for m in waiting_measures(committee)}:
        raise IllegalTransition(
            "Die Maßnahme wartet nicht auf eine Sitzung dieses Gremiums (oder steht schon auf "
            "einer Tagesordnung).",
            "The measure does not wait for a session of this committee (or is already on an "
            "agenda).",
        )
    paper = paper_for_measure(measure, actor=actor, now=now)
    if is_public is None:
        is_public = meeting.is_public and paper.is_public
    return add_item(
        meeting,
        actor=actor,
        title=measure.title,
        text=paper.proposal or measure.description,
        is_public=is_public,
        paper=paper,
        urgent_reason=urgent_reason,
        now=now,
        _measure=measure,
    )


def minutes_to_approve(meeting: Meeting) -> list[Meeting]:
    """Earlier sessions of the committee whose minutes are written but not yet approved and
    not yet on another open agenda."""
    taken = (
        sa.select(AgendaItem.approves_minutes_of_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            AgendaItem.approves_minutes_of_id.is_not(None),
            AgendaItem.deleted_at.is_(None),
            Meeting.state != MeetingState.cancelled,
            sa.or_(AgendaItem.result.is_(None), AgendaItem.meeting_id == meeting.id),
        )
    )
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .where(
                Meeting.committee_id == meeting.committee_id,
                Meeting.starts_at < meeting.starts_at,
                Meeting.minutes_finalized_at.is_not(None),
                Meeting.minutes_approved_at.is_(None),
                Meeting.id.not_in(taken),
            )
            .order_by(Meeting.starts_at)
        )
    )


def add_minutes_approval_item(
    meeting: Meeting, earlier: Meeting, *, actor: User, now: datetime | None = None
) -> AgendaItem:
    """Put the approval of an earlier session's minutes on the agenda: in the public part when
    the session has one, else (a non-public committee such as a working group) non-public."""
    if earlier.id not in {m.id for m in minutes_to_approve(meeting)}:
        raise IllegalTransition(
            "Die Niederschrift dieser Sitzung kann hier nicht genehmigt werden.",
            "The minutes of that session cannot be approved here.",
        )
    return add_item(
        meeting,
        actor=actor,
        title=f"Genehmigung der Niederschrift über die Sitzung am {meeting_day(earlier):%d.%m.%Y}",
        is_public=meeting.is_public,
        now=now,
        _approves=earlier,
    )


def move_item(item: AgendaItem, *, actor: User, offset: int, now: datetime | None = None) -> None:
    """Move an item up (``offset`` -1) or down (+1) among its siblings."""
    now = now_or(now)
    meeting = item.meeting
    lock_meeting(meeting)
    require_secretary(actor, meeting.committee, now)
    _check_editable(meeting)
    siblings = _siblings(meeting, item.is_public, item.parent_id)
    index = next(i for i, s in enumerate(siblings) if s.id == item.id)
    target = index + offset
    if not 0 <= target < len(siblings):
        return
    siblings.insert(target, siblings.pop(index))
    _renumber(siblings)
    meeting.updated_at = now
    db.session.flush()
    meeting_changed.send(meeting, actor=actor)


def set_item_public(
    item: AgendaItem, *, actor: User, is_public: bool, now: datetime | None = None
) -> None:
    """Move a top-level item (with its sub-items) into the other part, at its end."""
    now = now_or(now)
    meeting = item.meeting
    lock_meeting(meeting)
    require_secretary(actor, meeting.committee, now)
    _check_editable(meeting)
    if item.parent_id is not None:
        raise ValidationFailed(
            "Unterpunkte stehen im Teil ihres Hauptpunkts.",
            "Sub-items stay in the part of their main item.",
        )
    if item.is_public == is_public:
        return
    if is_public and item.paper is not None and not item.paper.is_public:
        raise ValidationFailed(
            "Eine nicht öffentliche Vorlage gehört in den nicht öffentlichen Teil.",
            "A non-public paper belongs in the non-public part.",
        )
    if item.has_result:
        raise IllegalTransition(
            "Für diesen Punkt ist bereits ein Ergebnis erfasst.",
            "A result has already been recorded for this item.",
        )
    old = _siblings(meeting, item.is_public, None)
    new = _siblings(meeting, is_public, None)
    item.is_public = is_public
    item.position = len(new) + 1
    for child in db.session.scalars(sa.select(AgendaItem).where(AgendaItem.parent_id == item.id)):
        child.is_public = is_public
    _renumber([s for s in old if s.id != item.id])
    meeting.updated_at = now
    db.session.flush()
    meeting_changed.send(meeting, actor=actor)


def remove_item(item: AgendaItem, *, actor: User, now: datetime | None = None) -> None:
    """Take an item (and its sub-items) off the agenda; it is kept as deleted (OParl). Its
    consultation is freed and its measure is offered again."""
    now = now_or(now)
    meeting = item.meeting
    lock_meeting(meeting)
    require_secretary(actor, meeting.committee, now)
    _check_editable(meeting)
    children = list(
        db.session.scalars(
            sa.select(AgendaItem).where(
                AgendaItem.parent_id == item.id, AgendaItem.deleted_at.is_(None)
            )
        )
    )
    if any(i.has_result for i in [item, *children]):
        raise IllegalTransition(
            "Für diesen Punkt ist bereits ein Ergebnis erfasst; er bleibt auf der Tagesordnung.",
            "A result has been recorded for this item; it stays on the agenda.",
        )
    for removed in [item, *children]:
        removed.deleted_at = now
        removed.updated_at = now
        for consultation in db.session.scalars(
            sa.select(Consultation).where(Consultation.agenda_item_id == removed.id)
        ):
            consultation.agenda_item = None
            consultation.updated_at = now
    db.session.flush()
    _renumber(_siblings(meeting, item.is_public, item.parent_id))
    meeting.updated_at = now
    db.session.flush()
    meeting_changed.send(meeting, actor=actor)
