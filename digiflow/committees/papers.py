"""Papers (Vorlagen, Drucksachen) and their consultation sequence (Beratungsfolge).

A paper gets the next reference number of its year (``0123/2024``). A measure's paper is
created when the measure first goes on an agenda (or earlier, by hand): a Beschlussvorlage of
the measure's department whose consultation sequence is read from the committee steps of the
measure's workflow (e.g. the specialist committee's recommendation, then the Kreisausschuss's
decision). A paper without a measure (an information paper, a faction's motion) is routed to
the committees named when it is created, possibly several (as Drucksache 1004/2018 was).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from digiflow.committees.models import (
    AgendaItem,
    Consultation,
    Meeting,
    MeetingState,
    Paper,
    PaperType,
)
from digiflow.core.db import db
from digiflow.core.errors import IllegalTransition, ValidationFailed
from digiflow.core.permissions import require
from digiflow.core.roles import CommitteeType
from digiflow.core.time import local_date, now_or
from digiflow.core.workflow.definition import CommitteeResult, ConsultationRole
from digiflow.measures.models import Measure
from digiflow.org.models import Body, Committee, Department
from digiflow.users.models import User

#: How often a paper number is tried again when another transaction took it at the same moment.
NUMBER_ATTEMPTS = 5


def next_number(body_id: int, year: int) -> int:
    current = db.session.scalar(
        sa.select(sa.func.max(Paper.number)).where(Paper.body_id == body_id, Paper.year == year)
    )
    return (current or 0) + 1


def _insert_with_number(paper: Paper) -> Paper:
    """Insert ``paper`` with the next free number of its year (unique; retried on a race)."""
    for attempt in range(NUMBER_ATTEMPTS):
        paper.number = next_number(paper.body_id, paper.year)
        try:
            with db.session.begin_nested():
                db.session.add(paper)
                db.session.flush()
            return paper
        except sa.exc.IntegrityError:
            if attempt == NUMBER_ATTEMPTS - 1:
                raise
            if paper in db.session:
                db.session.expunge(paper)
    raise AssertionError("unreachable")


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    if "title" in out:
        title = (out["title"] or "").strip()
        if not title:
            raise ValidationFailed("Bitte geben Sie einen Titel an.", "Please enter a title.")
        if len(title) > 500:
            raise ValidationFailed(
                "Der Titel darf höchstens 500 Zeichen lang sein.",
                "The title may be at most 500 characters long.",
            )
        out["title"] = title
    for key in ("text", "proposal"):
        if key in out:
            out[key] = (out[key] or "").strip()
    if "paper_type" in out:
        try:
            out["paper_type"] = PaperType(out["paper_type"])
        except ValueError as exc:
            raise ValidationFailed("Unbekannte Vorlagenart.", "Unknown paper type.") from exc
    if "submitted_by" in out:
        out["submitted_by"] = (out["submitted_by"] or "").strip()[:500] or None
    return out


def create_paper(
    *,
    actor: User,
    body: Body,
    paper_type: PaperType | str,
    title: str,
    text: str = "",
    proposal: str = "",
    lead_department: Department | None = None,
    paper_date: date | None = None,
    submitted_by: str | None = None,
    is_public: bool = True,
    routing: list[tuple[Committee, ConsultationRole | str, bool]] | None = None,
    measure: Measure | None = None,
    now: datetime | None = None,
) -> Paper:
    """Create a paper with the next number of its year, routed to the committees in
    ``routing`` (committee, role, authoritative), in that order."""
    now = now_or(now)
    require(actor, "paper.create")
    values = _clean(
        {
            "title": title,
            "text": text,
            "proposal": proposal,
            "paper_type": paper_type,
            "submitted_by": submitted_by,
        }
    )
    day = paper_date or local_date(now)
    if lead_department is not None and lead_department.body_id != body.id:
        raise ValidationFailed("Unbekannter Fachbereich.", "Unknown department.")
    paper = Paper(
        body_id=body.id,
        year=day.year,
        number=0,
        paper_date=day,
        lead_department=lead_department,
        measure=measure,
        is_public=is_public,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
        **values,
    )
    _insert_with_number(paper)
    for position, (committee, role, authoritative) in enumerate(routing or [], start=1):
        _add_consultation(paper, committee, ConsultationRole(role), authoritative, position, now)
    db.session.flush()
    return paper


def update_paper(
    paper: Paper, *, actor: User, now: datetime | None = None, **changes: Any
) -> Paper:
    """Change a paper's title, texts, type, department or publicity until a committee dealt
    with it."""
    now = now_or(now)
    require(actor, "paper.edit", paper)
    allowed = {
        "title",
        "text",
        "proposal",
        "paper_type",
        "submitted_by",
        "is_public",
        "lead_department",
        "paper_date",
    }
    unknown = set(changes) - allowed
    if unknown:
        names = ", ".join(sorted(unknown))
        raise ValidationFailed(f"Unbekannte Angaben: {names}.", f"Unknown fields: {names}.")
    values = _clean(changes)
    if "paper_date" in values and values["paper_date"].year != paper.year:
        raise ValidationFailed(
            "Das Datum muss im Jahr der Vorlagennummer liegen.",
            "The date must lie in the year of the paper's number.",
        )
    if values.get("is_public") is False:
        public_items = [
            c.agenda_item
            for c in paper.consultations
            if c.agenda_item is not None
            and c.agenda_item.deleted_at is None
            and c.agenda_item.is_public
        ]
        if public_items:
            raise ValidationFailed(
                "Die Vorlage steht im öffentlichen Teil einer Tagesordnung.",
                "The paper is on the public part of an agenda.",
            )
    for key, value in values.items():
        setattr(paper, key, value)
    paper.updated_at = now
    db.session.flush()
    return paper


def _add_consultation(
    paper: Paper,
    committee: Committee | None,
    role: ConsultationRole,
    authoritative: bool,
    position: int,
    now: datetime,
    committee_type: CommitteeType | None = None,
) -> Consultation:
    if committee is not None and committee.body_id != paper.body_id:
        raise ValidationFailed("Unbekanntes Gremium.", "Unknown committee.")
    consultation = Consultation(
        paper=paper,
        position=position,
        committee=committee,
        committee_type=committee.type if committee is not None else committee_type,
        role=role,
        is_authoritative=authoritative,
        created_at=now,
        updated_at=now,
    )
    db.session.add(consultation)
    db.session.flush()
    return consultation


def add_consultation(
    paper: Paper,
    *,
    actor: User,
    committee: Committee,
    role: ConsultationRole | str,
    authoritative: bool = False,
    now: datetime | None = None,
) -> Consultation:
    """Route the paper to one more committee, at the end of its sequence."""
    now = now_or(now)
    require(actor, "paper.edit", paper)
    position = max((c.position for c in _consultations(paper)), default=0) + 1
    return _add_consultation(paper, committee, ConsultationRole(role), authoritative, position, now)


def _consultations(paper: Paper) -> list[Consultation]:
    return list(
        db.session.scalars(
            sa.select(Consultation)
            .where(Consultation.paper_id == paper.id, Consultation.deleted_at.is_(None))
            .order_by(Consultation.position, Consultation.id)
        )
    )


def _only_committee(body_id: int, committee_type: CommitteeType) -> Committee | None:
    committees = db.session.scalars(
        sa.select(Committee).where(
            Committee.body_id == body_id,
            Committee.type == committee_type,
            Committee.is_active.is_(True),
            Committee.deleted_at.is_(None),
        )
    ).all()
    return committees[0] if len(committees) == 1 else None


def workflow_sequence(measure: Measure) -> list[tuple[CommitteeType, ConsultationRole, bool]]:
    """The committee steps of the measure's workflow, in the order of the definition."""
    sequence = []
    for _key, transition in measure.definition.transitions.items():
        if transition.committee is not None:
            step = transition.committee
            sequence.append((step.committee_type, step.role, step.authoritative))
    return sequence


