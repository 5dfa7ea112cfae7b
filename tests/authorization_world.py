"""The committee part of the world ``tests/test_authorization.py`` walks every route on.

Besides ``World``'s people: ``member``, a council member who sits in the specialist committee
(non-public items are hers to see). Objects, by their key in ``ids``:

- ``meeting``: a planned session of the specialist committee in 30 days; on its agenda the
  public item ``public_item`` and the non-public item ``nonpublic_item``;
- ``held_meeting``: a session of the specialist committee that started an hour ago (invited,
  attendance recorded, all members present) with ``open_item`` (the "committee" measure,
  no result yet) and ``decided_item`` (a free item, carried: its resolution is ``resolution``);
- ``main_meeting``: a planned session of the main committee (the secretary is secretary there
  too);
- ``paper``: an information paper routed to the specialist committee; ``nonpublic_paper``: a
  non-public one;
- ``membership``: the member's seat; ``location``: the session room; ``group``: her faction;
- ``series``: a monthly series of the working group's sessions (``working_group`` committee);
- ``feed`` and ``feed_token``: the proposer's personal calendar feed and its secret token;
- ``body``: the body; ``consultation``: the first consultation of ``paper``.
"""

from __future__ import annotations

from datetime import date, timedelta

from digiflow.committees import agenda, meetings, papers, session
from digiflow.committees.feeds import issue_feed
from digiflow.committees.members import add_member, create_group, create_location
from digiflow.committees.models import AttendanceStatus, ResolutionTask
from digiflow.core.db import db, utcnow
from digiflow.core.roles import CommitteeType, Role
from tests.factories import World, make_committee, make_user

COMMITTEE_ID_KEYS = (
    "meeting",
    "public_item",
    "nonpublic_item",
    "held_meeting",
    "open_item",
    "decided_item",
    "main_meeting",
    "paper",
    "nonpublic_paper",
    "resolution",
    "membership",
    "location",
    "group",
    "series",
    "working_group",
    "meeting_version",
    "held_version",
    "feed",
    "feed_token",
    "body",
    "consultation",
)


def build_committee_world(world: World) -> dict[str, int]:
    """Create the committee objects (the "committee" measure waits for the specialist
    committee already); return their ids. Flushes; the caller commits."""
    from digiflow.measures.models import Measure

    now = utcnow()
    world.member = make_user(Role.council_member, name="Mitglied im Fachausschuss")
    group = create_group(actor=world.admin, body=world.body, name="Fraktion A", short_name="A")
    location = create_location(actor=world.admin, body=world.body, description="Sitzungssaal 1")
    start = date(2020, 1, 1)
    membership = add_member(
        world.specialist, actor=world.admin, user=world.member, starts_on=start, group=group
    )
    others = [make_user(Role.council_member, name=f"Ausschussmitglied {n}") for n in range(2)]
    for person in others:
        add_member(world.specialist, actor=world.admin, user=person, starts_on=start)

    meeting = meetings.plan_meeting(
        world.specialist,
        actor=world.secretary,
        starts_at=now + timedelta(days=30),
        location=location,
    )
    public_item = agenda.add_item(meeting, actor=world.secretary, title="Mitteilungen")
    nonpublic_item = agenda.add_item(
        meeting, actor=world.secretary, title="Vertragsangelegenheit", is_public=False
    )

    # a session that started an hour ago, planned and invited (urgently) two days before
    earlier = now - timedelta(days=2)
    held = meetings.plan_meeting(
        world.specialist,
        actor=world.secretary,
        starts_at=now - timedelta(hours=1),
        location=location,
        now=earlier,
    )
    measure = db.session.scalar(db.select(Measure).where(Measure.title == "Beim Ausschuss"))
    open_item = agenda.add_measure_item(
        held, measure, actor=world.secretary, urgent_reason="Eilt", now=earlier
    )
    decided_item = agenda.add_item(
        held, actor=world.secretary, title="Bericht", urgent_reason="Eilt", now=earlier
    )
    meetings.send_invitation(held, actor=world.secretary, urgent_reason="Eilt", now=earlier)
    session.record_attendance(
        held,
        actor=world.secretary,
        statuses={p.id: AttendanceStatus.present for p in [world.member, *others]},
        now=now,
    )
    session.record_result(
        decided_item,
        actor=world.secretary,
        result="recommended",
        votes_yes=3,
        votes_no=0,
        votes_abstain=0,
        resolution_text="Der Bericht wird umgesetzt.",
        now=now,
    )
    resolution = db.session.scalar(
        db.select(ResolutionTask).where(ResolutionTask.agenda_item_id == decided_item.id)
    )
    main_meeting = meetings.plan_meeting(
        world.main, actor=world.secretary, starts_at=now + timedelta(days=40)
    )
    paper = papers.create_paper(
        actor=world.office,
        body=world.body,
        paper_type="information",
        title="Verwaltungsstrategie zur Digitalisierung",
        text="Die Verwaltung berichtet.",
        lead_department=world.dept,
        routing=[(world.specialist, "information", False)],
    )
    nonpublic_paper = papers.create_paper(
        actor=world.office,
        body=world.body,
        paper_type="decision",
        title="Vergabe Rechenzentrumsvertrag",
        lead_department=world.dept,
        is_public=False,
        routing=[(world.specialist, "decision", True)],
    )
    working_group = make_committee(world.body, CommitteeType.working_group)
    from digiflow.users.operations import assign_role

    assign_role(world.secretary, Role.committee_secretary, committee=working_group)
    series = meetings.plan_series(
        working_group,
        actor=world.secretary,
        rrule="FREQ=MONTHLY;COUNT=3",
        first_start=now + timedelta(days=10),
    )
    feed, token = issue_feed(world.proposer)
    db.session.flush()
    return {
        "feed": feed.id,
        "feed_token": token,
        "body": world.body.id,
        "consultation": paper.consultations[0].id,
        "meeting": meeting.id,
        "public_item": public_item.id,
        "nonpublic_item": nonpublic_item.id,
        "held_meeting": held.id,
        "open_item": open_item.id,
        "decided_item": decided_item.id,
        "main_meeting": main_meeting.id,
        "paper": paper.id,
        "nonpublic_paper": nonpublic_paper.id,
        "resolution": resolution.id,
        "membership": membership.id,
        "location": location.id,
        "group": group.id,
        "series": series.id,
        "working_group": working_group.id,
        "meeting_version": meeting.version,
        "held_version": held.version,
    }
