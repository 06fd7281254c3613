"""The self-backup archive reader on anything but a good archive: random bytes, other tar files,
members out of order or too large, checksums that lie, manifests of another format or a newer
version; and the writer when the disk fails under it. Every case is one ArchiveError sentence."""
from __future__ import annotations

import gzip
import io
import json
import tarfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plexportal.ops import archive

MANIFEST = {"format": archive.FORMAT, "format_version": archive.FORMAT_VERSION, "rows": 0}


def good(members=None) -> bytes:
    out = io.BytesIO()
    w = archive.Writer(out)
    w.add_json(archive.MANIFEST, MANIFEST)
    for name, data in (members or [("secret.key", b"k" * 44), (archive.table_member("user", 0), b'[1, "ana"]\n')]):
        w.add(name, data)
    w.finish()
    return out.getvalue()


def raw_tar(members, *, compress=True, extra=None) -> bytes:
    """A tar(.gz) with exactly these (name, bytes) members; extra(tar) may add odd ones."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if extra:
            extra(tar)
    data = buf.getvalue()
    return gzip.compress(data) if compress else data


def read_all(data: bytes) -> list[str]:
    return [m.name for m in archive.read_members(io.BytesIO(data))]


def sums(*members) -> bytes:
    import hashlib

    return json.dumps({"algorithm": "sha256",
                       "files": {n: hashlib.sha256(d).hexdigest() for n, d in members}}).encode()


def test_a_good_archive_reads_back_in_order():
    assert read_all(good()) == [archive.MANIFEST, "secret.key", "database/user/00000.jsonl"]
    assert archive.read_manifest(io.BytesIO(good()))["format"] == archive.FORMAT


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_any_bytes_are_refused_with_a_sentence_never_a_crash(data):
    with pytest.raises(archive.ArchiveError):
        read_all(data)
    with pytest.raises(archive.ArchiveError):
        archive.read_manifest(io.BytesIO(data))


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=10_000), st.integers(min_value=0, max_value=255))
def test_a_flipped_byte_anywhere_is_refused(position, value):
    data = bytearray(good())
    position %= len(data)
    if data[position] == value:
        value = (value + 1) % 256
    data[position] = value
    try:
        names = read_all(bytes(data))
    except archive.ArchiveError:
        return
    # gzip's own CRC or our checksums catch every change that reaches the content; a flip in a
    # header field that changes nothing read (e.g. gzip's OS byte) may pass unnoticed.
    assert names == [archive.MANIFEST, "secret.key", "database/user/00000.jsonl"]


@pytest.mark.parametrize("members, phrase", [
    ([("secret.key", b"k")], "does not start with manifest.json"),
    ([], "The archive is empty"),
    ([(archive.MANIFEST, b"{}")], "its checksums are missing"),
    ([(archive.MANIFEST, b"{}"), (archive.CHECKSUMS, b"not json")], "checksums.json in the archive is not valid JSON"),
    ([(archive.MANIFEST, b"{}"), (archive.CHECKSUMS, json.dumps({"files": {}}).encode())],
     "does not hold the files its checksums list"),
    ([(archive.MANIFEST, b"{}"), (archive.CHECKSUMS, json.dumps({"files": [1]}).encode())],
     "does not hold the files its checksums list"),
    ([(archive.MANIFEST, b"{}"), (archive.CHECKSUMS, json.dumps({"files": {archive.MANIFEST: "0" * 64}}).encode())],
     "The checksum of manifest.json does not match"),
    ([(archive.MANIFEST, b"{}"), (archive.CHECKSUMS, sums((archive.MANIFEST, b"{}"))), ("late.txt", b"x")],
     "has files after its checksums"),
])
def test_archives_that_are_not_whole_plexportal_backups(members, phrase):
    with pytest.raises(archive.ArchiveError, match=phrase):
        read_all(raw_tar(members))


def test_directories_and_links_are_passed_over():
    def odd(tar):
        d = tarfile.TarInfo("database")
        d.type = tarfile.DIRTYPE
        tar.addfile(d)
    members = [(archive.MANIFEST, b"{}")]
    data = raw_tar(members + [(archive.CHECKSUMS, sums(*members))], extra=None)
    assert read_all(data) == [archive.MANIFEST]
    # a directory before the checksums is skipped, not counted
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, body in members:
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
        odd(tar)
        link = tarfile.TarInfo("secret.key")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)
        info = tarfile.TarInfo(archive.CHECKSUMS)
        body = sums(*members)
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    assert read_all(gzip.compress(buf.getvalue())) == [archive.MANIFEST]


def test_a_member_larger_than_plexportal_writes_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(archive, "MAX_MEMBER", 1000)
    with pytest.raises(archive.ArchiveError, match="larger than any file plexportal writes"):
        read_all(raw_tar([(archive.MANIFEST, b"{}"), ("database/user/00000.jsonl", b"x" * 2000)]))
    with pytest.raises(archive.ArchiveError, match="does not start with manifest.json"):
        archive.read_manifest(io.BytesIO(raw_tar([(archive.MANIFEST, b" " * 2000)])))


def test_a_tar_that_is_not_compressed_is_refused():
    members = [(archive.MANIFEST, b"{}")]
    with pytest.raises(archive.ArchiveError, match="damaged"):
        read_all(raw_tar(members + [(archive.CHECKSUMS, sums(*members))], compress=False))


@pytest.mark.parametrize("manifest, phrase", [
    ({"format": "something-else", "format_version": 1}, "its manifest does not say so"),
    ([1, 2], "its manifest does not say so"),
    ({"format": archive.FORMAT, "format_version": archive.FORMAT_VERSION + 1}, "newer than this plexportal reads"),
    ({"format": archive.FORMAT, "format_version": "1"}, "This backup uses archive format"),
    ({"format": archive.FORMAT}, "This backup uses archive format"),
])
def test_a_manifest_of_another_kind_or_a_newer_version(manifest, phrase):
    data = raw_tar([(archive.MANIFEST, json.dumps(manifest).encode())])
    with pytest.raises(archive.ArchiveError, match=phrase):
        archive.read_manifest(io.BytesIO(data))


def test_a_manifest_that_is_not_json_is_damaged():
    with pytest.raises(archive.ArchiveError, match="manifest.json in the archive is not valid JSON"):
        archive.read_manifest(io.BytesIO(raw_tar([(archive.MANIFEST, b"{nope")])))


class FailingDisk(io.BytesIO):
    """A file that fills up after `room` bytes, like a disk that runs out."""

    def __init__(self, room: int):
        super().__init__()
        self.room = room

    def write(self, data) -> int:
        if self.tell() + len(data) > self.room:
            raise OSError(28, "No space left on device")
        return super().write(data)


def test_a_disk_that_fills_up_under_the_writer_stops_it_with_the_error():
    w = archive.Writer(FailingDisk(room=2000))
    w.add_json(archive.MANIFEST, MANIFEST)
    with pytest.raises(OSError, match="No space left on device"):
        for i in range(200):
            w.add(archive.table_member("user", i), bytes(range(256)) * 400)
        w.finish()
    w.abort()


def test_an_aborted_writer_writes_nothing_more():
    out = io.BytesIO()
    w = archive.Writer(out)
    w.add_json(archive.MANIFEST, MANIFEST)
    w.abort()
    with pytest.raises(RuntimeError, match="aborted"):
        w.add("secret.key", b"k")
