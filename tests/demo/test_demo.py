"""flask demo load: a living demo Landkreis with real histories and a year of sessions."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from digiflow.committees import agenda
from digiflow.committees.models import (
    AgendaItem,
    Meeting,
    MeetingSeries,
    MeetingState,
    MemberRole,
    Membership,
    Paper,
    PaperType,
    ResolutionStatus,
    ResolutionTask,
)
from digiflow.committees.session import CARRIED
from digiflow.core.db import db, utcnow
from digiflow.core.permissions import can
from digiflow.core.roles import CommitteeType, Role
from digiflow.core.time import local_date
from digiflow.core.workflow.definition import CommitteeResult, ConsultationRole
from digiflow.demo.data import DEMO_PASSWORD, EMAIL_DOMAIN
from digiflow.measures.models import HistoryAction, HistoryEntry, Measure
from digiflow.notifications.models import OutboxMessage
from digiflow.org.models import Committee, LegislativeTerm
from digiflow.reminders.models import Reminder
from digiflow.users.models import User


def _load(app_ctx) -> None:
    result = app_ctx.test_cli_runner().invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "Sitzungen" in result.output


def _committee(short: str) -> Committee:
    return db.session.scalar(sa.select(Committee).where(Committee.short_name == short))


def _user(local: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == f"{local}@{EMAIL_DOMAIN}"))


# Each test loads the whole demo (a few seconds), so the checks are grouped into two tests.


def test_demo_load_fills_every_state_with_real_history_and_seats_the_council(app_ctx):
    now = utcnow()
    _load(app_ctx)
    check_histories(now)
    check_accounts()
    check_members(local_date(utcnow()))


def check_histories(now: datetime) -> None:
    """Every measure's history is real and in order; committee results come from sessions."""
    measures = db.session.scalars(sa.select(Measure)).all()
    assert 35 <= len(measures) <= 45
    default_states = set(measures[0].definition.states) if measures else set()
    reached = {m.state for m in measures if m.workflow.name == "digitalization_measure"}
    assert reached == default_states
    assert {m.workflow.name for m in measures} == {"digitalization_measure", "small_measure"}
    for measure in measures:
        history = db.session.scalars(
            sa.select(HistoryEntry)
            .where(HistoryEntry.measure_id == measure.id)
            .order_by(HistoryEntry.id)
        ).all()
        state = None
        for entry in history:
            if entry.to_state is not None and entry.from_state is not None:
                assert entry.from_state == state
            if entry.to_state is not None:
                state = entry.to_state
            assert entry.at <= now
        assert state == measure.state
        assert [h.at for h in history] == sorted(h.at for h in history)
    _committee_results_come_from_sessions(measures)