def paper_for_measure(measure: Measure, *, actor: User, now: datetime | None = None) -> Paper:
    """The measure's paper; created (Beschlussvorlage, the workflow's consultation sequence)
    when it has none."""
    now = now_or(now)
    paper = db.session.scalar(
        sa.select(Paper)
        .where(Paper.measure_id == measure.id, Paper.deleted_at.is_(None))
        .order_by(Paper.id.desc())
        .limit(1)
    )
    if paper is not None:
        return paper
    day = local_date(now)
    paper = Paper(
        body_id=measure.body_id,
        year=day.year,
        number=0,
        paper_type=PaperType.decision,
        title=measure.title,
        text=measure.description or "",
        proposal="",
        lead_department_id=measure.department_id,
        paper_date=day,
        measure=measure,
        is_public=True,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    _insert_with_number(paper)
    for position, (ctype, role, authoritative) in enumerate(workflow_sequence(measure), start=1):
        _add_consultation(
            paper,
            _only_committee(measure.body_id, ctype),
            role,
            authoritative,
            position,
            now,
            committee_type=ctype,
        )
    return paper


def _matches(consultation: Consultation, committee: Committee) -> bool:
    if consultation.committee_id is not None:
        return consultation.committee_id == committee.id
    return consultation.committee_type == committee.type


def _item_state(consultation: Consultation) -> str:
    """What became of a consultation: unlinked, open, decided, or again (deferred, cancelled)."""
    item = consultation.agenda_item
    if item is None or item.deleted_at is not None:
        return "unlinked"
    meeting = db.session.get(Meeting, item.meeting_id)
    if meeting is None or meeting.state == MeetingState.cancelled:
        return "again"
    if item.result is None:
        return "open"
    if item.result == CommitteeResult.deferred:
        return "again"
    return "decided"


def needs_session(paper: Paper, committee: Committee) -> bool:
    """Whether the paper waits for a session of ``committee``: routed there and not yet dealt
    with (or deferred, or its session was cancelled), and on no open agenda."""
    states = [_item_state(c) for c in _consultations(paper) if _matches(c, committee)]
    if not states or "open" in states:
        return False
    return "unlinked" in states or (states[-1] == "again")


def waiting_papers(committee: Committee) -> list[Paper]:
    """Papers without a measure that wait for a session of ``committee``."""
    candidates = db.session.scalars(
        sa.select(Paper)
        .join(Consultation, Consultation.paper_id == Paper.id)
        .where(
            Paper.body_id == committee.body_id,
            Paper.measure_id.is_(None),
            Paper.deleted_at.is_(None),
            Consultation.deleted_at.is_(None),
            sa.or_(
                Consultation.committee_id == committee.id,
                sa.and_(
                    Consultation.committee_id.is_(None),
                    Consultation.committee_type == committee.type,
                ),
            ),
        )
        .order_by(Paper.year, Paper.number)
    ).unique()
    return [p for p in candidates if needs_session(p, committee)]


def consultation_for(
    paper: Paper, committee: Committee, now: datetime | None = None
) -> Consultation:
    """The consultation an agenda item of ``committee`` fills: the first one routed there and
    not yet on an agenda; after a deferral or a cancelled session a new one of the same kind;
    for a measure's paper, one from its workflow."""
    now = now_or(now)
    consultations = _consultations(paper)
    matching = [c for c in consultations if _matches(c, committee)]
    for consultation in matching:
        if _item_state(consultation) == "unlinked":
            consultation.committee_id = committee.id
            consultation.committee_type = committee.type
            return consultation
    if any(_item_state(c) == "open" for c in matching):
        raise IllegalTransition(
            "Die Vorlage steht bereits auf einer Tagesordnung dieses Gremiums.",
            "The paper is already on an agenda of this committee.",
        )
    if matching and _item_state(matching[-1]) == "again":
        last = matching[-1]
        return _add_consultation(
            paper, committee, last.role, last.is_authoritative, last.position, now
        )
    if paper.measure_id is not None:
        for ctype, role, authoritative in workflow_sequence(paper.measure):
            if ctype == committee.type:
                position = max((c.position for c in consultations), default=0) + 1
                return _add_consultation(paper, committee, role, authoritative, position, now)
    raise ValidationFailed(
        "Die Vorlage ist nicht an dieses Gremium überwiesen.",
        "The paper is not routed to this committee.",
    )


def consultation_of(item: AgendaItem) -> Consultation | None:
    return db.session.scalar(
        sa.select(Consultation).where(
            Consultation.agenda_item_id == item.id, Consultation.deleted_at.is_(None)
        )
    )
