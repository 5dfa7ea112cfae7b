"""OParl objects from digiflow's rows: URLs, and one batch loader per kind.

A loader gets the rows of a page (``kind, id, created, modified`` from
:mod:`digiflow.oparl.published`) and loads what it needs for all of them with a fixed number
of queries, however long the page. Names of enumerations are German (the data of a German
body), whatever the language of the request.

Soft-deleted objects keep ``id``, ``type``, ``created`` and ``modified`` (the moment of the
deletion) and say ``deleted: true``; the attributes the schema requires stay too (an agenda
item's ``order``, a file's ``accessUrl``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, request, url_for
from sqlalchemy.orm import selectinload

from digiflow.committees.agenda import numbering
from digiflow.committees.labels import label
from digiflow.committees.models import (
    AgendaItem,
    Consultation,
    CouncilGroup,
    Location,
    Meeting,
    Membership,
    Paper,
)
from digiflow.core.db import db
from digiflow.core.roles import CommitteeType
from digiflow.core.time import LOCAL_TZ, local_date
from digiflow.oparl.published import published_item_ids
from digiflow.org.models import Body, Committee, LegislativeTerm
from digiflow.users.models import User

OPARL_VERSION = "https://schema.oparl.org/1.1/"
PDF = "application/pdf"
Row = Any  # a row of digiflow.oparl.published: kind, id, created, modified
Obj = dict[str, Any]


# -- URLs ------------------------------------------------------------------------------------


def url(endpoint: str, **values: Any) -> str:
    """The absolute URL of an OParl endpoint, as the client reached us (proxy aware)."""
    return url_for(f"oparl.{endpoint}", _external=True, **values)


def web(path: str) -> str:
    """The URL of one of digiflow's pages, on the host the request came to."""
    return request.url_root.rstrip("/") + path


def organization_url(kind: str, id_: int) -> str:
    return url("organization", org_id=f"{kind}-{id_}")


def file_id(kind: str, id_: int) -> str:
    """The stable id of a file: ``meeting-<id>-invitation``, ``meeting-<id>-minutes``,
    ``paper-<id>``."""
    return f"paper-{id_}" if kind == "paper-file" else f"meeting-{id_}-{kind}"


FILE_ID = re.compile(
    r"^(?:meeting-(?P<meeting>\d+)-(?P<kind>invitation|minutes)|paper-(?P<paper>\d+))$"
)
ORGANIZATION_ID = re.compile(r"^(?P<kind>committee|group)-(?P<id>\d+)$")


def parse_file_id(text: str) -> tuple[str, int] | None:
    match = FILE_ID.match(text)
    if match is None:
        return None
    if match["paper"]:
        return "paper-file", int(match["paper"])
    return match["kind"], int(match["meeting"])


def parse_organization_id(text: str) -> tuple[str, int] | None:
    match = ORGANIZATION_ID.match(text)
    return (match["kind"], int(match["id"])) if match else None


def iso(moment: datetime) -> str:
    """A moment in German time with its offset, to the second (``2024-03-05T18:00:00+01:00``)."""
    return moment.astimezone(LOCAL_TZ).replace(microsecond=0).isoformat()


def day(value: date) -> str:
    return value.isoformat()


