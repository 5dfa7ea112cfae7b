"""The secretary's work without HTTP: plan, agenda, invite, attendance, quorum, votes, results
that move measures, minutes, resolutions (real database; time passed as ``now``)."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
import sqlalchemy as sa

from digiflow.committees import agenda, meetings, minutes, papers, session
from digiflow.committees.models import (
    AgendaItem,
    AttendanceStatus,
    Consultation,
    MeetingState,
    PaperType,
    ResolutionStatus,
    ResolutionTask,
)
from digiflow.committees.resolutions import update_resolution
from digiflow.core.db import db, utcnow
from digiflow.core.errors import (
    IllegalTransition,
    PermissionDenied,
    ValidationFailed,
)
from digiflow.core.time import LOCAL_TZ
from digiflow.core.workflow.definition import CommitteeResult, ConsultationRole
from digiflow.measures.models import HistoryAction, HistoryEntry
from digiflow.notifications.delivery import build_email
from digiflow.notifications.models import OutboxMessage
from tests.factories import SessionWorld, drive_to_committee

P, E, A = AttendanceStatus.present, AttendanceStatus.excused, AttendanceStatus.absent


def local(days: int, hour: int = 17) -> datetime:
    """``days`` from today at ``hour`` German time, as UTC."""
    day = datetime.now(LOCAL_TZ).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ).astimezone(UTC)


@pytest.fixture
def world(app_ctx):
    return SessionWorld()


def planned(world, days: int = 30, committee=None):
    return meetings.plan_meeting(
        committee or world.specialist,
        actor=world.secretary,
        starts_at=local(days),
        ends_at=local(days, 20),
        location=world.location,
    )


def outbox(kind: str | None = None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def open_session(world, meeting, statuses: dict | None = None, stand_ins=None):
    """Invite, then record attendance on the session day (all present unless given)."""
    if meeting.state == MeetingState.planned:
        meetings.send_invitation(meeting, actor=world.secretary)
    day = meeting.starts_at + timedelta(minutes=5)
    members = world.members + [world.deputy_member, world.advisory]
    statuses = statuses or {m.id: P for m in members}
    session.record_attendance(
        meeting, actor=world.secretary, statuses=statuses, stand_ins=stand_ins, now=day
    )
    return day


# -- planning and the agenda ----------------------------------------------------------------


def test_only_the_committees_secretary_plans_sessions(world):
    with pytest.raises(PermissionDenied):
        meetings.plan_meeting(world.specialist, actor=world.office, starts_at=local(10))
    with pytest.raises(ValidationFailed):
        meetings.plan_meeting(world.specialist, actor=world.secretary, starts_at=local(-1))
    meeting = planned(world)
    assert meeting.state == MeetingState.planned
    assert meeting.is_public is True


def test_agenda_offers_waiting_measures_and_numbers_both_parts(world):
    measure = drive_to_committee(world, world.measure(title="E-Akte einführen"))
    draft = world.measure(title="Noch im Entwurf")
    meeting = planned(world)
    assert [m.id for m in agenda.waiting_measures(world.specialist)] == [measure.id]
    assert agenda.waiting_measures(world.main) == []
    assert draft.id not in [m.id for m in agenda.waiting_measures(world.specialist)]

    opening = agenda.add_item(meeting, actor=world.secretary, title="Eröffnung")
    item = agenda.add_measure_item(meeting, measure, actor=world.secretary)
    sub = agenda.add_item(meeting, actor=world.secretary, title="Bericht", parent=item)
    staff = agenda.add_item(meeting, actor=world.secretary, title="Personal", is_public=False)
    numbers = {n.item.id: n.number for n in agenda.numbering(meeting)}
    assert numbers == {opening.id: "Ö 1", item.id: "Ö 2", sub.id: "Ö 2.1", staff.id: "N 1"}

    # the measure is on an open agenda now: not offered twice
    assert agenda.waiting_measures(world.specialist) == []
    with pytest.raises(IllegalTransition):
        agenda.add_measure_item(meeting, measure, actor=world.secretary)

    agenda.move_item(item, actor=world.secretary, offset=-1)
    numbers = {n.item.id: n.number for n in agenda.numbering(meeting)}
    assert numbers[item.id] == "Ö 1" and numbers[sub.id] == "Ö 1.1" and numbers[opening.id] == "Ö 2"

    # the measure's paper: a Beschlussvorlage with the workflow's consultation sequence
    paper = item.paper
    assert paper.paper_type == PaperType.decision
    assert paper.reference == f"0001/{paper.paper_date.year}"
    sequence = [(c.committee_type.value, c.role, c.committee_id) for c in paper.consultations]
    assert sequence == [
        ("specialist", ConsultationRole.preliminary, world.specialist.id),
        ("main", ConsultationRole.decision, world.main.id),
    ]
    assert paper.consultations[0].agenda_item_id == item.id

    agenda.remove_item(item, actor=world.secretary)
    assert item.deleted_at is not None and sub.deleted_at is not None
    assert paper.consultations[0].agenda_item_id is None
    assert [m.id for m in agenda.waiting_measures(world.specialist)] == [measure.id]
    assert [n.number for n in agenda.numbering(meeting)] == ["Ö 1", "N 1"]


def test_after_the_submission_deadline_an_item_needs_urgency_and_a_reason(world):
    measure = drive_to_committee(world, world.measure())
    meeting = planned(world, days=10)  # Vorlagenschluss 14 days before: passed
    with pytest.raises(ValidationFailed, match="submission deadline"):
        agenda.add_measure_item(meeting, measure, actor=world.secretary)
    assert db.session.scalar(sa.select(sa.func.count(AgendaItem.id))) == 0
    item = agenda.add_measure_item(
        meeting, measure, actor=world.secretary, urgent_reason="Förderfrist endet"
    )
    assert item.is_urgent and item.urgent_reason == "Förderfrist endet"


def test_invitation_respects_the_notice_period(world):
    measure = drive_to_committee(world, world.measure())
    meeting = planned(world, days=5)
    agenda.add_measure_item(meeting, measure, actor=world.secretary, urgent_reason="Eilt")
    # 7 days' notice cannot be kept: only urgently, with a reason
    with pytest.raises(ValidationFailed, match="notice period"):
        meetings.send_invitation(meeting, actor=world.secretary)
    assert meeting.state == MeetingState.planned and not outbox("invitation")
    meetings.send_invitation(meeting, actor=world.secretary, urgent_reason="Förderfrist")
    assert meeting.state == MeetingState.invited
    assert meeting.invitation_urgent_reason == "Förderfrist"

    late = planned(world, days=1)
    agenda.add_item(late, actor=world.secretary, title="Eilsache", urgent_reason="Eilt")
    with pytest.raises(IllegalTransition, match="shortened notice period"):
        meetings.send_invitation(late, actor=world.secretary, urgent_reason="Eilt sehr")


def test_invitation_mails_carry_the_agenda_as_ics_and_pdf(world):
    from pypdf import PdfReader

    measure = drive_to_committee(world, world.measure(title="E-Akte einführen"))
    meeting = planned(world)
    agenda.add_measure_item(meeting, measure, actor=world.secretary)
    agenda.add_item(meeting, actor=world.secretary, title="Personalsache", is_public=False)
    meetings.send_invitation(meeting, actor=world.secretary)
    mails = outbox("invitation")
    members = {*world.members, world.deputy_member, world.advisory}
    assert {m.recipient_id for m in mails} == {m.id for m in members}
    message = email.message_from_bytes(bytes(build_email(mails[0])), policy=policy.default)
    parts = {part.get_content_type(): part for part in message.iter_attachments()}
    ics = parts["text/calendar"].get_content()
    assert "METHOD:REQUEST" in ics and f"UID:meeting-{meeting.id}@digiflow" in ics
    assert parts["text/calendar"].get_param("method") == "REQUEST"
    import io

    text = "".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(parts["application/pdf"].get_content())).pages
    )
    assert "E-Akte einführen" in text and "Personalsache" in text and "Ö 1" in text
    assert "E-Akte einführen" in mails[0].text_body
    # sending again (after a change) is the updated invitation, one per member again
    meetings.send_invitation(meeting, actor=world.secretary)
    assert len(outbox("invitation")) == 2 * len(members)
    assert meeting.ical_sequence == 1


# -- attendance, quorum and votes ------------------------------------------------------------


def test_quorum_is_a_majority_of_the_voting_seats(world):
    measure = drive_to_committee(world, world.measure())
    meeting = planned(world)
    item = agenda.add_measure_item(meeting, measure, actor=world.secretary)
    m = world.members
    # 5 voting seats: 2 present is no quorum (the advisory member does not count)
    day = open_session(
        world,
        meeting,
        {m[0].id: P, m[1].id: P, m[2].id: E, m[3].id: A, m[4].id: E, world.advisory.id: P},
    )
    assert session.quorum(meeting) == session.Quorum(seats=5, present=2)
    assert not session.quorum(meeting).is_quorate
    with pytest.raises(IllegalTransition, match="no quorum"):
        session.record_result(
            item,
            actor=world.secretary,
            result="recommended",
            votes_yes=2,
            votes_no=0,
            votes_abstain=0,
            now=day,
        )
    assert item.result is None and measure.state == "committee_recommendation"
    # a deputy standing in for an absent member makes 3 of 5
    session.record_attendance(
        meeting,
        actor=world.secretary,
        statuses={m[0].id: P, m[1].id: P, m[2].id: E, world.deputy_member.id: P},
        stand_ins={world.deputy_member.id: m[2].id},
        now=day,
    )
    assert session.quorum(meeting).is_quorate
    # but a member excluded for a conflict of interest does not count for the item
    assert not session.quorum(meeting, excluded=[m[0].id]).is_quorate
    with pytest.raises(IllegalTransition):
        session.record_result(
            item,
            actor=world.secretary,
            result="recommended",
            votes_yes=2,
            votes_no=0,
            votes_abstain=0,
            excluded=[m[0].id],
            now=day,
        )
    # deferring needs no quorum
    session.record_result(item, actor=world.secretary, result="deferred", now=day)
    assert measure.state == "committee_recommendation"


def test_a_tie_is_a_rejection(world):
    measure = drive_to_committee(world, world.measure())
    meeting = planned(world)
    item = agenda.add_measure_item(meeting, measure, actor=world.secretary)
    m = world.members
    day = open_session(world, meeting, {x.id: P for x in m[:4]} | {m[4].id: E})
    for result in ("recommended", "amended"):
        with pytest.raises(ValidationFailed, match="a tie"):
            session.record_result(
                item,
                actor=world.secretary,
                result=result,
                votes_yes=2,
                votes_no=2,
                votes_abstain=0,
                resolution_text="geändert",
                now=day,
            )
    assert item.result is None and measure.state == "committee_recommendation"
    # more votes than voting members present
    with pytest.raises(ValidationFailed, match="votes were given"):
        session.record_result(
            item,
            actor=world.secretary,
            result="rejected",
            votes_yes=2,
            votes_no=3,
            votes_abstain=0,
            now=day,
        )
    session.record_result(
        item,
        actor=world.secretary,
        result="rejected",
        votes_yes=2,
        votes_no=2,
        votes_abstain=0,
        now=day,
    )
    assert item.result == CommitteeResult.rejected
    assert measure.state == "rejected"
    assert (
        not session.is_carried(2, 2) and session.is_carried(3, 2) and not session.is_carried(0, 0)
    )


def test_majority_recommends_and_the_measure_moves_on_to_the_deciding_body(world):
    measure = drive_to_committee(world, world.measure())
    meeting = planned(world)
    item = agenda.add_measure_item(meeting, measure, actor=world.secretary)
    day = open_session(world, meeting)
    with pytest.raises(ValidationFailed, match="is carried"):
        session.record_result(
            item,
            actor=world.secretary,
            result="rejected",
            votes_yes=3,
            votes_no=2,
            votes_abstain=0,
            now=day,
        )
    with pytest.raises(PermissionDenied):
        session.record_result(
            item,
            actor=world.office,
            result="recommended",
            votes_yes=3,
            votes_no=1,
            votes_abstain=1,
            now=day,
        )
    session.record_result(
        item,
        actor=world.secretary,
        result="recommended",
        votes_yes=3,
        votes_no=1,
        votes_abstain=0,
        excluded=[world.members[4].id],
        resolution_text="Der Ausschuss empfiehlt die Freigabe.",
        now=day,
    )
    assert measure.state == "budget_release"
    entry = db.session.scalars(
        sa.select(HistoryEntry).where(
            HistoryEntry.measure_id == measure.id,
            HistoryEntry.action == HistoryAction.committee_result,
        )
    ).one()
    assert entry.changes["agenda_item_id"] == item.id
    assert entry.changes["votes"] == {"yes": 3, "no": 1, "abstain": 0, "excluded": 1}
    assert entry.comment == "Der Ausschuss empfiehlt die Freigabe."
    with pytest.raises(IllegalTransition, match="already"):
        session.record_result(item, actor=world.secretary, result="deferred", now=day)
    # a preliminary consultation makes no resolution to track
    assert db.session.scalar(sa.select(sa.func.count(ResolutionTask.id))) == 0
    # now it waits for the main committee; its paper's next consultation is there
    assert [x.id for x in agenda.waiting_measures(world.main)] == [measure.id]


def test_deferred_waits_for_the_next_session_with_a_new_consultation(world):
    measure = drive_to_committee(world, world.measure())
    first = planned(world, days=30)
    item = agenda.add_measure_item(first, measure, actor=world.secretary)
    day = open_session(world, first)
    session.record_result(item, actor=world.secretary, result="deferred", now=day)
    assert measure.state == "committee_recommendation"
    assert [x.id for x in agenda.waiting_measures(world.specialist)] == [measure.id]
    second = planned(world, days=60)
    again = agenda.add_measure_item(second, measure, actor=world.secretary)
    assert again.paper_id == item.paper_id
    consultations = db.session.scalars(
        sa.select(Consultation)
        .where(Consultation.paper_id == item.paper_id)
        .order_by(Consultation.id)
    ).all()
    assert [c.agenda_item_id for c in consultations if c.committee_id == world.specialist.id] == [
        item.id,
        again.id,
    ]


def test_a_result_the_workflow_does_not_expect_is_refused_and_nothing_is_stored(world):
    measure = drive_to_committee(world, world.measure())
    meeting = planned(world)
    item = agenda.add_measure_item(meeting, measure, actor=world.secretary)
    day = open_session(world, meeting)
    db.session.commit()
    with pytest.raises(IllegalTransition):
        session.record_result(item, actor=world.secretary, result="noted", now=day)
    db.session.rollback()
    assert db.session.get(AgendaItem, item.id).result is None
    assert db.session.get(type(measure), measure.id).state == "committee_recommendation"


# -- rescheduling and reminders ---------------------------------------------------------------


def test_rescheduling_moves_every_reminder_and_tells_invited_members(world):
    from digiflow.reminders.models import Reminder, ReminderKind

    measure = drive_to_committee(world, world.measure())
    meeting = planned(world, days=40)
    agenda.add_measure_item(meeting, measure, actor=world.secretary)

    def pending():
        return {
            (r.kind, r.deadline_on)
            for r in db.session.scalars(
                sa.select(Reminder).where(
                    Reminder.meeting_id == meeting.id,
                    Reminder.sent_at.is_(None),
                    Reminder.cancelled_at.is_(None),
                )
            )
        }

    day = meetings.meeting_day(meeting)
    assert pending() == {
        (ReminderKind.submission_deadline, day - timedelta(days=14)),
        (ReminderKind.invitation_due, day - timedelta(days=7)),
        (ReminderKind.result_missing, day),
    }
    meetings.reschedule_meeting(meeting, actor=world.secretary, starts_at=local(47))
    new_day = day + timedelta(days=7)
    assert pending() == {
        (ReminderKind.submission_deadline, new_day - timedelta(days=14)),
        (ReminderKind.invitation_due, new_day - timedelta(days=7)),
        (ReminderKind.result_missing, new_day),
    }
    meetings.send_invitation(meeting, actor=world.secretary)
    assert ReminderKind.invitation_due not in {k for k, _ in pending()}
    with pytest.raises(ValidationFailed, match="reason"):
        meetings.reschedule_meeting(meeting, actor=world.secretary, starts_at=local(50))
    meetings.reschedule_meeting(
        meeting, actor=world.secretary, starts_at=local(50), reason="Raum belegt"
    )
    moved = outbox("invitation")[-1]
    assert "Raum belegt" in moved.text_body and "SEQUENCE:1" in moved.ics
    meetings.cancel_meeting(meeting, actor=world.secretary, reason="Keine Beratungsgegenstände")
    assert pending() == set()
    assert "METHOD:CANCEL" in outbox("invitation")[-1].ics
    # the measure waits again
    assert [m.id for m in agenda.waiting_measures(world.specialist)] == [measure.id]


def test_recurring_sessions_from_an_rrule(world):
    first = local(20, 18)
    series = meetings.plan_series(
        world.specialist,
        actor=world.secretary,
        rrule="FREQ=MONTHLY;BYDAY=2WE;COUNT=6",
        first_start=first,
        duration_minutes=90,
    )
    sessions = sorted(
        db.session.scalars(
            sa.select(meetings.Meeting).where(meetings.Meeting.series_id == series.id)
        ),
        key=lambda m: m.starts_at,
    )
    assert len(sessions) == 6
    for meeting in sessions:
        start = meeting.starts_at.astimezone(LOCAL_TZ)
        assert start.hour == 18  # the same wall-clock time in summer and in winter
        assert meeting.ends_at - meeting.starts_at == timedelta(minutes=90)
        if meeting is not sessions[0]:
            assert start.weekday() == 2 and 8 <= start.day <= 14
    assert meetings.extend_series() == 0  # COUNT=6: nothing more
    for bad, message in [
        ("FREQ=SECONDLY", "FREQ"),
        ("FREQ=MONTHLY;BYDAY=XX", "invalid"),
        ("FREQ=MONTHLY;BYHOUR=9", "time of day"),
        ("", "recurrence rule"),
        ("DTSTART:20270101T000000\nRRULE:FREQ=DAILY", "DTSTART"),
    ]:
        with pytest.raises(ValidationFailed, match=message):
            meetings.plan_series(
                world.specialist, actor=world.secretary, rrule=bad, first_start=first
            )


def test_open_ended_series_are_extended_up_to_the_horizon(world, app_ctx):
    app_ctx.config["SERIES_HORIZON_DAYS"] = 100
    series = meetings.plan_series(
        world.specialist, actor=world.secretary, rrule="FREQ=MONTHLY", first_start=local(5)
    )
    count = db.session.scalar(
        sa.select(sa.func.count()).where(meetings.Meeting.series_id == series.id)
    )
    assert 3 <= count <= 4
    later = utcnow() + timedelta(days=100)
    created = meetings.extend_series(now=later)
    assert 3 <= created <= 4
    assert meetings.extend_series(now=later) == 0  # safe to run twice
    app_ctx.config["SERIES_HORIZON_DAYS"] = 365


# -- papers ----------------------------------------------------------------------------------


def test_paper_numbers_run_per_year_and_a_paper_goes_to_several_committees(world):
    kwargs = dict(actor=world.office, body=world.body, paper_type="information")
    first = papers.create_paper(
        title="Verwaltungsstrategie zur Digitalisierung",
        routing=[
            (world.specialist, "information", False),
            (world.main, "information", False),
        ],
        paper_date=datetime(2018, 4, 19).date(),
        **kwargs,
    )
    second = papers.create_paper(title="Zweite", paper_date=datetime(2018, 5, 1).date(), **kwargs)
    other_year = papers.create_paper(title="Neu", paper_date=datetime(2019, 1, 2).date(), **kwargs)
    assert [first.reference, second.reference, other_year.reference] == [
        "0001/2018",
        "0002/2018",
        "0001/2019",
    ]
    assert [c.committee_id for c in first.consultations] == [world.specialist.id, world.main.id]
    assert [p.id for p in papers.waiting_papers(world.main)] == [first.id]
    meeting = planned(world, committee=world.main)
    agenda.add_item(meeting, actor=world.secretary, title=first.title, paper=first)
    assert papers.waiting_papers(world.main) == []
    with pytest.raises(ValidationFailed, match="not routed"):
        agenda.add_item(meeting, actor=world.secretary, title=second.title, paper=second)
    with pytest.raises(PermissionDenied):
        papers.create_paper(title="x", **{**kwargs, "actor": world.council})


# -- minutes and resolution tracking -----------------------------------------------------------


def test_minutes_are_drafted_finalized_with_extracts_and_approved_later(world):
    measure = drive_to_committee(world, world.measure(title="E-Akte einführen"))
    meeting = planned(world, days=30, committee=world.specialist)
    item = agenda.add_measure_item(meeting, measure, actor=world.secretary)
    note = agenda.add_item(meeting, actor=world.secretary, title="Mitteilungen")
    day = open_session(world, meeting)
    session.record_result(
        item,
        actor=world.secretary,
        result="amended",
        votes_yes=4,
        votes_no=1,
        votes_abstain=0,
        resolution_text="Empfehlung mit der Auflage eines Zwischenberichts.",
        now=day,
    )
    with pytest.raises(IllegalTransition, match="no result"):
        session.close_meeting(meeting, actor=world.secretary, now=day)
    session.record_result(note, actor=world.secretary, result="noted", now=day)
    session.close_meeting(meeting, actor=world.secretary, now=day + timedelta(hours=2))
    text = meeting.minutes_text
    assert "Ö 1 E-Akte einführen" in text and "Ja: 4, Nein: 1, Enthaltungen: 0" in text
    assert "Mitglied 1" in text and "Zwischenbericht" in text
    minutes.update_minutes(meeting, actor=world.secretary, text=text + "\nErgänzung.", now=day)
    minutes.finalize_minutes(meeting, actor=world.secretary, now=day + timedelta(days=1))
    extracts = outbox("minutes_extract")
    # the head of the lead department and the measure's owner get the extract of Ö 1
    assert {m.recipient_id for m in extracts} == {world.head.id, world.proposer.id}
    assert item.extract_sent_at is not None
    with pytest.raises(IllegalTransition):
        minutes.update_minutes(meeting, actor=world.secretary, text="neu", now=day)

    later = planned(world, days=60)
    assert [m.id for m in agenda.minutes_to_approve(later)] == [meeting.id]
    approval = agenda.add_minutes_approval_item(later, meeting, actor=world.secretary)
    assert approval.title.startswith("Genehmigung der Niederschrift")
    day2 = open_session(world, later)
    session.record_result(
        approval,
        actor=world.secretary,
        result="recommended",
        votes_yes=5,
        votes_no=0,
        votes_abstain=0,
        now=day2,
    )
    assert meeting.state == MeetingState.minutes_approved
    assert meeting.minutes_approved_at is not None


def test_a_heading_over_sub_items_needs_no_result_of_its_own(world):
    measure = drive_to_committee(world, world.measure(title="E-Akte einführen"))
    meeting = planned(world, days=30)
    heading = agenda.add_item(meeting, actor=world.secretary, title="Anträge der Fraktionen")
    first = agenda.add_item(meeting, actor=world.secretary, title="WLAN", parent=heading)
    second = agenda.add_item(meeting, actor=world.secretary, title="Tablets", parent=heading)
    item = agenda.add_measure_item(meeting, measure, actor=world.secretary)
    under_measure = agenda.add_item(meeting, actor=world.secretary, title="Bericht", parent=item)
    lone = agenda.add_item(meeting, actor=world.secretary, title="Ohne Unterpunkte")
    gone = agenda.add_item(meeting, actor=world.secretary, title="Entfällt", parent=lone)
    agenda.remove_item(gone, actor=world.secretary)

    def needing_a_result() -> set[int]:
        return set(
            db.session.scalars(
                sa.select(AgendaItem.id).where(
                    AgendaItem.meeting_id == meeting.id,
                    AgendaItem.deleted_at.is_(None),
                    AgendaItem.needs_result(),
                )
            )
        )

    # the heading alone is exempt; a measure item with a sub-item and an item whose only
    # sub-item was removed are not headings
    everything = {heading.id, first.id, second.id, item.id, under_measure.id, lone.id}
    assert needing_a_result() == everything - {heading.id}
    assert agenda.headings(agenda.active_items(meeting)) == {heading.id}

    day = open_session(world, meeting)
    for sub in (first, second, under_measure, lone):
        session.record_result(sub, actor=world.secretary, result="noted", now=day)
    with pytest.raises(IllegalTransition, match="1 agenda item"):
        session.close_meeting(meeting, actor=world.secretary, now=day)
    session.record_result(
        item,
        actor=world.secretary,
        result="recommended",
        votes_yes=5,
        votes_no=0,
        votes_abstain=0,
        now=day,
    )
    session.close_meeting(meeting, actor=world.secretary, now=day + timedelta(hours=1))
    assert heading.result is None
    text = meeting.minutes_text
    assert "Ö 1 Anträge der Fraktionen\n\nÖ 1.1 WLAN\n" in text
    assert "Ö 1.1 WLAN\nErgebnis: zur Kenntnis genommen" in text


def test_a_deciding_body_s_resolution_is_tracked(world):
    from digiflow.reminders.models import Reminder, ReminderKind

    measure = drive_to_committee(world, world.measure())
    first = planned(world, days=30)
    item = agenda.add_measure_item(first, measure, actor=world.secretary)
    day = open_session(world, first)
    session.record_result(
        item,
        actor=world.secretary,
        result="recommended",
        votes_yes=5,
        votes_no=0,
        votes_abstain=0,
        now=day,
    )
    main = planned(world, days=40, committee=world.main)
    decision = agenda.add_measure_item(main, measure, actor=world.secretary)
    meetings.send_invitation(main, actor=world.secretary)
    day = main.starts_at + timedelta(minutes=1)
    session.record_attendance(
        main, actor=world.secretary, statuses={m.id: P for m in world.main_members}, now=day
    )
    session.record_result(
        decision,
        actor=world.secretary,
        result="recommended",
        votes_yes=3,
        votes_no=0,
        votes_abstain=0,
        resolution_text="Die Mittel werden freigegeben.",
        now=day,
    )
    assert measure.state == "implementation"
    task = db.session.scalars(sa.select(ResolutionTask)).one()
    assert task.agenda_item_id == decision.id
    assert task.department_id == world.dept.id
    assert task.status == ResolutionStatus.in_progress
    reminder = db.session.scalars(
        sa.select(Reminder).where(Reminder.resolution_id == task.id)
    ).one()
    assert reminder.kind == ReminderKind.resolution_due
    with pytest.raises(PermissionDenied):
        update_resolution(task, actor=world.other_head, status="done")
    with pytest.raises(ValidationFailed, match="explain"):
        update_resolution(task, actor=world.head, status="impossible")
    update_resolution(task, actor=world.head, status="done", note="Mittel abgerufen")
    assert task.status == ResolutionStatus.done and task.closed_at is not None
    db.session.refresh(reminder)
    assert reminder.cancelled_at is not None


def test_invitations_reach_a_real_smtp_server_with_both_attachments(world, smtp):
    from digiflow.notifications.delivery import sweep

    measure = drive_to_committee(world, world.measure(title="E-Akte einführen"))
    meeting = planned(world)
    agenda.add_measure_item(meeting, measure, actor=world.secretary)
    meetings.send_invitation(meeting, actor=world.secretary)
    db.session.commit()
    sweep()  # the approval and state-change mails of the measure's way go out too
    assert sweep() == {}  # nothing twice
    members = {*world.members, world.deputy_member, world.advisory}
    invitations = [m for m in smtp.messages if m["Subject"].startswith("Einladung")]
    received = {m["To"]: m for m in invitations}
    assert len(invitations) == len(received) == len(members)
    assert set(received) == {m.email for m in members}
    message = received[world.members[0].email]
    assert message["Subject"] == f"Einladung: {meeting.name}"
    types = [part.get_content_type() for part in message.iter_attachments()]
    assert types == ["text/calendar", "application/pdf"]
    calendar = next(message.iter_attachments()).get_content()
    assert "METHOD:REQUEST" in calendar and f'ATTENDEE;CN="{world.members[0].name}"' in calendar
