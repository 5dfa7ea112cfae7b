"""iCalendar for sessions: the invitation (METHOD:REQUEST), its updates and the cancellation
(METHOD:CANCEL) share one UID per session, so that calendar programs update the same entry;
the SEQUENCE counts the changes. Feeds (METHOD:PUBLISH) list sessions and deadlines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from email.utils import parseaddr

from flask import current_app
from icalendar import Calendar, Event, vCalAddress, vText

from digiflow.committees.models import Meeting
from digiflow.core.db import utcnow
from digiflow.notifications.outbox import public_url
from digiflow.users.models import User

#: How long a session without an end time is shown in calendars.
DEFAULT_LENGTH = timedelta(hours=2)


def meeting_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.id}@digiflow"


def meeting_url(meeting: Meeting) -> str:
    return public_url(f"/meetings/{meeting.id}")


def _calendar(method: str, name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//digiflow//Sitzungen//DE")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def _organizer() -> vCalAddress:
    name, address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    organizer = vCalAddress(f"mailto:{address or 'digiflow@localhost'}")
    organizer.params["cn"] = vText(name or "digiflow")
    return organizer


def session_event(
    meeting: Meeting,
    *,
    description: str = "",
    attendee: User | None = None,
    cancelled: bool = False,
) -> Event:
    """The calendar entry of a session."""
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", utcnow())
    event.add("sequence", meeting.ical_sequence)
    event.add("summary", meeting.name)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at or meeting.starts_at + DEFAULT_LENGTH)
    if meeting.location is not None:
        event.add("location", meeting.location.one_line())
    if description:
        event.add("description", description)
    event.add("url", meeting_url(meeting))
    event.add("status", "CANCELLED" if cancelled or meeting.is_cancelled else "CONFIRMED")
    if attendee is not None:
        event.add("organizer", _organizer())
        address = vCalAddress(f"mailto:{attendee.email}")
        address.params["cn"] = vText(attendee.name)
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText("NEEDS-ACTION")
        address.params["rsvp"] = vText("FALSE")
        event.add("attendee", address, encode=0)
    return event


def invitation_ics(meeting: Meeting, recipient: User, description: str) -> str:
    """The invitation (or its update) for one member."""
    calendar = _calendar("REQUEST")
    calendar.add_component(session_event(meeting, description=description, attendee=recipient))
    return calendar.to_ical().decode("utf-8")


def cancellation_ics(meeting: Meeting, recipient: User, description: str) -> str:
    calendar = _calendar("CANCEL")
    calendar.add_component(
        session_event(meeting, description=description, attendee=recipient, cancelled=True)
    )
    return calendar.to_ical().decode("utf-8")


@dataclass(frozen=True)
class Deadline:
    """An all-day entry of a feed (a measure's or an approval step's deadline)."""

    uid: str
    day: date
    summary: str
    description: str
    url: str


def feed(
    name: str, meetings: Iterable[tuple[Meeting, str]], deadlines: Iterable[Deadline] = ()
) -> bytes:
    """A calendar feed: sessions (each with its description) and all-day deadlines."""
    calendar = _calendar("PUBLISH", name)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"value": "DURATION"})
    for meeting, description in meetings:
        calendar.add_component(session_event(meeting, description=description))
    for deadline in deadlines:
        event = Event()
        event.add("uid", deadline.uid)
        event.add("dtstamp", utcnow())
        event.add("summary", deadline.summary)
        event.add("dtstart", deadline.day)
        event.add("dtend", deadline.day + timedelta(days=1))
        event.add("description", deadline.description)
        event.add("url", deadline.url)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
