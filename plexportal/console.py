"""The `plexportal` command (installed with the project) and the shape of `flask --app wsgi --help`.

Both list the same commands; `plexportal --help` groups them by area with one line each, and its
`run` starts the web and the worker together (Flask's own `run` starts only a development web
server, without the worker, so it is hidden from `flask --help`).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup, with_appcontext

ROOT = Path(__file__).resolve().parent.parent

# Section → (command, its one line). A command no section names is listed under "Other".
SECTIONS: list[tuple[str, list[tuple[str, str]]]] = [
    ("Start and set up", [
        ("run", "Start the web and the worker together (Ctrl-C stops both)."),
        ("db", "Database schema: upgrade, status."),
        ("create-admin", "Create an admin account."),
        ("reset-password", "Set an admin's password, or clear their second factor."),
        ("settings", "Read and change settings."),
    ]),
    ("People and messages", [
        ("people", "Everyone on the server: list, show one, merge two."),
        ("invites", "Invite links: create and list."),
        ("notify", "Messages: send a test email, send what is due."),
    ]),
    ("Media and backups", [
        ("monitors", "Media health checks: list, run one now."),
        ("backups", "Plex backups: import logs, run one, check the set-up."),
    ]),
    ("plexportal's own data", [
        ("data", "Back up and restore plexportal's database and key."),
    ]),
    ("For developers", [
        ("routes", "Show every URL and the view that answers it."),
        ("shell", "A Python shell with the app loaded."),
        ("limiter", "Rate-limit store maintenance (Flask-Limiter)."),
    ]),
]
ONE_LINE = {name: line for _, commands in SECTIONS for name, line in commands}
# Sub-commands whose help opens with a sentence too long for one line.
SUB_LINE = {
    ("db", "new"): "Write a migration for what changed in the models (developers).",
    ("db", "status"): "List migrations; exit 1 if any is pending.",
    ("db", "upgrade"): "Apply pending migrations (backing up first when there is data).",
    ("notify", "send-due"): "Send every message that is due now (the worker does it each minute).",
    ("notify", "test-email"): "Send a test email through the outbox and say what happened.",
    ("backups", "check"): "Check the log, tracking file, script and destination.",
    ("backups", "import"): "Read the whole log and tracking file (safe to repeat).",
    ("backups", "run"): "Run the backup script now (same lock and cooldown as Run now).",
    ("data", "backup"): "Write one archive: the database, the key file and a manifest.",
    ("data", "restore"): "Restore an archive written by `data backup`.",
    ("settings", "docs"): "Write .env.example and docs/configuration.md.",
    ("settings", "list"): "Every setting, its value (secrets masked) and where it comes from.",
    ("settings", "rotate-secrets"): "Re-encrypt every stored secret with the current key.",
}
HIDDEN_FROM_FLASK = {"run"}         # Flask's development server: web only, no worker


def tidy(group: click.Group) -> None:
    """Give every known command its one line (click would cut a long help at ~45 characters)."""
    for name, command in group.commands.items():
        if name in ONE_LINE:
            command.short_help = ONE_LINE[name]
        for sub_name, sub in getattr(command, "commands", {}).items():
            if (name, sub_name) in SUB_LINE:
                sub.short_help = SUB_LINE[(name, sub_name)]


def hide_flask_run() -> None:
    """`flask --app wsgi run` would start a web server without the worker: messages would
    silently never go out. Keep it callable for development, but do not offer it."""
    import flask.cli

    flask.cli.run_command.hidden = True


@click.command("run", short_help=ONE_LINE["run"])
@click.option("--no-upgrade", is_flag=True, help="Start without applying pending migrations first.")
@with_appcontext
@click.pass_context
def run_command(ctx: click.Context, no_upgrade: bool) -> None:
    """Apply pending migrations, then start the web (gunicorn, on PLEXPORTAL_BIND, default
    127.0.0.1:8000) and the worker (the Huey consumer) in the foreground, as `make run` does.
    Ctrl-C stops both; if either stops, so does the other. PLEXPORTAL_VERBOSE=true shows every
    request and every task as well."""
    if not no_upgrade:
        from plexportal.cli import db_upgrade

        ctx.invoke(db_upgrade, no_backup=False)      # as `make run`: a backup first when there is data
    env = {**os.environ, "VENV": sys.prefix}
    os.execve(str(ROOT / "scripts" / "run"), [str(ROOT / "scripts" / "run")], env)  # nosec B606 # fixed path in the project


class PlexportalGroup(FlaskGroup):
    def __init__(self, **kw):
        super().__init__(create_app=_create_app, add_version_option=False, set_debug_flag=False, **kw)
        # Flask's --app and --debug make no sense here: the app is plexportal, and debug is off.
        self.params = [p for p in self.params if p.name not in ("app", "debug")]
        self.commands.pop("run", None)
        self.add_command(run_command)

    def list_commands(self, ctx):
        return [name for name in super().list_commands(ctx) if name != "run"] + ["run"]

    def format_commands(self, ctx, formatter):
        commands = {}
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                commands[name] = command
        placed = set()
        for title, entries in SECTIONS:
            rows = [(name, ONE_LINE[name]) for name, _ in entries if name in commands]
            placed.update(name for name, _ in rows)
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)
        others = [(name, c.get_short_help_str(80)) for name, c in commands.items() if name not in placed]
        if others:
            with formatter.section("Other"):
                formatter.write_dl(others)


def _create_app():
    from plexportal import create_app
    from plexportal.config import ConfigError

    try:
        return create_app()
    except ConfigError as err:
        click.echo(f"plexportal cannot start: {err}", err=True)
        sys.exit(2)


cli = PlexportalGroup(name="plexportal", help=(
    "plexportal: requests, invites, messages and backups for a Plex server shared with friends and family.\n\n"
    "Configuration comes from PLEXPORTAL_* variables and .env, as for the web and the worker. "
    "`plexportal COMMAND --help` tells more."))


def main() -> None:
    cli.main(prog_name="plexportal")
