"""A body's council year for the OParl API, built through digiflow's operations.

The specialist committee meets (public and non-public items, a removed item, a measure's
paper, a faction's motion routed to two committees, a public paper dealt with in the
non-public part, a non-public paper), invites, records attendance and results and finalizes
its minutes; the main committee decides the measure; a non-public session and a non-public
working group meet too; a seat is removed; a committee, a group, a location and a
legislative term are soft-deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from digiflow.committees import agenda, meetings, minutes, papers, session
from digiflow.committees.members import add_member, create_group, create_location, remove_membership
from digiflow.committees.models import AttendanceStatus, MemberRole
from digiflow.core.db import db
from digiflow.core.roles import CommitteeType, Role
from digiflow.core.time import LOCAL_TZ
from digiflow.org.models import LegislativeTerm
from tests.factories import SessionWorld, drive_to_committee, make_committee, make_user

P = AttendanceStatus.present

#: texts of non-public things: they must never appear in the API or its files
SECRETS = (
    "Personalangelegenheit Kämmerer",
    "Grundstücksverkauf Hafenstraße",
    "Vergabe Rechenzentrumsvertrag",
    "Vertrauliche Vorberatung der Digitalen Schule",
    "Klausurtagung Haushalt",
    "Klausurpunkt Stellenplan",
    "Geheime Sondersitzung",
    "AG-Punkt Sicherheitslücke",
    "Vertraulicher Zusatz im Protokoll",
    "Dringlich wegen Vertragsfrist",
)


def local(days: int, hour: int = 17) -> datetime:
    """``days`` from today at ``hour`` German time, as UTC."""
    day = datetime.now(LOCAL_TZ).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ).astimezone(UTC)


@dataclass
class OParlWorld:
    world: SessionWorld
    ids: dict[str, Any] = field(default_factory=dict)


def build(world: SessionWorld) -> OParlWorld:  # noqa: PLR0915 - one council year
    w = world
    out = OParlWorld(world=w)
    secretary = w.secretary
    w.body.ags = "03254000"
    w.body.website = "https://www.landkreis-test.de/"
    term = LegislativeTerm(
        body_id=w.body.id, name="2021–2026", starts_on=date(2021, 11, 1), ends_on=date(2026, 10, 31)
    )
    old_term = LegislativeTerm(
        body_id=w.body.id, name="2016–2021", starts_on=date(2016, 11, 1), ends_on=date(2021, 10, 31)
    )
    db.session.add_all([term, old_term])
    db.session.flush()

    # -- the specialist committee's session: public and non-public items -----------------
    measure = drive_to_committee(w, w.measure(title="E-Akte in der Bauverwaltung"))
    motion = papers.create_paper(
        actor=w.office,
        body=w.body,
        paper_type="motion",
        title="Antrag: Breitbandausbau in allen Ortsteilen",
        text="Die Fraktion A beantragt ...",
        proposal="Der Kreistag beschließt den Ausbau.",
        submitted_by="Fraktion A",
        routing=[(w.specialist, "preliminary", False), (w.main, "decision", True)],
    )
    school = papers.create_paper(
        actor=w.office,
        body=w.body,
        paper_type="decision",
        title="Konzept Digitale Schule",
        proposal="Der Ausschuss nimmt das Konzept zur Kenntnis.",
        lead_department=w.dept,
        routing=[(w.specialist, "preliminary", False)],
    )
    secret_paper = papers.create_paper(
        actor=w.office,
        body=w.body,
        paper_type="decision",
        title=SECRETS[2],
        is_public=False,
        routing=[(w.specialist, "decision", True)],
    )
    first = meetings.plan_meeting(
        w.specialist,
        actor=secretary,
        starts_at=local(30),
        ends_at=local(30, 20),
        location=w.location,
    )
    opening = agenda.add_item(first, actor=secretary, title="Eröffnung und Begrüßung")
    measure_item = agenda.add_measure_item(first, measure, actor=secretary)
    report = agenda.add_item(
        first, actor=secretary, title="Bericht zur E-Akte", parent=measure_item
    )
    motion_item = agenda.add_item(first, actor=secretary, title=motion.title, paper=motion)
    removed = agenda.add_item(first, actor=secretary, title="Zurückgezogener Tagesordnungspunkt")
    staff = agenda.add_item(first, actor=secretary, title=SECRETS[0], is_public=False)
    land = agenda.add_item(first, actor=secretary, title=SECRETS[1], is_public=False)
    secret_item = agenda.add_item(
        first, actor=secretary, title=SECRETS[2], is_public=False, paper=secret_paper
    )
    school_item = agenda.add_item(
        first, actor=secretary, title=SECRETS[3], is_public=False, paper=school
    )
    agenda.remove_item(removed, actor=secretary)
    meetings.send_invitation(first, actor=secretary)
    day = first.starts_at + timedelta(minutes=5)
    members = [*w.members, w.deputy_member, w.advisory]
    session.record_attendance(first, actor=secretary, statuses={m.id: P for m in members}, now=day)
    votes = {"votes_yes": 5, "votes_no": 0, "votes_abstain": 0}
    session.record_result(opening, actor=secretary, result="noted", now=day)
    session.record_result(
        measure_item,
        actor=secretary,
        result="recommended",
        resolution_text="Der Ausschuss empfiehlt die Einführung der E-Akte.",
        now=day,
        **votes,
    )
    session.record_result(report, actor=secretary, result="noted", now=day)
    session.record_result(
        motion_item,
        actor=secretary,
        result="amended",
        resolution_text="Empfehlung mit Ausbau zuerst in Schulnähe.",
        now=day,
        votes_yes=4,
        votes_no=1,
        votes_abstain=0,
    )
    for item in (staff, land):
        session.record_result(item, actor=secretary, result="noted", now=day)
    session.record_result(
        secret_item,
        actor=secretary,
        result="rejected",
        now=day,
        votes_yes=1,
        votes_no=4,
        votes_abstain=0,
    )
    session.record_result(school_item, actor=secretary, result="noted", now=day)
    session.close_meeting(first, actor=secretary, now=day + timedelta(hours=2))
    minutes.update_minutes(
        first,
        actor=secretary,
        text=first.minutes_text + "\n" + SECRETS[8],
        now=day + timedelta(hours=3),
    )
    minutes.finalize_minutes(first, actor=secretary, now=day + timedelta(days=1))

    # -- the main committee decides the measure and the motion -------------------------------
    decision_day = local(45)
    main = meetings.plan_meeting(
        w.main, actor=secretary, starts_at=decision_day, location=w.location
    )
    decision = agenda.add_measure_item(main, measure, actor=secretary)
    motion_decision = agenda.add_item(main, actor=secretary, title=motion.title, paper=motion)
    meetings.send_invitation(main, actor=secretary)

    # -- a non-public session of a public committee; a non-public working group -------------
    closed = meetings.plan_meeting(
        w.specialist, actor=secretary, starts_at=local(60), name=SECRETS[4], is_public=False
    )
    agenda.add_item(closed, actor=secretary, title=SECRETS[5])
    group_committee = make_committee(w.body, CommitteeType.working_group)
    group_committee.is_public = False
    group_committee.name = "Unter-AG Digitalisierung"
    from digiflow.users.operations import assign_role

    assign_role(secretary, Role.committee_secretary, committee=group_committee)
    hidden = meetings.plan_meeting(
        group_committee, actor=secretary, starts_at=local(20), name=SECRETS[6]
    )
    agenda.add_item(hidden, actor=secretary, title=SECRETS[7])
    meetings.send_invitation(hidden, actor=secretary, urgent_reason=SECRETS[9])
    # a cancelled public session
    cancelled = meetings.plan_meeting(w.specialist, actor=secretary, starts_at=local(90))
    meetings.cancel_meeting(cancelled, actor=secretary, reason="Keine Beratungsgegenstände")

    # -- people: a removed seat, a person whose only seat was removed -------------------------
    removed_seat_person = make_user(Role.council_member, name="Irrtümlich Eingetragen")
    wrong_seat = add_member(
        w.main, actor=w.admin, user=removed_seat_person, starts_on=date(2021, 11, 1)
    )
    remove_membership(wrong_seat, actor=w.admin)
    ended = make_user(Role.council_member, name="Ehemaliges Mitglied")
    ended_seat = add_member(
        w.specialist,
        actor=w.admin,
        user=ended,
        starts_on=date(2016, 11, 1),
        ends_on=date(2021, 10, 31),
        role=MemberRole.vice_chair,
        group=w.group_b,
    )
    staff_user = make_user(Role.proposer, name="Sachbearbeitung ohne Sitz")

    # -- soft-deleted committee, group, location, term -----------------------------------------
    gone = make_committee(w.body, CommitteeType.specialist)
    gone.name = "Aufgelöster Ausschuss"
    gone_group = create_group(actor=w.admin, body=w.body, name="Aufgelöste Gruppe", short_name="AG")
    gone_place = create_location(actor=w.admin, body=w.body, description="Altes Rathaus")
    db.session.flush()
    now = datetime.now(UTC)
    for obj in (gone, gone_group, gone_place, old_term):
        obj.deleted_at = now
    db.session.flush()

    out.ids = {
        "body": w.body.id,
        "first": first.id,
        "main": main.id,
        "closed": closed.id,
        "hidden": hidden.id,
        "cancelled": cancelled.id,
        "opening": opening.id,
        "measure_item": measure_item.id,
        "report": report.id,
        "motion_item": motion_item.id,
        "removed": removed.id,
        "staff": staff.id,
        "school_item": school_item.id,
        "decision": decision.id,
        "motion_decision": motion_decision.id,
        "measure_paper": measure_item.paper_id,
        "motion": motion.id,
        "school": school.id,
        "secret_paper": secret_paper.id,
        "term": term.id,
        "old_term": old_term.id,
        "wrong_seat": wrong_seat.id,
        "ended_seat": ended_seat.id,
        "removed_seat_person": removed_seat_person.id,
        "ended_person": ended.id,
        "staff_user": staff_user.id,
        "member": w.members[0].id,
        "gone": gone.id,
        "gone_group": gone_group.id,
        "gone_place": gone_place.id,
        "group_committee": group_committee.id,
        "specialist": w.specialist.id,
        "main_committee": w.main.id,
        "group_a": w.group_a.id,
        "location": w.location.id,
    }
    return out


@pytest.fixture
def oparl(app_ctx) -> OParlWorld:
    built = build(SessionWorld())
    db.session.commit()
    return built
