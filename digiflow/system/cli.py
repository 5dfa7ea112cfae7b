"""``flask mail ...``: the local mail sink that keeps mails for viewing, and the outbox."""

from __future__ import annotations

import mailbox
import signal
import threading
from datetime import datetime
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import current_app
from flask.cli import AppGroup

from digiflow.core.time import LOCAL_TZ

mail_cli = AppGroup(
    "mail",
    help="Lokales Postfach für Entwicklung und Demo, Postausgang / local mail sink, outbox.",
)


class MaildirHandler:
    """aiosmtpd handler that stores every received message in a Maildir."""

    def __init__(self, directory: Path) -> None:
        self.maildir = mailbox.Maildir(directory, create=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = mailbox.MaildirMessage(envelope.original_content or envelope.content)
        message["X-Digiflow-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.maildir.add(message)
        return "250 Message accepted for delivery"


def start_sink(host: str, port: int, directory: Path) -> Controller:
    """Start the SMTP sink in a background thread; the caller stops it."""
    controller = Controller(MaildirHandler(directory), hostname=host, port=port)
    controller.start()
    return controller


@mail_cli.command("sink")
def sink_command() -> None:
    """Run the local SMTP sink on MAIL_SERVER:MAIL_PORT, storing mails in MAIL_SINK_DIR."""
    host, port = current_app.config["MAIL_SERVER"], current_app.config["MAIL_PORT"]
    directory = Path(current_app.config["MAIL_SINK_DIR"])
    controller = start_sink(host, port, directory)
    click.echo(f"Mail sink listening on {host}:{port}, storing in {directory}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


@mail_cli.command("list")
def list_command() -> None:
    """List the mails the local sink received, newest last."""
    directory = Path(current_app.config["MAIL_SINK_DIR"])
    if not directory.exists():
        click.echo("Noch keine Mails empfangen / no mails yet.")
        return
    box = mailbox.Maildir(directory, create=False)
    for key, message in sorted(box.items(), key=lambda kv: kv[1].get_date()):
        subject = str(make_header(decode_header(message.get("Subject", ""))))
        click.echo(f"{key}  {message.get('Date', '')}  {message.get('To', '')}  {subject}")


# ---------------------------------------------------------------------------------------------
# The outbox (mails written by the app, delivered by the worker)

OUTBOX_STATUSES = ("pending", "sending", "failed", "sent", "all")


def shorten(text: str | None, width: int) -> str:
    """One line of at most ``width`` characters (… when cut); an en dash when empty."""
    if not text:
        return "–"
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def local_time(moment: datetime | None) -> str:
    """27.11.2023 14:05 in German local time."""
    return moment.astimezone(LOCAL_TZ).strftime("%d.%m.%Y %H:%M") if moment else "–"


@mail_cli.command("outbox")
@click.option(
    "--status",
    "status",
    type=click.Choice(OUTBOX_STATUSES),
    default=None,
    help="Nur Mails mit diesem Status (Vorgabe: wartend, in Zustellung und fehlgeschlagen) / "
    "only mails with this status (default: pending, sending and failed).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="Höchstens so viele Mails zeigen / show at most this many mails.",
)
def outbox_command(status: str | None, limit: int) -> None:
    """List the mails of the outbox, newest first."""
    from digiflow.core.db import db
    from digiflow.notifications.models import MailStatus, OutboxMessage

    if status is None:
        wanted = [MailStatus.pending, MailStatus.sending, MailStatus.failed]
    elif status == "all":
        wanted = list(MailStatus)
    else:
        wanted = [MailStatus(status)]
    condition = OutboxMessage.status.in_(wanted)
    total = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(condition))
    if not total:
        click.echo("Keine Mails / no mails.")
        return
    messages = db.session.scalars(
        sa.select(OutboxMessage).where(condition).order_by(OutboxMessage.id.desc()).limit(limit)
    ).all()
    rows = [("ID", "STATUS", "VERSUCHE", "NÄCHSTER VERSUCH", "EMPFÄNGER", "BETREFF", "FEHLER")]
    for m in messages:
        if m.status in (MailStatus.pending, MailStatus.sending):
            when = local_time(m.next_attempt_at)
        elif m.status == MailStatus.sent:
            when = "gesendet " + local_time(m.sent_at)
        else:
            when = "–"
        rows.append(
            (
                str(m.id),
                m.status.value,
                str(m.attempts),
                when,
                shorten(m.to_address, 40),
                shorten(m.subject, 50),
                shorten(m.last_error, 60),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        padded = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        click.echo("  ".join([*padded, row[-1]]))
    if total > len(messages):
        click.echo(f"… {len(messages)} von {total} / {len(messages)} of {total} (--limit)")


@mail_cli.command("resend")
@click.argument("message_id", type=int)
def resend_command(message_id: int) -> None:
    """Send a failed mail again (it goes back into the queue)."""
    from digiflow.admin.outbox_views import ensure_resendable
    from digiflow.core.db import db
    from digiflow.core.errors import DomainError
    from digiflow.notifications.delivery import resend
    from digiflow.notifications.models import OutboxMessage

    message = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update()
    )
    if message is None:
        db.session.rollback()
        raise click.ClickException(
            f"Keine Mail mit der Nummer {message_id} / no mail {message_id}."
        )
    try:
        ensure_resendable(message)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.message('de')} / {exc.message('en')}") from exc
    resend(message)
    db.session.commit()
    click.echo(
        f"Mail {message.id} an {message.to_address} wird erneut gesendet / "
        f"mail {message.id} to {message.to_address} is queued again."
    )
