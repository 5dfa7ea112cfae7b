"""The local SMTP sink keeps mails for viewing."""

from __future__ import annotations

import smtplib
from email import message_from_bytes, policy
from email.message import EmailMessage

from digiflow.system.cli import start_sink
from tests.conftest import free_port


def test_sink_stores_mails_and_lists_them(app_ctx, tmp_path):
    port = free_port()
    directory = tmp_path / "mail"
    controller = start_sink("127.0.0.1", port, directory)
    try:
        message = EmailMessage()
        message["From"] = "digiflow@localhost"
        message["To"] = "kaemmerei@example.org"
        message["Subject"] = "Genehmigung erforderlich: E-Akte"
        message.set_content("Bitte prüfen Sie die Maßnahme „E-Akte“.")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(message)
    finally:
        controller.stop()
    stored = list((directory / "new").iterdir())
    assert len(stored) == 1
    received = message_from_bytes(stored[0].read_bytes(), policy=policy.default)
    assert received.get_content().strip() == "Bitte prüfen Sie die Maßnahme „E-Akte“."
    assert received["X-Digiflow-Envelope-To"] == "kaemmerei@example.org"
    app_ctx.config["MAIL_SINK_DIR"] = str(directory)
    result = app_ctx.test_cli_runner().invoke(args=["mail", "list"])
    assert result.exit_code == 0
    assert "Genehmigung erforderlich: E-Akte" in result.output
    assert "kaemmerei@example.org" in result.output
