"""flask --app wsgi …: db upgrade|status, create-admin, reset-password, settings list|get|set,
plus each area's commands from `<area>/cli.py` (a `commands` list of click commands/groups)."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
import peewee
from flask import Flask
from flask.cli import AppGroup

from plexportal.admin import audit
from plexportal.auth import service
from plexportal.auth.models import User
from plexportal.db import all_models, db, db_session
from plexportal.ops import service as ops
from plexportal.settings.registry import InvalidSetting, get_def, groups

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def migration_runner():
    from playhouse.migrations import Runner

    return Runner(db.obj, str(MIGRATIONS_DIR))


def pending_migrations() -> list[str]:
    """Migration files not yet applied (cheap: a directory listing and one query)."""
    names = sorted(p.stem for p in MIGRATIONS_DIR.glob("[0-9]*.py"))
    if "schema_migration" not in db.get_tables():
        return names
    applied = {row[0] for row in db.execute_sql("SELECT name FROM schema_migration")}
    return [n for n in names if n not in applied]


MIGRATION_LOCK_KEY = 7_426_001          # pg_advisory_lock id for "plexportal migrations"


class _migration_lock:
    """Concurrent `db upgrade` runs (two containers starting together) wait for each other; the
    second then finds nothing pending. PostgreSQL: an advisory lock; SQLite: a file lock beside
    the database file."""

    def __enter__(self):
        self._file = None
        if isinstance(db.obj, peewee.PostgresqlDatabase):
            db.execute_sql("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        elif isinstance(db.obj, peewee.SqliteDatabase) and db.obj.database not in ("", ":memory:"):
            import fcntl

            self._file = open(f"{db.obj.database}.migrate-lock", "a+")
            fcntl.flock(self._file, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        if isinstance(db.obj, peewee.PostgresqlDatabase):
            try:
                db.execute_sql("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
            except peewee.DatabaseError:
                pass                    # the session ends with the process; the lock goes with it
        if self._file is not None:
            self._file.close()          # closing releases the flock
        return False


def upgrade() -> list[str]:
    # The runner logs each migration at INFO; `db upgrade` prints its own line per migration.
    logging.getLogger("peewee.migrations").setLevel(logging.WARNING)
    with db_session(), _migration_lock():
        return migration_runner().up()


db_cli = AppGroup("db", help="Database schema.")


@db_cli.command("upgrade")
@click.option("--no-backup", is_flag=True, help="Migrate without backing plexportal up first.")
def db_upgrade(no_backup):
    """Apply pending migrations (after a backup of the database and key, when there is data)."""
    if not no_backup:

        ops.backup_before_upgrade(click.echo)
    applied = upgrade()
    if applied:
        for name in applied:
            click.echo(f"applied {name}")
    else:
        click.echo("database is up to date")


@db_cli.command("status")
def db_status():
    """List migrations and whether each is applied; exit 1 if any is pending."""
    with db_session():
        rows = migration_runner().status()
    pending = 0
    for m in rows:
        state = "applied " + m.applied.strftime("%Y-%m-%d %H:%M") if m.applied else "PENDING"
        if m.path is None:
            state += " (file missing)"
        if not m.applied:
            pending += 1
        click.echo(f"{m.name:50} {state}")
    if pending:
        click.echo(f"{pending} pending: run `flask --app wsgi db upgrade`")
        sys.exit(1)


@db_cli.command("new")
@click.argument("name")
@click.option("--number", type=int, default=None, help="Migration number (default: next free).")
def db_new(name, number):
    """Write a migration for the difference between the models and the (upgraded) database."""
    import re

    from playhouse.migrations import template
    from playhouse.schema_diff import diff_models


    with db_session():
        runner = migration_runner()
        if any(not m.applied for m in runner.status()):
            raise click.ClickException("apply pending migrations first: flask --app wsgi db upgrade")
        diff = diff_models(db.obj, all_models())
    if not diff:
        click.echo("models and database agree; nothing to write")
        return
    body = template(diff)
    # Callable defaults (clock.now…) live in the models, not in the schema: drop those TODOs.
    body = "\n".join(line for line in body.splitlines()
                     if not line.startswith("# Generated") and not ("# TODO" in line and "<function" in line))
    idx = number or max((m.idx for m in runner.migrations()), default=0) + 1
    slug = re.sub(r"[^\w]+", "_", name.strip()).strip("_").lower()
    path = MIGRATIONS_DIR / f"{idx:04d}_{slug}.py"
    path.write_text(f'"""{name}"""\n' + body.lstrip("\n") + "\n")
    click.echo(f"wrote {path.relative_to(MIGRATIONS_DIR.parent)}; review any TODO lines")


def _audit(action: str, message: str) -> None:
    audit.record(action, message)


def _read_password(from_stdin: bool, prompt: str) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt(prompt, hide_input=True, confirmation_prompt=True)


@click.command("create-admin")
@click.argument("username")
@click.option("--email", default=None, help="Email for admin alerts.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_admin(username, email, password_stdin):
    """Create an admin account."""

    password = _read_password(password_stdin, "Password")
    with db_session():
        try:
            user = service.create_admin(username, password, email)
        except service.AuthError as err:
            raise click.ClickException(str(err)) from None
        _audit("admin.created", f"Admin {user.username} created from the command line")
    click.echo(f"admin {user.username} created")


@click.command("reset-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--clear-2fa", "clear_2fa", is_flag=True,
              help="Also remove the second factors (authenticator app, recovery codes, passkeys): for a lost phone.")
@click.option("--keep-password", is_flag=True, help="With --clear-2fa: leave the password as it is.")
def reset_password(username, password_stdin, clear_2fa, keep_password):
    """Set a new password for an admin (and with --clear-2fa remove their second factors); ends
    all of their sessions."""

    if keep_password and not clear_2fa:
        raise click.UsageError("--keep-password only goes with --clear-2fa")
    with db_session():
        user = User.get_or_none(User.username == username)
        if user is None:
            raise click.ClickException(f"no user named {username}")
        if not keep_password:
            password = _read_password(password_stdin, "New password")
            try:
                service.set_password(user, password)
            except service.AuthError as err:
                raise click.ClickException(str(err)) from None
            _audit("admin.password_reset", f"Password of {username} reset from the command line; sessions ended")
        if clear_2fa:
            removed = service.clear_second_factors(user)
            _audit("auth.second_factor_cleared", f"Second factors of {username} removed from the command line "
                   f"({removed}); sessions ended")
    if not keep_password:
        click.echo(f"password changed for {username}; their sessions have ended")
    if clear_2fa:
        click.echo(f"second factors of {username} removed ({removed}); they can sign in with their password "
                   "and set up a new one")


settings_cli = AppGroup("settings", help="Read and change settings.")


@settings_cli.command("list")
def settings_list():
    """Every setting with its value (secrets masked) and where it comes from."""
    from plexportal.settings import service

    with db_session():
        for group, defs in groups().items():
            click.echo(f"[{group}]")
            for d in defs:
                click.echo(f"  {d.key:28} {service.display_value(d)!s:40} ({service.source(d.key)})")


@settings_cli.command("get")
@click.argument("key")
def settings_get(key):
    """Print one setting (secrets masked)."""
    from plexportal.settings import service

    try:
        d = get_def(key.upper())
    except KeyError as err:
        raise click.ClickException(str(err).strip("'\"")) from None
    with db_session():
        click.echo(service.display_value(d))


@settings_cli.command("set")
@click.argument("key")
@click.argument("value")
def settings_set(key, value):
    """Validate and store one setting. A VALUE of - reads it from standard input (keeps secrets
    out of the shell history)."""
    from plexportal.settings import service

    key = key.upper()
    if value == "-":
        value = sys.stdin.readline().rstrip("\n")
    with db_session():
        try:
            service.set_value(key, value)
        except KeyError as err:
            raise click.ClickException(str(err).strip("'\"")) from None
        except InvalidSetting as err:
            raise click.ClickException(f"{key}: {err.message}") from None
        _audit("settings.saved", f"Set {key} from the command line")
    click.echo(f"{key} saved")


@settings_cli.command("rotate-secrets")
def settings_rotate():
    """Re-encrypt every encrypted value (settings, notification destinations, Plex tokens…) with
    the current PLEXPORTAL_SECRET_KEY."""
    from plexportal.settings import service

    with db_session():
        report = service.rotate_secrets()
        total = sum(c["rotated"] for c in report.values())
        unreadable = sum(c["unreadable"] for c in report.values())
        _audit("settings.rotated", f"Re-encrypted {total} stored secret(s) with the current key"
               + (f"; {unreadable} could not be read" if unreadable else ""))
    for table, counts in report.items():
        line = f"{table}: re-encrypted {counts['rotated']}"
        if counts["unreadable"]:
            line += f", {counts['unreadable']} unreadable with either key (left as they are)"
        click.echo(line)
    click.echo(f"re-encrypted {total} secret(s)")
    if unreadable:
        click.echo("Some values could not be read with PLEXPORTAL_SECRET_KEY or PLEXPORTAL_SECRET_KEY_PREVIOUS: "
                   "keep the previous key until they are entered again.", err=True)


def install(app: Flask) -> None:
    """The platform's commands; each area's come from its area.py (plexportal.areas.install)."""
    app.cli.add_command(db_cli)
    app.cli.add_command(create_admin)
    app.cli.add_command(reset_password)
    app.cli.add_command(settings_cli)
    from plexportal import console  # after every area's commands: it gives each its one line

    console.tidy(app.cli)
    console.hide_flask_run()
