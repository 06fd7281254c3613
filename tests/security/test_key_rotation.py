"""One command re-encrypts every encrypted column of every table; after the previous key is
dropped, everything still decrypts."""
from __future__ import annotations

import re
from pathlib import Path

from plexportal import create_app
from plexportal.settings import service
from tests.conftest import SECRET, make_config

ROOT = Path(__file__).resolve().parents[2]
NEW = "a-brand-new-secret-key-after-rotation-0123"


def _restart(app, current, previous=None):
    cfg = make_config(app.config["PLEXPORTAL"].data_dir)
    cfg.database_url = app.config["PLEXPORTAL"].database_url
    cfg.secret_key, cfg.secret_key_previous = current, previous
    return create_app(cfg)


def _fill(make_user, set_settings):
    """A value in every encrypted column there is."""
    from plexportal.invites import service as invites
    from plexportal.invites.models import Redemption
    from plexportal.notify import channels

    set_settings(PLEX_URL="http://plex.lan:32400", PLEX_TOKEN="owner-plex-token-123456",
                 SMTP_HOST="mail.example.com", SMTP_PASSWORD="smtp-password-123456", API_KEY="api-key-0123456789abcd")
    ana = make_user("ana")
    channels.add_channel(ana, "tgram://123456789:ABCDEFghijklmnopqrstuvwxyz012345/777", "Telegram", admin=False)
    Redemption.create(account_key="plex:1", identifier="ana", user_token=invites.seal_token("ana-plex-token-7890"))
    return ana


def _read_all():
    from plexportal.invites import service as invites
    from plexportal.invites.models import Redemption
    from plexportal.notify import channels
    from plexportal.notify.models import Channel

    return {
        "PLEX_TOKEN": service.get("PLEX_TOKEN"), "SMTP_PASSWORD": service.get("SMTP_PASSWORD"),
        "API_KEY": service.get("API_KEY"), "channel": channels.url_of(Channel.get()),
        "redemption": invites.open_token(Redemption.get().user_token),
    }


EXPECTED = {"PLEX_TOKEN": "owner-plex-token-123456", "SMTP_PASSWORD": "smtp-password-123456",
            "API_KEY": "api-key-0123456789abcd",
            "channel": "tgram://123456789:ABCDEFghijklmnopqrstuvwxyz012345/777", "redemption": "ana-plex-token-7890"}


def test_rotation_covers_every_encrypted_column_and_the_previous_key_can_go(app, make_user, set_settings):
    _fill(make_user, set_settings)
    assert _read_all() == EXPECTED

    rotating = _restart(app, NEW, previous=SECRET)
    with rotating.app_context():
        r = rotating.test_cli_runner().invoke(args=["settings", "rotate-secrets"])
        assert r.exit_code == 0, r.output
        assert "setting: re-encrypted 3" in r.output
        assert "channel: re-encrypted 1" in r.output
        assert "redemption: re-encrypted 1" in r.output
        assert "re-encrypted 5 secret(s)" in r.output

    with _restart(app, NEW).app_context():                  # PLEXPORTAL_SECRET_KEY_PREVIOUS removed
        service.invalidate()
        assert _read_all() == EXPECTED


def test_values_no_key_can_read_are_reported_not_destroyed(app, make_user, set_settings):
    _fill(make_user, set_settings)
    stranger = _restart(app, NEW, previous="yet-another-key-that-never-was-0123")
    with stranger.app_context():
        r = stranger.test_cli_runner().invoke(args=["settings", "rotate-secrets"])
        assert r.exit_code == 0
        assert "channel: re-encrypted 0, 1 unreadable with either key" in r.output
    with _restart(app, SECRET).app_context():                # the right key still reads them
        service.invalidate()
        assert _read_all() == EXPECTED


def test_every_place_that_encrypts_declares_its_column():
    """A module that encrypts with the SecretBox must store into a column rotation knows about."""
    from plexportal.db import all_models

    declared = {m._meta.table_name for m in all_models() if getattr(m._meta, "encrypted", ())}
    assert declared >= {"channel", "redemption", "totp_factor"}
    sites = []
    for path in sorted((ROOT / "plexportal").rglob("*.py")):
        if path.name == "security.py" or path.parts[-2:] == ("settings", "service.py"):
            continue
        if path.parts[-2:] == ("ops", "keyfile.py"):
            continue        # seals the key file in a backup with the operator's passphrase, not the SecretBox
        if re.search(r"\.encrypt\(", path.read_text()):
            sites.append(str(path.relative_to(ROOT)))
    # Each of these stores into a declared column; a new one must be added here after declaring it.
    assert sites == ["plexportal/auth/totp.py", "plexportal/invites/service.py", "plexportal/notify/channels.py"], sites
