"""flask --app wsgi notify test-email ADDRESS | notify send-due"""
from __future__ import annotations

import click
from flask.cli import AppGroup

from plexportal.db import db_session

notify_cli = AppGroup("notify", help="Messages: test email, send what is due.")


@notify_cli.command("test-email")
@click.argument("address")
def test_email(address):
    """Send a test email now through the outbox and report what the mail server said."""
    from plexportal.notify import mailserver, send, service
    from plexportal.notify.models import Notification

    with db_session():
        try:
            row = service.queue_test_email(address, kick=False)
        except ValueError as err:
            raise click.ClickException(str(err)) from None
        send.send([row.id])
        row = Notification.get_by_id(row.id)
        down = mailserver.status()
    if row.status == "sent":
        click.echo(f"sent to {address} (notification {row.id})")
        return
    reason = row.last_error or (f"mail server unreachable: {down['error']}" if down else row.status)
    raise click.ClickException(f"not sent: {reason} (notification {row.id}; "
                               "it stays in the outbox and is retried)")


@notify_cli.command("send-due")
def send_due():
    """Send every message that is due now (what the worker does each minute)."""
    from plexportal.notify import send

    with db_session():
        counts = send.send_due()
    click.echo(", ".join(f"{k} {v}" for k, v in counts.items()))


commands = [notify_cli]
