"""``flask org ...``: set up the body, its departments and committees."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from digiflow.core.db import db
from digiflow.core.errors import DomainError
from digiflow.core.roles import CommitteeType
from digiflow.org.models import Committee, Department
from digiflow.org.operations import add_committee, add_department, create_body, current_body

org_cli = AppGroup("org", help="Körperschaft, Fachbereiche, Gremien / body, departments.")


def _run(operation: Callable[..., Any], **kwargs: Any) -> Any:
    try:
        result = operation(**kwargs)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message_de) from exc
    db.session.commit()
    return result


@org_cli.command("create-body")
@click.option("--name", required=True, help='e.g. "Landkreis Hildesheim"')
@click.option("--short-name", required=True)
@click.option("--kind", required=True, help="Landkreis, Stadt, Gemeinde, ...")
@click.option("--federal-state", default="NI", show_default=True, help="ISO code, e.g. NI")
@click.option("--ags", help="Amtlicher Gemeindeschlüssel")
def create_body_command(
    name: str, short_name: str, kind: str, federal_state: str, ags: str | None
) -> None:
    """Create the body (municipality) this installation serves."""
    body = _run(
        create_body,
        name=name,
        short_name=short_name,
        kind=kind,
        federal_state=federal_state,
        ags=ags,
    )
    click.echo(f"Körperschaft angelegt: {body.name} ({body.federal_state})")


@org_cli.command("add-department")
@click.option("--short-name", required=True, help='e.g. "FB 30"')
@click.option("--name", required=True)
def add_department_command(short_name: str, name: str) -> None:
    """Add a department (Fachbereich, Amt)."""
    department = _run(add_department, short_name=short_name, name=name)
    click.echo(f"Fachbereich angelegt: {department.short_name} – {department.name}")


@org_cli.command("add-committee")
@click.option("--short-name", required=True)
@click.option("--name", required=True)
@click.option("--type", "type_", required=True, type=click.Choice([t.value for t in CommitteeType]))
@click.option("--notice-days", default=7, show_default=True, type=int, help="Ladungsfrist in days")
@click.option("--non-public", is_flag=True, help="Sessions are not public by default.")
def add_committee_command(
    short_name: str, name: str, type_: str, notice_days: int, non_public: bool
) -> None:
    """Add a committee (Gremium)."""
    committee = _run(
        add_committee,
        short_name=short_name,
        name=name,
        type_=type_,
        notice_days=notice_days,
        is_public=not non_public,
    )
    click.echo(f"Gremium angelegt: {committee.short_name} – {committee.name}")


@org_cli.command("list")
def list_command() -> None:
    """Show the body, its departments and committees."""
    body = current_body()
    if body is None:
        click.echo("Noch keine Körperschaft angelegt.")
        return
    click.echo(f"{body.name} ({body.kind}, {body.federal_state})")
    for d in db.session.scalars(sa.select(Department).order_by(Department.short_name)):
        click.echo(f"  Fachbereich {d.short_name}: {d.name}")
    for c in db.session.scalars(sa.select(Committee).order_by(Committee.short_name)):
        click.echo(f"  Gremium {c.short_name}: {c.name} ({c.type.value})")
