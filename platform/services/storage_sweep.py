"""No orphan files: the sweep deletes the stored files that no row refers to.

A form stores its files before its act is done — the online form before the code is confirmed,
the desk's intake before the form is accepted, a catalogue import before it is confirmed — so a
submission never confirmed leaves files no row refers to. ``sweep`` deletes them, and only them:

- referred to: a file whose key is in any column of the model named ``storage_key`` or
  ``…_storage_key`` (attachments, paper templates, report snapshots' two, and whatever table is
  added later under that name: found from the metadata, so none is forgotten) is never deleted;
- the age rule: nor is a file younger than STORAGE_ORPHAN_HOURS (48 by default, and never less
  than the longest a signed form holds a file before writing its row: the desk's held papers,
  an online submission's code), since a request in flight may have stored it a second ago and
  not yet committed its row. ``storage.store`` touches a file it finds stored already, so that
  a file's age is that of its newest store;
- no race with a store: an orphan is first renamed aside (``.sweep-<hash>``); a store that
  comes after that writes the file anew, and one that touched it just before is seen by the
  file's new time, which puts it back. A sweep cut short leaves such names behind; the next
  one puts them back first and judges them again.

Run by `motcua worker` once a day (``sweep_if_due``: a stamp file in the storage's root says
when the last sweep ran, for every worker sharing it) and by `motcua storage sweep [--dry-run]`.
"""

import logging
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Base
from motcua.services import desk, online

log = logging.getLogger(__name__)

SWEEP_EVERY = 24 * 3600.0  # seconds between the worker's sweeps
STAMP = ".swept"  # in the storage's root: its time is the last sweep's
TOMB = ".sweep-"
BATCH = 500  # keys looked up per query
_SHARD = re.compile(r"[0-9a-f]{2}")
_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass
class Swept:
    examined: int = 0  # stored files looked at
    orphans: int = 0  # old enough and referred to by no row
    deleted: int = 0
    bytes: int = 0  # of the orphans

    def summary(self, dry_run: bool = False) -> str:
        done = "sẽ xóa" if dry_run else "đã xóa"
        return (
            f"Đã xem {self.examined} tệp; tệp không thuộc hồ sơ, bản ghi nào: {self.orphans} "
            f"({self.bytes / 1024 / 1024:.1f} MB); {done}: "
            f"{self.orphans if dry_run else self.deleted}."
        )


def key_columns() -> list:
    """Every column of the model that holds a storage key."""
    return [
        column
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.name == "storage_key" or column.name.endswith("_storage_key")
    ]


def orphan_age() -> float:
    """Seconds a file no row refers to is kept (STORAGE_ORPHAN_HOURS, at least the longest a
    signed form holds a stored file)."""
    hours = float(current_app.config["STORAGE_ORPHAN_HOURS"])
    return max(hours * 3600, float(desk.HELD_FOR_SECONDS), float(online.code_seconds()))


def sweep(dry_run: bool = False, now: float | None = None) -> Swept:
    """Delete (``dry_run``: only count) the stored files no row refers to and older than
    ``orphan_age``. Reads the database, changes no row; a file it cannot handle is left and
    logged."""
    root = Path(current_app.config["STORAGE_DIR"])
    cutoff = (time.time() if now is None else now) - orphan_age()
    result = Swept()
    if not dry_run:
        _restore_tombs(root)
    batch: list[tuple[str, Path, int]] = []
    for key, path in _stored(root):
        result.examined += 1
        try:
            info = path.stat()
        except FileNotFoundError:
            continue
        if info.st_mtime < cutoff:
            batch.append((key, path, info.st_size))
        if len(batch) >= BATCH:
            _judge(batch, cutoff, dry_run, result)
            batch = []
    if batch:
        _judge(batch, cutoff, dry_run, result)
    log.info("storage %s swept: %s", root, result.summary(dry_run))
    return result


def sweep_if_due(now: float | None = None) -> Swept | None:
    """The worker's sweep, once every SWEEP_EVERY seconds (by the stamp in the storage's root);
    None when not due."""
    root = Path(current_app.config["STORAGE_DIR"])
    now = time.time() if now is None else now
    stamp = root / STAMP
    try:
        if now - stamp.stat().st_mtime < SWEEP_EVERY:
            return None
    except FileNotFoundError:
        if not root.is_dir():
            return None  # nothing stored yet
    except OSError as exc:  # a storage that fails: the round goes on, the next one tries
        log.warning("storage %s: orphan files not swept: %s", root, exc)
        return None
    result = sweep(now=now)
    try:
        stamp.touch()
        os.utime(stamp, (now, now))
    except OSError as exc:
        log.warning("storage %s: the sweep's stamp not written: %s", root, exc)
    return result


def _stored(root: Path) -> Iterator[tuple[str, Path]]:
    """(storage key, path) of every stored file: root/ab/cd/abcd… (storage._path)."""
    for first in _folders(root):
        for second in _folders(first):
            try:
                names = sorted(second.iterdir())
            except OSError as exc:
                log.warning("storage folder %s not read: %s", second, exc)
                continue
            for path in names:
                if _HASH.fullmatch(path.name) and path.name[:4] == first.name + second.name:
                    yield f"{first.name}/{second.name}/{path.name}", path


def _folders(parent: Path) -> list[Path]:
    try:
        return sorted(d for d in parent.iterdir() if _SHARD.fullmatch(d.name) and d.is_dir())
    except OSError:  # no storage yet, or a folder that cannot be read: nothing to do there
        return []


def _referred(keys: list[str]) -> set[str]:
    found = set()
    for column in key_columns():
        found.update(db.session.scalars(select(column).where(column.in_(keys))))
    return found


def _judge(batch, cutoff: float, dry_run: bool, result: Swept) -> None:
    # Looked up after the files were found old: a row written before now is seen.
    referred = _referred([key for key, _path, _size in batch])
    for key, path, size in batch:
        if key in referred:
            continue
        result.orphans += 1
        result.bytes += size
        if not dry_run and _delete(path, cutoff):
            result.deleted += 1


def _delete(path: Path, cutoff: float) -> bool:
    """Rename the file aside, then delete it unless a store touched it meanwhile (then put it
    back). True if deleted."""
    tomb = path.with_name(TOMB + path.name)
    try:
        os.rename(path, tomb)
    except FileNotFoundError:
        return False
    except OSError as exc:
        log.warning("orphan file %s not removed: %s", path, exc)
        return False
    try:
        if tomb.stat().st_mtime >= cutoff:  # stored again a moment ago: its row may come
            _put_back(tomb, path)
            return False
        tomb.unlink()
    except OSError as exc:
        log.warning("orphan file %s not removed: %s", path, exc)
        return False
    return True


def _put_back(tomb: Path, path: Path) -> None:
    try:
        os.link(tomb, path)
    except FileExistsError:  # stored anew after the rename: the same bytes, by their hash
        pass
    tomb.unlink()


def _restore_tombs(root: Path) -> None:
    """Put back what a sweep cut short left renamed aside: this sweep judges it again."""
    for first in _folders(root):
        for second in _folders(first):
            for tomb in second.glob(TOMB + "*"):
                try:
                    _put_back(tomb, tomb.with_name(tomb.name.removeprefix(TOMB)))
                except OSError as exc:
                    log.warning("file %s not put back: %s", tomb, exc)
