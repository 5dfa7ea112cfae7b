"""Workflow definitions as stored in the database, one row per distinct content."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from digiflow.core.db import db, utcnow


class StoredWorkflow(db.Model):
    """One version of a workflow definition; measures point at the version they started on."""

    __tablename__ = "workflow_definitions"
    __table_args__ = (sa.UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), index=True)
    version: Mapped[int] = mapped_column()
    # sha256 of the file's text: the same content is always the same version
    content_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    source: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<StoredWorkflow {self.name} v{self.version} {self.content_hash[:8]}>"
