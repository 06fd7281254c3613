"""plexportal's own backups: `flask data backup` and `data restore`, round trips on SQLite and
PostgreSQL, and every kind of bad input stopping with a sentence and the data untouched."""
from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

import pytest

from plexportal.ops import archive
from tests.conftest import BACKEND, make_config
from tests.ops.conftest import PLEX_TOKEN, SONARR_KEY, all_rows

# The newest migration, whatever it is: these tests are about "the last one applied", not its name.
LATEST = max(p.stem for p in (Path(__file__).resolve().parents[2] / "migrations").glob("[0-9]*.py"))


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args, input=None):
        return runner.invoke(args=[str(a) for a in args], input=input)
    return run


def backup(cli, tmp_path, *extra, input=None) -> Path:
    out = tmp_path / "out"
    r = cli("data", "backup", "--to", out, *extra, input=input)
    assert r.exit_code == 0, r.output
    (path,) = out.glob("plexportal-backup-*-cli.tar.gz")
    assert str(path) in r.output
    return path


def members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}


def wipe(app):
    """The 'disaster': on SQLite a new, empty data dir; on PostgreSQL every table dropped."""
    from plexportal.db import db

    if BACKEND == "postgres":
        db.connect(reuse_if_open=True)
        db.execute_sql("DROP TABLE " + ", ".join(f'"{t}"' for t in db.get_tables()) + " CASCADE")
        db.close()
        return app
    raise AssertionError("SQLite is wiped by using a fresh data dir")


def fresh_app(tmp_path, name="restored"):
    from plexportal import create_app

    data = tmp_path / name
    data.mkdir()
    app = create_app(make_config(data))
    app.test_client_class = None
    return app


def restore_into(app, path: Path, *extra, input=None):
    return app.test_cli_runner().invoke(args=["data", "restore", str(path), *map(str, extra)], input=input)


def test_it_round_trips_every_row_and_the_key(app, filled, cli, tmp_path):
    before = all_rows()
    path = backup(cli, tmp_path)
    m = members(path)
    names = list(m)
    assert names[0] == "manifest.json" and names[-1] == "checksums.json"
    manifest = json.loads(m["manifest.json"])
    assert manifest["database"] == ("postgresql" if BACKEND == "postgres" else "sqlite")
    assert manifest["schema"]["migration"] == LATEST
    counts = {t["name"]: t["rows"] for t in manifest["tables"]}
    assert counts["webhook_event"] == 3 and counts["backup_run"] == 5 and counts["user"] == 2
    assert not {"log_record", "schema_migration", "job_state", "self_backup"} & set(counts)

    if BACKEND == "postgres":
        wipe(app)
        target = app
    else:
        target = fresh_app(tmp_path)
    r = restore_into(target, path)
    assert r.exit_code == 0, r.output
    assert "Restored" in r.output and "webhook_event" in r.output and "3" in r.output
    with target.app_context():
        from plexportal.settings import service as settings

        settings.invalidate()
        assert all_rows() == before
        assert settings.get("SONARR_API_KEY") == SONARR_KEY      # the key came back with the data


