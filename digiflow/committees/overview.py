"""Read-only views of papers, consultations, resolutions and sessions for pages: the papers
list, a paper's consultation sequence, resolution tracking, the measure page's committee panel
and the start page.

Lists apply the visibility rules of :mod:`digiflow.committees.permissions` in SQL (or with
one lookup per request) instead of asking ``can()`` row by row; each function says which rule
it mirrors, and the tests compare both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from digiflow.committees.agenda import numbering
from digiflow.committees.meetings import meeting_day, notice, submission_deadline
from digiflow.committees.models import (
    AgendaItem,
    Consultation,
    Meeting,
    MeetingState,
    Paper,
    ResolutionStatus,
    ResolutionTask,
)
from digiflow.committees.permissions import is_staff, member_committee_ids
from digiflow.core.db import db
from digiflow.core.roles import CommitteeType, Role
from digiflow.core.time import local_date, now_or
from digiflow.core.workflow.definition import CommitteeResult, ConsultationRole
from digiflow.measures.models import Measure
from digiflow.org.models import Committee, Department
from digiflow.users.models import User


class Viewer:
    """What one user may see of agenda items, asked many times in one request.

    Mirrors ``agenda_item.view``: public items for everybody, non-public ones for staff and
    for (former) members of the item's committee. The memberships are read once.
    """

    def __init__(self, user: User) -> None:
        self.user = user
        self.is_staff = is_staff(user)
        self._member_ids: set[int] | None = None

    @property
    def member_ids(self) -> set[int]:
        if self._member_ids is None:
            self._member_ids = member_committee_ids(self.user)
        return self._member_ids

    def sees_non_public(self, committee_id: int) -> bool:
        return self.is_staff or committee_id in self.member_ids

    def sees_item(self, item: AgendaItem | None) -> bool:
        if item is None or item.deleted_at is not None:
            return False
        return item.is_public or self.sees_non_public(item.meeting.committee_id)

    def items_condition(self) -> sa.ColumnElement[bool]:
        """The same rule as an SQL condition on ``AgendaItem`` joined with ``Meeting``."""
        condition: sa.ColumnElement[bool] = AgendaItem.deleted_at.is_(None)
        if self.is_staff:
            return condition
        if not self.member_ids:
            return sa.and_(condition, AgendaItem.is_public.is_(True))
        return sa.and_(
            condition,
            sa.or_(AgendaItem.is_public.is_(True), Meeting.committee_id.in_(self.member_ids)),
        )

    def papers_condition(self) -> sa.ColumnElement[bool]:
        """Mirrors ``paper.view`` on ``Paper``: public papers, every paper for staff, and
        non-public papers routed to a committee the user is (or was) a member of."""
        condition: sa.ColumnElement[bool] = Paper.deleted_at.is_(None)
        if self.is_staff:
            return condition
        if not self.member_ids:
            return sa.and_(condition, Paper.is_public.is_(True))
        routed = (
            sa.select(Consultation.id)
            .where(
                Consultation.paper_id == Paper.id,
                Consultation.committee_id.in_(self.member_ids),
            )
            .exists()
        )
        return sa.and_(condition, sa.or_(Paper.is_public.is_(True), routed))


def numbers_of(meetings: list[Meeting]) -> dict[int, str]:
    """Agenda numbers ("Ö 2", "N 1") of every active item of the sessions (one query)."""
    if not meetings:
        return {}
    by_meeting: dict[int, list[AgendaItem]] = {}
    for item in db.session.scalars(
        sa.select(AgendaItem).where(
            AgendaItem.meeting_id.in_({m.id for m in meetings}), AgendaItem.deleted_at.is_(None)
        )
    ):
        by_meeting.setdefault(item.meeting_id, []).append(item)
    numbers: dict[int, str] = {}
    for meeting in {m.id: m for m in meetings}.values():
        for entry in numbering(meeting, by_meeting.get(meeting.id, [])):
            numbers[entry.item.id] = entry.number
    return numbers


# -- consultations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsultationRow:
    """One step of a consultation sequence as the reader may see it."""

    consultation: Consultation
    committee: Committee | None
    role: ConsultationRole
    is_authoritative: bool
    #: the session, once the paper is on an agenda (a cancelled session is kept)
    meeting: Meeting | None
    #: the agenda item, only when the reader may see it
    item: AgendaItem | None
    number: str | None
    result: CommitteeResult | None
    #: on an agenda the reader may not see (the non-public part of another committee)
    hidden: bool

    @property
    def cancelled(self) -> bool:
        return self.meeting is not None and self.meeting.is_cancelled


def _active(consultations: list[Consultation]) -> list[Consultation]:
    return sorted(
        (c for c in consultations if c.deleted_at is None), key=lambda c: (c.position, c.id)
    )


def consultation_rows(papers: list[Paper], viewer: Viewer) -> dict[int, list[ConsultationRow]]:
    """The consultation sequence of each paper (paper id -> rows), with session, agenda number
    and result where the reader may see the agenda item."""
    consultations = {p.id: _active(p.consultations) for p in papers}
    meetings = [
        c.agenda_item.meeting
        for rows in consultations.values()
        for c in rows
        if c.agenda_item is not None and c.agenda_item.deleted_at is None
    ]
    numbers = numbers_of(meetings)
    result: dict[int, list[ConsultationRow]] = {}
    for paper_id, rows in consultations.items():
        out = []
        for c in rows:
            item = c.agenda_item if c.agenda_item and c.agenda_item.deleted_at is None else None
            visible = viewer.sees_item(item)
            out.append(
                ConsultationRow(
                    consultation=c,
                    committee=c.committee,
                    role=c.role,
                    is_authoritative=c.is_authoritative,
                    meeting=item.meeting if item is not None else None,
                    item=item if visible else None,
                    number=numbers.get(item.id) if item is not None and visible else None,
                    result=item.result if item is not None and visible else None,
                    hidden=item is not None and not visible,
                )
            )
        result[paper_id] = out
    return result


class PaperProgress(StrEnum):
    """Where a paper stands in its consultation sequence (for the papers list)."""

    unrouted = "unrouted"  # no consultation
    waiting = "waiting"  # waits for a session of ``committee``
    on_agenda = "on_agenda"  # on the agenda of a session (``meeting``) not yet decided
    in_consultation = "in_consultation"  # on an agenda the reader may not see
    finished = "finished"  # every step dealt with (last result in ``result``)


@dataclass(frozen=True)
class PaperState:
    progress: PaperProgress
    row: ConsultationRow | None = None


def paper_state(rows: list[ConsultationRow]) -> PaperState:
    """The first step not dealt with yet; a deferred or cancelled step counts as open unless a
    later step of the same committee took it up."""
    if not rows:
        return PaperState(PaperProgress.unrouted)
    for index, row in enumerate(rows):
        item = row.consultation.agenda_item
        if item is not None and item.deleted_at is not None:
            item = None
        superseded = any(
            later.consultation.committee_id == row.consultation.committee_id
            and later.consultation.committee_type == row.consultation.committee_type
            for later in rows[index + 1 :]
        )
        if item is None:
            return PaperState(PaperProgress.waiting, row)
        if row.cancelled or item.result == CommitteeResult.deferred:
            if superseded:
                continue
            return PaperState(PaperProgress.waiting, row)
        if item.result is None:
            if row.hidden:
                return PaperState(PaperProgress.in_consultation, row)
            return PaperState(PaperProgress.on_agenda, row)
    return PaperState(PaperProgress.finished, rows[-1])


# -- resolution tracking -----------------------------------------------------------------------


@dataclass(frozen=True)
class ResolutionFilter:
    department_id: int | None = None
    overdue: bool = False
    include_closed: bool = False


def resolutions_query(viewer: Viewer, filters: ResolutionFilter, today: date) -> sa.Select:
    """Resolution tasks the viewer may see (``resolution.view``), filtered; by target date."""
    query = (
        sa.select(ResolutionTask)
        .join(AgendaItem, AgendaItem.id == ResolutionTask.agenda_item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(viewer.items_condition(), Meeting.deleted_at.is_(None))
    )
    if not filters.include_closed:
        query = query.where(ResolutionTask.status == ResolutionStatus.in_progress)
    if filters.department_id is not None:
        query = query.where(ResolutionTask.department_id == filters.department_id)
    if filters.overdue:
        query = query.where(
            ResolutionTask.status == ResolutionStatus.in_progress,
            ResolutionTask.target_date < today,
        )
    return query


def resolutions(
    viewer: Viewer,
    filters: ResolutionFilter,
    today: date,
    limit: int | None = None,
    offset: int = 0,
) -> list[ResolutionTask]:
    query = (
        resolutions_query(viewer, filters, today)
        .options(
            selectinload(ResolutionTask.department),
            selectinload(ResolutionTask.agenda_item)
            .selectinload(AgendaItem.meeting)
            .selectinload(Meeting.committee),
        )
        .order_by(
            ResolutionTask.status != ResolutionStatus.in_progress,
            ResolutionTask.target_date.is_(None),
            ResolutionTask.target_date,
            ResolutionTask.id,
        )
    )
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return list(db.session.scalars(query))


def count_resolutions(viewer: Viewer, filters: ResolutionFilter, today: date) -> int:
    query = resolutions_query(viewer, filters, today).with_only_columns(
        sa.func.count(ResolutionTask.id)
    )
    return db.session.scalar(query) or 0


def is_overdue(task: ResolutionTask, today: date) -> bool:
    return task.is_open and task.target_date is not None and task.target_date < today


# -- the measure page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaSlot:
    """What the measure waits for: a session of ``committee_type``; and, when it is on an agenda
    already, that session and agenda item (``item`` only when the reader may see it)."""

    committee_type: CommitteeType
    meeting: Meeting | None
    item: AgendaItem | None
    number: str | None


@dataclass(frozen=True)
class CommitteePanel:
    papers: list[Paper]
    rows: dict[int, list[ConsultationRow]]
    waiting: list[AgendaSlot]

    @property
    def is_empty(self) -> bool:
        return not self.papers and not self.waiting


def _open_items(measure: Measure) -> list[AgendaItem]:
    return list(
        db.session.scalars(
            sa.select(AgendaItem)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(
                AgendaItem.measure_id == measure.id,
                AgendaItem.deleted_at.is_(None),
                AgendaItem.result.is_(None),
                Meeting.state != MeetingState.cancelled,
                Meeting.deleted_at.is_(None),
            )
            .options(selectinload(AgendaItem.meeting).selectinload(Meeting.committee))
            .order_by(Meeting.starts_at, AgendaItem.id)
        )
    )


def committee_panel(measure: Measure, viewer: Viewer) -> CommitteePanel:
    """The measure's papers with their consultation sequence, and whether (and where) it waits
    for a committee: the current state's ``on_enter.request_agenda_slot``."""
    from digiflow.core.permissions import can

    papers = [
        p
        for p in db.session.scalars(
            sa.select(Paper)
            .where(Paper.measure_id == measure.id, Paper.deleted_at.is_(None))
            .options(
                selectinload(Paper.consultations).selectinload(Consultation.committee),
                selectinload(Paper.consultations)
                .selectinload(Consultation.agenda_item)
                .selectinload(AgendaItem.meeting)
                .selectinload(Meeting.committee),
            )
            .order_by(Paper.year, Paper.number)
        )
        if can(viewer.user, "paper.view", p)
    ]
    rows = consultation_rows(papers, viewer)
    waiting: list[AgendaSlot] = []
    slots = [a.request_agenda_slot for a in measure.state_def.on_enter if a.request_agenda_slot]
    if slots:
        open_items = _open_items(measure)
        numbers = numbers_of([i.meeting for i in open_items])
        for committee_type in slots:
            item = next((i for i in open_items if i.meeting.committee.type == committee_type), None)
            visible = viewer.sees_item(item)
            waiting.append(
                AgendaSlot(
                    committee_type=committee_type,
                    meeting=item.meeting if item is not None and visible else None,
                    item=item if visible else None,
                    number=numbers.get(item.id) if item is not None and visible else None,
                )
            )
    return CommitteePanel(papers, rows, waiting)


