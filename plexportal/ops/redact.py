"""Taking secrets out of text before it is stored or shown (the Logs page, job errors): every
secret setting's value and the secret key wherever they appear, and anything that looks like a
credential (tokens in URLs, Authorization headers, passwords in URLs)."""
from __future__ import annotations

import re

MASK = "[redacted]"
_PATTERNS = [
    # ?X-Plex-Token=…&apikey=…&token=…&password=…
    (re.compile(r"(?i)\b((?:x-plex-)?token|api[_-]?key|apikey|access[_-]?token|password|passwd|pass|secret|"
                r"passphrase|signature|sig|key)=([^&\s\"'<>]+)"), r"\1=" + MASK),
    # Authorization: Bearer …, X-Api-Key: …, "X-Plex-Token": "…"
    (re.compile(r"(?i)\b(authorization|x-api-key|x-plex-token|api-key|cookie)([\"']?\s*[:=]\s*[\"']?)"
                r"((?:bearer|basic|token)\s+)?[^\s\"',;}]+"), r"\1\2\3" + MASK),
    # scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s:@\"']+:[^/\s@\"']+@"), r"\1" + MASK + "@"),
]


def redact(text: str, known: list[str] | tuple[str, ...] = ()) -> str:
    """`text` without any of the `known` secret values (longest first) or credential-looking parts."""
    if not text:
        return text
    for value in known:
        if value and len(value) >= 6 and value in text:
            text = text.replace(value, MASK)
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


def known_secrets(config=None) -> list[str]:
    """Every secret value this process knows: secret settings and the secret keys."""
    from plexportal.settings import service as settings
    from plexportal.settings.registry import all_defs

    values = []
    for d in all_defs().values():
        if d.is_secret:
            try:
                v = settings.get(d.key)
            except Exception:  # noqa: BLE001 - no database yet: the patterns still apply
                v = ""
            if v:
                values.append(v)
    if config is not None:
        values += [config.secret_key or "", config.secret_key_previous or ""]
    return sorted({v for v in values if v}, key=len, reverse=True)
