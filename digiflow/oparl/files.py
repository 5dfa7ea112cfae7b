"""The files OParl publishes, generated on the fly from the current data (public parts only):
a session's agenda (invitation) and minutes, and a paper.
"""

from __future__ import annotations

from digiflow.committees import pdf
from digiflow.committees.models import AgendaItem, Meeting, Paper
from digiflow.core.db import db


def item_is_public(item: AgendaItem) -> bool:
    """Whether the public may see that a paper was dealt with under ``item``."""
    meeting = item.meeting
    return (
        item.is_public
        and item.deleted_at is None
        and meeting.is_public
        and meeting.deleted_at is None
        and meeting.committee.is_public
    )


def render(kind: str, id_: int) -> bytes:
    """The PDF of a published file (``invitation``, ``minutes`` or ``paper-file``)."""
    if kind == "paper-file":
        paper = db.session.get(Paper, id_)
        assert paper is not None
        return pdf.paper_pdf(paper, show_item=item_is_public)
    meeting = db.session.get(Meeting, id_)
    assert meeting is not None
    if kind == "invitation":
        return pdf.agenda_pdf(meeting, public_only=True)
    return pdf.minutes_pdf(meeting, public_only=True)
