"""Operational records."""

from __future__ import annotations

import os
import socket
from datetime import datetime

import sqlalchemy as sa

from digiflow.core.db import db
from digiflow.core.time import now_or
from digiflow.system.models import Heartbeat


def record_heartbeat(name: str, now: datetime | None = None) -> Heartbeat:
    """Note that the job ``name`` ran now (creating its row on the first run)."""
    now = now_or(now)
    worker = f"{socket.gethostname()}:{os.getpid()}"
    beat = db.session.scalar(sa.select(Heartbeat).where(Heartbeat.name == name).with_for_update())
    if beat is None:
        beat = Heartbeat(name=name, last_run_at=now, runs=0, worker=worker)
        try:
            with db.session.begin_nested():
                db.session.add(beat)
        except sa.exc.IntegrityError:
            beat = db.session.scalars(
                sa.select(Heartbeat).where(Heartbeat.name == name).with_for_update()
            ).one()
    beat.last_run_at = now
    beat.runs += 1
    beat.worker = worker
    db.session.flush()
    return beat
