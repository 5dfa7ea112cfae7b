"""``flask mail ...``: the local mail sink that keeps mails for viewing."""

from __future__ import annotations

import mailbox
import signal
import threading
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import click
from aiosmtpd.controller import Controller
from flask import current_app
from flask.cli import AppGroup

mail_cli = AppGroup("mail", help="Lokales Postfach für Entwicklung und Demo / local mail sink.")


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
