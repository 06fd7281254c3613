"""`flask data list`, passphrases read from standard input, the sealed key file's own checks, and
which archives pruning keeps (regular ones by SELF_BACKUP_KEEP, upgrade and safety copies apart)."""
from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path

import pytest

from plexportal.ops import backup as backup_files
from plexportal.ops import keyfile


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args, input=None):
        return runner.invoke(args=[str(a) for a in args], input=input)
    return run


def touch(folder: Path, stamp: str, kind: str, data: bytes = b"") -> Path:
    path = folder / f"plexportal-backup-{stamp}-{kind}.tar.gz"
    path.write_bytes(data)
    return path


def test_data_list_says_when_there_is_nothing(cli, db, set_settings, tmp_path):
    set_settings(SELF_BACKUP_DIR=str(tmp_path / "none-yet"))
    r = cli("data", "list")
    assert r.exit_code == 0 and r.output.strip() == f"No backups in {tmp_path / 'none-yet'}."


def test_data_list_shows_each_archive_newest_first_and_what_is_wrong_with_a_damaged_one(cli, db, admin,
                                                                                         set_settings, tmp_path):
    folder = tmp_path / "mine"
    set_settings(SELF_BACKUP_DIR=str(folder))
    r = cli("data", "backup")
    assert r.exit_code == 0, r.output
    (good,) = folder.glob("*-cli.tar.gz")
    damaged = touch(folder, "20991231T000000Z", "manual", good.read_bytes()[:200])
    (folder / "notes.txt").write_text("not an archive")
    touch(folder, "20000101T000000Z", "holiday")                  # not a name plexportal writes
    lines = cli("data", "list").output.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(damaged.name) and "rows" not in lines[0]
    assert lines[1].startswith(good.name) and "rows, schema 0" in lines[1]


@pytest.mark.parametrize("given, said", [("\n", "The passphrase read from standard input is empty."),
                                         ("short\n", "Use a passphrase of at least 8 characters.")])
def test_a_backup_refuses_an_empty_or_short_passphrase_and_writes_nothing(cli, db, admin, tmp_path, given, said):
    out = tmp_path / "out"
    r = cli("data", "backup", "--to", out, "--passphrase-stdin", input=given)
    assert r.exit_code == 1 and said in r.output
    assert not out.exists() or list(out.iterdir()) == []


def test_an_unsealed_backup_says_how_private_it_is_and_a_sealed_one_does_not(cli, db, admin, tmp_path):
    r = cli("data", "backup", "--to", tmp_path / "a")
    assert r.exit_code == 0 and "The key file inside is not sealed" in r.output
    r = cli("data", "backup", "--to", tmp_path / "b", "--passphrase-stdin", input="long enough phrase\n")
    assert r.exit_code == 0 and "not sealed" not in r.output and "long enough phrase" not in r.output


def test_a_restore_with_an_empty_passphrase_stops_before_reading_the_archive(cli, db, tmp_path):
    r = cli("data", "restore", tmp_path / "whatever.tar.gz", "--passphrase-stdin", input="\n")
    assert r.exit_code == 1 and "The passphrase read from standard input is empty." in r.output


def test_a_dry_run_counts_the_empty_tables_too(cli, db, admin, tmp_path):
    r = cli("data", "backup", "--to", tmp_path / "out")
    (path,) = (tmp_path / "out").glob("*.tar.gz")
    r = cli("data", "restore", path, "--dry-run")
    assert r.exit_code == 0, r.output
    assert any(line.split() == ["user", "1"] for line in r.output.splitlines())
    assert "empty tables)" in r.output


# -- the sealed key file ----------------------------------------------------------------------------

@pytest.fixture
def fast_scrypt(monkeypatch):
    monkeypatch.setattr(keyfile, "SCRYPT_N", 2 ** 10)


