"""Funding programmes (Förderprogramme) that measures draw on.

The budget and funding issue adds funding periods, proof-of-use deadlines and their reminders.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from digiflow.core.db import db, enum_column, utcnow


class FundingProvider(StrEnum):
    eu = "eu"
    federal = "federal"  # Bund
    state = "state"  # Land
    other = "other"


class FundingProgramme(db.Model):
    """A funding programme, e.g. the Gigabit programme of the Bund or a state programme."""

    __tablename__ = "funding_programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(sa.ForeignKey("bodies.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    provider: Mapped[FundingProvider] = mapped_column(enum_column(FundingProvider))
    # percent of the eligible costs
    funding_rate: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    application_deadline: Mapped[date | None] = mapped_column()
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<FundingProgramme {self.id} {self.name!r}>"
