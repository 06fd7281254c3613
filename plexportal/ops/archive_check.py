"""Checking a self-backup archive before anything is written: its format and checksums, the
manifest (every table and column name a plain identifier), the database migrations it was made
with against the ones this version knows, the key file (and its passphrase) and each table's row
count. `verify` reads the whole archive and writes nothing; restore.py loads only what passed."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from plexportal.ops import archive, keyfile


class RestoreError(Exception):
    """The restore stopped; the message says why in a sentence. The current data is untouched."""


@dataclass
class Checked:
    manifest: dict
    counts: dict[str, int]
    key: bytes
    forward: list[str] = field(default_factory=list)      # migrations this version adds after loading


def _migration_index(name: str) -> int:
    m = re.match(r"\d+", name)
    return int(m.group()) if m else -1


def known_migrations() -> list[str]:
    from plexportal.cli import MIGRATIONS_DIR

    return sorted((p.stem for p in MIGRATIONS_DIR.glob("[0-9]*.py")), key=_migration_index)


def check_schema(manifest: dict) -> tuple[str, list[str]]:
    """(the archive's last migration, the migrations this version will apply after loading).
    Refuses an archive whose database has migrations this version does not know."""
    applied = list((manifest.get("schema") or {}).get("applied") or [])
    if not applied or not all(isinstance(a, str) for a in applied):
        raise RestoreError("The archive's manifest lists no database migrations: it is damaged or not a "
                           "plexportal backup.")
    known = known_migrations()
    unknown = [a for a in applied if a not in known]
    if unknown:
        newest = max(unknown, key=_migration_index)
        raise RestoreError(f"This backup was made by a newer plexportal ({manifest.get('app_version', '?')}; its "
                           f"database has migration {newest}, which this version does not know). Upgrade "
                           "plexportal, then restore.")
    target = max(applied, key=_migration_index)
    forward = [m for m in known if m not in applied]
    return target, forward


def open_archive(path: Path):
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise RestoreError(f"There is no file {path}.") from None
    except IsADirectoryError:
        raise RestoreError(f"{path} is a folder; give the archive file itself.") from None
    except OSError as err:
        raise RestoreError(f"Cannot open {path}: {err.strerror}.") from None


def members(path: Path, passphrase: str | None) -> Iterator[archive.Member]:
    """Members with the manifest checked first (format, schema, passphrase needed)."""
    with open_archive(path) as fh:
        first = True
        for member in archive.read_members(fh):
            if first:
                manifest = member.json()
                try:
                    archive.check_format(manifest)
                except archive.ArchiveError as err:
                    raise RestoreError(str(err)) from None
                check_schema(manifest)
                if (manifest.get("key") or {}).get("sealed") and not passphrase:
                    raise RestoreError("This backup's key file is sealed with a passphrase: give it "
                                       "(--passphrase-stdin) to restore.")
                first = False
            yield member


def read_key(member: archive.Member, passphrase: str | None) -> bytes:
    if member.name == archive.KEY_SEALED:
        try:
            return keyfile.open_sealed(member.data, passphrase or "")
        except keyfile.WrongPassphrase as err:
            raise RestoreError(str(err)) from None
    return member.data


_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def manifest_tables(manifest: dict) -> dict:
    """The manifest's tables by name. Every table and column name must be a plain identifier, as
    plexportal's own are: the names are written into SQL, so an altered manifest stops here."""
    tables = {}
    for t in manifest.get("tables", []) if isinstance(manifest, dict) else []:
        names = [t.get("name")] + list(t.get("columns", [])) if isinstance(t, dict) else [None]
        if not all(isinstance(n, str) and _IDENTIFIER.fullmatch(n) for n in names):
            raise RestoreError("The archive's manifest names a table or column that plexportal never writes: "
                               "it was altered.")
        tables[t["name"]] = t
    return tables


def table_of(name: str, manifest_tables: dict) -> str:
    parts = name.split("/")
    if len(parts) != 3 or parts[0] != "database" or parts[1] not in manifest_tables:
        raise RestoreError(f"The archive holds {name}, which its manifest does not list: it was altered.")
    return parts[1]


def verify(path: Path, passphrase: str | None = None) -> Checked:
    """Read the whole archive: checksums, manifest, schema, passphrase and row counts. Writes nothing."""
    manifest: dict = {}
    counts: dict[str, int] = {}
    key = b""
    try:
        for member in members(path, passphrase):
            if member.name == archive.MANIFEST:
                manifest = member.json()
                tables = manifest_tables(manifest)
                counts = {t: 0 for t in tables}
            elif member.name in (archive.KEY_PLAIN, archive.KEY_SEALED):
                key = read_key(member, passphrase)
            else:
                counts[table_of(member.name, tables)] += member.data.count(b"\n")
    except archive.ArchiveError as err:
        raise RestoreError(str(err)) from None
    check_counts(manifest, counts)
    if len(key.strip()) < 16:
        raise RestoreError("The archive holds no usable key file: stored secrets could not be read after a restore.")
    _, forward = check_schema(manifest)
    return Checked(manifest, counts, key, forward)


def check_counts(manifest: dict, counts: dict[str, int]) -> None:
    for t in manifest.get("tables", []):
        if counts.get(t["name"]) != t.get("rows"):
            raise RestoreError(f"Table {t['name']} holds {counts.get(t['name'])} rows, not the {t.get('rows')} the "
                               "manifest lists: the archive is damaged.")