def visible_history_items(item_ids: set[int], viewer: Viewer) -> set[int]:
    """Of the agenda items named in a measure's history, those the reader may see."""
    if not item_ids:
        return set()
    items = db.session.scalars(
        sa.select(AgendaItem)
        .where(AgendaItem.id.in_(item_ids))
        .options(selectinload(AgendaItem.meeting))
    )
    return {i.id for i in items if viewer.sees_item(i)}


# -- the start page ----------------------------------------------------------------------------

#: How far ahead the start page looks for sessions.
DASHBOARD_WEEKS = 6
#: How far back a secretary's unfinished sessions (results, minutes) are shown.
DASHBOARD_PAST_DAYS = 90


def secretary_committee_ids(user: User) -> set[int] | None:
    """Committees the user is secretary of (None: all of them, a global secretary)."""
    ids: set[int] = set()
    for assignment in user.role_assignments:
        if assignment.role != Role.committee_secretary:
            continue
        if assignment.committee_id is None and assignment.department_id is None:
            return None
        if assignment.committee_id is not None:
            ids.add(assignment.committee_id)
    return ids


class Due(StrEnum):
    """What a secretary has to do for a session."""

    invite = "invite"  # invite by the last day of the notice period (``day``)
    invite_late = "invite_late"  # the regular notice period has passed
    invited = "invited"  # nothing due: invited on ``day``
    results = "results"  # results missing (``count`` items) or the session is not closed
    minutes = "minutes"  # minutes to finalize
    cancelled = "cancelled"


