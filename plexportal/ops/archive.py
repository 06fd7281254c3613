"""The self-backup archive format, written and read as a stream (never whole in memory).

A gzip-compressed tar whose members come in this order:

    manifest.json                 what the archive holds (format, app version, schema, tables, counts)
    secret.key | secret.key.enc   the key that decrypts stored secrets (.enc: sealed with a passphrase)
    database/<table>/NNNNN.jsonl  the rows of one table, one JSON array per line, in chunks of ~4 MiB
    checksums.json                the SHA-256 of every member above

docs/operations.md describes it for people who want to read an archive without plexportal."""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import queue
import tarfile
import threading
import time
import zlib
from collections.abc import Iterator
from typing import BinaryIO

FORMAT = "plexportal-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHECKSUMS = "checksums.json"
KEY_PLAIN = "secret.key"
KEY_SEALED = "secret.key.enc"
CHUNK_BYTES = 4 * 1024 * 1024
# A member larger than this was not written by plexportal: reading it would only waste memory.
MAX_MEMBER = 64 * 1024 * 1024
COMPRESS_LEVEL = 3          # gzip: most of level 9's saving at a fraction of its time


class ArchiveError(Exception):
    """The archive cannot be used; the message says why in one sentence."""


def table_member(table: str, index: int) -> str:
    return f"database/{table}/{index:05d}.jsonl"


class Writer:
    """Writes members in order, hashing each; `finish()` appends checksums.json.

    Compressing, hashing and writing happen on a thread of its own (zlib and hashlib release the
    GIL), so they overlap with reading and encoding the next rows; at most a few chunks wait in
    between, which bounds the memory."""

    def __init__(self, fileobj: BinaryIO):
        self._gz = gzip.GzipFile(fileobj=fileobj, mode="wb", compresslevel=COMPRESS_LEVEL, mtime=0)
        self._tar = tarfile.open(fileobj=self._gz, mode="w|", format=tarfile.PAX_FORMAT)  # noqa: SIM115 - the writer's lifetime; close() closes it
        self._sums: dict[str, str] = {}
        self._queue: queue.Queue = queue.Queue(maxsize=3)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._drain, name="plexportal-archive-writer", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._error is None:
                try:
                    self._write(*item)
                except BaseException as err:  # noqa: BLE001 - handed to the caller on its next call
                    self._error = err

    def _write(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = int(time.time())
        info.mode = 0o600
        self._tar.addfile(info, io.BytesIO(data))
        self._sums[name] = hashlib.sha256(data).hexdigest()

    def _check(self) -> None:
        if self._error is not None:
            raise self._error

    def add(self, name: str, data: bytes) -> None:
        self._check()
        self._queue.put((name, data))

    def add_json(self, name: str, value) -> None:
        self.add(name, json.dumps(value, indent=1, sort_keys=False).encode())

    def _stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def abort(self) -> None:
        """Drop the stream without writing more (the file is being deleted)."""
        self._error = self._error or RuntimeError("aborted")
        self._stop()
        # Marked closed, so neither close() nor the stream's __del__ writes the end of the archive.
        # typeshed declares neither attribute, though tarfile sets both in __init__.
        self._tar.closed = True  # type: ignore[attr-defined]
        self._tar.fileobj.closed = True  # type: ignore[attr-defined]

    def finish(self) -> None:
        self._stop()
        self._check()
        self._write(CHECKSUMS, json.dumps({"algorithm": "sha256", "files": self._sums}, indent=1).encode())
        self._tar.close()
        self._gz.close()


class Member:
    __slots__ = ("data", "name")

    def __init__(self, name: str, data: bytes):
        self.name = name
        self.data = data

    def json(self):
        try:
            return json.loads(self.data)
        except ValueError:
            raise ArchiveError(f"{self.name} in the archive is not valid JSON: the archive is damaged.") from None


def _damaged(err: BaseException) -> ArchiveError:
    if isinstance(err, EOFError) or "truncated" in str(err).lower() or "unexpected end" in str(err).lower():
        return ArchiveError("The archive is truncated (it ends before its last file): it was not copied whole "
                            "or the backup did not finish. Use another backup.")
    return ArchiveError(f"The archive is damaged and cannot be read ({type(err).__name__}: {err}). "
                        "Use another backup.")


def read_members(fileobj: BinaryIO) -> Iterator[Member]:
    """Yield each member in order, then check every checksum against checksums.json (which must
    come last). Raises ArchiveError for anything that is not a whole, unaltered archive."""
    sums: dict[str, str] = {}
    checksums = None
    try:
        gz = gzip.GzipFile(fileobj=fileobj, mode="rb")
        with tarfile.open(fileobj=gz, mode="r|") as tar:
            for info in tar:
                if checksums is not None:
                    raise ArchiveError("The archive has files after its checksums: it is not a plexportal backup.")
                if not info.isfile():
                    continue
                data = _member_data(tar, info)
                if info.name == CHECKSUMS:
                    checksums = Member(info.name, data).json()
                    continue
                if not sums and info.name != MANIFEST:
                    raise ArchiveError("This is not a plexportal backup (it does not start with manifest.json).")
                sums[info.name] = hashlib.sha256(data).hexdigest()
                yield Member(info.name, data)
    except ArchiveError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, OSError, ValueError) as err:
        if isinstance(err, OSError) and not isinstance(err, gzip.BadGzipFile) and err.errno is not None:
            raise ArchiveError(f"The archive could not be read: {err.strerror}.") from None
        raise _damaged(err) from None
    _check_sums(sums, checksums)


