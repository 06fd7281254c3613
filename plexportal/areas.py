"""Area discovery: every package under plexportal/ may contribute views, tasks, models, CLI,
API routes, setting definitions and a dashboard card. Adding an area means adding a package;
no central list to edit."""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from types import ModuleType

_ROOT = Path(__file__).parent
# Packages that are infrastructure, not areas.
_NOT_AREAS = {"lib", "gateways", "templates", "static"}
# Render order for the dashboard and settings groups; unknown areas follow alphabetically.
ORDER = ["admin", "auth", "media", "notify", "invites", "backups", "settings", "api"]


def names() -> list[str]:
    found = [m.name for m in pkgutil.iter_modules([str(_ROOT)]) if m.ispkg and m.name not in _NOT_AREAS]
    return sorted(found, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))


def import_all(module: str) -> list[ModuleType]:
    """Import plexportal.<area>.<module> for each area that has it."""
    out = []
    for area in names():
        name = f"plexportal.{area}.{module}"
        if (_ROOT / area / f"{module}.py").exists() or (_ROOT / area / module / "__init__.py").exists():
            out.append(importlib.import_module(name))
    return out