@dataclass(frozen=True)
class SessionTask:
    meeting: Meeting
    due: Due
    day: date | None = None
    count: int = 0
    submission_deadline: date | None = None


def secretary_sessions(
    user: User, now: datetime | None = None, limit: int = 20
) -> list[SessionTask]:
    """The secretary's sessions of the next weeks with what is due, and earlier sessions whose
    results or minutes are still missing (a fixed number of queries)."""
    now = now_or(now)
    ids = secretary_committee_ids(user)
    if ids is not None and not ids:
        return []
    today = local_date(now)
    unfinished = sa.or_(
        Meeting.closed_at.is_(None),
        Meeting.minutes_finalized_at.is_(None),
    )
    query = (
        sa.select(Meeting)
        .where(
            Meeting.deleted_at.is_(None),
            Meeting.state != MeetingState.minutes_approved,
            sa.or_(
                sa.and_(
                    Meeting.starts_at >= now,
                    Meeting.starts_at <= now + timedelta(weeks=DASHBOARD_WEEKS),
                ),
                sa.and_(
                    Meeting.starts_at < now,
                    Meeting.starts_at >= now - timedelta(days=DASHBOARD_PAST_DAYS),
                    Meeting.state != MeetingState.cancelled,
                    unfinished,
                ),
            ),
        )
        .options(selectinload(Meeting.committee))
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(limit)
    )
    if ids is not None:
        query = query.where(Meeting.committee_id.in_(ids))
    meetings = list(db.session.scalars(query))
    past = [m.id for m in meetings if m.starts_at < now]
    open_counts: dict[int, int] = {}
    if past:
        open_counts = dict(
            db.session.execute(
                sa.select(AgendaItem.meeting_id, sa.func.count(AgendaItem.id))
                .where(
                    AgendaItem.meeting_id.in_(past),
                    AgendaItem.deleted_at.is_(None),
                    AgendaItem.result.is_(None),
                    AgendaItem.needs_result(),
                )
                .group_by(AgendaItem.meeting_id)
            ).all()
        )
    tasks: list[SessionTask] = []
    for meeting in meetings:
        deadline = submission_deadline(meeting)
        ahead = deadline if deadline >= today else None
        if meeting.is_cancelled:
            tasks.append(SessionTask(meeting, Due.cancelled))
        elif meeting.starts_at >= now:
            if meeting.state == MeetingState.planned:
                status = notice(meeting, now)
                due = Due.invite if status.regular_ok else Due.invite_late
                tasks.append(SessionTask(meeting, due, status.regular_deadline, 0, ahead))
            else:
                sent = (
                    local_date(meeting.invitation_sent_at) if meeting.invitation_sent_at else None
                )
                tasks.append(SessionTask(meeting, Due.invited, sent, 0, ahead))
        elif meeting.closed_at is None:
            tasks.append(SessionTask(meeting, Due.results, None, open_counts.get(meeting.id, 0)))
        else:
            tasks.append(SessionTask(meeting, Due.minutes, meeting_day(meeting)))
    return tasks


