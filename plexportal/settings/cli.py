"""`flask --app wsgi settings docs`: regenerate .env.example and docs/configuration.md from the
settings registry (added to the `settings` group that plexportal/cli.py defines)."""
from __future__ import annotations

import sys

import click

from plexportal.cli import settings_cli


@settings_cli.command("docs")
@click.option("--check", is_flag=True, help="Only report whether the files are up to date (exit 1 if not).")
def settings_docs(check):
    """Write .env.example and docs/configuration.md from the settings registry."""
    from plexportal.settings import docs

    if check:
        stale = docs.stale()
        for path in stale:
            click.echo(f"out of date: {path.relative_to(docs.ROOT)}")
        if stale:
            click.echo(f"run `{docs.REGENERATE}` and commit the result")
            sys.exit(1)
        click.echo("configuration reference is up to date")
        return
    for path, text in docs.outputs().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        click.echo(f"wrote {path.relative_to(docs.ROOT)}")


commands: list = []      # `docs` lives in the existing `settings` group
