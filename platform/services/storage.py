"""Content-addressed file storage: a file lives under its sha256 and is never overwritten.

The bytes of a file go to a temporary file in the storage's root first (``.upload-*.part``),
which is linked into place under its hash once complete. A process killed meanwhile leaves that
temporary file behind: ``remove_orphans`` (each round of `motcua worker`) removes those older
than ORPHAN_AGE, and nothing else.

A storage that cannot be written or read — read-only, full, not permitted, failing — raises
StorageUnavailable (503) with the cause in the log for the operator, and leaves no partial file:
the act that wanted the file is rolled back at its boundary, so nothing is changed.
"""

import errno
import hashlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from stat import S_ISREG
from typing import BinaryIO

from flask_babel import lazy_gettext as _l

from motcua.errors import StorageUnavailable

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
TEMP_PREFIX, TEMP_SUFFIX = ".upload-", ".part"
# Without ".part": the names stores gave before.
_TEMP_NAME = re.compile(r"\.upload-[a-z0-9_]+(\.part)?")
_SHARD = re.compile(r"[0-9a-f]{2}")
# Far longer than storing one file takes (the request has the whole upload before it stores).
ORPHAN_AGE = 3600.0

# What a storage that cannot take or give files answers; ENOENT on writing: its root is gone.
_WRITE_FAULTS = frozenset(
    {
        errno.EROFS,
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EFBIG,
        errno.EACCES,
        errno.EPERM,
        errno.EIO,
        errno.ENOTDIR,
        errno.ENOENT,
        errno.EEXIST,  # the root is a file
    }
)
_READ_FAULTS = frozenset({errno.EACCES, errno.EPERM, errno.EIO})


def _path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


@contextmanager
def _faults(kinds: frozenset[int], message, root: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        if exc.errno not in kinds:
            raise
        log.error("storage %s unavailable: %s", root, exc)
        raise StorageUnavailable(message, code="storage_unavailable") from exc


def _cannot_write():
    return _l(
        "Kho lưu tệp đang không ghi được (đầy, chỉ cho đọc hoặc gặp sự cố) nên chưa có gì thay "
        "đổi. Vui lòng thử lại sau hoặc báo quản trị hệ thống."
    )


def store(root: str | os.PathLike, stream: BinaryIO) -> tuple[str, int, str]:
    """Write the stream into storage; return (sha256, size, storage key).

    The bytes go to a temporary file first and are linked into place only if no file of the
    same hash exists, so a crash leaves no half file and an existing file is never replaced.
    Raises StorageUnavailable (read-only, full, not permitted, failing), having removed its
    temporary file.
    """
    root = Path(root)
    digest = hashlib.sha256()
    size = 0
    tmp_name = None
    with _faults(_WRITE_FAULTS, _cannot_write(), root):
        try:
            root.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=root, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
            with os.fdopen(fd, "wb") as tmp:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    tmp.write(chunk)
                tmp.flush()
                os.fsync(tmp.fileno())
            sha256 = digest.hexdigest()
            target = _path(root, sha256)
            target.parent.mkdir(parents=True, exist_ok=True)
            _link(Path(tmp_name), target)
            return sha256, size, str(target.relative_to(root))
        finally:
            if tmp_name is not None:
                _remove(Path(tmp_name))


def _link(tmp: Path, target: Path) -> None:
    """Put the stored bytes in place under their hash, never over a file that is there (the
    same bytes). A file that is there is touched: its time is that of its newest store, which
    the sweep of orphan files (motcua.services.storage_sweep) reads as its age; one the sweep
    has just set aside is linked anew."""
    while True:
        try:
            os.link(tmp, target)  # fails if the target exists: never overwrite
            return
        except FileExistsError:
            pass
        try:
            os.utime(target)
            return
        except FileNotFoundError:
            continue  # swept between the two calls: link ours


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:  # the storage failed meanwhile: remove_orphans tries again later
        log.warning("temporary file %s left behind: %s", path, exc)


def open_file(root: str | os.PathLike, storage_key: str) -> BinaryIO:
    """The stored file, open for reading. Raises FileNotFoundError (no such file, or a key
    outside the storage), StorageUnavailable (the storage cannot be read)."""
    path = (Path(root) / storage_key).resolve()
    if Path(root).resolve() not in path.parents:
        raise FileNotFoundError(storage_key)
    message = _l(
        "Kho lưu tệp đang gặp sự cố nên không đọc được tệp. Vui lòng thử lại sau hoặc báo "
        "quản trị hệ thống."
    )
    with _faults(_READ_FAULTS, message, Path(root)):
        return path.open("rb")


def remove_orphans(root: str | os.PathLike, older_than: float = ORPHAN_AGE) -> int:
    """Remove the temporary files that stores cut short left in ``root`` and in the roots
    below it (the staging of imports), older than ``older_than`` seconds; return how many.
    Only names a store gives its temporary files are touched, never a stored file."""
    root = Path(root)
    cutoff = time.time() - older_than
    removed = 0
    try:
        # The roots below are the folders that are not a hash's shard (00 … ff): the shards hold
        # stored files only, and listing all of them each round would cost 65 536 folders.
        roots = [root, *(d for d in root.iterdir() if not _SHARD.fullmatch(d.name) and d.is_dir())]
        candidates = [path for folder in roots for path in folder.glob(TEMP_PREFIX + "*")]
    except FileNotFoundError:  # nothing stored yet
        return 0
    except OSError as exc:
        log.warning("storage %s: orphan files not looked for: %s", root, exc)
        return 0
    for path in candidates:
        try:
            info = path.lstat()
        except FileNotFoundError:  # its store has just finished
            continue
        if _TEMP_NAME.fullmatch(path.name) and S_ISREG(info.st_mode) and info.st_mtime < cutoff:
            _remove(path)
            removed += not path.exists()
    if removed:
        log.info("storage %s: %d orphan temporary file(s) removed", root, removed)
    return removed
