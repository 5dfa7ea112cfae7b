"""Recurring sessions: the daily task creates the sessions that come within the horizon."""

from __future__ import annotations

from celery import shared_task

from digiflow.committees.meetings import extend_series


@shared_task(name="digiflow.extend_meeting_series", acks_late=True)
def extend_meeting_series() -> int:
    """Create the sessions of open series up to the horizon (safe to run twice)."""
    return extend_series()