@pytest.mark.sqlite_only
def test_it_moves_a_sqlite_install_to_postgresql(app, filled, cli, tmp_path):
    import psycopg2

    from plexportal import create_app
    from plexportal.db import db
    from tests.conftest import PG_URL

    before = all_rows()
    path = backup(cli, tmp_path)
    name = f"plexportal_move_{abs(hash(str(tmp_path))) % 10**8}"
    admin = psycopg2.connect(PG_URL)
    admin.autocommit = True
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        data = tmp_path / "pg"
        data.mkdir()
        cfg = make_config(data)
        cfg.database_url = PG_URL.rsplit("/", 1)[0] + "/" + name
        pg_app = create_app(cfg)
        r = restore_into(pg_app, path)
        assert r.exit_code == 0, r.output
        with pg_app.app_context():
            from plexportal.settings import service as settings

            settings.invalidate()
            assert all_rows() == before
            assert settings.get("PLEX_TOKEN") == PLEX_TOKEN
            # the sequences continue after the restored ids
            from plexportal.auth.models import User

            assert User.create(username="new-after-move").id > max(u["id"] for u in before["user"])
        db.close()
    finally:
        if not db.is_closed():
            db.close()
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_nothing_secret_is_in_an_unsealed_manifest_and_a_sealed_key_needs_its_passphrase(app, filled, cli, tmp_path):
    from flask import current_app

    key = current_app.config["PLEXPORTAL"].secret_key
    path = backup(cli, tmp_path, "--passphrase-stdin", input="correct horse battery\n")
    m = members(path)
    assert "secret.key" not in m and "secret.key.enc" in m
    for text in (m["manifest.json"], m["secret.key.enc"]):
        assert key.encode() not in text and SONARR_KEY.encode() not in text and PLEX_TOKEN.encode() not in text
    # the stored secrets are in the rows only as ciphertext
    rows = b"".join(v for k, v in m.items() if k.startswith("database/"))
    assert SONARR_KEY.encode() not in rows and PLEX_TOKEN.encode() not in rows

    target = app if BACKEND == "postgres" else fresh_app(tmp_path)
    if BACKEND == "postgres":
        wipe(app)
    r = restore_into(target, path)
    assert r.exit_code == 1 and "sealed with a passphrase" in r.output
    r = restore_into(target, path, "--passphrase-stdin", input="wrong horse battery\n")
    assert r.exit_code == 1
    assert "The passphrase is wrong" in r.output and "The current data was not changed." in r.output
    r = restore_into(target, path, "--passphrase-stdin", input="correct horse battery\n")
    assert r.exit_code == 0, r.output


def test_a_dry_run_checks_and_changes_nothing(app, filled, cli, tmp_path):
    path = backup(cli, tmp_path)
    before = all_rows()
    r = cli("data", "restore", path, "--dry-run")
    assert r.exit_code == 0, r.output
    assert "checksums and key are good" in r.output and "needs --force" in r.output
    assert "Dry run: nothing was changed." in r.output
    assert all_rows() == before


def test_force_replaces_current_data_after_a_safety_backup(app, filled, cli, tmp_path, set_settings, make_user):
    from plexportal.auth.models import User

    set_settings(SELF_BACKUP_DIR=str(tmp_path / "safety"))
    path = backup(cli, tmp_path)
    before = all_rows()
    make_user("added-after-the-backup")
    r = cli("data", "restore", path)
    assert r.exit_code == 1 and "already holds data" in r.output and "--force" in r.output
    assert User.get_or_none(User.username == "added-after-the-backup") is not None
    r = cli("data", "restore", path, "--force")
    assert r.exit_code == 0, r.output
    (safety,) = (tmp_path / "safety").glob("*-safety.tar.gz")
    assert f"Safety backup of the current data: {safety}" in r.output
    from plexportal.settings import service as settings

    settings.invalidate()
    assert all_rows() == before
    assert User.get_or_none(User.username == "added-after-the-backup") is None
    # and the safety backup holds what was replaced
    names = {json.loads(line)[1] for k, v in members(safety).items() if k.startswith("database/user/")
             for line in v.splitlines()}
    assert "added-after-the-backup" in names


def _rewrite(path: Path, out: Path, change) -> Path:
    """A copy of the archive with its members passed through change(name, data) -> data|None,
    written with correct checksums (so only the change itself is wrong)."""
    with tarfile.open(path, "r:gz") as tar:
        items = [(m.name, tar.extractfile(m).read()) for m in tar if m.isfile()]
    with open(out, "wb") as fh:
        w = archive.Writer(fh)
        for name, data in items:
            if name == archive.CHECKSUMS:
                continue
            data = change(name, data)
            if data is not None:
                w.add(name, data)
        w.finish()
    return out


def assert_refused(cli, path, phrase, *extra, input=None):
    before = all_rows()
    r = cli("data", "restore", path, "--force", *extra, input=input)
    assert r.exit_code == 1, r.output
    assert phrase in r.output
    assert "The current data was not changed." in r.output
    assert "Traceback" not in r.output
    from plexportal.settings import service as settings

    settings.invalidate()
    assert all_rows() == before


