"""GET /api/v1/people and /api/v1/people/<id>: everyone on the server, as the People page shows them."""
from __future__ import annotations

from flask import abort, jsonify

from plexportal.api.views import _api, api_bp, paging
from plexportal.auth.models import User
from plexportal.lib import fmt
from plexportal.people import directory


def _json(person: dict) -> dict:
    person["access"]["expires_at"] = fmt.isotime(person["access"]["expires_at"])
    return person


@api_bp.get("/people")
@_api
def people():
    limit, offset = paging()
    query = User.select().where(User.role == "user")
    rows = list(query.order_by(User.id).limit(limit).offset(offset))
    return jsonify(total=query.count(), people=[_json(p) for p in directory.describe(rows)])


@api_bp.get("/people/<int:user_id>")
@_api
def person(user_id: int):
    user = User.get_or_none((User.id == user_id) & (User.role == "user")) or abort(404)
    return jsonify(_json(directory.describe([user])[0]))
