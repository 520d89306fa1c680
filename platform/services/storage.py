"""Content-addressed file storage: a file lives under its sha256 and is never overwritten."""

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


def _path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


def store(root: str | os.PathLike, stream: BinaryIO) -> tuple[str, int, str]:
    """Write the stream into storage; return (sha256, size, storage key).

    The bytes go to a temporary file first and are linked into place only if no file of the
    same hash exists, so a crash leaves no half file and an existing file is never replaced.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
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
        try:
            os.link(tmp_name, target)  # fails if the target exists: never overwrite
        except FileExistsError:
            pass
        return sha256, size, str(target.relative_to(root))
    finally:
        os.unlink(tmp_name)


def open_file(root: str | os.PathLike, storage_key: str) -> BinaryIO:
    path = (Path(root) / storage_key).resolve()
    if Path(root).resolve() not in path.parents:
        raise FileNotFoundError(storage_key)
    return path.open("rb")
