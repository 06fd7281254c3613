"""The shape every /api/v1 list answers in, and the query parameters it reads.

A list view declares its filters once; the same declaration parses the query string (a bad value
is a 400 naming the parameter) and describes the endpoint in the OpenAPI document:

    @api_bp.get("/webhooks")
    @_api
    @envelope.listing("Webhooks received", item=EVENT_SCHEMA,
                      filters=[envelope.Choice("source", SOURCES, "Which system sent it")])
    def webhooks(args):
        q = WebhookEvent.select()
        if args["source"]:
            q = q.where(WebhookEvent.source == args["source"])
        return q.count(), [event_json(e) for e in q.offset(args.offset).limit(args.limit)]

answers `{"items": [...], "total": 120, "limit": 50, "offset": 0, "next": "/api/v1/webhooks?…&offset=50"}`.
Timestamps everywhere are ISO 8601 in UTC with a `Z` (`fmt.isotime`); time filters take the same.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import jsonify, request

from plexportal.lib import clock


class BadParameter(ValueError):
    """A query parameter the API cannot use: answered 400 with the parameter named."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


class Param:
    """One query parameter: its name, what it means, its JSON Schema, and how its text becomes a value."""
    def __init__(self, name: str, description: str = "", default: Any = None):
        self.name, self.description, self.default = name, description, default
        self.schema: dict = {"type": "string"}

    def parse(self, raw: str) -> Any:
        return raw

    def read(self, args) -> Any:
        raw = args.get(self.name)
        if raw is None or raw == "":
            return self.default
        return self.parse(raw)


class Text(Param):
    def __init__(self, name: str, description: str = "", *, max_length: int = 64):
        super().__init__(name, description, "")
        self.max_length = max_length
        self.schema = {"type": "string", "maxLength": max_length}

    def parse(self, raw: str) -> str:
        if len(raw) > self.max_length:
            raise BadParameter(self.name, f"{self.name} must be at most {self.max_length} characters")
        return raw


class Choice(Param):
    def __init__(self, name: str, choices, description: str = ""):
        super().__init__(name, description, "")
        self.choices = tuple(choices)
        self.schema = {"type": "string", "enum": list(self.choices)}

    def parse(self, raw: str) -> str:
        if raw not in self.choices:
            raise BadParameter(self.name, f"{self.name} must be one of: {', '.join(self.choices)}")
        return raw


class Integer(Param):
    def __init__(self, name: str, description: str = "", *, default: int | None = None,
                 minimum: int = 0, maximum: int = 2**31 - 1):
        super().__init__(name, description, default)
        self.minimum, self.maximum = minimum, maximum
        self.schema = {"type": "integer", "minimum": minimum, "maximum": maximum}
        if default is not None:
            self.schema["default"] = default

    def parse(self, raw: str) -> int:
        text = raw.strip()
        if not (text.isdecimal() and len(text) <= 10) or not self.minimum <= int(text) <= self.maximum:
            raise BadParameter(self.name, f"{self.name} must be a whole number from {self.minimum} to {self.maximum}")
        return int(text)


class Flag(Param):
    TRUE = ("1", "true", "yes")
    FALSE = ("0", "false", "no")
    def __init__(self, name: str, description: str = ""):
        super().__init__(name, description, False)
        self.schema = {"type": "boolean"}

    def parse(self, raw: str) -> bool:
        if raw.lower() in self.TRUE:
            return True
        if raw.lower() in self.FALSE:
            return False
        raise BadParameter(self.name, f"{self.name} must be true or false (1 or 0)")


class Time(Param):
    def __init__(self, name: str, description: str = ""):
        super().__init__(name, description)
        self.schema = {"type": "string", "format": "date-time"}

    def parse(self, raw: str) -> datetime:
        try:
            # A "+" in a query string arrives as a space unless it was encoded.
            value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00").replace(" ", "+"))
        except ValueError:
            value = None
        if value is None or value.tzinfo is None:
            raise BadParameter(self.name, f"{self.name} must be an ISO 8601 time with its zone, "
                                          "such as 2026-01-31T18:00:00Z")
        return clock.ensure_utc(value)


