"""Business days: weekdays that are not public holidays in the body's federal state."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays(federal_state: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("DE", subdiv=federal_state, years=year, language="de")


def is_business_day(day: date, federal_state: str = "NI") -> bool:
    """Tell whether ``day`` is a weekday and no public holiday in ``federal_state``."""
    return day.weekday() < 5 and day not in _holidays(federal_state, day.year)


def holiday_name(day: date, federal_state: str = "NI") -> str | None:
    """Return the German name of the public holiday on ``day``, if it is one."""
    return _holidays(federal_state, day.year).get(day)


def add_business_days(start: date, days: int, federal_state: str = "NI") -> date:
    """Return the day ``days`` business days after ``start`` (``start`` itself not counted).

    With ``days == 0`` the result is ``start`` if it is a business day, else the next one.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    if days == 0:
        while not is_business_day(day, federal_state):
            day += timedelta(days=1)
        return day
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_business_day(day, federal_state):
            remaining -= 1
    return day


def subtract_business_days(end: date, days: int, federal_state: str = "NI") -> date:
    """Return the day ``days`` business days before ``end`` (for reminder lead times)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = end
    remaining = days
    while remaining:
        day -= timedelta(days=1)
        if is_business_day(day, federal_state):
            remaining -= 1
    return day


def business_days_between(start: date, end: date, federal_state: str = "NI") -> int:
    """Count business days after ``start`` up to and including ``end`` (negative if before)."""
    if end < start:
        return -business_days_between(end, start, federal_state)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_business_day(day, federal_state):
            count += 1
    return count
