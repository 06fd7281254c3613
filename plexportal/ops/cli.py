"""flask --app wsgi data backup|restore|list: plexportal's own backups from the command line."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from plexportal.db import db, db_session
from plexportal.lib import fmt

data_cli = AppGroup("data", help="Back up and restore plexportal's own database and key.")


class _Progress:
    """Prints "… 40% (452,000 of 1,128,650 rows)" at each tenth, for long backups and restores."""

    def __init__(self, verb: str):
        self.verb = verb
        self.shown = 0

    def rows(self, done: int, total: int) -> None:
        step = done * 10 // total if total else 10
        if total >= 10_000 and step > self.shown and step < 10:
            self.shown = step
            click.echo(f"  {self.verb} {step * 10}% ({done:,} of {total:,} rows)")

    def tables(self, tables_done: int, tables_total: int, done: int, total: int) -> None:
        self.rows(done, total)


def _passphrase(from_stdin: bool, confirm: bool) -> str | None:
    if not from_stdin:
        return None
    text = sys.stdin.readline().rstrip("\n")
    if not text:
        raise click.ClickException("The passphrase read from standard input is empty.")
    if confirm and len(text) < 8:
        raise click.ClickException("Use a passphrase of at least 8 characters.")
    return text


@data_cli.command("backup")
@click.option("--to", "to", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write the archive to (default: SELF_BACKUP_DIR, or backups/ in the data dir).")
@click.option("--passphrase-stdin", is_flag=True, help="Seal the key file with a passphrase read from standard input.")
def data_backup(to, passphrase_stdin):
    """Write one archive: a consistent snapshot of the database, the key file and a manifest."""
    from plexportal.ops import backup, service

    passphrase = _passphrase(passphrase_stdin, confirm=True)
    with db_session():
        try:
            result = service.backup_now("cli", passphrase=passphrase, to=to, progress=_Progress("written").tables)
        except backup.BackupError as err:
            raise click.ClickException(str(err)) from None
    click.echo(f"Backed up {result.rows} rows in {len(result.counts)} tables to {result.path} "
               f"({fmt.human_bytes(result.size)}, {result.seconds:.1f} s).")
    if not passphrase:
        click.echo("The key file inside is not sealed: keep this archive as private as the data directory "
                   "(or use --passphrase-stdin).")


@data_cli.command("restore")
@click.argument("archive", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the archive and show what it holds; change nothing.")
@click.option("--force", is_flag=True, help="Replace data that is already there (a safety backup of it is taken first).")
@click.option("--passphrase-stdin", is_flag=True, help="Read the key file's passphrase from standard input.")
def data_restore(archive, dry_run, force, passphrase_stdin):
    """Restore an archive written by `data backup` into this data directory and database."""
    from plexportal.ops import backup, restore, service

    config = current_app.config["PLEXPORTAL"]
    passphrase = _passphrase(passphrase_stdin, confirm=False)
    try:
        if dry_run:
            checked = restore.verify(archive, passphrase)
            m = checked.manifest
            click.echo(f"{archive.name}: a {m.get('database')} backup made {m.get('created_at')} by plexportal "
                       f"{m.get('app_version')}, schema {m['schema']['migration']}; checksums and key are good.")
            _counts(checked.counts)
            if checked.forward:
                click.echo(f"A restore would then apply {len(checked.forward)} newer migration(s): "
                           + ", ".join(checked.forward))
            existing = restore.current_rows(db.obj)
            if existing:
                click.echo(f"The current database holds {existing} rows: a restore needs --force (and takes a "
                           "safety backup first).")
            click.echo("Dry run: nothing was changed.")
            return

        def safety():
            with db_session():
                return service.backup_now("safety").path

        result = restore.restore(archive, database=db.obj, data_dir=config.data_dir,
                                 env_secret_key=_env_key(), passphrase=passphrase, force=force,
                                 safety_backup=safety, echo=click.echo, progress=_Progress("loaded").rows)
    except (restore.RestoreError, backup.BackupError) as err:
        raise click.ClickException(f"{err} The current data was not changed.") from None
    _clear_queue()
    click.echo(f"Restored {sum(result.counts.values())} rows in {len(result.counts)} tables:")
    _counts(result.counts)
    if result.forward:
        click.echo("Migrated forward: " + ", ".join(result.forward))
    click.echo(f"Key file written to {result.key_written}.")
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo("Start the web and the worker again.")


def _env_key() -> str | None:
    import os

    return os.environ.get("PLEXPORTAL_SECRET_KEY") or None


def _counts(counts: dict[str, int]) -> None:
    filled = {t: n for t, n in counts.items() if n}
    width = max((len(t) for t in filled), default=0)
    for table, n in filled.items():
        click.echo(f"  {table:{width}}  {n:>9}")
    if len(filled) < len(counts):
        click.echo(f"  ({len(counts) - len(filled)} empty tables)")


def _clear_queue() -> None:
    """Tasks queued for the replaced data name rows by id, which now mean other things: drop them.
    The periodic sweeps find whatever is due in the restored data."""
    from plexportal.queue import huey

    try:
        huey.instance.flush()
    except Exception as err:  # noqa: BLE001 - the restore itself succeeded; say so and go on
        click.echo(f"Warning: could not empty the task queue ({err}); clear it before starting the worker.", err=True)


@data_cli.command("list")
def data_list():
    """The archives in the backup folder, newest first."""
    from plexportal.ops import backup, service

    with db_session():
        where = service.folder()
    found = backup.archives(where)
    if not found:
        click.echo(f"No backups in {where}.")
        return
    for a in found:
        state = a.problem or f"{a.manifest.get('rows', '?')} rows, schema {a.manifest['schema'].get('migration')}"
        click.echo(f"{a.name}  {fmt.human_bytes(a.size):>9}  {state}")


commands = [data_cli]
