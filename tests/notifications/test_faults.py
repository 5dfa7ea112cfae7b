"""Faults with the real parts: a real Celery worker and beat (Redis in CI, the embedded broker
otherwise), a real SMTP server on loopback. Mails arrive once, whatever is down meanwhile."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from digiflow import create_app
from digiflow.core.db import db
from digiflow.measures.models import Measure
from digiflow.measures.operations import submit_measure
from digiflow.notifications.models import OutboxMessage
from digiflow.users.models import User
from tests.factories import World
from tests.system.test_celery import start, stop


def wait_for(predicate, timeout: float, what: str, logs=()) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        if predicate():
            return
        time.sleep(0.3)
    output = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in logs)
    pytest.fail(f"timed out waiting for {what}\n{output}")


def statuses() -> dict[str, int]:
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
    ).all()
    return {status.value: count for status, count in rows}


@pytest.fixture
def mail_env(service_env, smtp):
    return {
        **service_env,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp.port),
        "OUTBOX_SWEEP_SECONDS": "1",
        "HEARTBEAT_SECONDS": "3600",
    }


def test_worker_delivers_a_mail_right_after_the_commit(app_ctx, smtp, mail_env, tmp_path):
    log = tmp_path / "worker.log"
    worker = start(["worker", "--loglevel", "INFO", "--concurrency", "1"], mail_env, log)
    try:
        world = World()
        measure = world.measure(title="WLAN an Kreisschulen")
        db.session.commit()
        submit_measure(measure, actor=world.proposer)
        db.session.commit()  # the after-commit hook hands the mail to the worker
        wait_for(lambda: len(smtp.messages) == 1, 60, "the mail", [log])
        assert smtp.messages[0]["Subject"] == "Genehmigung erforderlich: WLAN an Kreisschulen"
        wait_for(lambda: statuses() == {"sent": 1}, 30, "status sent", [log])
        time.sleep(1.5)
        assert len(smtp.messages) == 1
    finally:
        stop(worker)


def test_broker_down_while_100_measures_change(
    app, app_ctx, smtp, mail_env, tmp_path, instance_path
):
    world = World()
    measures = [world.measure(title=f"Maßnahme {i:03d}") for i in range(100)]
    db.session.commit()
    ids = [m.id for m in measures]
    proposer_id = world.proposer.id

    # the same database, but the broker is unreachable while the changes happen
    down = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance_path),
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "CELERY": {"broker_url": "redis://127.0.0.1:1/0"},
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with down.app_context():
        proposer = db.session.get(User, proposer_id)
        for measure_id in ids:
            submit_measure(db.session.get(Measure, measure_id), actor=proposer)
            db.session.commit()  # must not fail although the broker is down
        db.session.remove()
        db.engine.dispose()

    db.session.rollback()
    states = db.session.scalars(sa.select(Measure.state).where(Measure.id.in_(ids))).all()
    assert states == ["proposal"] * 100
    assert statuses() == {"pending": 100}
    assert smtp.messages == []

    # the broker is back: worker and beat run, the sweep delivers everything once
    worker_log, beat_log = tmp_path / "worker.log", tmp_path / "beat.log"
    worker = start(["worker", "--loglevel", "INFO", "--concurrency", "2"], mail_env, worker_log)
    beat = start(
        ["beat", "--loglevel", "INFO", "--schedule", str(tmp_path / "celerybeat-schedule")],
        mail_env,
        beat_log,
    )
    try:
        wait_for(lambda: statuses() == {"sent": 100}, 120, "100 sent mails", [worker_log, beat_log])
        time.sleep(3)  # more sweeps run: nothing is sent again
        subjects = sorted(str(m["Subject"]) for m in smtp.messages)
        assert subjects == sorted(f"Genehmigung erforderlich: Maßnahme {i:03d}" for i in range(100))
    finally:
        stop(beat)
        stop(worker)


def test_smtp_down_then_back_with_the_real_worker(app_ctx, smtp, mail_env, tmp_path):
    mail_env = {**mail_env, "MAIL_RETRY_BASE_SECONDS": "1", "MAIL_RETRY_MAX_SECONDS": "2"}
    smtp.stop()
    worker_log, beat_log = tmp_path / "worker.log", tmp_path / "beat.log"
    worker = start(["worker", "--loglevel", "INFO", "--concurrency", "1"], mail_env, worker_log)
    beat = start(
        ["beat", "--loglevel", "INFO", "--schedule", str(tmp_path / "celerybeat-schedule")],
        mail_env,
        beat_log,
    )
    try:
        world = World()
        for i in range(3):
            submit_measure(world.measure(title=f"Offline {i}"), actor=world.proposer)
        db.session.commit()

        def retried() -> bool:
            rows = db.session.scalars(sa.select(OutboxMessage)).all()
            return len(rows) == 3 and all(r.attempts >= 1 and r.last_error for r in rows)

        wait_for(retried, 60, "failed first tries", [worker_log, beat_log])
        assert smtp.messages == []
        smtp.start()
        wait_for(
            lambda: statuses() == {"sent": 3},
            60,
            "delivery after SMTP is back",
            [worker_log, beat_log],
        )
        time.sleep(2)
        assert sorted(str(m["Subject"]) for m in smtp.messages) == [
            f"Genehmigung erforderlich: Offline {i}" for i in range(3)
        ]
    finally:
        stop(beat)
        stop(worker)
