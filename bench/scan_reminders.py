"""Benchmark: the beat's reminder scan over 100,000 measures with 5,000 due reminders, and
the delivery of their mails to a real SMTP server on loopback.

    .venv/bin/python bench/scan_reminders.py            # SQLite in a temporary folder
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/digiflow_bench \\
        .venv/bin/python bench/scan_reminders.py        # PostgreSQL (the database is emptied)

Figures are reported as ratios against baselines run in the same process, because absolute
times on shared machines are noisy:
- the scan of 5,000 due reminders against a scan of 500 (is the cost linear per reminder, and
  does the number of measures not matter?), and against an empty scan over the same table;
- the outbox's delivery rate against plain smtplib sending the same mails to the same server.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digiflow import create_app  # noqa: E402
from digiflow.core.db import db  # noqa: E402

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


class Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args: object) -> None:
        self.count += 1


def build(measures: int, due: int) -> dict[str, int]:
    """Bulk-insert a body, people, ``measures`` measures and one reminder each."""
    from digiflow.core.workflow.registry import registry
    from digiflow.measures.models import Measure
    from digiflow.reminders.models import Reminder, ReminderKind
    from digiflow.reminders.operations import state_key_prefix
    from tests.factories import World

    world = World()
    stored = registry().current("digitalization_measure")
    db.session.commit()
    entered = NOW - timedelta(days=30)
    rows = [
        {
            "body_id": world.body.id,
            "title": f"Maßnahme {i}",
            "description": "",
            "department_id": world.dept.id,
            "owner_id": world.proposer.id,
            "workflow_id": stored.id,
            "state": "concept",
            "state_entered_at": entered,
            "state_deadline": (NOW - timedelta(days=1)).date(),
            "return_count": 0,
            "version": 1,
            "created_at": entered,
            "updated_at": entered,
        }
        for i in range(measures)
    ]
    for start in range(0, measures, 10_000):
        db.session.execute(sa.insert(Measure), rows[start : start + 10_000])
    db.session.commit()
    ids = db.session.scalars(sa.select(Measure.id).order_by(Measure.id)).all()
    sample = db.session.get(Measure, ids[0])
    prefix_tail = state_key_prefix(sample).split(":", 2)[2]  # state and entry time
    reminders = [
        {
            "kind": ReminderKind.state_deadline_overdue
            if n < due
            else ReminderKind.state_deadline_approaching,
            "measure_id": mid,
            "key": f"state:{mid}:{prefix_tail}:bench",
            # the due ones are due; the others wait for a later scan
            "due_at": NOW - timedelta(hours=1) if n < due else NOW + timedelta(days=30),
            "deadline_on": (NOW - timedelta(days=1)).date(),
        }
        for n, mid in enumerate(ids)
    ]
    for start in range(0, len(reminders), 10_000):
        db.session.execute(sa.insert(Reminder), reminders[start : start + 10_000])
    db.session.commit()
    return {"measures": len(ids), "due": due}


def timed_scan(limit: int, now: datetime = NOW) -> tuple[float, int, dict[str, int]]:
    from digiflow.reminders.scanner import scan

    counter = Counter()
    sa.event.listen(db.engine, "before_cursor_execute", counter)
    started = time.perf_counter()
    result = scan(now=now, limit=limit)
    elapsed = time.perf_counter() - started
    sa.event.remove(db.engine, "before_cursor_execute", counter)
    return elapsed, counter.count, result


def run(measures: int, due: int) -> None:
    from digiflow.notifications.delivery import sweep
    from digiflow.notifications.models import MailStatus, OutboxMessage
    from tests.conftest import SMTPRecorder

    instance = Path(tempfile.mkdtemp(prefix="digiflow-bench-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'bench.sqlite'}"
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance),
            "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://"),
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "CELERY": {"broker_url": "redis://127.0.0.1:1/0"},  # no worker: delivery is measured
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        info = build(measures, due)
        print(
            f"built {info['measures']:,} measures, {info['due']:,} due reminders "
            f"in {time.perf_counter() - started:.1f} s ({db.engine.dialect.name})"
        )

        # baseline: the same scan a day earlier, when nothing is due yet
        empty_time, empty_queries, _ = timed_scan(limit=due, now=NOW - timedelta(days=1))
        small_time, small_queries, small = timed_scan(limit=due // 10)
        big_time, big_queries, big = timed_scan(limit=due)
        assert small["sent"] == due // 10 and big["sent"] == due - due // 10, (small, big)
        per_small = small_time / small["sent"]
        per_big = big_time / big["sent"]
        print(
            f"scan with nothing due (baseline): {empty_time * 1000:.1f} ms, {empty_queries} queries"
        )
        print(
            f"scan of {small['sent']:,} due: {small_time:.2f} s, {small_queries} queries "
            f"({small_queries / small['sent']:.2f} per reminder)"
        )
        print(
            f"scan of {big['sent']:,} due: {big_time:.2f} s, {big_queries} queries "
            f"({big_queries / big['sent']:.2f} per reminder), {big['mails']:,} mails"
        )
        print(
            f"ratio per reminder, {big['sent']:,} vs {small['sent']:,} due: "
            f"{per_big / per_small:.2f} (1.0 = linear)"
        )
        print(f"ratio of the full scan to the empty scan: {big_time / empty_time:.0f}x")

        recorder = SMTPRecorder()
        recorder.start()
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=recorder.port)
        pending = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == MailStatus.pending)
        )
        started = time.perf_counter()
        delivered = 0
        while True:
            counts = sweep(now=datetime.now(UTC) + timedelta(seconds=1), limit=1000)
            if not counts:
                break
            delivered += counts.get("sent", 0)
        outbox_time = time.perf_counter() - started
        assert delivered == pending == len(recorder.messages), (delivered, pending)

        # baseline: the same number of mails with plain smtplib, one connection per mail
        baseline = recorder.messages[:]
        recorder.messages.clear()
        started = time.perf_counter()
        for original in baseline:
            message = EmailMessage()
            message["From"], message["To"] = "bench@localhost", original["To"]
            message["Subject"] = str(original["Subject"])
            message.set_content("x" * 600)
            with smtplib.SMTP("127.0.0.1", recorder.port, timeout=10) as smtp:
                smtp.send_message(message)
        raw_time = time.perf_counter() - started
        recorder.stop()
        print(
            f"outbox delivery: {delivered:,} mails in {outbox_time:.1f} s "
            f"= {delivered / outbox_time:.0f} mails/s"
        )
        print(
            f"plain smtplib baseline: {len(baseline) / raw_time:.0f} mails/s; "
            f"outbox / baseline = {(delivered / outbox_time) / (len(baseline) / raw_time):.2f}"
        )
        db.session.remove()
        db.drop_all()


if __name__ == "__main__":
    import logging

    logging.getLogger("digiflow.notifications.outbox").setLevel(logging.ERROR)  # no worker here
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=5_000)
    args = parser.parse_args()
    run(args.measures, args.due)
