"""Mail delivery tasks: one mail after its transaction committed, and the periodic sweep."""

from __future__ import annotations

from celery import shared_task

from digiflow.notifications.delivery import deliver, sweep


@shared_task(name="digiflow.deliver_mail", acks_late=True)
def deliver_mail(message_id: int) -> str | None:
    """Deliver one outbox mail (safe to run twice: a sent or claimed mail is left alone)."""
    status = deliver(message_id)
    return status.value if status else None


@shared_task(name="digiflow.deliver_mails", acks_late=True)
def deliver_mails(message_ids: list[int]) -> dict[str, int]:
    """Deliver the mails of one committed transaction (each safe to try twice)."""
    counts: dict[str, int] = {}
    for message_id in message_ids:
        status = deliver(message_id)
        key = status.value if status else "skipped"
        counts[key] = counts.get(key, 0) + 1
    return counts


@shared_task(name="digiflow.sweep_outbox", acks_late=True)
def sweep_outbox() -> dict[str, int]:
    """Deliver every mail that is due."""
    from digiflow.system.operations import record_heartbeat

    counts = sweep()
    record_heartbeat("outbox-sweep")
    return counts


@shared_task(name="digiflow.send_digests", acks_late=True)
def send_digests() -> int:
    """Write the daily digests (a second run on the same day writes nothing new)."""
    from digiflow.notifications.digest import send_digests as write_digests

    return write_digests()


@shared_task(name="digiflow.send_department_digests", acks_late=True)
def send_department_digests() -> int:
    """The monthly overview of open measures per department (once per month and head)."""
    from digiflow.notifications.department_digest import send_department_digests as write

    return write()