def is_web_url(text: str | None) -> bool:
    if not text:
        return False
    parts = urlsplit(text.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in text.strip()


def configured_url(key: str) -> str | None:
    """A URL from the configuration (``OPARL_LICENSE``, ``OPARL_VENDOR``, ``OPARL_PRODUCT``);
    None when unset or not an http(s) URL."""
    value = current_app.config.get(key)
    return value.strip() if is_web_url(value) else None


def _base(type_name: str, id_url: str, created: datetime, modified: datetime) -> Obj:
    return {
        "id": id_url,
        "type": OPARL_VERSION + type_name,
        "created": iso(created),
        "modified": iso(modified),
    }


def _deleted(obj: Obj, **required: Any) -> Obj:
    return {**obj, **required, "deleted": True}


def _set(obj: Obj, **values: Any) -> Obj:
    """Add the attributes that have a value (OParl leaves out what is unknown)."""
    obj.update({k: v for k, v in values.items() if v is not None and v != ""})
    return obj


def _ascii_name(*parts: str) -> str:
    """A file name of ASCII letters, digits and dashes (as OParl recommends)."""
    text = "-".join(parts)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") + ".pdf"


# -- system and bodies ---------------------------------------------------------------------


def system() -> Obj:
    names = list(db.session.scalars(sa.select(Body.name).order_by(Body.id).limit(2)))
    root = web("/")
    obj: Obj = {
        "id": url("system"),
        "type": OPARL_VERSION + "System",
        "oparlVersion": OPARL_VERSION,
        "body": url("bodies"),
        "name": f"digiflow – {names[0]}" if len(names) == 1 else "digiflow",
        "website": root,
        "vendor": configured_url("OPARL_VENDOR") or root,
        "product": configured_url("OPARL_PRODUCT") or root,
    }
    # the licence of all published data, given once on the System as OParl recommends
    return _set(obj, license=configured_url("OPARL_LICENSE"))


BODY_LISTS = {
    "organization": "body_organization",
    "person": "body_person",
    "meeting": "body_meeting",
    "paper": "body_paper",
    "agendaItem": "body_agenda_item",
    "consultation": "body_consultation",
    "file": "body_file",
    "locationList": "body_location",
    "legislativeTermList": "body_legislative_term",
    "membership": "body_membership",
}


def load_bodies(rows: Sequence[Row]) -> list[Obj]:
    ids = [r.id for r in rows]
    bodies = {b.id: b for b in db.session.scalars(sa.select(Body).where(Body.id.in_(ids)))}
    terms: dict[int, list[LegislativeTerm]] = defaultdict(list)
    for term in db.session.scalars(
        sa.select(LegislativeTerm)
        .where(LegislativeTerm.body_id.in_(ids), LegislativeTerm.deleted_at.is_(None))
        .order_by(LegislativeTerm.starts_on, LegislativeTerm.id)
    ):
        terms[term.body_id].append(term)
    out = []
    for row in rows:
        body = bodies[row.id]
        obj = _base("Body", url("body", body_id=body.id), row.created, row.modified)
        obj.update(
            system=url("system"),
            name=body.name,
            legislativeTerm=[legislative_term(t) for t in terms[body.id]],
        )
        obj.update({key: url(endpoint, body_id=body.id) for key, endpoint in BODY_LISTS.items()})
        _set(
            obj,
            shortName=body.short_name if body.short_name != body.name else None,
            website=body.website.strip() if is_web_url(body.website) else None,
            ags=body.ags,
            classification=body.kind,
        )
        out.append(obj)
    return out


def legislative_term(term: LegislativeTerm) -> Obj:
    obj = _base(
        "LegislativeTerm",
        url("legislative_term", term_id=term.id),
        term.created_at,
        term.updated_at,
    )
    if term.deleted_at is not None:
        return _deleted(obj)
    return _set(
        obj,
        body=url("body", body_id=term.body_id),
        name=term.name,
        startDate=day(term.starts_on),
        endDate=day(term.ends_on),
    )


def load_legislative_terms(rows: Sequence[Row]) -> list[Obj]:
    terms = _by_id(LegislativeTerm, rows)
    return [legislative_term(terms[r.id]) for r in rows]


def location(place: Location) -> Obj:
    obj = _base(
        "Location", url("location", location_id=place.id), place.created_at, place.updated_at
    )
    if place.deleted_at is not None:
        return _deleted(obj)
    return _set(
        obj,
        description=place.one_line(),
        streetAddress=place.street_address,
        room=place.room,
        postalCode=place.postal_code,
        locality=place.locality,
        bodies=[url("body", body_id=place.body_id)],
    )


def load_locations(rows: Sequence[Row]) -> list[Obj]:
    places = _by_id(Location, rows)
    return [location(places[r.id]) for r in rows]


def _by_id(model: type, rows: Sequence[Row], *options: Any) -> dict[int, Any]:
    ids = {r.id for r in rows}
    if not ids:
        return {}
    query = sa.select(model).where(model.id.in_(ids))
    if options:
        query = query.options(*options)
    return {obj.id: obj for obj in db.session.scalars(query)}


# -- organizations, persons, memberships ---------------------------------------------------


def classification(committee: Committee) -> str:
    """Fachausschuss, Kreisausschuss or Verwaltungsausschuss, Kreistag or Rat, Arbeitsgruppe."""
    county = (committee.body.kind if committee.body else "").lower() == "landkreis"
    if committee.type == CommitteeType.main:
        return "Kreisausschuss" if county else "Verwaltungsausschuss"
    if committee.type == CommitteeType.council:
        return "Kreistag" if county else "Rat"
    if committee.type == CommitteeType.working_group:
        return "Arbeitsgruppe"
    return "Fachausschuss"


def load_committees(rows: Sequence[Row]) -> list[Obj]:
    committees = _by_id(Committee, rows, selectinload(Committee.body))
    seats: dict[int, list[int]] = defaultdict(list)
    for membership_id, committee_id in db.session.execute(
        sa.select(Membership.id, Membership.committee_id)
        .where(Membership.committee_id.in_(list(committees)), Membership.deleted_at.is_(None))
        .order_by(Membership.id)
    ):
        seats[committee_id].append(membership_id)
    out = []
    for row in rows:
        committee = committees[row.id]
        obj = _base(
            "Organization", organization_url("committee", committee.id), row.created, row.modified
        )
        if committee.deleted_at is not None:
            out.append(_deleted(obj))
            continue
        obj.update(
            body=url("body", body_id=committee.body_id),
            name=committee.name,
            organizationType="Gremium",
            classification=classification(committee),
            membership=[url("membership", membership_id=m) for m in seats[committee.id]],
        )
        _set(
            obj, shortName=committee.short_name if committee.short_name != committee.name else None
        )
        out.append(obj)
    return out


def load_groups(rows: Sequence[Row]) -> list[Obj]:
    groups = _by_id(CouncilGroup, rows)
    out = []
    for row in rows:
        group = groups[row.id]
        obj = _base("Organization", organization_url("group", group.id), row.created, row.modified)
        if group.deleted_at is not None:
            out.append(_deleted(obj))
            continue
        obj.update(
            body=url("body", body_id=group.body_id),
            name=group.name,
            organizationType="Fraktion",
            classification="Fraktion",
        )
        _set(obj, shortName=group.short_name if group.short_name != group.name else None)
        out.append(obj)
    return out


def membership(seat: Membership) -> Obj:
    obj = _base(
        "Membership", url("membership", membership_id=seat.id), seat.created_at, seat.updated_at
    )
    if seat.deleted_at is not None:
        return _deleted(obj)
    obj.update(
        person=url("person", person_id=seat.user_id),
        organization=organization_url("committee", seat.committee_id),
        role=label(seat.role, "de"),
        votingRight=seat.has_voting_right,
        startDate=day(seat.starts_on),
    )
    return _set(
        obj,
        endDate=day(seat.ends_on) if seat.ends_on else None,
        onBehalfOf=organization_url("group", seat.group_id) if seat.group_id else None,
    )


def load_memberships(rows: Sequence[Row]) -> list[Obj]:
    seats = _by_id(Membership, rows)
    return [membership(seats[r.id]) for r in rows]


def load_persons(rows: Sequence[Row]) -> list[Obj]:
    """Persons: the name only (never e-mail addresses or anything else about the account)."""
    ids = [r.id for r in rows]
    names = dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all())
    seats: dict[int, list[tuple[Membership, int]]] = defaultdict(list)
    for seat, body_id in db.session.execute(
        sa.select(Membership, Committee.body_id)
        .join(Committee, Committee.id == Membership.committee_id)
        .where(Membership.user_id.in_(ids))
        .order_by(Membership.starts_on, Membership.id)
    ):
        seats[seat.user_id].append((seat, body_id))
    out = []
    for row in rows:
        obj = _base("Person", url("person", person_id=row.id), row.created, row.modified)
        active = [(s, b) for s, b in seats[row.id] if s.deleted_at is None]
        if not active:
            out.append(_deleted(obj))
            continue
        obj.update(
            body=url("body", body_id=active[0][1]),
            name=names[row.id],
            membership=[membership(s) for s, _ in active],
        )
        out.append(obj)
    return out


