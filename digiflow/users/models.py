"""Users, their roles (global or scoped) and their substitutes (Vertretung)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from digiflow.core.db import db, enum_column, utcnow
from digiflow.core.roles import Role
from digiflow.org.models import Committee, Department


class User(UserMixin, db.Model):
    """A person who works with digiflow."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # werkzeug's salted scrypt hash; never the password itself
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    language: Mapped[str] = mapped_column(sa.String(2), default="de")
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()

    department: Mapped[Department | None] = relationship()
    role_assignments: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def set_password(self, password: str) -> None:
        from flask import current_app

        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account

    def has_role(
        self,
        role: Role,
        *,
        department_id: int | None = None,
        committee_id: int | None = None,
        scoped: bool = False,
    ) -> bool:
        """Tell whether the user holds ``role`` globally or (when scoped) for the given scope.

        ``scoped=False`` asks for a global assignment; with ``department_id`` or
        ``committee_id`` a global assignment counts too.
        """
        for ra in self.role_assignments:
            if ra.role != role:
                continue
            if ra.is_global:
                return True
            if scoped and department_id is not None and ra.department_id == department_id:
                return True
            if scoped and committee_id is not None and ra.committee_id == committee_id:
                return True
        return False

    @property
    def roles(self) -> set[Role]:
        """Every role the user holds, in any scope."""
        return {ra.role for ra in self.role_assignments}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r}>"


class RoleAssignment(db.Model):
    """A role held by a user: globally, or for one department, or for one committee."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        sa.CheckConstraint(
            "department_id IS NULL OR committee_id IS NULL", name="one_scope_at_most"
        ),
        sa.UniqueConstraint("user_id", "role", "department_id", "committee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    committee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("committees.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="role_assignments")
    department: Mapped[Department | None] = relationship()
    committee: Mapped[Committee | None] = relationship()

    @property
    def is_global(self) -> bool:
        return self.department_id is None and self.committee_id is None

    def __repr__(self) -> str:
        scope = (
            f"department={self.department_id}"
            if self.department_id
            else f"committee={self.committee_id}"
            if self.committee_id
            else "global"
        )
        return f"<RoleAssignment user={self.user_id} {self.role.value} {scope}>"


class Substitute(db.Model):
    """A deputy who acts for ``user`` from ``starts_on`` to ``ends_on`` (both inclusive)."""

    __tablename__ = "substitutes"
    __table_args__ = (
        sa.CheckConstraint("user_id <> deputy_id", name="not_self"),
        sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    deputy_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    starts_on: Mapped[date] = mapped_column()
    ends_on: Mapped[date] = mapped_column()
    note: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    deputy: Mapped[User] = relationship(foreign_keys=[deputy_id])

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def __repr__(self) -> str:
        return f"<Substitute {self.deputy_id} for {self.user_id} {self.starts_on}..{self.ends_on}>"
