"""Operations on users: create and change them, give and take roles, name substitutes."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from digiflow.core.db import db, utcnow
from digiflow.core.errors import ValidationFailed
from digiflow.core.roles import Role
from digiflow.core.time import local_date
from digiflow.org.models import Committee, Department
from digiflow.users.models import RoleAssignment, Substitute, User

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


# ---------------------------------------------------------------------------------------------
# Administration: change accounts, roles and substitutes


def _checked_email(email: str) -> str:
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed(
            f"Ungültige E-Mail-Adresse: {exc}", f"Invalid e-mail address: {exc}"
        ) from exc


def _checked_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Bitte geben Sie einen Namen an.", "Please enter a name.")
    if len(name) > 200:
        raise ValidationFailed(
            "Der Name darf höchstens 200 Zeichen lang sein.",
            "The name may be at most 200 characters long.",
        )
    return name


def update_user(
    user: User,
    *,
    name: str,
    email: str,
    language: str,
    department: Department | None,
) -> User:
    """Change name, address, language and department; refuse an address another account has."""
    email = _checked_email(email)
    name = _checked_name(name)
    if language not in ("de", "en"):
        raise ValidationFailed("Sprache: de oder en.", "Language: de or en.")
    if department is not None and not department.is_active and department.id != user.department_id:
        raise ValidationFailed(
            f"Der Fachbereich {department.short_name} ist deaktiviert.",
            f"The department {department.short_name} is deactivated.",
        )
    twin = db.session.scalar(
        sa.select(User.id).where(sa.func.lower(User.email) == email, User.id != user.id)
    )
    if twin:
        raise ValidationFailed(
            f"Es gibt bereits ein Konto für {email}.", f"There is already an account for {email}."
        )
    user.name = name
    user.email = email
    user.language = language
    user.department = department
    db.session.flush()
    return user


def set_password(user: User, password: str) -> None:
    """Give ``user`` a new password (an administrator's reset); refuse a short one."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen lang sein.",
            f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.",
        )
    user.set_password(password)
    db.session.flush()


def active_admin_ids() -> set[int]:
    """Return the ids of the active accounts that hold the global admin role."""
    return set(
        db.session.scalars(
            sa.select(RoleAssignment.user_id)
            .join(User, User.id == RoleAssignment.user_id)
            .where(
                RoleAssignment.role == Role.admin,
                RoleAssignment.department_id.is_(None),
                RoleAssignment.committee_id.is_(None),
                User.is_active_account.is_(True),
            )
        )
    )


def _refuse_last_admin(user: User) -> None:
    admins = active_admin_ids()
    if user.id in admins and not admins - {user.id}:
        raise ValidationFailed(
            f"{user.name} ist das einzige aktive Administrationskonto. Geben Sie zuerst einem "
            "anderen aktiven Konto die Rolle Administration.",
            f"{user.name} is the only active administrator. First give another active account "
            "the administrator role.",
        )


def deactivate_user(user: User) -> None:
    """Lock the account (it can no longer sign in); refuse for the only active administrator."""
    if not user.is_active_account:
        return
    _refuse_last_admin(user)
    user.is_active_account = False
    db.session.flush()


def activate_user(user: User) -> None:
    """Unlock the account again."""
    user.is_active_account = True
    db.session.flush()


def remove_role(assignment: RoleAssignment) -> None:
    """Take a role away; refuse to take the admin role from the only active administrator."""
    user = assignment.user
    if assignment.role == Role.admin and assignment.is_global:
        others = [
            ra
            for ra in user.role_assignments
            if ra is not assignment and ra.role == Role.admin and ra.is_global
        ]
        if not others:
            _refuse_last_admin(user)
    user.role_assignments.remove(assignment)
    db.session.flush()


def _day(value: date, language: str) -> str:
    return value.strftime("%d.%m.%Y") if language == "de" else value.isoformat()


def add_substitute(
    user: User,
    deputy: User,
    *,
    starts_on: date | None,
    ends_on: date | None,
    note: str | None = None,
    today: date | None = None,
) -> Substitute:
    """Let ``deputy`` act for ``user`` from ``starts_on`` to ``ends_on`` (both inclusive).

    Refused: a missing day, an end before the start, a period wholly in the past, the person
    themselves or an inactive account as deputy, and a period that overlaps another one of the
    same deputy for the same person.
    """
    if starts_on is None or ends_on is None:
        raise ValidationFailed(
            "Bitte geben Sie Beginn und Ende der Vertretung an.",
            "Please enter the first and the last day of the substitution.",
        )
    if deputy.id == user.id:
        raise ValidationFailed(
            "Eine Person kann nicht ihre eigene Vertretung sein.",
            "A person cannot be their own substitute.",
        )
    if not deputy.is_active_account:
        raise ValidationFailed(
            f"Das Konto von {deputy.name} ist deaktiviert; es kann niemanden vertreten.",
            f"The account of {deputy.name} is deactivated; it cannot stand in for anyone.",
        )
    if ends_on < starts_on:
        raise ValidationFailed(
            f"Das Ende ({_day(ends_on, 'de')}) liegt vor dem Beginn ({_day(starts_on, 'de')}).",
            f"The last day ({_day(ends_on, 'en')}) is before the first ({_day(starts_on, 'en')}).",
        )
    today = today or local_date(utcnow())
    if ends_on < today:
        raise ValidationFailed(
            "Die Vertretung läge ganz in der Vergangenheit; bitte prüfen Sie die Daten.",
            "The substitution would lie wholly in the past; please check the dates.",
        )
    note = (note or "").strip() or None
    if note is not None and len(note) > 300:
        raise ValidationFailed(
            "Die Notiz darf höchstens 300 Zeichen lang sein.",
            "The note may be at most 300 characters long.",
        )
    # serialize additions for the same person (PostgreSQL), so that two at once cannot overlap
    db.session.execute(sa.select(User.id).where(User.id == user.id).with_for_update())
    overlap = db.session.scalars(
        sa.select(Substitute)
        .where(
            Substitute.user_id == user.id,
            Substitute.deputy_id == deputy.id,
            Substitute.starts_on <= ends_on,
            Substitute.ends_on >= starts_on,
        )
        .order_by(Substitute.starts_on)
        .limit(1)
    ).first()
    if overlap is not None:
        raise ValidationFailed(
            f"{deputy.name} vertritt {user.name} bereits vom {_day(overlap.starts_on, 'de')} bis "
            f"{_day(overlap.ends_on, 'de')}; die Zeiträume dürfen sich nicht überschneiden.",
            f"{deputy.name} already stands in for {user.name} from "
            f"{_day(overlap.starts_on, 'en')} to {_day(overlap.ends_on, 'en')}; the periods must "
            "not overlap.",
        )
    substitute = Substitute(
        user=user, deputy=deputy, starts_on=starts_on, ends_on=ends_on, note=note
    )
    db.session.add(substitute)
    db.session.flush()
    return substitute


def remove_substitute(substitute: Substitute) -> None:
    """Delete a substitution (what the deputy did meanwhile stays in the history)."""
    db.session.delete(substitute)
    db.session.flush()
