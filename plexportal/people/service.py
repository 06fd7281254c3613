"""What other areas use of people: find or create (the one door), merge, and the reads behind the
People page, the API and the CLI."""
from __future__ import annotations

from typing import Any

from plexportal.auth.models import User
from plexportal.people.identity import MergeRefused, Sighting, find_or_create, merge  # noqa: F401 - the interface


def find_or_create_person(source: str, **seen: Any) -> User | None:
    """`find_or_create(Sighting(source, **seen))`: the person behind what a door saw."""
    return find_or_create(Sighting(source=source, **seen))