def test_a_truncated_archive_is_refused_and_nothing_changes(app, filled, cli, tmp_path):
    path = backup(cli, tmp_path)
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 40, 30):
        short = tmp_path / f"short-{cut}.tar.gz"
        short.write_bytes(data[:cut])
        assert_refused(cli, short, "truncated" if cut > 100 else "")


def test_a_corrupt_archive_is_refused_and_nothing_changes(app, filled, cli, tmp_path):
    path = backup(cli, tmp_path)
    # a row altered after the fact: the archive is whole, but a checksum does not match
    raw = io.BytesIO()
    with tarfile.open(path, "r:gz") as tar, tarfile.open(fileobj=raw, mode="w:gz") as out:
        for m in tar:
            data = tar.extractfile(m).read()
            if m.name.startswith("database/user/"):
                data = data.replace(b"zo", b"ZO")
            m.size = len(data)
            out.addfile(m, io.BytesIO(data))
    tampered = tmp_path / "tampered.tar.gz"
    tampered.write_bytes(raw.getvalue())
    assert_refused(cli, tampered, "The checksum of database/user/00001.jsonl does not match")
    # flipped bytes inside the compressed stream
    data = bytearray(path.read_bytes())
    for i in range(200, len(data) - 200, 97):
        data[i] ^= 0xFF
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(bytes(data))
    assert_refused(cli, broken, "damaged")
    # something that is not an archive at all
    other = tmp_path / "notes.tar.gz"
    other.write_bytes(gzip.compress(b"just some text"))
    assert_refused(cli, other, "")


def test_a_backup_from_a_newer_version_is_refused(app, filled, cli, tmp_path):
    path = backup(cli, tmp_path)

    def newer(name, data):
        if name == archive.MANIFEST:
            m = json.loads(data)
            m["schema"]["applied"].append("0999_from_the_future")
            m["app_version"] = "9.0.0"
            return json.dumps(m).encode()
        return data
    future = _rewrite(path, tmp_path / "future.tar.gz", newer)
    assert_refused(cli, future, "This backup was made by a newer plexportal (9.0.0; its database has migration "
                                "0999_from_the_future")
    r = cli("data", "restore", future, "--dry-run")
    assert r.exit_code == 1 and "Upgrade plexportal, then restore." in r.output


def test_an_archive_with_a_row_count_that_does_not_match_is_refused(app, filled, cli, tmp_path):
    path = backup(cli, tmp_path)

    def drop_a_row(name, data):
        if name.startswith("database/backup_run/"):
            return b"\n".join(data.splitlines()[1:]) + b"\n"
        return data
    assert_refused(cli, _rewrite(path, tmp_path / "short-table.tar.gz", drop_a_row),
                   "Table backup_run holds 4 rows, not the 5 the manifest lists")


def test_an_archive_whose_manifest_names_sql_instead_of_a_table_is_refused(app, filled, cli, tmp_path):
    """Table and column names are written into SQL during a restore: a manifest rewritten to smuggle
    SQL in (with checksums made to match) is refused before anything runs, and nothing changes."""
    path = backup(cli, tmp_path)
    for field, evil in (("name", 'user" (id) VALUES (1); DROP TABLE "setting'), ("columns", ['id", "x'])):
        def smuggle(name, data, field=field, evil=evil):
            if name == archive.MANIFEST:
                m = json.loads(data)
                table = next(t for t in m["tables"] if t["name"] == "user")
                table[field] = evil
                return json.dumps(m).encode()
            return data
        altered = _rewrite(path, tmp_path / f"smuggled-{field}.tar.gz", smuggle)
        assert_refused(cli, altered, "names a table or column that plexportal never writes")
        r = cli("data", "restore", altered, "--dry-run")
        assert r.exit_code == 1 and "it was altered" in r.output


def test_a_restore_over_a_running_worker_is_refused(app, filled, cli, tmp_path):
    from plexportal.lib import clock
    from plexportal.ops.models import JobState

    path = backup(cli, tmp_path)
    JobState.create(name="plexportal.notify.tasks.send_due_notifications_task", last_started_at=clock.now(),
                    last_finished_at=clock.now(), last_outcome="ok", runs=1)
    assert_refused(cli, path, "The worker is running (it ran send_due_notifications_task")


