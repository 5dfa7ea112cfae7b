"""Time as digiflow sees it: UTC in the database, Europe/Berlin for calendar days."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from digiflow.core.db import utcnow

LOCAL_TZ = ZoneInfo("Europe/Berlin")


def now_or(now: datetime | None) -> datetime:
    """Return ``now`` (operations accept it explicitly for tests and demos) or the clock."""
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now


def local_date(moment: datetime) -> date:
    """Return the calendar day of ``moment`` in Germany."""
    return moment.astimezone(LOCAL_TZ).date()