def test_a_sealed_key_opens_only_with_its_passphrase(fast_scrypt):
    blob = keyfile.seal(b"the secret key", "right passphrase")
    assert b"the secret key" not in blob
    assert keyfile.open_sealed(blob, "right passphrase") == b"the secret key"
    with pytest.raises(keyfile.WrongPassphrase, match="The passphrase is wrong"):
        keyfile.open_sealed(blob, "wrong passphrase")


def test_a_tampered_sealed_key_is_refused_like_a_wrong_passphrase(fast_scrypt):
    doc = json.loads(keyfile.seal(b"the secret key", "right passphrase"))
    data = bytearray(base64.b64decode(doc["data"]))
    data[0] ^= 1
    doc["data"] = base64.b64encode(bytes(data)).decode()
    with pytest.raises(keyfile.WrongPassphrase, match="could not be decrypted"):
        keyfile.open_sealed(json.dumps(doc).encode(), "right passphrase")


@pytest.mark.parametrize("change", [
    lambda d: d.update(n=2 ** 30),           # would make the reader spend gigabytes: refused up front
    lambda d: d.update(r=64),
    lambda d: d.update(kdf="pbkdf2"),
    lambda d: d.update(cipher="aes-128-cbc"),
    lambda d: d.pop("salt"),
    lambda d: d.update(nonce="not base64 !!"),
    lambda d: d.update(n="many"),
])
def test_a_damaged_sealed_key_file_is_named_as_damaged(fast_scrypt, change):
    doc = json.loads(keyfile.seal(b"the secret key", "right passphrase"))
    change(doc)
    started = time.monotonic()
    with pytest.raises(keyfile.WrongPassphrase, match="damaged"):
        keyfile.open_sealed(json.dumps(doc).encode(), "right passphrase")
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("blob", [b"", b"not json", b"[1, 2]", b"null"])
def test_a_sealed_key_file_that_is_not_one_is_damaged(blob):
    with pytest.raises(keyfile.WrongPassphrase, match="damaged"):
        keyfile.open_sealed(blob, "anything")


# -- pruning -------------------------------------------------------------------------------------------

def test_pruning_keeps_the_newest_regular_archives_and_three_of_each_special_kind(tmp_path):
    kinds = ["scheduled", "manual", "cli", "scheduled", "scheduled", "upgrade", "upgrade", "upgrade", "upgrade",
             "safety", "safety"]
    made = [touch(tmp_path, f"202601{day + 1:02d}T030000Z", kind) for day, kind in enumerate(kinds)]
    removed = backup_files.prune(tmp_path, keep=2)
    left = sorted(p.name for p in tmp_path.iterdir())
    regular = [p for p in made if p.name.split("-")[-1].split(".")[0] in ("scheduled", "manual", "cli")]
    assert sorted(removed) == sorted(regular[:3] + [made[5]])
    assert left == sorted(p.name for p in regular[3:] + made[6:])


def test_pruning_always_keeps_at_least_one_and_ignores_other_files(tmp_path):
    newest = touch(tmp_path, "20260102T030000Z", "scheduled")
    touch(tmp_path, "20260101T030000Z", "scheduled")
    other = tmp_path / "plexportal.db"
    other.write_text("not mine")
    backup_files.prune(tmp_path, keep=0)
    assert sorted(tmp_path.iterdir()) == sorted([newest, other])


def test_pruning_removes_only_day_old_partial_files(tmp_path):
    fresh = tmp_path / "plexportal-backup-20260102T030000Z-manual.tar.gz.partial"
    stale = tmp_path / "plexportal-backup-20260101T030000Z-manual.tar.gz.partial"
    fresh.write_bytes(b"being written")
    stale.write_bytes(b"killed half way")
    day_ago = time.time() - 86400 - 60
    os.utime(stale, (day_ago, day_ago))
    backup_files.prune(tmp_path, keep=5)
    assert fresh.exists() and not stale.exists()


def test_a_folder_that_cannot_be_read_lists_nothing(tmp_path):
    assert backup_files.archives(tmp_path / "does-not-exist") == []