def _committee_results_come_from_sessions(measures: list[Measure]) -> None:
    specialist, main = _committee("FPDI"), _committee("KA")
    results = db.session.scalars(
        sa.select(HistoryEntry).where(HistoryEntry.action == HistoryAction.committee_result)
    ).all()
    assert results
    for entry in results:
        # every result names the session and the agenda item it was recorded for
        item = db.session.get(AgendaItem, entry.changes["agenda_item_id"])
        assert item is not None and item.measure_id == entry.measure_id
        assert item.meeting_id == entry.changes["meeting_id"]
        assert item.meeting.committee_id == entry.changes["committee_id"]
        assert item.result == CommitteeResult(entry.changes["result"])
        assert item.meeting.state in (MeetingState.held, MeetingState.minutes_approved)
        assert item.meeting.starts_at <= entry.at == item.result_recorded_at
        assert entry.changes["session_day"] == local_date(item.meeting.starts_at).isoformat()

    def results_of(measure: Measure, committee: Committee) -> list[HistoryEntry]:
        return [
            e
            for e in results
            if e.measure_id == measure.id and e.changes["committee_id"] == committee.id
        ]

    full = [m for m in measures if m.workflow.name == "digitalization_measure"]
    passed = [m for m in full if m.state in ("budget_release", "implementation", "completed")]
    assert len(passed) >= 8
    for measure in passed:
        recommended = [e for e in results_of(measure, specialist) if e.to_state == "budget_release"]
        assert len(recommended) == 1, measure.title
        if measure.state != "budget_release":
            released = [e for e in results_of(measure, main) if e.to_state == "implementation"]
            assert len(released) == 1, measure.title
            assert released[0].at > recommended[0].at
    # the committee steps never happened without a session
    for entry in db.session.scalars(
        sa.select(HistoryEntry).where(
            HistoryEntry.from_state.in_(["committee_recommendation", "budget_release"]),
            HistoryEntry.to_state.in_(["budget_release", "implementation", "rejected"]),
        )
    ):
        assert entry.action == HistoryAction.committee_result
        assert "meeting_id" in entry.changes

    # some with an abstention or a member excluded as befangen, one deferred, one tie
    votes = [e.changes["votes"] for e in results if "votes" in e.changes]
    assert any(v["abstain"] for v in votes) and any(v["excluded"] for v in votes)
    assert any(e.changes["result"] == "amended" for e in results)
    deferred = [e for e in results if e.changes["result"] == "deferred"]
    assert len(deferred) == 1 and deferred[0].from_state == deferred[0].to_state
    rejected = [e for e in results if e.changes["result"] == "rejected"]
    ties = [e for e in rejected if e.changes["votes"]["yes"] == e.changes["votes"]["no"]]
    assert len(ties) == 1 and ties[0].to_state == "rejected"


def test_sessions_papers_and_resolutions_of_the_demo_which_is_not_loaded_twice(app_ctx):
    _load(app_ctx)
    check_sessions(utcnow())

    runner = app_ctx.test_cli_runner()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Measure))
    meetings = db.session.scalar(sa.select(sa.func.count()).select_from(Meeting))
    again = runner.invoke(args=["demo", "load", "--if-empty"])
    assert again.exit_code == 0 and "bereits" in again.output
    refused = runner.invoke(args=["demo", "load"])
    assert refused.exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Measure)) == count
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == meetings


