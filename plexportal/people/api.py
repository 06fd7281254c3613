"""GET /api/v1/people and /api/v1/people/<id>: everyone on the server, as the People page shows them."""
from __future__ import annotations

from flask import jsonify

from plexportal.api import envelope
from plexportal.api.envelope import INT, MAYBE_INT, MAYBE_TEXT, TEXT, TIME, enum, obj
from plexportal.api.views import _api, api_bp
from plexportal.auth.models import User
from plexportal.lib import fmt
from plexportal.people import directory

ACCESS = obj("Their share of the Plex server",
             status=enum(("active", "waiting", "suspended", "removed", "expired", "none")),
             libraries={"type": "array", "items": TEXT, "description": "Library names; [\"all\"] for every library"},
             expires_at=TIME)
PERSON = obj("One person (one human, whichever way they came)",
             id=INT, name=TEXT, emails={"type": "array", "items": TEXT}, plex_username=MAYBE_TEXT,
             plex_user_id=MAYBE_INT, seerr_user_id=MAYBE_INT, jellyfin_user_id=MAYBE_TEXT,
             sources={"type": "array", "items": enum(("plex", "seerr", "jellyfin", "invite"))},
             access=ACCESS, requests=INT, messages_sent=INT)


def _json(person: dict) -> dict:
    person["access"]["expires_at"] = fmt.isotime(person["access"]["expires_at"])
    return person


@api_bp.get("/people")
@_api
@envelope.listing("Everyone on the server: ids, where they are known from, access and counts", item=PERSON)
def people(args):
    query = User.select().where(User.role == "user")
    rows = list(query.order_by(User.id).limit(args.limit).offset(args.offset))
    return query.count(), [_json(p) for p in directory.describe(rows)]


@api_bp.get("/people/<person_id>")
@_api
@envelope.documented("One person, as the list gives them", response=PERSON,
                     path=[envelope.Integer("person_id", "The person's id (`id` in /api/v1/people)", minimum=1)])
def person(person_id: str):
    # Read as text and checked here, so a wrong id is this API's 404 only after the key was checked.
    pid = envelope.path_id(person_id)
    found = User.get_or_none((User.id == pid) & (User.role == "user")) if pid is not None else None
    if found is None:
        return envelope.not_found(f"no person #{pid}" if pid is not None else "a person's id is a whole number")
    return jsonify(_json(directory.describe([found])[0]))