def member_sessions(user: User, now: datetime | None = None, limit: int = 10) -> list[Meeting]:
    """The next sessions of the committees the user is a member of today."""
    now = now_or(now)
    ids = member_committee_ids(user, on=local_date(now))
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .where(
                Meeting.committee_id.in_(ids),
                Meeting.deleted_at.is_(None),
                Meeting.starts_at >= now - timedelta(hours=4),
                Meeting.starts_at <= now + timedelta(weeks=DASHBOARD_WEEKS),
            )
            .options(selectinload(Meeting.committee), selectinload(Meeting.location))
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(limit)
        )
    )


def user_department_ids(user: User) -> set[int]:
    """The departments the user works in or for (own department, scoped proposer and head)."""
    ids = {
        a.department_id
        for a in user.role_assignments
        if a.department_id is not None and a.role in (Role.proposer, Role.department_head)
    }
    if user.department_id is not None:
        ids.add(user.department_id)
    return ids


def department_resolutions(
    user: User, viewer: Viewer, today: date, limit: int = 20
) -> tuple[list[ResolutionTask], int, list[Department]]:
    """Open resolutions of the user's departments that they may see, and how many."""
    ids = user_department_ids(user)
    if not ids:
        return [], 0, []
    query = resolutions_query(viewer, ResolutionFilter(), today).where(
        ResolutionTask.department_id.in_(ids)
    )
    total = db.session.scalar(query.with_only_columns(sa.func.count(ResolutionTask.id))) or 0
    tasks = list(
        db.session.scalars(
            query.options(
                selectinload(ResolutionTask.department),
                selectinload(ResolutionTask.agenda_item)
                .selectinload(AgendaItem.meeting)
                .selectinload(Meeting.committee),
            )
            .order_by(
                ResolutionTask.target_date.is_(None), ResolutionTask.target_date, ResolutionTask.id
            )
            .limit(limit)
        )
    )
    departments = list(
        db.session.scalars(
            sa.select(Department).where(Department.id.in_(ids)).order_by(Department.short_name)
        )
    )
    return tasks, total, departments


