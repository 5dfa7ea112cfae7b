"""The reminder scan, run by the beat every REMINDER_SCAN_SECONDS."""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from digiflow.reminders.scanner import scan
from digiflow.system.operations import record_heartbeat


@shared_task(name="digiflow.scan_reminders", acks_late=True)
def scan_reminders() -> dict[str, int]:
    """Send the reminders that are due (safe to run twice: a claimed reminder is skipped)."""
    counts = scan(limit=current_app.config["REMINDER_BATCH_SIZE"])
    record_heartbeat("reminder-scan")
    return counts
