"""PDF documents of the session service, rendered with ReportLab: the agenda (invitation),
the minutes, a paper, and the extract of one agenda item.

Documents for the public (OParl, ``public_only=True``) leave the non-public part out entirely.
The documents are German: they are official documents of the body. Output is reproducible
(``invariant``): the same content gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from digiflow.committees.agenda import Numbered, numbering
from digiflow.committees.meetings import meeting_day
from digiflow.committees.models import (
    CONSULTATION_ROLE_LABELS,
    MEMBER_ROLE_LABELS,
    PAPER_TYPE_LABELS,
    AgendaItem,
    Meeting,
    Paper,
)
from digiflow.core.time import LOCAL_TZ
from digiflow.core.workflow.definition import CommitteeResult

RESULT_LABELS_DE = {
    CommitteeResult.recommended: "empfohlen / beschlossen wie vorgelegt",
    CommitteeResult.amended: "mit Änderungen empfohlen / beschlossen",
    CommitteeResult.rejected: "abgelehnt",
    CommitteeResult.deferred: "vertagt",
    CommitteeResult.noted: "zur Kenntnis genommen",
}

_styles = getSampleStyleSheet()
TITLE = ParagraphStyle("dfTitle", parent=_styles["Title"], alignment=TA_LEFT, fontSize=16)
H2 = ParagraphStyle("dfH2", parent=_styles["Heading2"], fontSize=12, spaceBefore=10)
BODY = ParagraphStyle("dfBody", parent=_styles["BodyText"], fontSize=10, leading=13)
SMALL = ParagraphStyle("dfSmall", parent=BODY, fontSize=8.5, leading=11, textColor=colors.black)


def _p(text: str | None, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text (escaped; line breaks kept)."""
    return Paragraph(escape(text or "").replace("\n", "<br/>"), style)


def _when(meeting: Meeting) -> str:
    start = meeting.starts_at.astimezone(LOCAL_TZ)
    text = f"{start:%d.%m.%Y}, {start:%H:%M} Uhr"
    if meeting.ends_at is not None:
        text += f" bis {meeting.ends_at.astimezone(LOCAL_TZ):%H:%M} Uhr"
    return text


def _render(story: list, *, title: str, subject: str) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="digiflow",
        subject=subject,
        creator="digiflow",
        lang="de-DE",
        displayDocTitle=True,
        invariant=True,
    )

    def footer(canvas, doc) -> None:  # noqa: ANN001 - ReportLab's callback
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(22 * mm, 10 * mm, title[:110])
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"Seite {doc.page}")
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _header(meeting: Meeting, heading: str) -> list:
    committee = meeting.committee
    story = [
        _p(committee.body.name if committee.body else "", SMALL),
        _p(heading, TITLE),
        _p(committee.name, H2),
        _p(f"Termin: {_when(meeting)}"),
    ]
    if meeting.location is not None:
        story.append(_p(f"Ort: {meeting.location.one_line()}"))
    if meeting.is_cancelled:
        story.append(_p(f"Die Sitzung ist abgesagt. {meeting.cancel_reason or ''}", H2))
    story.append(Spacer(1, 4 * mm))
    return story