class ResolutionEditor:
    """Who may change which resolution, asked for every row of a list with one lookup of the
    user's substitutions. Mirrors ``resolution.edit`` (and ``resolution.reassign`` of the
    tracking page): the office; the secretaries of the item's committee, also as substitutes;
    the head and the proposers of the responsible department."""

    def __init__(self, user: User, viewer: Viewer, today: date) -> None:
        from digiflow.core.workflow.engine import identities

        self.user = user
        self.viewer = viewer
        self.is_office = user.has_role(Role.digitalization_office)
        self.principals = [identity.principal for identity in identities(user, today)]

    def is_secretary(self, committee_id: int) -> bool:
        return any(
            p.has_role(Role.committee_secretary, committee_id=committee_id, scoped=True)
            for p in self.principals
        )

    def may_reassign(self, task: ResolutionTask) -> bool:
        """Hand the resolution to another department, move its target date."""
        if not self.viewer.sees_item(task.agenda_item):
            return False
        return self.is_office or self.is_secretary(task.agenda_item.meeting.committee_id)

    def may_edit(self, task: ResolutionTask) -> bool:
        if self.may_reassign(task):
            return True
        if not self.viewer.sees_item(task.agenda_item) or task.department_id is None:
            return False
        return any(
            self.user.has_role(r, department_id=task.department_id, scoped=True)
            for r in (Role.department_head, Role.proposer)
        )
