"""The agenda builder (secretaries): the numbered agenda with its actions, free items and
sub-items, and what waits for the committee (measures, papers, minutes to approve).
Routes of the ``committees`` blueprint (see ``views.py``); every change is a form POST that
carries the session's version, so that a page out of date is refused.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from digiflow.committees import agenda as ops
from digiflow.committees.forms import (
    NO_CHOICE,
    AgendaItemForm,
    MoveForm,
    OfferedItemForm,
    options,
)
from digiflow.committees.meetings import lock_meeting, submission_deadline
from digiflow.committees.models import AgendaItem, Meeting, MeetingState, Paper
from digiflow.committees.papers import waiting_papers
from digiflow.core.db import db
from digiflow.core.errors import DomainError
from digiflow.core.permissions import can
from digiflow.measures.models import Measure

from .meeting_views import agenda_rows
from .views import (
    MAX_ID,
    bp,
    current,
    done,
    forbid_unless,
    invalid,
    load_meeting,
    refused,
    today,
    unique_ids,
    version_of,
)


def load_item(meeting: Meeting, item_id: int) -> AgendaItem:
    """An item of ``meeting`` the user may see, or 404."""
    item = db.session.get(AgendaItem, item_id) if item_id <= MAX_ID else None
    if (
        item is None
        or item.meeting_id != meeting.id
        or not can(current_user, "agenda_item.view", item)
    ):
        abort(404)
    return item


def editable(meeting: Meeting) -> bool:
    return meeting.state in ops.EDITABLE_STATES and meeting.closed_at is None


def _parent_choices(meeting: Meeting) -> list[SelectChoice]:
    top = [n for n in ops.numbering(meeting) if n.depth == 0]
    return options(
        [
            (NO_CHOICE, _("als eigener Punkt")),
            *(
                (
                    n.item.id,
                    _(
                        "als Unterpunkt von %(number)s %(title)s",
                        number=n.number,
                        title=n.item.title,
                    ),
                )
                for n in top
            ),
        ]
    )


def _offered_form(
    key: str, bound: dict[str, Any], meeting: Meeting, past_deadline: bool
) -> OfferedItemForm:
    form = bound.get(key)
    if form is None:
        form = OfferedItemForm(formdata=None)
        form.part.data = "public" if meeting.is_public else "non_public"
    form.version.data = meeting.version
    form.urgent_reason.flags.required = past_deadline
    return unique_ids(form, key)


def _render_agenda(meeting: Meeting, status: int = 200, **bound: Any) -> Any:
    committee = meeting.committee
    deadline = submission_deadline(meeting)
    item_form = bound.get("item_form") or AgendaItemForm(formdata=None)
    item_form.parent_id.choices = _parent_choices(meeting)
    item_form.version.data = meeting.version
    if not item_form.is_submitted() and not meeting.is_public:
        item_form.part.data = "non_public"
    past_deadline = today() > deadline
    item_form.urgent_reason.flags.required = past_deadline
    measures = ops.waiting_measures(committee)
    papers = [p for p in waiting_papers(committee) if can(current_user, "paper.view", p)]
    earlier = ops.minutes_to_approve(meeting)
    sibling_count: dict[tuple[bool, int | None], int] = {}
    for item in ops.active_items(meeting):
        key = (item.is_public, item.parent_id)
        sibling_count[key] = sibling_count.get(key, 0) + 1

    def offered(key: str) -> OfferedItemForm:
        return _offered_form(key, bound, meeting, past_deadline)

    return (
        render_template(
            "meetings/agenda.html",
            meeting=meeting,
            committee=committee,
            rows=agenda_rows(meeting, non_public=True),
            editable=editable(meeting),
            deadline=deadline,
            past_deadline=past_deadline,
            item_form=unique_ids(item_form, "new"),
            measures=[(m, offered(f"m{m.id}")) for m in measures],
            papers=[(p, offered(f"p{p.id}")) for p in papers],
            earlier=[(m, offered(f"s{m.id}")) for m in earlier],
            sibling_count=sibling_count,
            has_papers_page="papers.detail" in current_app.view_functions,
            MeetingState=MeetingState,
        ),
        status,
    )


def _manageable(meeting_id: int) -> Meeting:
    meeting = load_meeting(meeting_id)
    forbid_unless("meeting.manage", meeting)
    return meeting


@bp.get("/meetings/<int:meeting_id>/agenda")
@login_required
def agenda(meeting_id: int) -> Any:
    return _render_agenda(_manageable(meeting_id))


def _refused(meeting_id: int, exc: DomainError, **bound: Any) -> Any:
    refused(exc)
    return _render_agenda(load_meeting(meeting_id), exc.http_status, **bound)


def _invalid(meeting: Meeting, **bound: Any) -> Any:
    invalid()
    return _render_agenda(meeting, 422, **bound)


def _added(meeting_id: int, item: AgendaItem) -> Any:
    return done(
        _(
            "„%(title)s“ steht jetzt als %(number)s auf der Tagesordnung.",
            title=item.title,
            number=ops.number_of(item),
        ),
        "committees.agenda",
        f"item-{item.id}",
        meeting_id=meeting_id,
    )


@bp.post("/meetings/<int:meeting_id>/agenda/items")
@login_required
def add_agenda_item(meeting_id: int) -> Any:
    meeting = _manageable(meeting_id)
    form = AgendaItemForm()
    form.parent_id.choices = _parent_choices(meeting)
    if not form.validate():
        return _invalid(meeting, item_form=form)
    parent = load_item(meeting, form.parent_id.data) if form.parent_id.data else None
    try:
        lock_meeting(meeting, version_of(form.version.data))
        item = ops.add_item(
            meeting,
            actor=current(),
            title=form.title.data,
            text=form.text.data or "",
            is_public=form.part.data != "non_public",
            parent=parent,
            urgent_reason=form.urgent_reason.data,
        )
        db.session.commit()
    except DomainError as exc:
        return _refused(meeting_id, exc, item_form=form)
    return _added(meeting_id, item)


@bp.post("/meetings/<int:meeting_id>/agenda/measures/<int:measure_id>")
@login_required
def add_measure_item(meeting_id: int, measure_id: int) -> Any:
    meeting = load_meeting(meeting_id)
    measure = db.session.get(Measure, measure_id) if measure_id <= MAX_ID else None
    if measure is None or not can(current_user, "measure.view", measure):
        abort(404)
    forbid_unless("meeting.manage", meeting)
    key = f"m{measure_id}"
    form = OfferedItemForm()
    if not form.validate():
        return _invalid(meeting, **{key: form})
    try:
        lock_meeting(meeting, version_of(form.version.data))
        item = ops.add_measure_item(
            meeting,
            measure,
            actor=current(),
            is_public=form.part.data != "non_public",
            urgent_reason=form.urgent_reason.data,
        )
        db.session.commit()
    except DomainError as exc:
        return _refused(meeting_id, exc, **{key: form})
    return _added(meeting_id, item)


@bp.post("/meetings/<int:meeting_id>/agenda/papers/<int:paper_id>")
@login_required
def add_paper_item(meeting_id: int, paper_id: int) -> Any:
    meeting = load_meeting(meeting_id)
    paper = db.session.get(Paper, paper_id) if paper_id <= MAX_ID else None
    if paper is None or not can(current_user, "paper.view", paper):
        abort(404)
    forbid_unless("meeting.manage", meeting)
    key = f"p{paper_id}"
    form = OfferedItemForm()
    if not form.validate():
        return _invalid(meeting, **{key: form})
    try:
        lock_meeting(meeting, version_of(form.version.data))
        item = ops.add_item(
            meeting,
            actor=current(),
            title=paper.title,
            text=paper.proposal or "",
            is_public=form.part.data != "non_public",
            paper=paper,
            urgent_reason=form.urgent_reason.data,
        )
        db.session.commit()
    except DomainError as exc:
        return _refused(meeting_id, exc, **{key: form})
    return _added(meeting_id, item)


@bp.post("/meetings/<int:meeting_id>/agenda/minutes/<int:earlier_id>")
@login_required
def add_minutes_item(meeting_id: int, earlier_id: int) -> Any:
    meeting = load_meeting(meeting_id)
    earlier = load_meeting(earlier_id)
    forbid_unless("meeting.manage", meeting)
    key = f"s{earlier_id}"
    form = OfferedItemForm()
    if not form.validate():
        return _invalid(meeting, **{key: form})
    try:
        lock_meeting(meeting, version_of(form.version.data))
        item = ops.add_minutes_approval_item(meeting, earlier, actor=current())
        db.session.commit()
    except DomainError as exc:
        return _refused(meeting_id, exc, **{key: form})
    return _added(meeting_id, item)


def _item_action(meeting_id: int, item_id: int) -> tuple[Meeting, AgendaItem, MoveForm]:
    meeting = load_meeting(meeting_id)
    item = load_item(meeting, item_id)
    forbid_unless("meeting.manage", meeting)
    if item.deleted_at is not None:
        abort(404)
    form = MoveForm()
    if not form.validate():
        abort(400)
    return meeting, item, form


@bp.post("/meetings/<int:meeting_id>/agenda/items/<int:item_id>/move")
@login_required
def move_agenda_item(meeting_id: int, item_id: int) -> Any:
    meeting, item, form = _item_action(meeting_id, item_id)
    offset = {"up": -1, "down": 1}.get(form.direction.data or "")
    if offset is None:
        abort(400)
    try:
        lock_meeting(meeting, version_of(form.version.data))
        ops.move_item(item, actor=current(), offset=offset)
        db.session.commit()
    except DomainError as exc:
        return _refused(meeting_id, exc)
    return done(
        _("„%(title)s“ ist jetzt %(number)s.", title=item.title, number=ops.number_of(item)),
        "committees.agenda",
        f"item-{item.id}",
        meeting_id=meeting_id,
    )


@bp.post("/meetings/<int:meeting_id>/agenda/items/<int:item_id>/part")
@login_required
def set_agenda_item_part(meeting_id: int, item_id: int) -> Any:
    meeting, item, form = _item_action(meeting_id, item_id)
    try:
        lock_meeting(meeting, version_of(form.version.data))
        ops.set_item_public(item, actor=current(), is_public=not item.is_public)
        db.session.commit()
    except DomainError as exc:
        return _refused(meeting_id, exc)
    return done(
        _("„%(title)s“ ist jetzt %(number)s.", title=item.title, number=ops.number_of(item)),
        "committees.agenda",
        f"item-{item.id}",
        meeting_id=meeting_id,
    )


@bp.post("/meetings/<int:meeting_id>/agenda/items/<int:item_id>/remove")
@login_required
def remove_agenda_item(meeting_id: int, item_id: int) -> Any:
    meeting, item, form = _item_action(meeting_id, item_id)
    title = item.title
    try:
        lock_meeting(meeting, version_of(form.version.data))
        ops.remove_item(item, actor=current())
        db.session.commit()
    except DomainError as exc:
        return _refused(meeting_id, exc)
    return done(
        _("„%(title)s“ wurde von der Tagesordnung genommen.", title=title),
        "committees.agenda",
        "agenda-items",
        meeting_id=meeting_id,
    )
