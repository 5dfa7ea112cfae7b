"""`make run` on the embedded defaults: within 90 seconds the login page and a 200 /healthz
answer, the demo is loaded, worker and beat run; Ctrl-C (SIGINT) stops every process."""

from __future__ import annotations

import http.cookiejar
import json
import os
import signal
import sqlite3
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from email import policy
from email.parser import BytesParser

import pytest

from digiflow.demo.data import DEMO_PASSWORD, EMAIL_DOMAIN
from tests.conftest import PROJECT_ROOT, csrf_token, free_port


def _get(opener, url):
    try:
        with opener.open(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return None, ""


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.timeout(240)
def test_make_run_serves_login_and_health_and_stops_on_ctrl_c(tmp_path):
    port, mail_port = free_port(), free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY"}
    }
    env.update(
        DIGIFLOW_INSTANCE_PATH=str(tmp_path / "instance"),
        BIND=f"127.0.0.1:{port}",
        MAIL_PORT=str(mail_port),
        HEARTBEAT_SECONDS="2",
        REMINDER_SCAN_SECONDS="3",
        WEB_WORKERS="1",
        WORKER_CONCURRENCY="1",
    )
    log = tmp_path / "make-run.log"
    with log.open("wb") as handle:
        proc = subprocess.Popen(
            ["make", "run"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    try:
        started = time.monotonic()
        login = health = None
        while time.monotonic() - started < 90:
            if proc.poll() is not None:
                break
            login, _ = _get(opener, base + "/login")
            health, body = _get(opener, base + "/healthz")
            if login == 200 and health == 200:
                break
            time.sleep(1)
        output = log.read_text(errors="replace")[-4000:]
        assert (login, health) == (200, 200), output
        assert json.loads(body)["broker"]["status"] == "ok"

        # the demo is there: sign in as the digitalization office
        _, page = _get(opener, base + "/login")
        data = urllib.parse.urlencode(
            {
                "email": f"digitalisierung@{EMAIL_DOMAIN}",
                "password": DEMO_PASSWORD,
                "csrf_token": csrf_token(page),
            }
        ).encode()
        with opener.open(base + "/login", data=data, timeout=10) as response:
            start_page = response.read().decode()
        assert "Dana Diedrichs" in start_page
        assert "Genehmigungen, die auf mich warten" in start_page

        # worker and beat run: the beat's heartbeat arrives in the database
        database = tmp_path / "instance" / "digiflow.sqlite"
        runs = 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and runs < 1:
            with sqlite3.connect(database, timeout=30) as conn:
                row = conn.execute("SELECT runs FROM heartbeats WHERE name='beat'").fetchone()
            runs = row[0] if row else 0
            time.sleep(1)
        assert runs >= 1, log.read_text(errors="replace")[-4000:]

        # the demo's due reminders arrive in the local mail sink (a Maildir)
        maildir = tmp_path / "instance" / "mail" / "new"
        deadline = time.monotonic() + 60
        subjects: list[str] = []
        while time.monotonic() < deadline:
            subjects = [
                str(BytesParser(policy=policy.default).parsebytes(p.read_bytes())["Subject"])
                for p in (maildir.iterdir() if maildir.exists() else [])
            ]
            if any(s.startswith(("Frist überschritten", "Erinnerung")) for s in subjects):
                break
            time.sleep(1)
        assert any(s.startswith("Genehmigung erforderlich") for s in subjects), subjects
        assert any(s.startswith(("Frist überschritten", "Erinnerung")) for s in subjects), (
            subjects[:20],
            log.read_text(errors="replace")[-3000:],
        )
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        try:
            proc.wait(timeout=45)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail("make run did not stop on Ctrl-C within 45 s")
    deadline = time.monotonic() + 15
    while _group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _group_alive(proc.pid), "processes of make run are still running"
