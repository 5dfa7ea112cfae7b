"""Working together on a measure: comments, watching, attachments, and the measure's details
(IT provider, funding programme, strategic goals) that ``update_measure`` does not cover.

Plain functions like those in ``operations.py``: each checks permission, flushes and writes the
history where the measure's record changes; none commits. A refused action raises a DomainError
and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask import current_app

from digiflow.catalogs.models import CatalogEntry, CatalogKind
from digiflow.core.db import db
from digiflow.core.errors import IllegalTransition, PermissionDenied, ValidationFailed
from digiflow.core.permissions import can, require
from digiflow.core.roles import Role
from digiflow.core.time import now_or
from digiflow.funding.models import FundingProgramme
from digiflow.measures.attachments import display_filename as _display_filename
from digiflow.measures.attachments import remove_unless_committed, store_upload
from digiflow.measures.models import (
    Attachment,
    AttachmentKind,
    Comment,
    HistoryAction,
    HistoryEntry,
    Measure,
    Watch,
)
from digiflow.users.models import User

COMMENT_MAX_LENGTH = 5000

#: The details this module sets, with the catalog kind each must have.
DETAIL_FIELDS = ("it_provider_id", "funding_programme_id", "strategic_goal_ids")


# -- comments ------------------------------------------------------------------------------


def add_comment(
    measure: Measure, *, actor: User, body: str | None, now: datetime | None = None
) -> Comment:
    """Add a comment to a measure."""
    require(actor, "measure.comment", measure)
    text = (body or "").strip()
    if not text:
        raise ValidationFailed("Bitte schreiben Sie einen Kommentar.", "Please write a comment.")
    if len(text) > COMMENT_MAX_LENGTH:
        raise ValidationFailed(
            f"Ein Kommentar darf höchstens {COMMENT_MAX_LENGTH} Zeichen lang sein.",
            f"A comment may be at most {COMMENT_MAX_LENGTH} characters long.",
        )
    comment = Comment(measure_id=measure.id, author_id=actor.id, body=text, created_at=now_or(now))
    db.session.add(comment)
    db.session.flush()
    return comment


# -- watching ------------------------------------------------------------------------------


def watch_measure(measure: Measure, *, user: User, now: datetime | None = None) -> bool:
    """Follow a measure's changes; return False if the user already watched it."""
    require(user, "measure.view", measure)
    if db.session.get(Watch, (measure.id, user.id)) is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(Watch(measure_id=measure.id, user_id=user.id, created_at=now_or(now)))
    except sa.exc.IntegrityError:  # the same person clicked twice at the same moment
        return False
    return True


def unwatch_measure(measure: Measure, *, user: User) -> bool:
    """Stop following a measure; return False if the user did not watch it."""
    require(user, "measure.view", measure)
    watch = db.session.get(Watch, (measure.id, user.id))
    if watch is None:
        return False
    db.session.delete(watch)
    db.session.flush()
    return True


# -- attachments ---------------------------------------------------------------------------


def add_attachment(
    measure: Measure,
    *,
    actor: User,
    kind: AttachmentKind | str,
    filename: str | None,
    stream: BinaryIO,
    now: datetime | None = None,
) -> Attachment:
    """Store an uploaded file (type checked by content) and attach it to the measure.

    The file is written first, then the row is flushed; when the transaction does not commit,
    the file is removed again.
    """
    now = now_or(now)
    require(actor, "measure.attach", measure)
    try:
        kind = AttachmentKind(kind)
    except ValueError as exc:
        raise ValidationFailed(
            "Bitte wählen Sie die Art des Anhangs.", "Please choose the kind of attachment."
        ) from exc
    stored = store_upload(stream, current_app.config["MAX_UPLOAD_BYTES"])
    remove_unless_committed(db.session(), stored.path)
    try:
        attachment = Attachment(
            measure_id=measure.id,
            kind=kind,
            filename=_display_filename(filename, stored.content_type),
            stored_name=stored.stored_name,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            uploaded_by_id=actor.id,
            uploaded_at=now,
        )
        db.session.add(attachment)
        db.session.flush()
    except BaseException:
        stored.path.unlink(missing_ok=True)
        raise
    _history(
        measure,
        actor,
        HistoryAction.attachment_added,
        now,
        changes={
            "attachment_id": attachment.id,
            "filename": attachment.filename,
            "kind": kind.value,
        },
    )
    return attachment


def can_delete_attachment(user: User, measure: Measure, attachment: Attachment) -> bool:
    """The uploader while the measure is open or active; the digitalization office always."""
    if attachment.deleted_at is not None or not can(user, "measure.view", measure):
        return False
    if user.has_role(Role.digitalization_office):
        return True
    return attachment.uploaded_by_id == user.id and not measure.is_closed


