"""Files are private to plexportal's user; the bypass names only local networks; Compose
publishes on 127.0.0.1 by default."""
import re
import stat
from pathlib import Path

import pytest

from plexportal import create_app
from plexportal.config import Config
from tests.conftest import SECRET

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_data_dir_is_0700_and_its_files_0600(tmp_path):
    data = tmp_path / "fresh" / "data"
    app = create_app(Config(data_dir=data, testing=True, huey_immediate=True))     # generates secret.key
    from plexportal.cli import upgrade
    from plexportal.db import db

    with app.app_context():
        upgrade()
        db.close()
        if hasattr(db.obj, "close_all"):
            db.obj.close_all()
    assert mode(data) == 0o700
    files = [p for p in data.iterdir() if p.is_file()]
    assert {p.name for p in files} >= {"plexportal.db", "secret.key"}
    for p in files:
        assert mode(p) == 0o600, (p.name, oct(mode(p)))


def test_files_an_older_version_left_world_readable_are_tightened(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("plexportal.db", "huey.db", "huey.db-wal", "secret.key"):
        (data / name).write_text("x" * 40)
        (data / name).chmod(0o644)
    Config(data_dir=data, secret_key=SECRET).ensure_data_dir()
    for name in ("plexportal.db", "huey.db", "huey.db-wal", "secret.key"):
        assert mode(data / name) == 0o600, name


@pytest.mark.parametrize("value", ["0.0.0.0/0", "::/0", "8.8.8.0/24", "192.168.1.0/24, 0.0.0.0/1", "2001:db8::/32"])
def test_the_bypass_refuses_everyone_and_public_ranges(db, value):
    from plexportal.settings import service
    from plexportal.settings.registry import InvalidSetting

    with pytest.raises(InvalidSetting, match="is not a local network"):
        service.set_value("LOCAL_BYPASS_CIDRS", value)


def test_the_bypass_accepts_local_networks(db):
    from plexportal.settings import service

    service.set_value("LOCAL_BYPASS_CIDRS", "192.168.1.0/24, 10.0.0.0/8, 127.0.0.1/32, fd00::/8, 100.64.0.0/10")


def test_everyone_from_the_environment_is_ignored_too(app, admin, monkeypatch):
    monkeypatch.setenv("PLEXPORTAL_LOCAL_BYPASS_CIDRS", "0.0.0.0/0")
    client = app.test_client()
    r = client.get("/settings/", environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    monkeypatch.setenv("PLEXPORTAL_LOCAL_BYPASS_CIDRS", "0.0.0.0/0, 127.0.0.0/8")
    assert client.get("/settings/").status_code == 200            # the local part still works


def test_compose_publishes_on_this_machine_only_by_default():
    text = (ROOT / "docker-compose.yml").read_text()
    published = re.findall(r'^\s*-\s*"([^"]*:\d+)"\s*$', text.split("services:", 1)[1], re.MULTILINE)
    assert published, "no ports found"
    assert all(p.startswith("127.0.0.1:") for p in published), published
