"""Writing plexportal's own archives: two in the same second, tables split into several chunks with
progress reported as they go, the archive's own checks agreeing with the database, and values of
every type encoded so they come back the same."""
from __future__ import annotations

import datetime as dt
import decimal
import json
from datetime import datetime

import pytest

from plexportal.ops import archive, backup, dump

NOW = datetime(2026, 5, 10, 3, 30, tzinfo=dt.UTC)


@pytest.fixture
def database(db):
    return db.obj


def test_two_backups_in_the_same_second_get_two_whole_files(app, database, admin, tmp_path):
    tmp_path = tmp_path / "out"
    first = backup.create_backup(database, tmp_path, secret_key="k" * 44, kind="manual", now=NOW)
    second = backup.create_backup(database, tmp_path, secret_key="k" * 44, kind="manual", now=NOW)
    assert first.path.name == "plexportal-backup-20260510T033000Z-manual.tar.gz"
    assert second.path.name == "plexportal-backup-20260510T033000Z-2-manual.tar.gz"
    for made in (first, second):
        with open(made.path, "rb") as fh:
            names = [m.name for m in archive.read_members(fh)]
        assert names[0] == archive.MANIFEST and archive.KEY_PLAIN in names
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.path.name, second.path.name])
    assert {a.name for a in backup.archives(tmp_path)} == {first.path.name, second.path.name}


def test_a_big_table_is_split_into_chunks_and_progress_moves_forward(app, database, admin, make_user, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setattr(archive, "CHUNK_BYTES", 2048)
    for i in range(120):
        make_user(f"person{i:03d}")
    seen = []
    result = backup.create_backup(database, tmp_path, secret_key="k" * 44, kind="cli", now=NOW,
                                  progress=lambda td, tt, rd, rt: seen.append((td, tt, rd, rt)))
    with open(result.path, "rb") as fh:
        members = {m.name: m.data for m in archive.read_members(fh)}
    user_chunks = sorted(n for n in members if n.startswith("database/user/"))
    assert len(user_chunks) > 1
    rows = [json.loads(line) for n in user_chunks for line in members[n].splitlines()]
    assert len(rows) == 121 == result.counts["user"]
    done = [rd for _, _, rd, _ in seen]
    assert done == sorted(done) and seen[-1][2] == seen[-1][3] == result.rows
    assert seen[-1][0] == seen[-1][1]                     # every table done at the end
    manifest = json.loads(members[archive.MANIFEST])
    assert {t["name"]: t["rows"] for t in manifest["tables"]}["user"] == 121
    assert manifest["rows"] == result.rows and manifest["key"] == {"file": archive.KEY_PLAIN, "sealed": False}


@pytest.mark.parametrize("value, encoded", [
    (dt.datetime(2026, 5, 10, 3, 30, 5), "2026-05-10 03:30:05"),
    (dt.date(2026, 5, 10), "2026-05-10"),
    (dt.time(3, 30), "03:30:00"),
    (decimal.Decimal("12.50"), "12.50"),
    (b"\x00\xffbytes", {"$base64": "AP9ieXRlcw=="}),
    (memoryview(b"mv"), {"$base64": "bXY="}),
])
def test_values_of_every_type_the_drivers_return_are_kept_exactly(value, encoded):
    assert dump.jsonable(value) == encoded


def test_a_value_of_an_unknown_type_stops_the_backup_rather_than_guessing():
    with pytest.raises(TypeError, match="cannot store set"):
        dump.jsonable({1, 2})


def test_tables_come_after_the_tables_they_point_at():
    refs = {"notification": {"user"}, "delivery": {"notification"}, "user": set(), "self_ref": {"self_ref"},
            "a": {"b"}, "b": {"a"}}
    order = dump.dependency_order(["delivery", "notification", "user", "self_ref", "a", "b"], refs)
    assert order.index("user") < order.index("notification") < order.index("delivery")
    assert sorted(order) == ["a", "b", "delivery", "notification", "self_ref", "user"]     # cycles: kept, once