def test_a_restore_while_a_process_holds_the_data_dir_is_refused(app, filled, cli, tmp_path):
    import subprocess
    import sys

    from flask import current_app

    data_dir = current_app.config["PLEXPORTAL"].data_dir
    path = backup(cli, tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", ("import sys; from pathlib import Path; "
                               "from plexportal.ops import running; running.hold(Path(sys.argv[1]), 'web'); "
                               "print('held', flush=True); sys.stdin.read()"), str(data_dir)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert_refused(cli, path, "plexportal is running on this data directory")
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    r = cli("data", "restore", path, "--force")
    assert r.exit_code == 0, r.output


def test_a_full_disk_during_the_backup_leaves_no_file_and_says_so(app, filled, cli, tmp_path, monkeypatch):
    """The disk fills up while the archive itself is written: the file system answers ENOSPC
    after 2,000 bytes (the snapshot copy fitted; see the tmpfs test below for a disk that is full
    from the start)."""
    import errno
    import os

    out = tmp_path / "full"
    budget = {"left": 2000}
    real_fdopen = os.fdopen

    class FillingDisk(io.BufferedWriter):
        def write(self, b):
            budget["left"] -= len(b)
            if budget["left"] < 0:
                raise OSError(errno.ENOSPC, "No space left on device")
            return super().write(b)

    def fdopen(fd, mode="r", *a, **kw):
        if mode == "wb":
            return FillingDisk(io.FileIO(fd, "w"), buffer_size=512)
        return real_fdopen(fd, mode, *a, **kw)

    monkeypatch.setattr("plexportal.ops.backup.os.fdopen", fdopen)
    r = cli("data", "backup", "--to", out)
    monkeypatch.undo()
    assert r.exit_code == 1
    assert f"The disk holding {out} is full, so the backup was not made" in r.output
    assert list(out.iterdir()) == []            # no partial file, no snapshot copy left behind


def test_a_backup_into_a_folder_it_cannot_write_says_so(app, filled, cli, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    r = cli("data", "backup", "--to", blocker / "sub")
    assert r.exit_code == 1 and f"Cannot create the backup folder {blocker / 'sub'}" in r.output


def test_a_missing_archive_or_a_folder_is_a_sentence(cli, tmp_path):
    r = cli("data", "restore", tmp_path / "nope.tar.gz")
    assert r.exit_code == 1 and f"There is no file {tmp_path / 'nope.tar.gz'}." in r.output
    r = cli("data", "restore", tmp_path)
    assert r.exit_code == 1 and "is a folder" in r.output


@pytest.fixture
def small_disk(tmp_path):
    """A real 256 KiB file system (tmpfs), where mounting is allowed (root, as on CI)."""
    import subprocess

    where = tmp_path / "small-disk"
    where.mkdir()
    done = subprocess.run(check=False, args=["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(where)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root); the injected ENOSPC test covers the same path")
    yield where
    subprocess.run(check=False, args=["umount", "-l", str(where)], capture_output=True)


def test_a_really_full_disk_stops_the_backup_with_a_sentence(app, filled, cli, small_disk):
    (small_disk / "backups").mkdir()
    with open(small_disk / "already-there", "wb", buffering=0) as fh:   # the disk is full already
        try:
            while True:
                fh.write(b"x" * 4096)
        except OSError:
            pass
    r = cli("data", "backup", "--to", small_disk / "backups")
    assert r.exit_code == 1, r.output
    assert f"The disk holding {small_disk / 'backups'} is full, so the backup was not made" in r.output
    assert "Traceback" not in r.output
    assert list((small_disk / "backups").iterdir()) == []          # no partial archive, no snapshot copy


@pytest.mark.sqlite_only
def test_sqlite_json_rows_match_the_python_encoding(app, filled, tmp_path):
    """The fast path (SQLite's json_array) writes the same values as encoding each row in Python."""
    from plexportal.db import db
    from plexportal.ops import dump

    with dump.snapshot(db.obj, tmp_path) as snap:
        for table in snap.tables():
            columns = snap.columns(table)
            fast = [json.loads(line) for line in snap.json_rows(table, columns)]
            slow = [json.loads(json.dumps(list(row), default=dump.jsonable)) for row in snap.rows(table, columns)]
            assert fast == slow, table
