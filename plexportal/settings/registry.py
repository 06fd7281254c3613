"""Setting definitions. Each area lists its own in `<area>/setting_defs.py` as `DEFS = [...]`;
`all_defs()` collects them. A definition knows how to validate and convert its value."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from plexportal import areas
from plexportal.config import parse_cidrs
from plexportal.lib import clock


class InvalidSetting(ValueError):
    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key
        self.message = message


@dataclass(frozen=True)
class SettingDef:
    key: str
    label: str
    group: str
    kind: str = "str"            # str | text | int | bool | url | secret | choice | cidrs | email | timezone
    default: str = ""
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    validate: Callable[[str], str | None] | None = field(default=None, compare=False)
    generate: bool = False       # a secret plexportal issues (API key, webhook secret): offer "Generate"
    # Set only on the host (environment or .env), never from a page or the database: programs and
    # their arguments that plexportal executes (DESIGN law 10). The page shows it read-only.
    host_only: bool = False
    # A secret's addresses (DESIGN law 11): the settings whose scheme, host and port it was saved
    # with. It is sent nowhere else; a changed address needs the secret again.
    bound_to: tuple[str, ...] = ()
    # Unset: the stored value of this other setting (one plexportal learns itself, such as the
    # name the Plex server reports), then `default`.
    default_from: str = ""
    # Written by plexportal, never listed on the settings page (what it learned from a service).
    hidden: bool = False

    @property
    def env_var(self) -> str:
        return f"PLEXPORTAL_{self.key}"

    @property
    def is_secret(self) -> bool:
        return self.kind == "secret"

    def clean(self, raw) -> str:
        """Normalise a submitted value to its stored text form; raises InvalidSetting."""
        text = "" if raw is None else str(raw).strip()
        if self.kind == "bool":
            return "true" if text.lower() in ("1", "true", "yes", "on", "y") else "false"
        self._check_shape(text)
        if text == "":
            if self.kind in ("int",) and self.default != "":
                raise InvalidSetting(self.key, "Enter a number.")
            return ""
        check = _KIND_CHECKS.get(self.kind)
        text, problem = check(self, text) if check is not None else (text, None)
        if problem is None and self.validate is not None:
            problem = self.validate(text)
        if problem:
            raise InvalidSetting(self.key, problem)
        return text

    def _check_shape(self, text: str) -> None:
        """Not too long, and no control characters (but line breaks where a list is typed)."""
        limit = 10_000 if self.kind == "text" else 2_000
        if len(text) > limit:
            raise InvalidSetting(self.key, f"Too long: at most {limit} characters.")
        allowed = "\n\r\t" if self.kind in ("text", "cidrs") else ""
        if any((ord(c) < 32 and c not in allowed) or ord(c) == 127 for c in text):
            raise InvalidSetting(self.key, "Remove the control characters (line breaks, tabs…) from this value.")

    # Per kind: (the value as stored, what is wrong with it or None).
    def _clean_int(self, text: str) -> tuple[str, str | None]:
        try:
            number = int(text)
        except ValueError:
            return text, "Enter a whole number."
        if self.minimum is not None and number < self.minimum:
            return str(number), f"Must be at least {self.minimum}."
        if self.maximum is not None and number > self.maximum:
            return str(number), f"Must be at most {self.maximum}."
        return str(number), None

    def _clean_url(self, text: str) -> tuple[str, str | None]:
        text = text.rstrip("/")
        return text, url_problem(text)

    def _clean_choice(self, text: str) -> tuple[str, str | None]:
        if text in {c for c, _ in self.choices}:
            return text, None
        return text, "Pick one of: " + ", ".join(c for c, _ in self.choices) + "."

    def _clean_cidrs(self, text: str) -> tuple[str, str | None]:
        try:
            return ", ".join(str(n) for n in parse_cidrs(text)), None
        except ValueError as err:
            return text, str(err)

    def _clean_email(self, text: str) -> tuple[str, str | None]:
        return text, None if EMAIL_RE.match(text) else "Enter an email address such as you@example.com."

    def _clean_timezone(self, text: str) -> tuple[str, str | None]:
        if clock.is_valid_zone(text):
            return text, None
        return text, "Unknown time zone; use a name such as Europe/London or America/New_York."


_KIND_CHECKS = {"int": SettingDef._clean_int, "url": SettingDef._clean_url, "choice": SettingDef._clean_choice,
                "cidrs": SettingDef._clean_cidrs, "email": SettingDef._clean_email,
                "timezone": SettingDef._clean_timezone}


EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def url_problem(text: str) -> str | None:
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return "That is not a valid URL (check the port)."
    if parts.scheme not in ("http", "https"):
        return "Start the address with http:// or https://."
    if not parts.hostname:
        return "The address needs a host name, e.g. http://192.168.1.10:8989."
    if port is not None and not (1 <= port <= 65535):
        return "The port must be between 1 and 65535."
    if any(c.isspace() for c in text):
        return "The address cannot contain spaces."
    return None


def address_of(d: SettingDef, value: str) -> str:
    """The part of an address setting a secret is bound to: a URL's scheme, host and port (the
    path may change), any other value as it is."""
    value = (value or "").strip()
    if d.kind == "url" and value:
        parts = urlsplit(value)
        try:
            port = parts.port
        except ValueError:
            port = None
        scheme = parts.scheme.lower()
        port = port or {"http": 80, "https": 443}.get(scheme)
        return f"{scheme}://{(parts.hostname or '').lower().rstrip('.')}:{port}"
    return value.lower()


_cache: dict[str, SettingDef] | None = None


def all_defs() -> dict[str, SettingDef]:
    global _cache
    if _cache is None:
        defs: dict[str, SettingDef] = {}
        for area in areas.all_areas():
            for d in area.settings:
                if d.key in defs:
                    raise RuntimeError(f"setting {d.key} is defined twice")
                defs[d.key] = d
        _cache = defs
    return _cache


def get_def(key: str) -> SettingDef:
    try:
        return all_defs()[key]
    except KeyError:
        raise KeyError(f"unknown setting {key}") from None


# The settings page opens with what every install needs, then the connections, then each area's
# own groups (in discovery order), and the rarely touched plex.tv addresses last.
FIRST_GROUPS = ("General", "Security", "Seerr", "Sonarr", "Radarr", "Plex", "Jellyfin", "Email")
LAST_GROUPS = ("plex.tv",)


def on_save_hooks(group: str) -> list[Callable[[], None]]:
    """What areas want done after a settings group is saved (an area's `on_save`), e.g. learn
    the Plex server's name as soon as Plex is connected."""
    from plexportal import areas

    hooks: list[Callable[[], None]] = []
    for area in areas.all_areas():
        hooks.extend(area.on_save.get(group, ()))
    return hooks


def groups() -> dict[str, list[SettingDef]]:
    """Groups in page order: the platform's own (General, Security, the services) first, then
    each area's in discovery order."""
    own = {d.key for area in areas.all_areas() if area.name == "settings" for d in area.settings}
    out: dict[str, list[SettingDef]] = {}
    ordered = sorted(all_defs().values(), key=lambda d: 0 if d.key in own else 1)
    for d in ordered:
        if not d.hidden:
            out.setdefault(d.group, []).append(d)
    first = [g for g in FIRST_GROUPS if g in out]
    last = [g for g in LAST_GROUPS if g in out]
    middle = [g for g in out if g not in first and g not in last]
    return {g: out[g] for g in first + middle + last}
