"""What the docs tell people to type or tick exists in the code, and does something there."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.media.conftest import hook_secret, post_hook  # noqa: F401 - fixtures used below

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", ROOT / ".env.example", ROOT / "docker-compose.yml", ROOT / "Dockerfile",
        *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "deploy").rglob("*"))]
VARIABLE = re.compile(r"(?<![A-Z0-9_])PLEXPORTAL_[A-Z0-9_]*[A-Z0-9]")


def known_variables() -> set[str]:
    """Every PLEXPORTAL_* the code reads: process config, settings, and the test switches."""
    from plexportal.settings.registry import all_defs

    names = {d.env_var for d in all_defs().values()}
    names |= {f"PLEXPORTAL_{n}" for n in re.findall(r'_env\("([A-Z0-9_]+)"', (ROOT / "plexportal/config.py").read_text())}
    code = [*(ROOT / "plexportal").rglob("*.py"), *(ROOT / "scripts").iterdir(), ROOT / "gunicorn.conf.py",
            ROOT / "wsgi.py", ROOT / "tests/conftest.py", ROOT / "tests/e2e/conftest.py", ROOT / "Makefile"]
    for path in code:
        if path.is_file():
            names |= set(re.findall(r'"(PLEXPORTAL_[A-Z0-9_]+)"', path.read_text(errors="replace")))
            names |= set(re.findall(r"\b(PLEXPORTAL_TEST_[A-Z0-9_]+)", path.read_text(errors="replace")))
            names |= set(re.findall(r"\$\{(PLEXPORTAL_[A-Z0-9_]+)", path.read_text(errors="replace")))   # shell
    return names


def test_every_variable_the_docs_name_is_read_by_the_code(app):
    known = known_variables()
    unknown = {}
    for path in DOCS:
        if not path.is_file():
            continue
        for name in set(VARIABLE.findall(path.read_text(errors="replace"))) - known:
            unknown.setdefault(name, []).append(str(path.relative_to(ROOT)))
    assert not unknown, f"the docs name variables nothing reads: {unknown}"


# The words each tool shows next to its checkbox → the event it sends, and a captured body of it.
TRIGGERS = {
    "sonarr": {"On Grab": "sonarr_v4_grab", "On File Import": "sonarr_v4_download",
               "On Import Complete": "sonarr_v4_import_complete", "On File Upgrade": "sonarr_v4_download",
               "On Manual Interaction Required": "sonarr_v4_manual_interaction"},
    "radarr": {"On Grab": "radarr_v5_grab", "On File Import": "radarr_v5_download",
               "On File Upgrade": "radarr_v5_download", "On Manual Interaction Required": None},      # no captured Radarr body; same path as Sonarr's
    "seerr": {"Request Pending Approval": "seerr_media_pending_movie", "Request Approved": "seerr_media_approved_movie",
              "Request Automatically Approved": "seerr_media_auto_approved_tv",
              "Request Available": "seerr_media_available_movie", "Request Declined": "seerr_media_declined_movie",
              "Request Processing Failed": "seerr_media_failed_movie"},
}


LISTS = {   # where each file lists them: (heading the section starts with, words before the list)
    "docs/media.md": {"sonarr": ("### Sonarr", "Triggers"), "radarr": ("### Radarr", "triggers"),
                      "seerr": ("### Seerr", "Notification Types")},
    "plexportal/templates/media/setup.html": {"sonarr": ("<h2>Sonarr", "Triggers"), "radarr": ("<h2>Radarr", "Triggers"),
                                              "seerr": ("<h2>Seerr", "Notification Types")},
}


def ticked_in_docs() -> dict[str, set[str]]:
    """The triggers docs/media.md and the setup page tell people to tick, per tool."""
    out: dict[str, set[str]] = {}
    for path, tools in LISTS.items():
        text = (ROOT / path).read_text()
        for tool, (heading, before) in tools.items():
            section = text[text.index(heading):]
            m = re.search(re.escape(before) + r"(?:\s|\||</?(?:d[td]|span)(?: [^>]*)?>)+([^|<;(]+)", section)
            assert m, f"no {tool} trigger list in {path}"
            words = re.sub(r"\s+", " ", m.group(1))
            out.setdefault(tool, set()).update(n.strip(" .") for n in words.split(",") if n.strip(" ."))
    return out


def test_every_trigger_the_docs_ask_for_is_known():
    for tool, names in ticked_in_docs().items():
        assert names <= set(TRIGGERS[tool]), f"{tool}: docs ask to tick {names - set(TRIGGERS[tool])}"


@pytest.mark.parametrize("tool", ["sonarr", "radarr", "seerr"])
def test_every_trigger_the_docs_ask_for_is_acted_on_not_ignored(post_hook, tool):
    from plexportal.media.models import WebhookEvent
    from tests.media.conftest import raw

    fixtures = {TRIGGERS[tool][name] for name in ticked_in_docs()[tool]} - {None}
    assert fixtures
    for name in sorted(fixtures):
        WebhookEvent.delete().execute()
        assert post_hook(tool, raw(name)).status_code == 200
        event = WebhookEvent.get()
        assert event.status != "ignored", f"{name}: docs say tick it, the inbox says {event.outcome!r}"


def test_the_join_page_shows_a_code_shaped_like_real_ones(client, db):
    from plexportal.invites import codes

    page = client.get("/join").get_data(as_text=True)
    shown = re.findall(r"/join/([A-Za-z0-9-]+)", page)
    assert shown, "the page shows no example link"
    for code in shown:
        assert len(code) == codes.CODE_LENGTH and codes.normalize(code) == code, code
