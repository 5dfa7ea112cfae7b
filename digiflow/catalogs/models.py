"""Configurable lists: fields of action, priorities, strategic goals, IT service providers."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from digiflow.core.db import db, enum_column


class CatalogKind(StrEnum):
    field_of_action = "field_of_action"  # Handlungsfeld
    priority = "priority"  # Priorität
    strategic_goal = "strategic_goal"  # strategisches Ziel
    it_provider = "it_provider"  # IT-Dienstleister


class CatalogEntry(db.Model):
    """One entry of a configurable list, labelled in German and English."""

    __tablename__ = "catalog_entries"
    __table_args__ = (sa.UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CatalogKind] = mapped_column(enum_column(CatalogKind), index=True)
    key: Mapped[str] = mapped_column(sa.String(64))
    label_de: Mapped[str] = mapped_column(sa.String(200))
    label_en: Mapped[str] = mapped_column(sa.String(200))
    # order in lists; for priorities also the rank (1 = highest)
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    def label(self, language: str = "de") -> str:
        return self.label_en if language == "en" else self.label_de

    def __repr__(self) -> str:
        return f"<CatalogEntry {self.kind.value}:{self.key}>"
