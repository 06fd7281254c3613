"""Secrets at rest: MultiFernet with a current and a previous key, rotation, masking."""
from __future__ import annotations

from plexportal import create_app
from plexportal.security import SecretBox, mask
from plexportal.settings import service
from plexportal.settings.models import Setting
from tests.conftest import SECRET, make_config

OLD = SECRET
NEW = "a-brand-new-secret-key-after-rotation-0123"
TOKEN = "plex-token-abcdefghijklmnop"


def _restart(app, current: str, previous: str | None = None):
    """The same data dir and database, started again with other keys (as after editing .env)."""
    cfg = make_config(app.config["PLEXPORTAL"].data_dir)
    cfg.database_url = app.config["PLEXPORTAL"].database_url
    cfg.secret_key, cfg.secret_key_previous = current, previous
    return create_app(cfg)


def test_it_decrypts_with_the_previous_key_after_a_key_change_and_rotates(app, set_settings):
    set_settings(PLEX_TOKEN=TOKEN)
    raw_before = Setting.get_by_id("PLEX_TOKEN").value

    with _restart(app, NEW).app_context():                # new key only: the old token is unreadable
        assert service.get("PLEX_TOKEN") == ""            # treated as unset, never shown as ciphertext

    rotated_app = _restart(app, NEW, previous=OLD)
    with rotated_app.app_context():
        assert service.get("PLEX_TOKEN") == TOKEN         # read through the previous key
        r = rotated_app.test_cli_runner().invoke(args=["settings", "rotate-secrets"])
        assert r.exit_code == 0 and "re-encrypted 1 secret(s)" in r.output
        assert Setting.get_by_id("PLEX_TOKEN").value != raw_before

    with _restart(app, NEW).app_context():                # the previous key can now be dropped
        assert service.get("PLEX_TOKEN") == TOKEN


def test_it_never_stores_or_returns_ciphertext_as_a_value(app, set_settings):
    set_settings(PLEX_TOKEN=TOKEN)
    raw = Setting.get_by_id("PLEX_TOKEN").value
    assert TOKEN not in raw
    assert SecretBox(OLD).decrypt(raw) == TOKEN
    assert SecretBox(NEW).decrypt(raw) is None


def test_it_masks_all_but_the_last_four_characters():
    assert mask(TOKEN) == "••••••••mnop"
    assert mask("short") == "••••••••"
    assert mask("") == ""


def test_it_clears_a_secret_only_when_asked(logged_in):
    logged_in.post("/settings/group/Plex", data={"PLEX_URL": "http://plex:32400", "PLEX_TOKEN": TOKEN}, htmx=True)
    logged_in.post("/settings/group/Plex", data={"PLEX_URL": "http://plex:32400", "PLEX_TOKEN": ""}, htmx=True)
    assert service.get("PLEX_TOKEN") == TOKEN
    logged_in.post("/settings/group/Plex", data={"PLEX_URL": "http://plex:32400", "PLEX_TOKEN": "",
                                                 "PLEX_TOKEN__clear": "1"}, htmx=True)
    assert service.get("PLEX_TOKEN") == ""