# -- meetings, agenda items, files -------------------------------------------------------------


def _consultation_of_items(item_ids: Iterable[int]) -> dict[int, int]:
    """Agenda item id -> the id of the consultation it deals with (of a public paper)."""
    ids = set(item_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Consultation.agenda_item_id, Consultation.id)
        .join(Paper, Paper.id == Consultation.paper_id)
        .where(
            Consultation.agenda_item_id.in_(ids),
            Consultation.deleted_at.is_(None),
            Paper.is_public.is_(True),
        )
    )
    return dict(rows.all())


def _public_items(meeting_ids: Iterable[int]) -> dict[int, list[AgendaItem]]:
    """The items of the public part (not deleted) of the meetings, by meeting.

    The non-public part follows the public one, so that the public items' numbers and
    order are the same as in the whole agenda."""
    ids = set(meeting_ids)
    items: dict[int, list[AgendaItem]] = defaultdict(list)
    if not ids:
        return items
    for item in db.session.scalars(
        sa.select(AgendaItem).where(
            AgendaItem.meeting_id.in_(ids),
            AgendaItem.is_public.is_(True),
            AgendaItem.deleted_at.is_(None),
        )
    ):
        items[item.meeting_id].append(item)
    return items


def agenda_item(item: AgendaItem, number: str, order: int, consultation_id: int | None) -> Obj:
    obj = _base("AgendaItem", url("agenda_item", item_id=item.id), item.created_at, item.updated_at)
    obj.update(
        meeting=url("meeting", meeting_id=item.meeting_id),
        number=number,
        order=order,
        name=item.title,
        public=True,
    )
    return _set(
        obj,
        consultation=url("consultation", consultation_id=consultation_id)
        if consultation_id
        else None,
        result=label(item.result, "de") if item.result else None,
        resolutionText=item.resolution_text,
    )


