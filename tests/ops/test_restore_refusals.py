"""More archives a restore must refuse with a sentence and the data untouched (a manifest without
migrations, a sealed key and no passphrase, members the manifest does not list, no usable key, a
column the schema lacks, rows pointing at nothing), and the warning when the environment holds
another key."""
from __future__ import annotations

import json

import pytest

from plexportal.ops import archive
from tests.ops.conftest import all_rows
from tests.ops.test_backup_restore import _rewrite, assert_refused, backup, cli, fresh_app, restore_into  # noqa: F401


def edit_manifest(change):
    def edit(name, data):
        if name == archive.MANIFEST:
            m = json.loads(data)
            change(m)
            return json.dumps(m).encode()
        return data
    return edit


def test_a_manifest_without_migrations_is_refused(app, filled, cli, tmp_path):
    path = backup(cli, tmp_path)
    for value in ([], None, [1, 2]):
        altered = _rewrite(path, tmp_path / "no-migrations.tar.gz",
                           edit_manifest(lambda m, v=value: m["schema"].__setitem__("applied", v)))
        assert_refused(cli, altered, "The archive's manifest lists no database migrations")


def test_a_manifest_of_another_format_is_refused(app, filled, cli, tmp_path):
    path = backup(cli, tmp_path)
    altered = _rewrite(path, tmp_path / "other.tar.gz", edit_manifest(lambda m: m.__setitem__("format", "other")))
    assert_refused(cli, altered, "its manifest does not say so")


def test_a_sealed_key_without_its_passphrase_asks_for_it(app, filled, cli, tmp_path):
    path = backup(cli, tmp_path, "--passphrase-stdin", input="a long passphrase\n")
    assert_refused(cli, path, "sealed with a passphrase: give it (--passphrase-stdin) to restore.")
    r = cli("data", "restore", path, "--dry-run")
    assert r.exit_code == 1 and "--passphrase-stdin" in r.output


def test_a_table_the_manifest_does_not_list_is_refused(app, filled, cli, tmp_path):
    path = backup(cli, tmp_path)
    # the archive again, with a member for a table its manifest does not list (checksums made to match)
    import tarfile

    with tarfile.open(path, "r:gz") as tar:
        items = [(m.name, tar.extractfile(m).read()) for m in tar if m.isfile() and m.name != archive.CHECKSUMS]
    out = tmp_path / "extra-table.tar.gz"
    with open(out, "wb") as fh:
        w = archive.Writer(fh)
        for name, data in items:
            w.add(name, data)
        w.add("database/sqlite_master/00000.jsonl", b'["table", "x"]\n')
        w.finish()
    assert_refused(cli, out, "The archive holds database/sqlite_master/00000.jsonl, which its manifest does not list")


def test_an_archive_without_a_usable_key_is_refused(app, filled, cli, tmp_path):
    path = backup(cli, tmp_path)

    def short_key(name, data):
        return b"short\n" if name == archive.KEY_PLAIN else data
    assert_refused(cli, _rewrite(path, tmp_path / "short-key.tar.gz", short_key), "holds no usable key file")

    def no_key(name, data):
        return None if name == archive.KEY_PLAIN else data
    assert_refused(cli, _rewrite(path, tmp_path / "no-key.tar.gz", no_key), "holds no usable key file")


def test_a_column_the_schema_does_not_have_is_refused(app, filled, cli, tmp_path):
    path = backup(cli, tmp_path)

    def add_column(m):
        table = next(t for t in m["tables"] if t["name"] == "backup_run")
        table["columns"] = table["columns"] + ["smuggled"]

    def widen(name, data):
        if name == archive.MANIFEST:
            return edit_manifest(add_column)(name, data)
        if name.startswith("database/backup_run/"):
            rows = [json.loads(line) + [None] for line in data.splitlines() if line]
            return b"".join(json.dumps(r).encode() + b"\n" for r in rows)
        return data
    assert_refused(cli, _rewrite(path, tmp_path / "wide.tar.gz", widen),
                   "The archive's table backup_run has columns (smuggled) that the database at the same migration "
                   "does not")


@pytest.mark.sqlite_only
def test_rows_pointing_at_missing_rows_are_refused(app, filled, cli, tmp_path):
    path = backup(cli, tmp_path)
    friend_id = filled.id

    def lose_the_user(m):
        table = next(t for t in m["tables"] if t["name"] == "user")
        table["rows"] -= 1

    def drop_friend(name, data):
        if name == archive.MANIFEST:
            return edit_manifest(lose_the_user)(name, data)
        if name.startswith("database/user/"):
            kept = [line for line in data.splitlines() if line and json.loads(line)[0] != friend_id]
            return b"".join(line + b"\n" for line in kept)
        return data
    assert_refused(cli, _rewrite(path, tmp_path / "orphans.tar.gz", drop_friend), "broken references")


@pytest.mark.sqlite_only
def test_a_different_key_in_the_environment_is_warned_about(app, filled, cli, tmp_path, monkeypatch):
    path = backup(cli, tmp_path)
    target = fresh_app(tmp_path)
    monkeypatch.setenv("PLEXPORTAL_SECRET_KEY", "another-key-entirely-0123456789abcdef")
    r = restore_into(target, path)
    assert r.exit_code == 0, r.output
    assert "Warning: PLEXPORTAL_SECRET_KEY is set and is not the key in this backup" in r.output
    assert "Start the web and the worker again." in r.output


def test_nothing_changes_after_every_refusal(app, filled, cli, tmp_path):
    before = all_rows()
    path = backup(cli, tmp_path)
    altered = _rewrite(path, tmp_path / "empty-manifest.tar.gz", lambda n, d: b"{}" if n == archive.MANIFEST else d)
    r = cli("data", "restore", altered, "--force")
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert all_rows() == before
