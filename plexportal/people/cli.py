"""flask --app wsgi people list|show ID|merge KEEP OTHER"""
from __future__ import annotations

import click
from flask.cli import AppGroup

from plexportal.db import db_session
from plexportal.lib import fmt
from plexportal.people.directory import FILTERS

people_cli = AppGroup("people", help="Everyone on the server: one row per human.")


@people_cli.command("list")
@click.option("--show", type=click.Choice([k for k, _ in FILTERS]), default="all", show_default=True,
              help="Which people.")
@click.option("--search", default="", help="Part of a name, username or email.")
def list_people(show, search):
    """One line per person: number, name, email, where they are known from, access."""
    from plexportal.people import directory

    with db_session():
        page, shown = 1, 0
        while True:
            found = directory.directory(show, search, page, per_page=500)
            for user, s in found.rows:
                click.echo(f"#{user.id:<6} {user.name[:30]:<30} {(user.email or '—')[:40]:<40} "
                           f"{','.join(s.sources) or '—':<24} {s.label}")
                shown += 1
            if found.page >= found.pages:
                break
            page += 1
        click.echo(f"{shown} {fmt.plural(shown, 'person', 'people')}", err=True)


def _person(user_id: int):
    from plexportal.auth.models import User

    user = User.get_or_none(User.id == user_id)
    if user is None:
        raise click.BadParameter(f"no person #{user_id}")
    return user


@people_cli.command("show")
@click.argument("person_id", type=int)
def show(person_id):
    """A person's ids, access and timeline."""
    from plexportal.people import directory, timeline

    with db_session():
        user = _person(person_id)
        [p] = directory.describe([user])
        click.echo(f"#{p['id']} {p['name']}")
        click.echo(f"  emails:   {', '.join(p['emails']) or '—'}")
        click.echo(f"  plex:     {p['plex_username'] or '—'} ({p['plex_user_id'] or 'no account id'})")
        click.echo(f"  seerr:    {p['seerr_user_id'] or '—'}    jellyfin: {p['jellyfin_user_id'] or '—'}")
        click.echo(f"  known from: {', '.join(p['sources']) or '—'}")
        libraries = ", ".join(p["access"]["libraries"]) or "—"
        ends = fmt.isotime(p["access"]["expires_at"]) or "never"
        click.echo(f"  access:   {p['access']['status']}; libraries: {libraries}; ends: {ends}")
        click.echo(f"  requests: {p['requests']}    messages sent: {p['messages_sent']}")
        for n in directory.same_email(user):
            click.echo(f"  same email as #{n.user.id} {n.user.name}: {n.reason}")
        click.echo("  timeline:")
        for e in timeline.timeline(user, limit=50):
            click.echo(f"    {fmt.isotime(e.at)}  {e.text}{f' [{e.status}]' if e.status else ''}")


@people_cli.command("merge")
@click.argument("keep_id", type=int)
@click.argument("other_id", type=int)
def merge(keep_id, other_id):
    """Merge person OTHER into person KEEP: everything OTHER holds moves to KEEP."""
    from plexportal.people import identity

    with db_session():
        keep, other = _person(keep_id), _person(other_id)
        try:
            _survivor, message = identity.merge(keep, other, reason="merged with the command line")
        except identity.MergeRefused as err:
            raise click.ClickException(str(err)) from None
        click.echo(message)


commands = [people_cli]
