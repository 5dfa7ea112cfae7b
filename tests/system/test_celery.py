"""A real Celery worker and beat, on the embedded broker or on Redis (CI), against the test
database: tasks sent by the app run, and the beat's periodic task runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from digiflow.celery import send_task
from digiflow.core.db import db
from digiflow.system.models import Heartbeat
from tests.conftest import PROJECT_ROOT

BIN = Path(sys.executable).parent


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start a Celery process; the queue is emptied first (earlier tests' mails wait there)."""
    if args[0] == "worker":
        from flask import current_app

        current_app.extensions["celery"].control.purge()
    with log.open("wb") as handle:
        return subprocess.Popen(
            [str(BIN / "celery"), "--app", "wsgi:celery", *args],
            cwd=PROJECT_ROOT,
            env={**os.environ, **env},
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_for_heartbeat(name: str, runs: int, timeout: float, logs: list[Path]) -> Heartbeat:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()  # a new transaction sees what the worker committed
        beat = db.session.scalar(sa.select(Heartbeat).where(Heartbeat.name == name))
        if beat is not None and beat.runs >= runs:
            return beat
        time.sleep(0.5)
    output = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in logs)
    pytest.fail(f"heartbeat {name!r} did not reach {runs} runs in {timeout}s\n{output}")


@pytest.fixture
def worker(app_ctx, service_env, tmp_path):
    log = tmp_path / "worker.log"
    proc = start(["worker", "--loglevel", "INFO", "--concurrency", "1"], service_env, log)
    yield proc, log
    stop(proc)


def test_worker_runs_a_task_sent_by_the_app(worker):
    proc, log = worker
    send_task("digiflow.ping", "worker-test")
    beat = wait_for_heartbeat("worker-test", 1, 60, [log])
    assert beat.runs == 1
    assert ":" in beat.worker and str(os.getpid()) not in beat.worker.split(":")[1]
    assert proc.poll() is None


def test_beat_schedules_the_heartbeat_and_the_worker_runs_it(worker, service_env, tmp_path):
    _, worker_log = worker
    log = tmp_path / "beat.log"
    env = {**service_env, "HEARTBEAT_SECONDS": "1"}
    beat = start(
        ["beat", "--loglevel", "INFO", "--schedule", str(tmp_path / "celerybeat-schedule")],
        env,
        log,
    )
    try:
        first = wait_for_heartbeat("beat", 1, 60, [log, worker_log])
        first_run = first.last_run_at
        later = wait_for_heartbeat("beat", 3, 60, [log, worker_log])
        assert later.last_run_at > first_run
    finally:
        stop(beat)
