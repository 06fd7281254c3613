"""`db upgrade` backs plexportal up before migrating, and an archive from an older schema restores
and is migrated forward."""
from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from tests.conftest import make_config

# The newest migration, whatever it is: these tests are about "the last one applied", not its name.
LATEST = max(p.stem for p in (Path(__file__).resolve().parents[2] / "migrations").glob("[0-9]*.py"))

OLD = "0082_monitor_first_seen"


@pytest.fixture
def old_install(tmp_path):
    """A data dir whose database stopped at an older migration, with an admin in it."""
    from playhouse.migrations import Runner

    from plexportal import create_app
    from plexportal.cli import MIGRATIONS_DIR
    from plexportal.db import db

    data = tmp_path / "old"
    data.mkdir()
    app = create_app(make_config(data))
    with app.app_context():
        db.connect(reuse_if_open=True)
        Runner(db.obj, str(MIGRATIONS_DIR)).up(OLD)
        db.execute_sql("INSERT INTO \"user\" (username, display_name, role, session_version, is_active, created_at) "
                       "VALUES ('owner', 'Owner', 'admin', 1, 1, '2026-01-02 03:04:05')")
        db.close()
    return app


@pytest.mark.sqlite_only
def test_db_upgrade_backs_up_first_and_says_where(old_install, tmp_path):
    r = old_install.test_cli_runner().invoke(args=["db", "upgrade"])
    assert r.exit_code == 0, r.output
    data_dir = old_install.config["PLEXPORTAL"].data_dir
    (archive,) = (data_dir / "backups").glob("plexportal-backup-*-upgrade.tar.gz")
    lines = r.output.splitlines()
    assert lines[0] == f"Backed up plexportal before upgrading: {archive}"
    assert f"applied {LATEST}" in r.output
    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["schema"]["migration"] == OLD and manifest["kind"] == "upgrade"

    # Nothing pending: no second backup.
    r = old_install.test_cli_runner().invoke(args=["db", "upgrade"])
    assert r.exit_code == 0 and "Backed up" not in r.output
    assert len(list((data_dir / "backups").glob("*.tar.gz"))) == 1

    # An archive of the older schema restores into an empty data dir and is migrated forward.
    from plexportal import create_app

    (tmp_path / "new").mkdir()
    fresh = create_app(make_config(tmp_path / "new"))
    r = fresh.test_cli_runner().invoke(args=["data", "restore", str(archive)])
    assert r.exit_code == 0, r.output
    (forward,) = [line for line in r.output.splitlines() if line.startswith("Migrated forward: ")]
    assert LATEST in forward.split(": ", 1)[1].split(", ")
    with fresh.app_context():
        from plexportal.auth.models import User

        assert [u.username for u in User.select()] == ["owner"]
        from plexportal.cli import pending_migrations
        from plexportal.db import db

        db.connect(reuse_if_open=True)
        assert pending_migrations() == []


@pytest.mark.sqlite_only
def test_db_upgrade_stops_when_the_backup_cannot_be_made(old_install, tmp_path):
    data_dir = old_install.config["PLEXPORTAL"].data_dir
    (data_dir / "backups").write_text("a file where the folder should be")
    r = old_install.test_cli_runner().invoke(args=["db", "upgrade"])
    assert r.exit_code == 1
    assert "Cannot create the backup folder" in r.output and "Nothing was migrated" in r.output
    assert "--no-backup" in r.output
    r = old_install.test_cli_runner().invoke(args=["db", "upgrade", "--no-backup"])
    assert r.exit_code == 0 and f"applied {LATEST}" in r.output


def test_db_upgrade_of_a_fresh_database_takes_no_backup(tmp_path):
    from plexportal import create_app

    app = create_app(make_config(tmp_path))
    r = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert r.exit_code == 0 and "Backed up" not in r.output
    assert not (tmp_path / "backups").exists()