def _numbered(meeting: Meeting, items: list[AgendaItem]) -> list[tuple[AgendaItem, str, int]]:
    return [(n.item, n.number, n.order - 1) for n in numbering(meeting, items)]


def load_agenda_items(rows: Sequence[Row]) -> list[Obj]:
    items = _by_id(AgendaItem, rows, selectinload(AgendaItem.meeting))
    live = [i for i in items.values() if i.deleted_at is None and i.meeting.deleted_at is None]
    public = _public_items(i.meeting_id for i in live)
    places: dict[int, tuple[str, int]] = {}
    for meeting in {i.meeting_id: i.meeting for i in live}.values():
        for item, number, order in _numbered(meeting, public[meeting.id]):
            places[item.id] = (number, order)
    consultations = _consultation_of_items(i.id for i in live)
    out = []
    for row in rows:
        item = items[row.id]
        if item.id not in places:  # deleted (itself or with its session)
            obj = _base(
                "AgendaItem", url("agenda_item", item_id=item.id), row.created, row.modified
            )
            out.append(_deleted(obj, order=0))
            continue
        number, order = places[item.id]
        out.append(agenda_item(item, number, order, consultations.get(item.id)))
    return out


def meeting_file(meeting: Meeting, kind: str) -> Obj:
    """The public agenda (``invitation``) or the public minutes (``minutes``) of a session."""
    ident = file_id(kind, meeting.id)
    created = meeting.created_at if kind == "invitation" else meeting.minutes_finalized_at
    obj = _base("File", url("file", file_id=ident), created, meeting.updated_at)
    access = url("file_access", file_id=ident)
    if meeting.deleted_at is not None:
        return _deleted(obj, accessUrl=access)
    day_of = local_date(meeting.starts_at)
    if kind == "invitation":
        name = f"Einladung und Tagesordnung: {meeting.name}"
        title = "Tagesordnung"
        dated = local_date(meeting.invitation_sent_at)
    else:
        name = f"Niederschrift (öffentlicher Teil): {meeting.name}"
        title = "Niederschrift"
        dated = local_date(meeting.minutes_finalized_at)
    obj.update(
        name=name,
        fileName=_ascii_name(title, meeting.committee.short_name, day_of.isoformat()),
        mimeType=PDF,
        date=day(dated),
        accessUrl=access,
        downloadUrl=url("file_download", file_id=ident),
        meeting=[url("meeting", meeting_id=meeting.id)],
    )
    return obj


