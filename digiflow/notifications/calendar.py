"""iCalendar attachments for deadlines."""

from __future__ import annotations

from datetime import date, timedelta

from icalendar import Calendar, Event

from digiflow.core.db import utcnow


def deadline_ics(uid: str, summary: str, day: date, description: str, url: str) -> str:
    """An all-day event on ``day`` (a deadline), as the text of a .ics file."""
    calendar = Calendar()
    calendar.add("prodid", "-//digiflow//Fristen//DE")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{uid}@digiflow")
    event.add("dtstamp", utcnow())
    event.add("summary", summary)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("description", description)
    event.add("url", url)
    event.add("transp", "TRANSPARENT")
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
