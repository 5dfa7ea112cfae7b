"""Committees at work: members, sessions, agendas, papers, consultations, resolutions.

The committee itself lives in :mod:`digiflow.org.models` (roles are scoped to it). Rows that
the OParl API publishes carry ``created_at``, ``updated_at`` and ``deleted_at``: a removed
object stays as a soft-deleted row, so that OParl clients learn that it is gone.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from digiflow.core.db import db, enum_column, utcnow
from digiflow.core.roles import CommitteeType
from digiflow.core.workflow.definition import CommitteeResult, ConsultationRole
from digiflow.measures.models import Measure
from digiflow.org.models import Body, Committee, Department
from digiflow.users.models import User


class _Published:
    """Timestamps of rows that OParl publishes (``created``, ``modified``, ``deleted``)."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    deleted_at: Mapped[datetime | None] = mapped_column()

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class CouncilGroup(_Published, db.Model):
    """A council faction or group (Fraktion, Gruppe) members belong to."""

    __tablename__ = "council_groups"
    __table_args__ = (sa.UniqueConstraint("body_id", "short_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(sa.ForeignKey("bodies.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    short_name: Mapped[str] = mapped_column(sa.String(50))

    body: Mapped[Body] = relationship()

    def __repr__(self) -> str:
        return f"<CouncilGroup {self.id} {self.short_name!r}>"


class MemberRole(StrEnum):
    """A member's function in the committee."""

    chair = "chair"  # Vorsitz
    vice_chair = "vice_chair"  # stellvertretender Vorsitz
    member = "member"  # Mitglied
    deputy = "deputy"  # stellvertretendes Mitglied (votes only when standing in)
    advisory = "advisory"  # beratendes Mitglied (Grundmandat, Verwaltung): no vote


MEMBER_ROLE_LABELS: dict[MemberRole, tuple[str, str]] = {
    MemberRole.chair: ("Vorsitz", "Chair"),
    MemberRole.vice_chair: ("Stellvertretender Vorsitz", "Vice chair"),
    MemberRole.member: ("Mitglied", "Member"),
    MemberRole.deputy: ("Stellvertretendes Mitglied", "Deputy member"),
    MemberRole.advisory: ("Beratendes Mitglied", "Advisory member"),
}


class Membership(_Published, db.Model):
    """A person's seat in a committee, with or without voting right, for a period."""

    __tablename__ = "committee_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(sa.ForeignKey("committees.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # the faction or group the member sits for (none for administration staff)
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("council_groups.id"), index=True)
    role: Mapped[MemberRole] = mapped_column(
        enum_column(MemberRole, length=16), default=MemberRole.member
    )
    has_voting_right: Mapped[bool] = mapped_column(default=True)
    starts_on: Mapped[date] = mapped_column()
    # None: open-ended
    ends_on: Mapped[date | None] = mapped_column()

    committee: Mapped[Committee] = relationship()
    user: Mapped[User] = relationship()
    group: Mapped[CouncilGroup | None] = relationship()

    def active_on(self, day: date) -> bool:
        return (
            self.deleted_at is None
            and self.starts_on <= day
            and (self.ends_on is None or day <= self.ends_on)
        )

    def __repr__(self) -> str:
        return f"<Membership {self.id} user={self.user_id} committee={self.committee_id}>"


class Location(_Published, db.Model):
    """Where sessions take place (Sitzungsort)."""

    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(sa.ForeignKey("bodies.id"), index=True)
    # e.g. "Kreishaus, Sitzungssaal 1"
    description: Mapped[str] = mapped_column(sa.String(300))
    street_address: Mapped[str | None] = mapped_column(sa.String(200))
    room: Mapped[str | None] = mapped_column(sa.String(100))
    postal_code: Mapped[str | None] = mapped_column(sa.String(10))
    locality: Mapped[str | None] = mapped_column(sa.String(100))

    def one_line(self) -> str:
        parts = [self.description]
        if self.street_address:
            parts.append(self.street_address)
        place = " ".join(p for p in (self.postal_code, self.locality) if p)
        if place:
            parts.append(place)
        return ", ".join(parts)

    def __repr__(self) -> str:
        return f"<Location {self.id} {self.description!r}>"


class MeetingSeries(db.Model):
    """Recurring sessions (e.g. the monthly "Unter-AG Digitalisierung"), as an iCalendar RRULE.

    Its sessions are rows of ``meetings``, created ahead for ``SERIES_HORIZON_DAYS``; each can
    be moved or cancelled on its own (``occurrence_start`` remembers the planned moment).
    """

    __tablename__ = "meeting_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(sa.ForeignKey("committees.id"), index=True)
    # RFC 5545 recurrence rule without DTSTART, e.g. "FREQ=MONTHLY;BYDAY=2WE"
    rrule: Mapped[str] = mapped_column(sa.String(500))
    # first session, local wall-clock time in Europe/Berlin (stored as UTC)
    first_start: Mapped[datetime] = mapped_column()
    duration_minutes: Mapped[int] = mapped_column(default=120)
    location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id"))
    name: Mapped[str | None] = mapped_column(sa.String(300))
    # sessions exist up to here (the daily task extends open-ended series)
    generated_until: Mapped[datetime] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()

    committee: Mapped[Committee] = relationship()
    location: Mapped[Location | None] = relationship()

    def __repr__(self) -> str:
        return f"<MeetingSeries {self.id} committee={self.committee_id} {self.rrule!r}>"


class MeetingState(StrEnum):
    planned = "planned"  # geplant
    invited = "invited"  # eingeladen
    held = "held"  # durchgeführt
    minutes_approved = "minutes_approved"  # Niederschrift genehmigt
    cancelled = "cancelled"  # abgesagt


MEETING_STATE_LABELS: dict[MeetingState, tuple[str, str]] = {
    MeetingState.planned: ("geplant", "planned"),
    MeetingState.invited: ("eingeladen", "invited"),
    MeetingState.held: ("durchgeführt", "held"),
    MeetingState.minutes_approved: ("Niederschrift genehmigt", "minutes approved"),
    MeetingState.cancelled: ("abgesagt", "cancelled"),
}


class Meeting(_Published, db.Model):
    """A session (Sitzung) of a committee."""

    __tablename__ = "meetings"
    __table_args__ = (sa.UniqueConstraint("series_id", "occurrence_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(sa.ForeignKey("committees.id"), index=True)
    series_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting_series.id"), index=True)
    # the moment the series planned this session for (stays when the session is moved)
    occurrence_start: Mapped[datetime | None] = mapped_column()
    name: Mapped[str] = mapped_column(sa.String(300))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime | None] = mapped_column()
    location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id"))
    state: Mapped[MeetingState] = mapped_column(
        enum_column(MeetingState, length=20), default=MeetingState.planned, index=True
    )
    # whether the session has a public part (the committee's default when planned)
    is_public: Mapped[bool] = mapped_column(default=True)

    invitation_sent_at: Mapped[datetime | None] = mapped_column()
    # sent with the shortened notice period (Dringlichkeit), with the reason given
    invitation_urgent_reason: Mapped[str | None] = mapped_column(sa.Text)
    # iCalendar SEQUENCE: counts the invitations, updates and the cancellation sent
    ical_sequence: Mapped[int] = mapped_column(default=0)

    # the session day: when it was opened (attendance) and closed
    opened_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()

    minutes_text: Mapped[str | None] = mapped_column(sa.Text)
    # written and signed; extracts went to the lead departments
    minutes_finalized_at: Mapped[datetime | None] = mapped_column()
    # approved by an agenda item of a later session (``AgendaItem.approves_minutes_of_id``)
    minutes_approved_at: Mapped[datetime | None] = mapped_column()

    cancelled_at: Mapped[datetime | None] = mapped_column()
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # optimistic locking: a stale form or a concurrent change is refused
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    committee: Mapped[Committee] = relationship()
    series: Mapped[MeetingSeries | None] = relationship()
    location: Mapped[Location | None] = relationship()
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting",
        foreign_keys="AgendaItem.meeting_id",
        order_by="AgendaItem.id",
    )
    attendance: Mapped[list[Attendance]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="Attendance.id"
    )

    @property
    def is_cancelled(self) -> bool:
        return self.state == MeetingState.cancelled

    def __repr__(self) -> str:
        return f"<Meeting {self.id} committee={self.committee_id} {self.starts_at:%Y-%m-%d}>"


class AttendanceStatus(StrEnum):
    present = "present"  # anwesend
    excused = "excused"  # entschuldigt
    absent = "absent"  # unentschuldigt abwesend


class Attendance(db.Model):
    """Whether a member attended a session (recorded by the secretary on the day)."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(enum_column(AttendanceStatus, length=16))
    # whether the person had a vote on the day (a voting member, or a deputy standing in)
    has_vote: Mapped[bool] = mapped_column(default=False)
    # a deputy member votes for this absent voting member
    stands_in_for_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    stands_in_for: Mapped[User | None] = relationship(foreign_keys=[stands_in_for_id])

    def __repr__(self) -> str:
        return f"<Attendance meeting={self.meeting_id} user={self.user_id} {self.status.value}>"


class AgendaItem(_Published, db.Model):
    """A Tagesordnungspunkt: in the public (Ö) or non-public (N) part, optionally a sub-item.

    Its number ("Ö 3", "N 1", "Ö 3.1") follows from its part, its position among its siblings
    and its parent; see :func:`digiflow.committees.agenda.numbering`.
    """

    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    is_public: Mapped[bool] = mapped_column(default=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agenda_items.id"), index=True)
    # position among the siblings (same meeting, part and parent), from 1
    position: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(500))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    measure_id: Mapped[int | None] = mapped_column(sa.ForeignKey("measures.id"), index=True)
    paper_id: Mapped[int | None] = mapped_column(sa.ForeignKey("papers.id"), index=True)
    # approving the minutes of an earlier session of the same committee
    approves_minutes_of_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meetings.id"), index=True
    )
    # added after the submission deadline (Dringlichkeit), with the reason
    urgent_reason: Mapped[str | None] = mapped_column(sa.Text)

    result: Mapped[CommitteeResult | None] = mapped_column(enum_column(CommitteeResult))
    votes_yes: Mapped[int | None] = mapped_column()
    votes_no: Mapped[int | None] = mapped_column()
    votes_abstain: Mapped[int | None] = mapped_column()
    # the quorum when the result was recorded: voting members present (minus excluded) / seats
    voting_present: Mapped[int | None] = mapped_column()
    voting_seats: Mapped[int | None] = mapped_column()
    resolution_text: Mapped[str | None] = mapped_column(sa.Text)
    result_recorded_at: Mapped[datetime | None] = mapped_column()
    result_recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # the absent secretary the recorder stood in for
    result_on_behalf_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # when the extract of the minutes (Auszug) went to the lead department
    extract_sent_at: Mapped[datetime | None] = mapped_column()

    meeting: Mapped[Meeting] = relationship(back_populates="items", foreign_keys=[meeting_id])
    parent: Mapped[AgendaItem | None] = relationship(remote_side="AgendaItem.id")
    measure: Mapped[Measure | None] = relationship()
    paper: Mapped[Paper | None] = relationship()
    approves_minutes_of: Mapped[Meeting | None] = relationship(
        foreign_keys=[approves_minutes_of_id]
    )
    result_recorded_by: Mapped[User | None] = relationship(foreign_keys=[result_recorded_by_id])
    exclusions: Mapped[list[VoteExclusion]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="VoteExclusion.id"
    )

    @property
    def has_result(self) -> bool:
        return self.result is not None

    @property
    def carries_business(self) -> bool:
        """A measure, a paper or minutes to approve: something the committee decides on."""
        return (
            self.measure_id is not None
            or self.paper_id is not None
            or self.approves_minutes_of_id is not None
        )

    @classmethod
    def needs_result(cls) -> sa.ColumnElement[bool]:
        """SQL: the item needs a result before its session can close. Every item does except
        a mere heading: one with sub-items under it and no business of its own ("Ö 3 Anträge"
        over "3.1", "3.2"); its sub-items carry the results."""
        child = aliased(cls)
        has_sub_items = (
            sa.exists().where(child.parent_id == cls.id, child.deleted_at.is_(None)).correlate(cls)
        )
        return sa.or_(
            cls.measure_id.is_not(None),
            cls.paper_id.is_not(None),
            cls.approves_minutes_of_id.is_not(None),
            ~has_sub_items,
        )

    @property
    def is_urgent(self) -> bool:
        return bool(self.urgent_reason)

    def __repr__(self) -> str:
        part = "Ö" if self.is_public else "N"
        return f"<AgendaItem {self.id} meeting={self.meeting_id} {part}{self.position}>"


class VoteExclusion(db.Model):
    """A member excluded from an item for conflict of interest (befangen, Mitwirkungsverbot)."""

    __tablename__ = "vote_exclusions"
    __table_args__ = (sa.UniqueConstraint("agenda_item_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    item: Mapped[AgendaItem] = relationship(back_populates="exclusions")
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<VoteExclusion item={self.agenda_item_id} user={self.user_id}>"


class PaperType(StrEnum):
    decision = "decision"  # Beschlussvorlage
    information = "information"  # Informationsdrucksache / Mitteilungsvorlage
    motion = "motion"  # Antrag (of a council faction)


PAPER_TYPE_LABELS: dict[PaperType, tuple[str, str]] = {
    PaperType.decision: ("Beschlussvorlage", "Draft resolution"),
    PaperType.information: ("Informationsdrucksache", "Information paper"),
    PaperType.motion: ("Antrag", "Motion"),
}


class Paper(_Published, db.Model):
    """A paper (Vorlage, Drucksache) with its reference number per year, e.g. ``0123/2024``."""

    __tablename__ = "papers"
    __table_args__ = (sa.UniqueConstraint("body_id", "year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(sa.ForeignKey("bodies.id"), index=True)
    # the running number within the year; the reference is "{number:04d}/{year}"
    number: Mapped[int] = mapped_column()
    year: Mapped[int] = mapped_column()
    paper_type: Mapped[PaperType] = mapped_column(enum_column(PaperType, length=16))
    title: Mapped[str] = mapped_column(sa.String(500))
    # Sachverhalt and Beschlussvorschlag
    text: Mapped[str] = mapped_column(sa.Text, default="")
    # the proposed resolution (Beschlussvorschlag), taken as the default resolution text
    proposal: Mapped[str] = mapped_column(sa.Text, default="")
    lead_department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("departments.id"), index=True
    )
    # the paper's date (Datum der Vorlage)
    paper_date: Mapped[date] = mapped_column()
    measure_id: Mapped[int | None] = mapped_column(sa.ForeignKey("measures.id"), index=True)
    # motions: the factions that submitted it
    submitted_by: Mapped[str | None] = mapped_column(sa.String(500))
    is_public: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    body: Mapped[Body] = relationship()
    lead_department: Mapped[Department | None] = relationship()
    measure: Mapped[Measure | None] = relationship()
    consultations: Mapped[list[Consultation]] = relationship(
        back_populates="paper", order_by=lambda: (Consultation.position, Consultation.id)
    )

    @property
    def reference(self) -> str:
        return f"{self.number:04d}/{self.year}"

    def __repr__(self) -> str:
        return f"<Paper {self.id} {self.reference} {self.paper_type.value}>"


CONSULTATION_ROLE_LABELS: dict[ConsultationRole, tuple[str, str]] = {
    ConsultationRole.preliminary: ("Vorberatung", "Preliminary consultation"),
    ConsultationRole.decision: ("Entscheidung", "Decision"),
    ConsultationRole.information: ("Kenntnisnahme", "For information"),
}


class Consultation(_Published, db.Model):
    """One step of a paper's consultation sequence (Beratungsfolge): a committee, its role,
    and, once the paper is on an agenda, the agenda item (with the session's date and result).
    """

    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(sa.ForeignKey("papers.id"), index=True)
    position: Mapped[int] = mapped_column()
    committee_type: Mapped[CommitteeType] = mapped_column(enum_column(CommitteeType))
    # None while the paper is routed to a committee type with several committees
    committee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("committees.id"), index=True)
    role: Mapped[ConsultationRole] = mapped_column(enum_column(ConsultationRole, length=16))
    is_authoritative: Mapped[bool] = mapped_column(default=False)
    agenda_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agenda_items.id"), unique=True
    )

    paper: Mapped[Paper] = relationship(back_populates="consultations")
    committee: Mapped[Committee | None] = relationship()
    agenda_item: Mapped[AgendaItem | None] = relationship()

    def __repr__(self) -> str:
        return f"<Consultation {self.id} paper={self.paper_id} {self.role.value}>"


class ResolutionStatus(StrEnum):
    """The traffic light of a resolution's implementation."""

    in_progress = "in_progress"  # gelb: in Bearbeitung
    done = "done"  # grün: erledigt
    impossible = "impossible"  # rot: nicht umsetzbar


RESOLUTION_STATUS_LABELS: dict[ResolutionStatus, tuple[str, str]] = {
    ResolutionStatus.in_progress: ("in Bearbeitung", "in progress"),
    ResolutionStatus.done: ("erledigt", "done"),
    ResolutionStatus.impossible: ("nicht umsetzbar", "cannot be done"),
}


class ResolutionTask(db.Model):
    """Resolution tracking (Beschlussverfolgung): who implements a resolution, by when, and
    how far it got."""

    __tablename__ = "resolution_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_items.id"), unique=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    target_date: Mapped[date | None] = mapped_column(index=True)
    status: Mapped[ResolutionStatus] = mapped_column(
        enum_column(ResolutionStatus, length=16), default=ResolutionStatus.in_progress, index=True
    )
    status_note: Mapped[str] = mapped_column(sa.String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    agenda_item: Mapped[AgendaItem] = relationship()
    department: Mapped[Department | None] = relationship()
    updated_by: Mapped[User | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status == ResolutionStatus.in_progress

    def __repr__(self) -> str:
        return f"<ResolutionTask {self.id} item={self.agenda_item_id} {self.status.value}>"


class CalendarFeed(db.Model):
    """A secret iCalendar feed URL: the user's own sessions and deadlines, or one committee's
    sessions. Only the SHA-256 of the token is stored; the link is shown once."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # None: the user's personal feed
    committee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("committees.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship()
    committee: Mapped[Committee | None] = relationship()

    def __repr__(self) -> str:
        return f"<CalendarFeed {self.id} user={self.user_id} committee={self.committee_id}>"
