"""flask --app wsgi backups import|run|last|check|poll."""
from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import click
from flask.cli import AppGroup

from plexportal.db import db_session

backups_cli = AppGroup("backups", help="Backup monitoring: import logs, run a backup, check health.")


@backups_cli.command("import")
@click.option("--log", "log_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The main log (default: BACKUP_LOG_PATH).")
@click.option("--tracking", "tracking_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The tracking file (default: BACKUP_TRACKING_PATH or the one beside the log).")
def import_command(log_path, tracking_path):
    """Read the whole log and tracking file (safe to repeat: the same rows come out)."""
    from plexportal.backups import importer, service

    with db_session():
        if tracking_path is None and log_path is not None and not importer.explicit_tracking_path():
            tracking_path = log_path.with_name(importer.TRACKING_NAME)
        log_path = log_path or importer.log_path()
        tracking_path = tracking_path or importer.tracking_path()
        size = log_path.stat().st_size if log_path.exists() else 0
        with click.progressbar(length=size or 1, label=f"Reading {log_path.name}", file=sys.stderr,
                               show_eta=True, show_percent=True) as bar:
            reports = service.import_backup_logs(log_path, tracking_path, progress=bar.update)
    for report in reports:
        for line in report.lines():
            click.echo(line)
    if all(r.missing for r in reports):
        raise click.ClickException("neither file was found; set BACKUP_LOG_PATH or pass --log")


@backups_cli.command("poll")
def poll_command():
    """Read only what was added to the logs since last time."""
    from plexportal.backups import monitor, service

    with db_session():
        reports = service.poll_backup_logs(force=True)
        monitor.evaluate()
    for report in reports or []:
        for line in report.lines():
            click.echo(line)


@backups_cli.command("run")
def run_command():
    """Run the backup script now (same lock and cooldown as Run now), printing its output live."""
    from plexportal.backups import runner

    with db_session():
        try:
            job = runner.request_run(by="command line")
        except runner.RunRefused as err:
            extra = ""
            if err.next_allowed:
                from plexportal.lib import fmt
                extra = f" Next allowed {fmt.localtime(err.next_allowed)} ({fmt.reltime(err.next_allowed)})."
            raise click.ClickException(err.message + extra) from None
    result = {}

    def work(app):
        with app.app_context(), db_session():
            result["job"] = runner.execute(job.id)

    from flask import current_app

    thread = threading.Thread(target=work, args=(current_app._get_current_object(),), daemon=True)
    thread.start()
    position = 0
    while True:
        alive = thread.is_alive()
        position = _echo_from(job.output_path, position)
        if not alive:
            break
        time.sleep(0.2)
    done = result.get("job")
    if done is None:
        raise click.ClickException("the run did not start")
    click.echo(f"\nBackup run {done.status}" + (f" (exit code {done.exit_code})" if done.exit_code is not None else ""))
    if done.status != "success":
        sys.exit(1)


def _echo_from(path: str, position: int) -> int:
    try:
        with open(path, "rb") as fh:
            fh.seek(position)
            while True:
                data = fh.read(65536)
                if not data:
                    break
                sys.stdout.buffer.write(data)
                position += len(data)
            sys.stdout.flush()
    except OSError:
        pass
    return position


@backups_cli.command("last")
def last_command():
    """The most recent run, in words."""
    from plexportal.backups import monitor, words

    with db_session():
        st = monitor.compute()
        click.echo(words.last_run_sentence(st))
        click.echo(words.state_sentence(st))


@backups_cli.command("check")
def check_command():
    """Health of the log, tracking file, script and destination; exits 1 when something is wrong."""
    from plexportal.backups import service

    with db_session():
        results = service.run_checks()
    bad = 0
    for item in results:
        mark = {"ok": "ok  ", "warn": "warn", "bad": "FAIL", "skip": "skip"}[item.level]
        click.echo(f"[{mark}] {item.name}: {item.message}")
        bad += item.level == "bad"
    if bad:
        click.echo(f"{bad} problem(s) found")
        sys.exit(1)


commands = [backups_cli]
