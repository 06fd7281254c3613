"""`.env.example` and `docs/configuration.md`, generated from the process configuration below and
the settings registry, so the reference can never drift from the code
(`flask --app wsgi settings docs`; tests/settings/test_docs.py fails when they are stale)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from plexportal.settings.registry import SettingDef, groups

ROOT = Path(__file__).resolve().parents[2]
ENV_FILE = ROOT / ".env.example"
MARKDOWN_FILE = ROOT / "docs" / "configuration.md"
REGENERATE = "flask --app wsgi settings docs"


@dataclass(frozen=True)
class ProcessVar:
    name: str
    default: str
    help: str
    example: str = ""


# Read once at start-up by plexportal/config.py (and gunicorn.conf.py); a restart applies a change.
PROCESS_VARS = [
    ProcessVar("PLEXPORTAL_DATA_DIR", "./data",
               "Folder for the SQLite databases (plexportal.db, huey.db) and the generated secret.key. "
               "Must be writable by the user plexportal runs as; /data in the Docker image.", "/var/lib/plexportal"),
    ProcessVar("PLEXPORTAL_DATABASE_URL", "",
               "Use PostgreSQL instead of the embedded SQLite. Empty: SQLite in the data dir. Each process keeps its "
               "connections open in a pool (as many as its threads use at once, up to 64, closed after 5 idle "
               "minutes): count one per web thread and worker thread against PostgreSQL's `max_connections`.",
               "postgresql://plexportal:password@127.0.0.1:5432/plexportal"),
    ProcessVar("PLEXPORTAL_REDIS_URL", "",
               "Use Redis for the task queue (PriorityRedisHuey) and the sign-in throttle. Empty: the queue is "
               "huey.db in the data dir and the throttle lives in the web process. Needed before running "
               "more than one web process (WEB_CONCURRENCY) or more than one worker.", "redis://127.0.0.1:6379/0"),
    ProcessVar("PLEXPORTAL_SECRET_KEY", "",
               "Signs sessions and encrypts stored secrets (API keys, tokens, passwords). Empty: one is generated "
               "once into DATA_DIR/secret.key (mode 0600). Set it (32+ random characters) when the data dir is "
               "not kept or PostgreSQL is shared by several hosts. To change it, see SECRET_KEY_PREVIOUS.",
               "paste the output of: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"),
    ProcessVar("PLEXPORTAL_SECRET_KEY_PREVIOUS", "",
               "The old key while rotating: put the old key here and the new one in SECRET_KEY, run "
               "`flask --app wsgi settings rotate-secrets`, then remove this."),
    ProcessVar("PLEXPORTAL_BIND", "127.0.0.1:8000",
               "Address and port the web server listens on (make run, Docker, systemd). 0.0.0.0:8000 listens "
               "on every interface.", "0.0.0.0:8000"),
    ProcessVar("PLEXPORTAL_TRUSTED_PROXIES", "0",
               "How many reverse proxies sit in front of plexportal. Their X-Forwarded-For/-Proto/-Host headers "
               "are believed for exactly that many hops (the client address decides the sign-in throttle and "
               "the local-network bypass); 0 ignores those headers.", "1"),
    ProcessVar("PLEXPORTAL_SECURE_COOKIES", "false",
               "Send the session cookie over HTTPS only. Turn on when people reach plexportal through HTTPS.",
               "true"),
]

# Read by gunicorn itself (gunicorn.conf.py), not by plexportal.
SERVER_VARS = [
    ProcessVar("WEB_CONCURRENCY", "1",
               "gunicorn worker processes (each with 8 threads). Keep 1 unless PLEXPORTAL_REDIS_URL is set.", "2"),
    ProcessVar("GUNICORN_CMD_ARGS", "", "Any other gunicorn option, e.g. --timeout 120.", "--timeout 120"),
    ProcessVar("PLEXPORTAL_VERBOSE", "false",
               "make run / plexportal run: also print every request and every task the worker runs (by default "
               "only starting, ready, warnings and errors).", "true"),
]

KIND_WORDS = {
    "str": "text", "text": "text (several lines)", "int": "whole number", "bool": "true / false", "url": "URL",
    "secret": "secret (stored encrypted)", "choice": "one of the choices", "cidrs": "CIDR list",
    "email": "email address", "timezone": "time zone name",
}


def _describe(d: SettingDef) -> str:
    parts = [d.help.strip()] if d.help else []
    if d.host_only:
        parts.append("Server only: read from the environment or .env, never from the settings page.")
    if d.choices:
        parts.append("Choices: " + ", ".join(f"`{v}` ({label})" for v, label in d.choices) + ".")
    if d.kind == "int" and (d.minimum is not None or d.maximum is not None):
        parts.append(f"From {d.minimum if d.minimum is not None else '…'} to "
                     f"{d.maximum if d.maximum is not None else '…'}.")
    return " ".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _comment(text: str, width: int = 96) -> list[str]:
    lines, line = [], "#"
    for word in text.split():
        if len(line) + 1 + len(word) > width and line != "#":
            lines.append(line)
            line = "#"
        line += " " + word
    if line != "#":
        lines.append(line)
    return lines


def env_example() -> str:
    out = [
        "# plexportal configuration: every variable it reads. Copy to .env (next to wsgi.py) or set them",
        "# in the environment (Docker: env_file). Everything is optional; the defaults run as they are.",
        f"# Generated from the code by `{REGENERATE}`; do not edit by hand.",
        "",
        "# ---- Process configuration (read at start; restart after a change) ----",
        "",
    ]
    for var in PROCESS_VARS + SERVER_VARS:
        out += _comment(var.help)
        if var.example and var.example != var.default:
            out.append(f"# Example: {var.example}")
        out += [f"#{var.name}={var.default}", ""]
    out += [
        "# ---- Settings ----",
        "# Each can also be set in the web UI (Settings). A variable set here wins: the page shows it",
        "# locked. Values are the same text the page accepts.",
        "",
    ]
    for group, defs in groups().items():
        out += [f"# == {group} ==", ""]
        for d in defs:
            out += _comment(f"{d.label} ({KIND_WORDS.get(d.kind, d.kind)}). {_describe(d)}")
            out += [f"#{d.env_var}={d.default}", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def markdown() -> str:
    out = [
        "# Configuration",
        "",
        f"<!-- Generated from the code by `{REGENERATE}`; do not edit by hand. -->",
        "",
        "plexportal runs with no configuration at all: SQLite in `./data`, a secret key generated",
        "there, web on http://127.0.0.1:8000. Two kinds of configuration exist:",
        "",
        "- **Process configuration**: environment variables read when a process starts (restart after",
        "  a change). A `.env` file next to `wsgi.py` is read too; real environment variables win.",
        "- **Settings**: everything an admin may change while plexportal runs. They live in the",
        "  database and are edited on the Settings page (or `flask --app wsgi settings set KEY VALUE`).",
        "  Each can be forced by an environment variable `PLEXPORTAL_<KEY>`: the variable wins and the",
        "  page shows the setting as locked. Secrets are stored encrypted with the secret key and are",
        "  never shown again in full (`flask --app wsgi settings list` shows them masked). Settings",
        "  marked *server only* (the programs plexportal runs) are read only from the environment.",
        "",
        "[`.env.example`](../.env.example) lists every variable with the same descriptions.",
        "",
        "## Process configuration",
        "",
        "| Variable | Default | What it does |",
        "|---|---|---|",
    ]
    for var in PROCESS_VARS:
        out.append(f"| `{var.name}` | {_cell(f'`{var.default}`' if var.default else '')} | {_cell(var.help)} |")
    out += [
        "",
        "Read by gunicorn (`gunicorn.conf.py`):",
        "",
        "| Variable | Default | What it does |",
        "|---|---|---|",
    ]
    for var in SERVER_VARS:
        out.append(f"| `{var.name}` | {_cell(f'`{var.default}`' if var.default else '')} | {_cell(var.help)} |")
    out += ["", "## Settings", ""]
    for group, defs in groups().items():
        out += [f"### {group}", "", "| Variable | Setting | Kind | Default | What it does |", "|---|---|---|---|---|"]
        for d in defs:
            default = f"`{d.default}`" if d.default else ""
            out.append(f"| `{d.env_var}` | {_cell(d.label)} | {KIND_WORDS.get(d.kind, d.kind)} | {_cell(default)} "
                       f"| {_cell(_describe(d))} |")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def outputs() -> dict[Path, str]:
    return {ENV_FILE: env_example(), MARKDOWN_FILE: markdown()}


def stale() -> list[Path]:
    """The generated files whose committed text differs from what the code says now."""
    return [path for path, text in outputs().items()
            if not path.exists() or path.read_text(encoding="utf-8") != text]