def check_sessions(now: datetime) -> None:
    """Held, planned and invited sessions, the Unter-AG's series, papers, resolution tracking
    and a non-public item (``now``: the moment the demo was loaded, or later)."""
    today = local_date(now)
    specialist, main, council_body = _committee("FPDI"), _committee("KA"), _committee("KT")
    working_group = _committee("AG DIG")
    meetings = db.session.scalars(sa.select(Meeting).order_by(Meeting.starts_at)).all()

    # held sessions: every item has a result, the minutes are finalized a week later, and the
    # earlier ones were approved in the next session of the committee
    closed = [m for m in meetings if m.closed_at is not None]
    assert {m.committee_id for m in closed} == {
        c.id for c in (specialist, main, council_body, working_group)
    }
    for meeting in closed:
        assert meeting.starts_at < meeting.closed_at <= now
        assert meeting.invitation_sent_at <= meeting.starts_at - timedelta(days=5)
        assert meeting.attendance and meeting.minutes_text
        assert all(i.result is not None for i in meeting.items if i.deleted_at is None)
        if meeting.starts_at < now - timedelta(days=12):
            assert meeting.minutes_finalized_at is not None
    approved = [m for m in meetings if m.state == MeetingState.minutes_approved]
    assert len(approved) >= 8
    for meeting in approved:
        item = db.session.scalar(
            sa.select(AgendaItem).where(AgendaItem.approves_minutes_of_id == meeting.id)
        )
        assert item.result in CARRIED and item.meeting.committee_id == meeting.committee_id
        assert item.meeting.starts_at > meeting.starts_at

    # the next Fachausschuss is planned with every measure that waits for it on its agenda
    upcoming = [m for m in meetings if m.starts_at > now and m.state != MeetingState.cancelled]
    planned = [m for m in upcoming if m.committee_id == specialist.id]
    assert len(planned) == 1 and planned[0].state == MeetingState.planned
    waiting = db.session.scalars(
        sa.select(Measure).where(Measure.state == "committee_recommendation")
    ).all()
    assert len(waiting) >= 3
    on_agenda = {i.measure_id for i in planned[0].items if i.measure_id}
    assert on_agenda == {m.id for m in waiting}
    assert agenda.waiting_measures(specialist) == []
    # ... and the Kreisausschuss is invited with the releases that wait for it
    invited = [m for m in upcoming if m.committee_id == main.id]
    assert len(invited) == 1 and invited[0].state == MeetingState.invited
    releases = db.session.scalars(sa.select(Measure).where(Measure.state == "budget_release"))
    assert {i.measure_id for i in invited[0].items if i.measure_id} == {m.id for m in releases}
    mails = db.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.kind == "invitation",
            OutboxMessage.dedupe_key.like(f"invitation:{invited[0].id}:%"),
        )
    ).all()
    assert len(mails) == 7 and all(m.attachments and m.ics for m in mails)
    # no reminder of a session that took place (or was cancelled) is left to go out
    done = [m.id for m in meetings if m.closed_at is not None or m.cancelled_at is not None]
    assert not db.session.scalars(
        sa.select(Reminder).where(
            Reminder.meeting_id.in_(done),
            Reminder.sent_at.is_(None),
            Reminder.cancelled_at.is_(None),
        )
    ).all()

    # the Unter-AG meets monthly on the second Wednesday; its past sessions were held
    series = db.session.scalars(sa.select(MeetingSeries)).one()
    assert series.committee_id == working_group.id and series.rrule == "FREQ=MONTHLY;BYDAY=2WE"
    occurrences = [m for m in meetings if m.series_id == series.id]
    for meeting in occurrences:
        day = local_date(meeting.starts_at)
        assert day.weekday() == 2 and 8 <= day.day <= 14
        assert meeting.is_public is False
    past = [m for m in occurrences if m.starts_at < now - timedelta(hours=4)]
    assert len(past) >= 4
    assert {m.state for m in past} <= {
        MeetingState.held,
        MeetingState.minutes_approved,
        MeetingState.cancelled,
    }
    assert [m.state for m in past].count(MeetingState.cancelled) == 1
    assert any(m.state == MeetingState.planned for m in occurrences if m.starts_at > now)

    # papers: the Beschlussvorlagen of the measures, the strategy paper, the motion
    papers = db.session.scalars(sa.select(Paper)).all()
    assert all(re.fullmatch(r"\d{4}/\d{4}", p.reference) for p in papers)
    on_agendas = {i.measure_id for i in db.session.scalars(sa.select(AgendaItem)) if i.measure_id}
    decisions = {p.measure_id for p in papers if p.paper_type == PaperType.decision}
    assert decisions == on_agendas
    strategy = next(p for p in papers if p.paper_type == PaperType.information)
    assert strategy.title == "Verwaltungsstrategie zur Digitalisierung"
    assert "164.400" in strategy.text and "Hannover" not in strategy.text
    assert [(c.committee_id, c.role) for c in strategy.consultations] == [
        (working_group.id, ConsultationRole.information),
        (specialist.id, ConsultationRole.information),
        (main.id, ConsultationRole.information),
    ]
    assert all(c.agenda_item.result == CommitteeResult.noted for c in strategy.consultations)
    motion = next(p for p in papers if p.paper_type == PaperType.motion)
    assert "Fraktion" in motion.submitted_by and "Hildesheim" not in motion.text
    assert all(s in motion.proposal for s in ("1,0 Mio. €", "Sperrvermerk", "Unter-AG"))
    assert [
        (c.committee_id, c.role, c.is_authoritative, c.agenda_item.result)
        for c in motion.consultations
    ] == [
        (specialist.id, ConsultationRole.preliminary, False, CommitteeResult.recommended),
        (main.id, ConsultationRole.preliminary, False, CommitteeResult.recommended),
        (council_body.id, ConsultationRole.decision, True, CommitteeResult.recommended),
    ]
    sessions_of_motion = [c.agenda_item.meeting.starts_at for c in motion.consultations]
    assert sessions_of_motion == sorted(sessions_of_motion)
    assert series.first_start > sessions_of_motion[-1]

    # resolution tracking of the deciding bodies: done, in progress, cannot be done, overdue
    tasks = db.session.scalars(sa.select(ResolutionTask)).all()
    assert {t.agenda_item.meeting.committee.type for t in tasks} == {
        CommitteeType.main,
        CommitteeType.council,
    }
    assert any(t.agenda_item_id == motion.consultations[-1].agenda_item_id for t in tasks)
    statuses = {t.status for t in tasks}
    assert statuses == set(ResolutionStatus)
    assert all(t.status_note for t in tasks if t.status == ResolutionStatus.impossible)
    assert any(t.status_note for t in tasks if t.status == ResolutionStatus.in_progress)
    overdue = [t for t in tasks if t.is_open and t.target_date < today]
    assert len(overdue) == 1

    # a non-public item in a committee of the demo council member: he sees it, a council
    # member outside the committee does not
    council_member = _user("kreistag")
    outsider = _user("volker.voigt")
    assert Role.council_member in outsider.roles and Role.council_member in council_member.roles
    hidden = db.session.scalars(
        sa.select(AgendaItem).where(
            AgendaItem.is_public.is_(False), AgendaItem.deleted_at.is_(None)
        )
    ).all()
    assert {i.meeting.committee_id for i in hidden} >= {specialist.id, working_group.id}
    for item in hidden:
        assert can(council_member, "agenda_item.view", item)
    item = next(i for i in hidden if i.meeting.committee_id == working_group.id)
    assert not can(outsider, "agenda_item.view", item)


