"""Operational records: heartbeats of the periodic tasks (e.g. the beat's last run)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from digiflow.core.db import db


class Heartbeat(db.Model):
    """When a named periodic job last ran, and how often it ran."""

    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column()
    runs: Mapped[int] = mapped_column(default=0)
    # host and pid of the worker that ran it last
    worker: Mapped[str | None] = mapped_column(sa.String(200))

    def __repr__(self) -> str:
        return f"<Heartbeat {self.name!r} {self.last_run_at.isoformat()} runs={self.runs}>"
