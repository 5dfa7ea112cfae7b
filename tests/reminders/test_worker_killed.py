"""A worker killed with SIGKILL in the middle of a reminder batch: after a restart no
reminder is lost and none is sent twice (real worker; Redis in CI, embedded broker else)."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from digiflow.celery import send_task
from digiflow.core.db import db
from digiflow.measures.operations import submit_measure
from digiflow.notifications.models import OutboxMessage
from digiflow.reminders.models import Reminder, ReminderKind
from digiflow.reminders.operations import state_key_prefix
from tests.factories import World
from tests.system.test_celery import start, stop

MEASURES, PER_MEASURE = 40, 50  # 2,000 due reminders


def counts() -> tuple[int, int]:
    db.session.rollback()
    sent = db.session.scalar(
        sa.select(sa.func.count()).select_from(Reminder).where(Reminder.sent_at.is_not(None))
    )
    mails = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.dedupe_key.like("reminder:%"))
    )
    return sent, mails


@pytest.mark.timeout(400)
def test_sigkill_mid_batch_loses_nothing_and_sends_nothing_twice(app_ctx, service_env, tmp_path):
    world = World()
    past = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    rows = []
    for i in range(MEASURES):
        measure = world.measure(title=f"Maßnahme {i}")
        submit_measure(measure, actor=world.proposer, now=past)
        prefix = state_key_prefix(measure)
        rows.extend(
            {
                "kind": ReminderKind.state_deadline_approaching,
                "measure_id": measure.id,
                "key": f"{prefix}:test-{n}",
                "due_at": past + timedelta(days=1),
                "deadline_on": measure.state_deadline,
            }
            for n in range(PER_MEASURE)
        )
    db.session.execute(sa.insert(Reminder), rows)
    db.session.commit()
    total = MEASURES * PER_MEASURE
    unsent = sa.select(sa.func.count()).select_from(Reminder).where(Reminder.sent_at.is_(None))
    due_before = db.session.scalar(unsent)
    assert due_before >= total

    env = {**service_env, "REMINDER_BATCH_SIZE": "100000", "HEARTBEAT_SECONDS": "3600"}
    log = tmp_path / "worker.log"
    worker = start(["worker", "--loglevel", "INFO", "--concurrency", "1"], env, log)
    try:
        send_task("digiflow.scan_reminders")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and counts()[0] < 100:
            time.sleep(0.2)
        os.killpg(worker.pid, signal.SIGKILL)  # mid-batch
        worker.wait(timeout=30)
        sent_at_kill, _ = counts()
        assert 100 <= sent_at_kill < due_before, "the kill must land in the middle of the batch"
        time.sleep(1)
        assert counts()[0] == sent_at_kill  # nothing moves while no worker runs

        worker = start(
            ["worker", "--loglevel", "INFO", "--concurrency", "1"], env, tmp_path / "worker2.log"
        )
        send_task("digiflow.scan_reminders")  # the next beat
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and db.session.scalar(unsent):
            time.sleep(0.5)
            db.session.rollback()
        assert db.session.scalar(unsent) == 0, "reminders were lost"
        sent, _mails = counts()
        assert sent == due_before
        # each of the 2,000 reminders made exactly one mail to its measure's owner
        ours = db.session.scalars(sa.select(Reminder.id).where(Reminder.key.like("%:test-%"))).all()
        keys = set(
            db.session.scalars(
                sa.select(OutboxMessage.dedupe_key).where(
                    OutboxMessage.dedupe_key.like("reminder:%"),
                    OutboxMessage.to_address == world.proposer.email,
                )
            )
        )
        assert len(ours) == total
        assert {f"reminder:{rid}:{world.proposer.id}" for rid in ours} <= keys
        mails_for_ours = [k for k in keys if int(k.split(":")[1]) in set(ours)]
        assert len(mails_for_ours) == total
    finally:
        stop(worker)