def _agenda_table(entries: Iterable[Numbered]) -> Table:
    rows = [["TOP", "Gegenstand", "Vorlage"]]
    for entry in entries:
        paper = entry.item.paper
        title = entry.item.title
        if entry.item.urgent_reason:
            title += " (Dringlichkeit)"
        rows.append(
            [
                _p(entry.number),
                _p(("    " * entry.depth) + title),
                _p(paper.reference if paper is not None else ""),
            ]
        )
    table = Table(rows, colWidths=[18 * mm, 120 * mm, 28 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _parts(meeting: Meeting, public_only: bool) -> list[tuple[str, list[Numbered]]]:
    entries = numbering(meeting)
    parts = [("Öffentlicher Teil", [e for e in entries if e.item.is_public])]
    if not public_only:
        parts.append(("Nicht öffentlicher Teil", [e for e in entries if not e.item.is_public]))
    return [(label, rows) for label, rows in parts if rows]


def agenda_pdf(meeting: Meeting, *, public_only: bool = False) -> bytes:
    """The invitation with the agenda (Tagesordnung)."""
    story = _header(meeting, "Einladung und Tagesordnung")
    if meeting.invitation_urgent_reason and not public_only:
        story.append(_p(f"Dringlichkeitsladung: {meeting.invitation_urgent_reason}"))
    for label, entries in _parts(meeting, public_only):
        story.append(_p(label, H2))
        story.append(_agenda_table(entries))
    if not _parts(meeting, public_only):
        story.append(_p("Die Tagesordnung enthält keine öffentlichen Punkte."))
    title = f"Tagesordnung {meeting.committee.short_name} {meeting_day(meeting):%d.%m.%Y}"
    return _render(story, title=title, subject=meeting.name)


def _result_lines(item: AgendaItem) -> list:
    story = []
    if item.result is not None:
        line = f"Ergebnis: {RESULT_LABELS_DE[item.result]}"
        if item.votes_yes is not None:
            line += (
                f" (Ja: {item.votes_yes}, Nein: {item.votes_no}, Enthaltungen: {item.votes_abstain}"
            )
            if item.exclusions:
                line += f", befangen: {len(item.exclusions)}"
            line += ")"
        story.append(_p(line))
    if item.resolution_text:
        story.append(_p("Beschluss:", SMALL))
        story.append(_p(item.resolution_text))
    return story


def minutes_pdf(meeting: Meeting, *, public_only: bool = False) -> bytes:
    """The minutes: for members the text the secretary finalized; for the public the results
    of the public part only, written from the recorded data."""
    heading = "Niederschrift" if not public_only else "Niederschrift (öffentlicher Teil)"
    story = _header(meeting, heading)
    if meeting.minutes_approved_at is not None:
        story.append(_p("Die Niederschrift ist genehmigt.", SMALL))
    if not public_only and meeting.minutes_text:
        for block in meeting.minutes_text.split("\n\n"):
            story.append(_p(block))
            story.append(Spacer(1, 2 * mm))
    else:
        from digiflow.committees.minutes import minutes_context

        context = minutes_context(meeting, public_only=True)
        present = ", ".join(m.user.name for m in context["present"]) or "–"
        story.append(_p(f"Anwesend: {present}"))
        for entry in context["items"]:
            block = [_p(f"{entry.number} {entry.item.title}", H2), *_result_lines(entry.item)]
            story.append(KeepTogether(block))
    title = f"Niederschrift {meeting.committee.short_name} {meeting_day(meeting):%d.%m.%Y}"
    return _render(story, title=title, subject=meeting.name)


def paper_pdf(paper: Paper, *, show_item: Callable[[AgendaItem], bool] | None = None) -> bytes:
    """A paper with its consultation sequence, text and proposed resolution.

    ``show_item`` tells which agenda items the reader may see; the session and result of the
    others (a public paper dealt with in a non-public part) are left out."""
    story = [
        _p(paper.body.name if paper.body else "", SMALL),
        _p(f"{PAPER_TYPE_LABELS[paper.paper_type][0]} Nr. {paper.reference}", SMALL),
        _p(paper.title, TITLE),
        _p(
            f"Datum: {paper.paper_date:%d.%m.%Y}"
            + (f" · Federführung: {paper.lead_department.name}" if paper.lead_department else "")
        ),
    ]
    if paper.submitted_by:
        story.append(_p(f"Antragsteller: {paper.submitted_by}"))
    rows = [["Beratungsfolge", "Rolle", "Sitzung", "Ergebnis"]]
    for consultation in paper.consultations:
        if consultation.deleted_at is not None:
            continue
        item = consultation.agenda_item
        session = ""
        result = ""
        if item is not None and item.deleted_at is None and (show_item is None or show_item(item)):
            session = f"{meeting_day(item.meeting):%d.%m.%Y}"
            result = RESULT_LABELS_DE[item.result] if item.result else ""
        name = consultation.committee.name if consultation.committee else "–"
        rows.append(
            [
                _p(name),
                _p(CONSULTATION_ROLE_LABELS[consultation.role][0]),
                _p(session),
                _p(result),
            ]
        )
    if len(rows) > 1:
        table = Table(rows, colWidths=[70 * mm, 32 * mm, 24 * mm, 40 * mm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story += [Spacer(1, 3 * mm), table]
    if paper.proposal:
        story += [_p("Beschlussvorschlag", H2), _p(paper.proposal)]
    if paper.text:
        story += [_p("Sachverhalt", H2)]
        story += [_p(block) for block in paper.text.split("\n\n")]
    return _render(story, title=f"Vorlage {paper.reference}", subject=paper.title)


def extract_pdf(item: AgendaItem, number: str) -> bytes:
    """The extract of the minutes for one agenda item (Auszug aus der Niederschrift)."""
    meeting = item.meeting
    story = _header(meeting, "Auszug aus der Niederschrift")
    story.append(_p(f"{number} {item.title}", H2))
    if item.paper is not None:
        story.append(_p(f"Vorlage {item.paper.reference}", SMALL))
    story += _result_lines(item)
    title = f"Auszug {number} {meeting.committee.short_name} {meeting_day(meeting):%d.%m.%Y}"
    return _render(story, title=title, subject=item.title)


def member_list(meeting: Meeting) -> list[tuple[str, str]]:
    """(name, function) of the members, for documents that list them."""
    from digiflow.committees.members import members_on

    return [
        (m.user.name, MEMBER_ROLE_LABELS[m.role][0])
        for m in members_on(meeting.committee, meeting_day(meeting))
    ]


def stamp(moment: datetime) -> str:
    return f"{moment.astimezone(LOCAL_TZ):%d.%m.%Y %H:%M}"
