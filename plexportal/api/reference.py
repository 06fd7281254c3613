"""The API reference for admins (/api/reference): the OpenAPI document, read as a page."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from plexportal import web
from plexportal.api import openapi
from plexportal.settings import service as settings

bp = Blueprint("api_reference", __name__, url_prefix="/api")


def _type(schema: dict) -> str:
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    kind = schema.get("type", "object")
    kinds = kind if isinstance(kind, list) else [kind]
    words = [str({"string": schema.get("format", "text").replace("date-time", "time (UTC)"),
                  "integer": "number", "boolean": "true/false", "null": "null"}.get(k, k)) for k in kinds]
    if "array" in kinds and isinstance(schema.get("items"), dict) and "properties" not in schema["items"]:
        words = [f"list of {_type(schema['items'])}"]
    return " or ".join(words)


def fields(schema: dict, prefix: str = "") -> list[dict]:
    """(name, type, description) for every property, nested ones as a.b and lists as a[].b."""
    out = []
    for name, prop in (schema.get("properties") or {}).items():
        full = f"{prefix}{name}"
        out.append({"name": full, "type": _type(prop), "description": prop.get("description", "")})
        if prop.get("properties"):
            out += fields(prop, f"{full}.")
        elif isinstance(prop.get("items"), dict) and prop["items"].get("properties"):
            out += fields(prop["items"], f"{full}[].")
        elif isinstance(prop.get("additionalProperties"), dict):
            out += fields(prop["additionalProperties"], f"{full}.<name>.")
    return out


def endpoints(spec: dict) -> list[dict]:
    out = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            schema = op["responses"]["200"]["content"]["application/json"]["schema"]
            out.append({"method": method.upper(), "path": path, "summary": op["summary"],
                        "description": op.get("description", ""), "id": op["operationId"],
                        "path_params": [{"name": p["name"], "type": _type(p["schema"]),
                                         "description": p["description"]}
                                        for p in op["parameters"] if p["in"] == "path"],
                        "params": [{"name": p["name"], "type": _type(p["schema"]), "description": p["description"]}
                                   for p in op["parameters"] if p["in"] == "query"],
                        "fields": fields(schema)})
    return out


@bp.get("/reference")
def index():
    spec = openapi.build(current_app)
    base = request.url_root.rstrip("/")
    return web.render_page("api/reference.html", spec=spec, endpoints=endpoints(spec), base=base,
                           has_key=bool(settings.get("API_KEY")))


@bp.get("/reference/openapi.json")
def document():
    """The same document for a signed-in admin (the /api/v1 one needs the key)."""
    response = jsonify(openapi.build(current_app))
    response.headers["Content-Disposition"] = "attachment; filename=plexportal-openapi.json"
    return response