def paper_file(paper: Paper, modified: datetime) -> Obj:
    ident = file_id("paper-file", paper.id)
    obj = _base("File", url("file", file_id=ident), paper.created_at, modified)
    access = url("file_access", file_id=ident)
    if paper.deleted_at is not None:
        return _deleted(obj, accessUrl=access)
    obj.update(
        name=f"Vorlage {paper.reference}: {paper.title}",
        fileName=_ascii_name("Vorlage", f"{paper.number:04d}", str(paper.year)),
        mimeType=PDF,
        date=day(paper.paper_date),
        accessUrl=access,
        downloadUrl=url("file_download", file_id=ident),
        paper=[url("paper", paper_id=paper.id)],
    )
    return obj


def meeting(
    meeting: Meeting,
    row: Row,
    items: list[AgendaItem],
    consultations: dict[int, int],
) -> Obj:
    obj = _base("Meeting", url("meeting", meeting_id=meeting.id), row.created, row.modified)
    if meeting.deleted_at is not None:
        return _deleted(obj)
    obj.update(
        name=meeting.name,
        meetingState=label(meeting.state, "de"),
        cancelled=meeting.is_cancelled,
        start=iso(meeting.starts_at),
        organization=[organization_url("committee", meeting.committee_id)],
        agendaItem=[
            agenda_item(item, number, order, consultations.get(item.id))
            for item, number, order in _numbered(meeting, items)
        ],
        web=web(f"/meetings/{meeting.id}"),
    )
    return _set(
        obj,
        end=iso(meeting.ends_at) if meeting.ends_at else None,
        location=location(meeting.location) if meeting.location else None,
        invitation=meeting_file(meeting, "invitation") if meeting.invitation_sent_at else None,
        resultsProtocol=meeting_file(meeting, "minutes") if meeting.minutes_finalized_at else None,
    )


def load_meetings(rows: Sequence[Row]) -> list[Obj]:
    meetings = _by_id(
        Meeting, rows, selectinload(Meeting.location), selectinload(Meeting.committee)
    )
    items = _public_items(m.id for m in meetings.values() if m.deleted_at is None)
    consultations = _consultation_of_items(i.id for group in items.values() for i in group)
    return [meeting(meetings[r.id], r, items[r.id], consultations) for r in rows]


# -- papers and consultations ----------------------------------------------------------------