def check_members(today: date) -> None:
    """The committees' seats, factions, functions and the electoral term."""

    def seats(short: str) -> list[Membership]:
        return db.session.scalars(
            sa.select(Membership).where(Membership.committee_id == _committee(short).id)
        ).all()

    specialist = seats("FPDI")
    voting = [m for m in specialist if m.has_voting_right]
    assert len(voting) == 11 and 3 <= len({m.group_id for m in voting}) <= 4
    assert {m.role for m in specialist} >= {MemberRole.deputy, MemberRole.advisory}
    assert len(seats("KA")) == 7
    assert 14 <= len(seats("KT")) <= 16
    group = seats("AG DIG")
    members = {m.user.email.split("@")[0] for m in group}
    assert {"kreistag", "digitalisierung", "koordinierung"} <= members
    council_member = _user("kreistag")
    assert council_member.name == "Konrad Kreismann"
    assert council_member.id in {m.user_id for m in specialist}
    for membership in specialist + group:
        assert membership.active_on(today)
        user = membership.user
        assert user.email.endswith("@" + EMAIL_DOMAIN)
        if membership.group_id is not None:
            assert Role.council_member in user.roles
    assert _user("susanne.sandmann").check_password(DEMO_PASSWORD)
    terms = db.session.scalars(sa.select(LegislativeTerm)).all()
    assert any(t.starts_on <= today <= t.ends_on for t in terms)
    assert min(t.starts_on for t in terms) <= min(m.starts_on for m in specialist)


def check_accounts() -> None:
    """One user per role, all with the documented password."""
    users = db.session.scalars(sa.select(User)).all()
    held = {role for user in users for role in user.roles}
    assert held >= {r for r in Role if r != Role.legal}
    office = db.session.scalar(
        sa.select(User).where(User.email == f"digitalisierung@{EMAIL_DOMAIN}")
    )
    assert office.check_password(DEMO_PASSWORD)
