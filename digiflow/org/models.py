"""The body (municipality), its departments and its committees."""

from __future__ import annotations

from datetime import date, datetime

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
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

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


class LegislativeTerm(db.Model):
    """An electoral term (Wahlperiode) of the body's council, e.g. 2021–2026."""

    __tablename__ = "legislative_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(sa.ForeignKey("bodies.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    starts_on: Mapped[date] = mapped_column()
    ends_on: Mapped[date] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column()

    def __repr__(self) -> str:
        return f"<LegislativeTerm {self.id} {self.name!r}>"


#: The German names of the committee types (German first; the English ones are in the catalog).
COMMITTEE_TYPE_LABELS: dict[CommitteeType, tuple[str, str]] = {
    CommitteeType.specialist: ("Fachausschuss", "Specialist committee"),
    CommitteeType.main: (
        "Kreis-/Verwaltungsausschuss",
        "Main committee (Kreisausschuss / Verwaltungsausschuss)",
    ),
    CommitteeType.council: ("Rat / Kreistag", "Council"),
    CommitteeType.working_group: ("Arbeitsgruppe", "Working group"),
}


class Committee(db.Model):
    """A committee (Gremium) with its members, secretaries, sessions and rules of notice.

    Secretaries are users holding the role ``committee_secretary`` for the committee (or
    globally); members are :class:`digiflow.committees.models.Membership` rows.
    """

    __tablename__ = "committees"
    __table_args__ = (sa.UniqueConstraint("body_id", "short_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(sa.ForeignKey("bodies.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    short_name: Mapped[str] = mapped_column(sa.String(30))
    type: Mapped[CommitteeType] = mapped_column(enum_column(CommitteeType))
    # Ladungsfrist: calendar days between the invitation and the session day
    notice_days: Mapped[int] = mapped_column(default=7)
    # the shortened Ladungsfrist of an urgent invitation (Dringlichkeit, needs a reason)
    urgent_notice_days: Mapped[int] = mapped_column(default=2)
    # Vorlagenschluss: papers for a session are due this many calendar days before it
    submission_days: Mapped[int] = mapped_column(default=14)
    # sessions are public by default (their non-public part aside)
    is_public: Mapped[bool] = mapped_column(default=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # soft delete: the committee stays in OParl as deleted
    deleted_at: Mapped[datetime | None] = mapped_column()

    body: Mapped[Body] = relationship()

    @property
    def type_label(self) -> tuple[str, str]:
        return COMMITTEE_TYPE_LABELS[self.type]

    def __repr__(self) -> str:
        return f"<Committee {self.id} {self.short_name!r} {self.type.value}>"
