"""flask --app wsgi monitors list | run NAME"""
import click
from flask.cli import AppGroup

from plexportal.db import db_session
from plexportal.health import monitors, service
from plexportal.lib import fmt

monitors_cli = AppGroup("monitors", help="The media-health monitors.")


@monitors_cli.command("list")
def list_monitors():
    """Each monitor, whether it is on, its interval and its last run."""
    with db_session():
        for row in service.overview():
            m, last = row["monitor"], row["last"]
            state = "on " if row["enabled"] else "off"
            minutes = int(row["interval"].total_seconds() // 60)
            outcome = (f"last run {fmt.zoned(last.started_at)}: {last.status}, {last.summary}"
                       if last else "never run")
            click.echo(f"{m.name:15} {state} every {minutes:>5} min  {outcome}")


@monitors_cli.command("run")
@click.argument("name")
def run_monitor(name):
    """Run one monitor now and print what it found and did."""
    if name not in monitors.MONITORS:
        raise click.ClickException(f"unknown monitor {name!r}; known: {', '.join(monitors.MONITORS)}")
    with db_session():
        try:
            run = service.run_monitor(name, "cli")
        except service.Busy as err:
            raise click.ClickException(str(err)) from None
    for line in run.lines or []:
        click.echo(f"  {line}")
    for error in run.errors or []:
        click.echo(f"  error: {error}", err=True)
    click.echo(f"{name}: {run.status}, {run.summary}")
    if run.status == "error":
        raise SystemExit(1)


commands = [monitors_cli]
