"""Operations on users: create them and give them roles."""

from __future__ import annotations

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from digiflow.core.db import db
from digiflow.core.errors import ValidationFailed
from digiflow.core.roles import Role
from digiflow.org.models import Committee, Department
from digiflow.users.models import RoleAssignment, User

MIN_PASSWORD_LENGTH = 12


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    language: str = "de",
    department: Department | None = None,
) -> User:
    """Create a user with a hashed password; refuse a bad address, a short password, a twin."""
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed(
            f"Ungültige E-Mail-Adresse: {exc}", f"Invalid e-mail address: {exc}"
        ) from exc
    if not name.strip():
        raise ValidationFailed("Bitte geben Sie einen Namen an.", "Please enter a name.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen lang sein.",
            f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.",
        )
    if language not in ("de", "en"):
        raise ValidationFailed("Sprache: de oder en.", "Language: de or en.")
    exists = db.session.scalar(sa.select(User.id).where(sa.func.lower(User.email) == email))
    if exists:
        raise ValidationFailed(
            f"Es gibt bereits ein Konto für {email}.", f"There is already an account for {email}."
        )
    user = User(email=email, name=name.strip(), language=language, department=department)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def assign_role(
    user: User,
    role: Role,
    *,
    department: Department | None = None,
    committee: Committee | None = None,
) -> RoleAssignment:
    """Give ``user`` a role, globally or scoped to one department or one committee."""
    if department is not None and committee is not None:
        raise ValidationFailed(
            "Eine Rolle gilt global, für einen Fachbereich oder für ein Gremium.",
            "A role is global, or for one department, or for one committee.",
        )
    for existing in user.role_assignments:
        if (
            existing.role == role
            and existing.department_id == (department.id if department else None)
            and existing.committee_id == (committee.id if committee else None)
        ):
            return existing
    assignment = RoleAssignment(user=user, role=role, department=department, committee=committee)
    db.session.add(assignment)
    db.session.flush()
    return assignment