def delete_attachment(
    measure: Measure, attachment: Attachment, *, actor: User, now: datetime | None = None
) -> Attachment:
    """Remove an attachment from the measure (soft delete: the file and the row are kept)."""
    now = now_or(now)
    require(actor, "measure.view", measure)
    if attachment.measure_id != measure.id:
        raise ValueError("the attachment belongs to another measure")
    if attachment.deleted_at is not None:
        raise IllegalTransition(
            "Der Anhang wurde bereits entfernt.", "The attachment has already been removed."
        )
    if not can_delete_attachment(actor, measure, attachment):
        raise PermissionDenied(
            "Anhänge entfernen dürfen nur die Person, die sie hochgeladen hat, solange die "
            "Maßnahme läuft, und die Digitalisierungsbeauftragten.",
            "Only the person who uploaded an attachment (while the measure runs) and the "
            "digitalization office may remove it.",
        )
    attachment.deleted_at = now
    db.session.flush()
    _history(
        measure,
        actor,
        HistoryAction.attachment_removed,
        now,
        changes={
            "attachment_id": attachment.id,
            "filename": attachment.filename,
            "kind": attachment.kind.value,
        },
    )
    return attachment


# -- details -------------------------------------------------------------------------------


def update_measure_details(
    measure: Measure,
    *,
    actor: User,
    it_provider_id: int | None,
    funding_programme_id: int | None,
    strategic_goal_ids: Iterable[int],
    now: datetime | None = None,
    record: bool = True,
) -> dict[str, list[Any]]:
    """Set IT provider, funding programme and strategic goals; return what changed.

    Call it after ``create_measure`` (``record=False``: the creation is the history entry) or
    after ``update_measure`` with the same ``now``: the changes join the entry that
    ``update_measure`` wrote, so one save is one line of history.
    """
    now = now_or(now)
    require(actor, "measure.edit", measure)
    provider = _catalog_entry(it_provider_id, CatalogKind.it_provider, measure.it_provider_id)
    programme = _funding_programme(funding_programme_id, measure)
    current_goals = {g.id for g in measure.strategic_goals}
    wanted = set(strategic_goal_ids)
    goals = [
        _catalog_entry(
            goal_id, CatalogKind.strategic_goal, goal_id if goal_id in current_goals else None
        )
        for goal_id in sorted(wanted)
    ]

    diff: dict[str, list[Any]] = {}
    if measure.it_provider_id != (provider.id if provider else None):
        diff["it_provider_id"] = [measure.it_provider_id, provider.id if provider else None]
        measure.it_provider = provider
    if measure.funding_programme_id != (programme.id if programme else None):
        diff["funding_programme_id"] = [
            measure.funding_programme_id,
            programme.id if programme else None,
        ]
        measure.funding_programme = programme
    if current_goals != wanted:
        diff["strategic_goal_ids"] = [sorted(current_goals), sorted(wanted)]
        measure.strategic_goals = sorted(
            (g for g in goals if g is not None), key=lambda g: (g.position, g.id)
        )
    if not diff:
        return diff
    measure.updated_at = now  # also bumps the version: a form open elsewhere is now stale
    db.session.flush()
    if record:
        entry = db.session.scalar(
            sa.select(HistoryEntry)
            .where(
                HistoryEntry.measure_id == measure.id,
                HistoryEntry.action == HistoryAction.edited,
                HistoryEntry.actor_id == actor.id,
                HistoryEntry.at == now,
            )
            .order_by(HistoryEntry.id.desc())
            .limit(1)
        )
        if entry is not None:
            entry.changes = {**(entry.changes or {}), **diff}
            db.session.flush()
        else:
            _history(measure, actor, HistoryAction.edited, now, changes=diff)
    return diff


def _catalog_entry(
    entry_id: int | None, kind: CatalogKind, current_id: int | None
) -> CatalogEntry | None:
    """Load a catalog entry of ``kind``: active, or the one already chosen."""
    if entry_id is None:
        return None
    entry = db.session.get(CatalogEntry, entry_id)
    if entry is None or entry.kind != kind or not (entry.is_active or entry.id == current_id):
        raise ValidationFailed(
            "Dieser Listeneintrag ist unbekannt oder nicht mehr aktiv.",
            "This list entry is unknown or no longer active.",
        )
    return entry


def _funding_programme(programme_id: int | None, measure: Measure) -> FundingProgramme | None:
    if programme_id is None:
        return None
    programme = db.session.get(FundingProgramme, programme_id)
    if (
        programme is None
        or programme.body_id != measure.body_id
        or not (programme.is_active or programme.id == measure.funding_programme_id)
    ):
        raise ValidationFailed(
            "Dieses Förderprogramm ist unbekannt oder nicht mehr aktiv.",
            "This funding programme is unknown or no longer active.",
        )
    return programme


def _history(
    measure: Measure,
    actor: User,
    action: HistoryAction,
    now: datetime,
    **values: Any,
) -> HistoryEntry:
    entry = HistoryEntry(
        measure_id=measure.id,
        at=now,
        actor_id=actor.id,
        action=action,
        from_state=measure.state,
        to_state=measure.state,
        **values,
    )
    db.session.add(entry)
    db.session.flush()
    return entry
