"""The body (municipality), its departments and its committees."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from digiflow.core.db import db, enum_column, utcnow
from digiflow.core.roles import CommitteeType

#: Federal states as the ``holidays`` library names them (ISO 3166-2:DE subdivisions).
FEDERAL_STATES: dict[str, str] = {
    "BW": "Baden-Württemberg",
    "BY": "Bayern",
    "BE": "Berlin",
    "BB": "Brandenburg",
    "HB": "Bremen",
    "HH": "Hamburg",
    "HE": "Hessen",
    "MV": "Mecklenburg-Vorpommern",
    "NI": "Niedersachsen",
    "NW": "Nordrhein-Westfalen",
    "RP": "Rheinland-Pfalz",
    "SL": "Saarland",
    "SN": "Sachsen",
    "ST": "Sachsen-Anhalt",
    "SH": "Schleswig-Holstein",
    "TH": "Thüringen",
}


class Body(db.Model):
    """The municipality (Gebietskörperschaft) digiflow runs for."""

    __tablename__ = "bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    short_name: Mapped[str] = mapped_column(sa.String(50))
    # Landkreis, Stadt, Gemeinde, ...
    kind: Mapped[str] = mapped_column(sa.String(50))
    # ISO 3166-2 subdivision code (NI = Niedersachsen); decides the public holidays
    federal_state: Mapped[str] = mapped_column(sa.String(2), default="NI")
    # Amtlicher Gemeindeschlüssel, used by OParl
    ags: Mapped[str | None] = mapped_column(sa.String(12))
    website: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    departments: Mapped[list[Department]] = relationship(back_populates="body")

    def __repr__(self) -> str:
        return f"<Body {self.id} {self.short_name!r} {self.federal_state}>"


class Department(db.Model):
    """A department (Fachbereich, Amt) that proposes and implements measures."""

    __tablename__ = "departments"
    __table_args__ = (sa.UniqueConstraint("body_id", "short_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(sa.ForeignKey("bodies.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # e.g. "FB 20" or "Amt 10"
    short_name: Mapped[str] = mapped_column(sa.String(30))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    body: Mapped[Body] = relationship(back_populates="departments")

    def __repr__(self) -> str:
        return f"<Department {self.id} {self.short_name!r}>"


class Committee(db.Model):
    """A committee (Gremium): sessions, members and agendas follow with the committees module."""

    __tablename__ = "committees"
    __table_args__ = (sa.UniqueConstraint("body_id", "short_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(sa.ForeignKey("bodies.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    short_name: Mapped[str] = mapped_column(sa.String(30))
    type: Mapped[CommitteeType] = mapped_column(enum_column(CommitteeType))
    # Ladungsfrist in days
    notice_days: Mapped[int] = mapped_column(default=7)
    is_public: Mapped[bool] = mapped_column(default=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    body: Mapped[Body] = relationship()

    def __repr__(self) -> str:
        return f"<Committee {self.id} {self.short_name!r} {self.type.value}>"
