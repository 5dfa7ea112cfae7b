"""``flask users ...``: create accounts from the command line."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from digiflow.core.db import db
from digiflow.core.errors import DomainError
from digiflow.core.roles import Role
from digiflow.org.models import Committee, Department
from digiflow.users.operations import assign_role, create_user

users_cli = AppGroup("users", help="Benutzerkonten verwalten / manage user accounts.")


def _department(short_name: str) -> Department:
    department = db.session.scalar(sa.select(Department).where(Department.short_name == short_name))
    if department is None:
        raise click.BadParameter(f"unknown department {short_name!r}")
    return department


def _parse_role(text: str) -> tuple[Role, Department | None, Committee | None]:
    name, _, scope = text.partition(":")
    try:
        role = Role(name)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise click.BadParameter(f"unknown role {name!r}; known: {known}") from None
    if not scope:
        return role, None, None
    kind, _, short_name = scope.partition("=")
    if kind == "department":
        return role, _department(short_name), None
    if kind == "committee":
        committee = db.session.scalar(
            sa.select(Committee).where(Committee.short_name == short_name)
        )
        if committee is None:
            raise click.BadParameter(f"unknown committee {short_name!r}")
        return role, None, committee
    raise click.BadParameter("scope must be department=SHORT or committee=SHORT")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="DIGIFLOW_NEW_PASSWORD",
    help="Prompted for when not given (or set DIGIFLOW_NEW_PASSWORD).",
)
@click.option("--department", "department_short", help="Short name of the user's department.")
@click.option("--language", type=click.Choice(["de", "en"]), default="de")
@click.option(
    "--role",
    "roles",
    multiple=True,
    help="ROLE, ROLE:department=SHORT or ROLE:committee=SHORT; repeatable.",
)
def create_command(
    email: str,
    name: str,
    password: str,
    department_short: str | None,
    language: str,
    roles: tuple[str, ...],
) -> None:
    """Create a user account, optionally with roles."""
    department = _department(department_short) if department_short else None
    parsed = [_parse_role(r) for r in roles]
    try:
        user = create_user(
            email=email, name=name, password=password, language=language, department=department
        )
        for role, dept, committee in parsed:
            assign_role(user, role, department=dept, committee=committee)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message_de) from exc
    db.session.commit()
    click.echo(f"Benutzer angelegt: {user.email} (id {user.id})")
