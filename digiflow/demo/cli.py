"""``flask demo load``: fill an empty database with the demo Landkreis."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from digiflow.core.db import db

demo_cli = AppGroup("demo", help="Demodaten / demo data.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database holds data.")
def load_command(if_empty: bool) -> None:
    """Load the demo Landkreis (departments, committees and their members, users, about 40
    measures, a year of sessions)."""
    from digiflow.demo.data import DEMO_PASSWORD, EMAIL_DOMAIN, DemoLoader, is_loaded

    if is_loaded():
        if if_empty:
            click.echo("Die Datenbank enthält bereits Daten; Demo nicht geladen.")
            return
        raise click.ClickException("The database already holds data; the demo needs an empty one.")
    loader = DemoLoader()
    counts = loader.load()
    summary = loader.summary()
    db.session.commit()
    total = sum(counts.values())
    by_state = ", ".join(f"{state} {n}" for state, n in sorted(counts.items()))
    click.echo(f"Demo geladen: {total} Maßnahmen ({by_state}).")
    click.echo(
        f"{summary['sessions']} Sitzungen ({summary['held']} durchgeführt), "
        f"{summary['papers']} Vorlagen, {summary['resolutions']} Beschlüsse in der "
        f"Beschlussverfolgung."
    )
    click.echo(f"Anmeldung z. B. mit digitalisierung@{EMAIL_DOMAIN} / {DEMO_PASSWORD}")
