"""The OpenAPI 3.1 document of /api/v1, built from the routes themselves.

Each API view carries its description (`envelope.listing` / `envelope.documented`): summary,
query parameters (the same objects that parse the query string) and the JSON Schema of what it
answers. This module walks the app's URL map, so a route added without a description shows up as
undocumented (and a test fails) instead of silently missing from the reference.
"""
from __future__ import annotations

import re

from flask import Flask

from plexportal import __version__

ERROR = {"type": "object", "required": ["error"], "additionalProperties": False,
         "properties": {"error": {"type": "string", "description": "What is wrong, in words"},
                        "parameter": {"type": "string", "description": "The query parameter at fault (400 only)"}}}


def envelope_schema(item: dict, extra: dict) -> dict:
    properties = {
        "items": {"type": "array", "items": item},
        "total": {"type": "integer", "minimum": 0, "description": "How many items match, over every page"},
        "limit": {"type": "integer", "minimum": 1},
        "offset": {"type": "integer", "minimum": 0},
        "next": {"type": ["string", "null"],
                 "description": "Path and query of the next page, or null on the last one"},
    }
    properties.update(extra)
    return {"type": "object", "required": list(properties), "additionalProperties": False,
            "properties": properties}


def api_rules(app: Flask):
    """(rule, view) for every /api/v1 route, in path order."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint.startswith("api.") and rule.rule.startswith("/api/v1/"):
            yield rule, app.view_functions[rule.endpoint]


def undocumented(app: Flask) -> list[str]:
    return [rule.rule for rule, view in api_rules(app) if not getattr(view, "openapi", None)]


PATH_PART = re.compile(r"<(?:([^:>]+):)?([^>]+)>")
CONVERTER_SCHEMAS: dict[str, dict] = {"int": {"type": "integer", "minimum": 0}, "float": {"type": "number"}}


def path_params(rule: str, declared: list) -> list[dict]:
    """Every `<part>` of a route as an OpenAPI path parameter: always required; its description and
    schema as the view declares them, else from the converter."""
    by_name = {p.name: p for p in declared}
    out = []
    for converter, name in PATH_PART.findall(rule):
        param = by_name.get(name)
        schema: dict = param.schema if param is not None else CONVERTER_SCHEMAS.get(converter, {"type": "string"})
        out.append({"name": name, "in": "path", "required": True,
                    "description": param.description if param is not None else "", "schema": dict(schema)})
    return out


def _operation(rule: str, endpoint: str, doc: dict) -> dict:
    in_path = path_params(rule, doc.get("path", []))
    params = in_path + [{"name": p.name, "in": "query", "required": False, "description": p.description,
                         "schema": p.schema} for p in doc["params"]]
    body = envelope_schema(doc["item"], doc["extra"]) if doc["list"] else doc["response"]
    responses = {
        "200": {"description": "OK", "content": {"application/json": {"schema": body}}},
        "401": {"description": "Missing or wrong X-Api-Key, or the API is off (no key set)",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "429": {"description": "Too many wrong keys from this address",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    }
    if in_path:
        responses["404"] = {"description": "Nothing has that " + " and ".join(p["name"] for p in in_path),
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    if doc["params"]:
        responses["400"] = {"description": "A query parameter with a value the API cannot use (named in `parameter`)",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    op = {"operationId": endpoint.split(".", 1)[1], "summary": doc["summary"], "parameters": params,
          "responses": responses}
    if doc.get("description"):
        op["description"] = doc["description"]
    return op


def build(app: Flask) -> dict:
    paths: dict[str, dict] = {}
    for rule, view in api_rules(app):
        doc = getattr(view, "openapi", None)
        if not doc:
            continue
        path = PATH_PART.sub(r"{\2}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule.rule, rule.endpoint, doc)
    return {
        "openapi": "3.1.0",
        "info": {"title": "plexportal API", "version": __version__,
                 "description": "Read-only JSON for dashboards (Homepage, Homarr) and scripts. Every request "
                                "sends the API key (Settings → Security) as the X-Api-Key header. Lists share one "
                                "envelope: items, total, limit, offset and next (the next page's path, or null). "
                                "Times are ISO 8601 in UTC ending in Z."},
        "servers": [{"url": "/"}],
        "security": [{"apiKey": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}},
            "schemas": {"Error": ERROR},
        },
    }
