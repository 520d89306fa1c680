"""The files of an online submission (motcua.services.online): each checked — its size, its type
read from its bytes, the virus-scan hook — and all of them stored only once every one passes, so
that a refused submission stores nothing.

Settings (motcua.config): ONLINE_MAX_FILE_BYTES (the largest file of a paper) and
VIRUS_SCAN_COMMAND (a command run on each file, its path as the last argument; exit 0 = clean,
1 = infected, anything else = the scan failed: refused too, no file goes in unscanned).
"""

import os
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l

from motcua.errors import Invalid
from motcua.services import dossiers, storage

# What a paper's file may be, read from its bytes (dossiers.media_type_of): scans and documents.
ACCEPTED_TYPES = frozenset(
    {
        "application/pdf",
        "image/jpeg",
        "image/png",
        "image/tiff",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
    }
)
OPTIONAL = "nếu có"  # a paper the catalogue lists "(nếu có)" need not come with a file


def optional(paper: str) -> bool:
    return OPTIONAL in paper.casefold()


@dataclass(frozen=True)
class Held:
    index: int
    file_name: str
    sha256: str
    size: int
    storage_key: str
    media_type: str


def checked(files, count: int, errors: dict, unknown) -> list[tuple[int, str, BinaryIO]]:
    """The files (``(index, file name, stream)``) that pass the limits, for ``count`` papers;
    each refusal noted in ``errors`` (``doc-<n>``; ``file`` with ``unknown`` for an index out
    of range)."""
    passed = []
    for index, file_name, stream in files:
        field = f"doc-{index}"
        if not 0 <= index < count:
            errors["file"] = unknown
            continue
        try:
            # The desk's rule for names: no path, no hidden characters (dossiers).
            name = dossiers.clean_file_name(file_name, field)
        except Invalid as exc:
            errors.update(exc.details)
            continue
        problem = file_problem(stream, name)
        if problem:
            errors[field] = problem
            continue
        passed.append((index, name, stream))
    return passed


def hold(papers: list[str], files, errors: dict) -> list[Held]:
    """Store the papers' files once every one passes the limits and ``errors`` (the other
    fields' too) is empty: a refused submission stores nothing. Notes a paper without one."""
    passed = checked(files, len(papers), errors, _l("Tệp không thuộc thành phần hồ sơ nào."))
    given = {index for index, _name, _stream in passed}
    for index, paper in enumerate(papers):
        if index not in given and not optional(paper):
            errors.setdefault(f"doc-{index}", _l("Đính kèm tệp của giấy tờ này."))
    if errors:
        return []
    held = []
    for index, name, stream in passed:
        sha256, size, key, media_type = store(stream, name)
        held.append(Held(index, name, sha256, size, key, media_type))
    return held


def store(stream: BinaryIO, file_name: str) -> tuple[str, int, str, str]:
    """Store a checked file: (sha256, size, storage key, media type read from the stored bytes).
    Raises StorageUnavailable."""
    root = current_app.config["STORAGE_DIR"]
    stream.seek(0)
    sha256, size, key = storage.store(root, stream)
    with storage.open_file(root, key) as stored:
        media_type = dossiers.media_type_of(stored.read(dossiers.HEAD_BYTES), file_name)
    return sha256, size, key, media_type


def file_problem(stream: BinaryIO, file_name: str):
    """What refuses a file an applicant sends (empty, larger than ONLINE_MAX_FILE_BYTES, not of
    ACCEPTED_TYPES by its bytes, flagged by the virus scan), or None: the form's rule, for
    every upload of an applicant (motcua.services.applicant_papers too)."""
    if problem := size_problem(stream, current_app.config["ONLINE_MAX_FILE_BYTES"]):
        return problem
    if dossiers.media_type_of(stream.read(dossiers.HEAD_BYTES), file_name) not in ACCEPTED_TYPES:
        return _l("Chỉ nhận tệp PDF, ảnh (JPEG, PNG, TIFF) hoặc văn bản (DOCX, XLSX, ODT).")
    return scan(stream)


def size_problem(stream: BinaryIO, largest: int):
    """Empty or larger than ``largest`` bytes, or None; the stream is left at its start."""
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        return _l("Tệp rỗng.")
    if size > largest:
        return _l("Tệp lớn quá %(mb)s MB.", mb=round(largest / 1024 / 1024, 1))
    return None


def scan(stream: BinaryIO):
    """The virus-scan hook (VIRUS_SCAN_COMMAND), run on a temporary copy before the file is
    stored, so that a flagged file never enters the storage: None when clean or when no scan
    is set, else the problem."""
    command = current_app.config["VIRUS_SCAN_COMMAND"]
    if not command:
        return None
    stream.seek(0)
    try:
        with tempfile.NamedTemporaryFile(prefix="motcua-scan-") as copy:
            shutil.copyfileobj(stream, copy)
            copy.flush()
            done = subprocess.run(
                [*shlex.split(command), copy.name], capture_output=True, timeout=120, check=False
            )
    except (OSError, subprocess.TimeoutExpired):
        return _l("Không kiểm tra được tệp (quét mã độc); vui lòng thử lại sau.")
    if done.returncode == 0:
        return None
    if done.returncode == 1:
        return _l("Tệp bị phát hiện có mã độc, không nhận.")
    return _l("Không kiểm tra được tệp (quét mã độc); vui lòng thử lại sau.")