def consultation(step: Consultation, published: dict[int, int], deleted: bool = False) -> Obj:
    """A step of a paper's consultation sequence; its agenda item and meeting only when that
    item is published (a public paper may be dealt with in a non-public part)."""
    obj = _base(
        "Consultation",
        url("consultation", consultation_id=step.id),
        step.created_at,
        step.updated_at,
    )
    if deleted or step.deleted_at is not None:
        return _deleted(obj)
    obj.update(
        paper=url("paper", paper_id=step.paper_id),
        authoritative=step.is_authoritative,
        role=label(step.role, "de"),
    )
    meeting_id = published.get(step.agenda_item_id) if step.agenda_item_id else None
    return _set(
        obj,
        agendaItem=url("agenda_item", item_id=step.agenda_item_id) if meeting_id else None,
        meeting=url("meeting", meeting_id=meeting_id) if meeting_id else None,
        organization=[organization_url("committee", step.committee_id)]
        if step.committee_id
        else None,
    )


def load_consultations(rows: Sequence[Row]) -> list[Obj]:
    steps = _by_id(Consultation, rows, selectinload(Consultation.paper))
    published = published_item_ids({s.agenda_item_id for s in steps.values() if s.agenda_item_id})
    out = []
    for row in rows:
        step = steps[row.id]
        obj = consultation(step, published, deleted=step.paper.deleted_at is not None)
        obj["modified"] = iso(row.modified)
        out.append(obj)
    return out


def paper(paper: Paper, row: Row, published: dict[int, int]) -> Obj:
    obj = _base("Paper", url("paper", paper_id=paper.id), row.created, row.modified)
    if paper.deleted_at is not None:
        return _deleted(obj)
    obj.update(
        body=url("body", body_id=paper.body_id),
        name=paper.title,
        reference=paper.reference,
        date=day(paper.paper_date),
        paperType=label(paper.paper_type, "de"),
        mainFile=paper_file(paper, row.modified),
        consultation=[
            consultation(step, published) for step in paper.consultations if step.deleted_at is None
        ],
        web=web(f"/papers/{paper.id}"),
    )
    return obj


def load_papers(rows: Sequence[Row]) -> list[Obj]:
    papers = _by_id(Paper, rows, selectinload(Paper.consultations))
    published = published_item_ids(
        {c.agenda_item_id for p in papers.values() for c in p.consultations if c.agenda_item_id}
    )
    return [paper(papers[r.id], r, published) for r in rows]


def load_files(rows: Sequence[Row]) -> list[Obj]:
    meeting_rows = [r for r in rows if r.kind in ("invitation", "minutes")]
    paper_rows = [r for r in rows if r.kind == "paper-file"]
    meetings = _by_id(Meeting, meeting_rows, selectinload(Meeting.committee))
    papers = _by_id(Paper, paper_rows)
    out = []
    for row in rows:
        if row.kind == "paper-file":
            out.append(paper_file(papers[row.id], row.modified))
        else:
            out.append(meeting_file(meetings[row.id], row.kind))
    return out


LOADERS: dict[str, Callable[[Sequence[Row]], list[Obj]]] = {
    "body": load_bodies,
    "committee": load_committees,
    "group": load_groups,
    "person": load_persons,
    "membership": load_memberships,
    "location": load_locations,
    "legislative-term": load_legislative_terms,
    "meeting": load_meetings,
    "agenda-item": load_agenda_items,
    "paper": load_papers,
    "consultation": load_consultations,
    "invitation": load_files,
    "minutes": load_files,
    "paper-file": load_files,
}


def load(rows: Sequence[Row]) -> list[Obj]:
    """The objects of ``rows``, in their order (one batch per loader)."""
    by_loader: dict[Callable, list[Row]] = defaultdict(list)
    for row in rows:
        by_loader[LOADERS[row.kind]].append(row)
    done: dict[tuple[str, int], Obj] = {}
    for loader, group in by_loader.items():
        for row, obj in zip(group, loader(group), strict=True):
            done[(row.kind, row.id)] = obj
    return [done[(row.kind, row.id)] for row in rows]