class Args(dict):
    """The parsed filters by name, plus the page: `args["status"]`, `args.limit`, `args.offset`."""
    limit: int
    offset: int


def page_params(default: int, maximum: int) -> list[Param]:
    return [Integer("limit", "How many items per page", default=default, minimum=1, maximum=maximum),
            Integer("offset", "How many items to skip", default=0)]


def parse(filters: list[Param], default: int = 50, maximum: int = 500) -> Args:
    known = {p.name for p in filters} | {"limit", "offset"}
    for name in request.args:
        if name not in known:
            raise BadParameter(name, f"unknown parameter {name}; this list takes: {', '.join(sorted(known))}")
    args = Args({p.name: p.read(request.args) for p in filters})
    limit_param, offset_param = page_params(default, maximum)
    args.limit = limit_param.read(request.args)
    args.offset = offset_param.read(request.args)
    return args


def next_link(args: Args, total: int) -> str | None:
    if args.offset + args.limit >= total:
        return None
    query = {k: v for k, v in request.args.items() if k != "offset"}
    query["offset"] = str(args.offset + args.limit)
    return f"{request.path}?{urlencode(query)}"


def envelope(items: list[dict], total: int, args: Args) -> dict:
    return {"items": items, "total": total, "limit": args.limit, "offset": args.offset,
            "next": next_link(args, total)}


def listing(summary: str, *, item: dict, filters: list[Param] | None = None, description: str = "",
            default: int = 50, maximum: int = 500, extra: dict | None = None):
    """Turn `view(args) -> (total, items[, extra fields])` into an enveloped, documented list.

    `extra` documents fields a list adds beside the envelope (a mail server's state, say)."""
    params = list(filters or [])

    def wrap(view: Callable):
        @functools.wraps(view)
        def inner(*a, **kw):
            args = parse(params, default, maximum)
            total, items, *more = view(args, *a, **kw)
            body = envelope(items, total, args)
            if more:
                body.update(more[0])
            return jsonify(body)

        inner.openapi = {"summary": summary, "description": description, "list": True,  # type: ignore[attr-defined]
                         "item": item, "params": params + page_params(default, maximum), "extra": extra or {}}
        return inner

    return wrap


def documented(summary: str, *, response: dict, description: str = "", path: list[Param] | None = None):
    """Describe a single-object endpoint for the OpenAPI document.

    `path` describes the route's `<parts>` (their meaning and schema); a part not listed is
    described from its converter (`<int:…>` a whole number, anything else text)."""
    def wrap(view: Callable):
        view.openapi = {"summary": summary, "description": description,  # type: ignore[attr-defined]
                        "list": False, "response": response, "params": [], "path": list(path or [])}
        return view

    return wrap


def path_id(raw: str) -> int | None:
    """A route's `<id>` part as a database id, or None when it cannot be one (the view answers 404)."""
    text = raw.strip()
    if not (text.isdecimal() and len(text) <= 10) or not 1 <= int(text) <= 2**31 - 1:
        return None
    return int(text)


def not_found(message: str):
    """A 404 in the API's error shape, naming what is missing."""
    return jsonify(error=message), 404


def bad_parameter(err: BadParameter):
    return jsonify(error=err.message, parameter=err.parameter), 400


# JSON Schema building blocks for the items and objects the API answers.
TIME = {"type": ["string", "null"], "format": "date-time", "description": "UTC, ISO 8601, ending in Z"}
TEXT = {"type": "string"}
MAYBE_TEXT = {"type": ["string", "null"]}
INT = {"type": "integer"}
MAYBE_INT = {"type": ["integer", "null"]}
BOOL = {"type": "boolean"}


def obj(description: str = "", /, **properties) -> dict:
    """An object with exactly these properties, all present (null where the type allows)."""
    schema = {"type": "object", "required": list(properties), "additionalProperties": False,
              "properties": properties}
    if description:
        schema["description"] = description
    return schema


def enum(values, description: str = "") -> dict:
    schema: dict = {"type": "string", "enum": list(values)}
    if description:
        schema["description"] = description
    return schema
