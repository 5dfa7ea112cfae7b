"""``flask reminders ...``: run the reminder scan by hand."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

reminders_cli = AppGroup("reminders", help="Erinnerungen an Fristen / deadline reminders.")


@reminders_cli.command("run")
@click.option("--limit", type=int, default=None, help="At most this many reminders.")
def run_command(limit: int | None) -> None:
    """Send the reminders that are due now (one scan), and print what happened."""
    from digiflow.reminders.scanner import scan

    counts = scan(limit=limit or current_app.config["REMINDER_BATCH_SIZE"])
    click.echo(" ".join(f"{key}={value}" for key, value in counts.items()))
    if counts["locked"]:
        click.echo("Ein anderer Scan läuft gerade / another scan is running.")