def _member_data(tar: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
    """One member's bytes, whole (a short read is a truncated archive)."""
    if info.size > MAX_MEMBER:
        raise ArchiveError(f"{info.name} in the archive is larger than any file plexportal writes: "
                           "this is not a plexportal backup.")
    handle = tar.extractfile(info)
    data = handle.read() if handle else b""
    if len(data) != info.size:
        raise EOFError("unexpected end of data")
    return data


def _check_sums(sums: dict[str, str], checksums: object) -> None:
    """Every member read is listed in checksums.json with its digest, and nothing else is."""
    if not sums:
        raise ArchiveError("The archive is empty: this is not a plexportal backup.")
    if checksums is None:
        raise ArchiveError("The archive is truncated (its checksums are missing): it was not copied whole or "
                           "the backup did not finish. Use another backup.")
    expected = (checksums.get("files") if isinstance(checksums, dict) else None) or {}
    if not isinstance(expected, dict) or set(expected) != set(sums):
        raise ArchiveError("The archive does not hold the files its checksums list: it was altered or is damaged.")
    for name, digest in sums.items():
        if expected[name] != digest:
            raise ArchiveError(f"The checksum of {name} does not match: the archive is damaged. Use another backup.")


def read_manifest(fileobj: BinaryIO) -> dict:
    """Only the manifest (the first member): cheap, for listing backups. Checks nothing else."""
    try:
        gz = gzip.GzipFile(fileobj=fileobj, mode="rb")
        with tarfile.open(fileobj=gz, mode="r|") as tar:
            info = tar.next()
            if info is None or info.name != MANIFEST or info.size > MAX_MEMBER:
                raise ArchiveError("This is not a plexportal backup (it does not start with manifest.json).")
            handle = tar.extractfile(info)
            manifest = Member(info.name, handle.read() if handle else b"").json()
    except ArchiveError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, OSError, ValueError) as err:
        raise _damaged(err) from None
    check_format(manifest)
    return manifest


def check_format(manifest) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError("This is not a plexportal backup (its manifest does not say so).")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ArchiveError(f"This backup uses archive format {version}, newer than this plexportal reads "
                           f"({FORMAT_VERSION}): upgrade plexportal, then restore.")
