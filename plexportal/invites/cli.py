"""flask --app wsgi invites create|list"""
from __future__ import annotations

import click
from flask.cli import AppGroup

from plexportal.db import db_session
from plexportal.invites import codes, service
from plexportal.invites.models import Invite
from plexportal.lib import clock, fmt

invites_cli = AppGroup("invites", help="Invite links.")


@invites_cli.command("create")
@click.option("--uses", default="1", show_default=True, help="Number of uses, or 'unlimited'.")
@click.option("--expires", default="", help="7d, 12h, 2w, or a date (2026-12-31) / date-time; default never.")
@click.option("--libraries", default="", help="Comma-separated library titles or plex.tv section ids; default all.")
@click.option("--preset", default="", help="Fill libraries and permissions from this preset.")
@click.option("--label", default="", help="A label to recognise the invite by.")
def create(uses, expires, libraries, preset, label):
    """Create an invite link and print it."""

    with db_session():
        try:
            values = {"label": label[:120], "max_uses": codes.parse_uses(uses),
                      "expires_at": codes.parse_expiry(expires, clock.now(), fmt.display_zone())}
        except ValueError as err:
            raise click.BadParameter(str(err)) from None
        if preset:
            p = service.get_preset_by_name(preset)
            if p is None:
                raise click.BadParameter(f"no preset called “{preset}”", param_hint="--preset")
            values["preset"] = p
        if libraries:
            values["libraries"] = _library_ids(libraries)
        invite = service.create_invite(values)
        link = service.join_url(invite)
        click.echo(link)
        if link.startswith("/"):
            click.echo("(set BASE_URL in Settings → General to print a full address)", err=True)


def _library_ids(text: str) -> list[int]:
    known = service.libraries()
    if not known:
        known = _fetch_libraries()
    by_title = {lib.title.lower(): lib.section_id for lib in known}
    by_id = {lib.section_id for lib in known}
    ids = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if part.lower() in by_title:
            ids.append(by_title[part.lower()])
        elif part.isdigit() and (int(part) in by_id or not known):
            ids.append(int(part))
        else:
            names = ", ".join(lib.title for lib in known) or "none (the Plex server reports no libraries)"
            raise click.BadParameter(f"unknown library “{part}”; known: {names}", param_hint="--libraries")
    return sorted(set(ids))


@invites_cli.command("list")
def list_():
    """List invite links with their use counts."""

    with db_session():
        rows = list(Invite.select().order_by(Invite.created_at.desc()))
        if not rows:
            click.echo("no invites yet: flask --app wsgi invites create")
            return
        for i in rows:
            uses = f"{i.use_count}/{i.max_uses if i.max_uses is not None else '∞'}"
            expires = fmt.isotime(i.expires_at) or "never"
            click.echo(f"{i.code}  {service.invite_status(i):9}  uses {uses:7}  expires {expires:21}  {i.label}")
            click.echo(f"    {service.join_url(i)}")


commands = [invites_cli]


def _fetch_libraries() -> list:
    """A fresh install knows no libraries yet: ask Plex now, or say clearly why not."""
    from plexportal.gateways.base import GatewayError
    from plexportal.invites import provisioning

    if not provisioning.is_plex_connected():
        raise click.UsageError("Plex is not connected yet: set PLEX_URL and PLEX_TOKEN (Settings → Plex, or "
                               "PLEXPORTAL_PLEX_URL / PLEXPORTAL_PLEX_TOKEN), then try again.")
    try:
        return provisioning.refresh_libraries()
    except GatewayError as err:
        raise click.UsageError(f"Could not read the libraries from Plex: {err.message}") from None
