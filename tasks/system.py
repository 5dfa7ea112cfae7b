"""Housekeeping tasks: the beat's heartbeat and a ping that proves the worker runs."""

from __future__ import annotations

from celery import shared_task

from digiflow.system.operations import record_heartbeat


@shared_task(name="digiflow.heartbeat")
def heartbeat() -> None:
    """Record that the beat scheduled and a worker ran a periodic task."""
    record_heartbeat("beat")


@shared_task(name="digiflow.ping")
def ping(name: str = "ping") -> None:
    """Record that a worker picked up a task sent from the app."""
    record_heartbeat(name)
