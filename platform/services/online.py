"""The province's own online form (nộp hồ sơ trực tuyến): the public catalogue, a page per
procedure that offers online service, and a submission confirmed by a code sent to the
applicant's e-mail. No sign-in.

A submission is taken in two acts. ``start`` checks the applicant's fields and a file per paper,
stores the files by their hash (a file no dossier refers to harms nothing), and queues the code
mail through the outbox; what the applicant sent is carried by a signed token in the page, not
by a row: an unconfirmed submission leaves nothing behind but the mail. ``confirm`` takes the
code: wrong codes are counted in the database like the lookup's (motcua.services.lookup_limits,
key ``online:<nonce>``), a token lives ONLINE_CODE_SECONDS (at most the counts' window), and
it makes one dossier only. The
dossier then exists as "submitted, not yet checked" (DossierStatus.SUBMITTED, channel online)
in the receiving unit's online queue; the desk accepts it, asks for papers or refuses it
(motcua.services.online_desk), and only an acceptance starts its clock: the time limit runs from
the receipt of the complete dossier (Decree 118/2025/NĐ-CP art. 17.3 as amended by Decree
309/2026/NĐ-CP), and an electronic dossier submitted outside working hours is counted from the
next working period (Decree 45/2020/NĐ-CP as amended; motcua.services.deadlines).

Settings (motcua.config):
  ONLINE_CODE_SECONDS (MOTCUA_ONLINE_CODE_SECONDS, 900): how long a code is good for;
  ONLINE_MAX_FILE_BYTES (MOTCUA_ONLINE_MAX_FILE_BYTES, 10 MiB): the largest file of a paper;
  ONLINE_MAX_CODE_FAILURES (MOTCUA_ONLINE_MAX_CODE_FAILURES, 5): wrong codes per submission;
  ONLINE_MAX_CODE_MAILS (MOTCUA_ONLINE_MAX_CODE_MAILS, 5): code mails per address per
  LOOKUP_WINDOW_SECONDS;
  VIRUS_SCAN_COMMAND (MOTCUA_VIRUS_SCAN_COMMAND, off): a command run on each file, its path as
  the last argument (e.g. ``clamdscan --no-summary --fdpass``); exit 0 = clean, 1 = infected
  (refused), anything else = the scan failed (refused too: no file goes in unscanned).
"""

import hashlib
import hmac
import os
import secrets
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import astuple, dataclass
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from motcua.errors import Conflict, Invalid, MotcuaError, NotFound
from motcua.extensions import db
from motcua.models import (
    Attachment,
    AttachmentKind,
    Channel,
    Dossier,
    Procedure,
    Unit,
    utcnow,
)
from motcua.services import (
    catalogue,
    dossiers,
    intake,
    lookup_limits,
    offers,
    org,
    processes,
    storage,
    workflow,
)
from motcua.services.outbox import queue, render
from motcua.vocabulary import EventKind, MailKind, OnlineLevel

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


@dataclass
class Offered:
    """A procedure as the public catalogue and its page show it."""

    procedure: Procedure
    units: list[Unit]  # where it is decided (and received online)
    papers: list[str]

    @property
    def online(self) -> bool:
        return self.procedure.online_level != OnlineLevel.NONE and bool(self.units)


def public_catalogue() -> list[Offered]:
    """Every procedure of the catalogue, with where it is decided."""
    return [_offered(p) for p in catalogue.procedures()]


def service(procedure_code: str) -> Offered:
    """The procedure's public page; NotFound unless it offers online service somewhere."""
    try:
        found = _offered(processes.procedure_by_code(procedure_code))
    except NotFound:
        found = None
    if found is None or not found.online:
        raise NotFound(_l("Thủ tục này không nhận hồ sơ trực tuyến."), code="procedure_not_online")
    return found


def _offered(procedure: Procedure) -> Offered:
    return Offered(
        procedure, offers.offering_units(procedure), list(procedure.required_documents or [])
    )


def optional(paper: str) -> bool:
    return OPTIONAL in paper.casefold()


@dataclass(frozen=True)
class Pending:
    token: str  # for the confirmation form's hidden field
    email: str


def start(procedure_code: str, unit_code: str, raw_applicant: dict, files) -> Pending:
    """Check a submission and send its code. ``files`` as intake.paper_files gives them.
    Raises NotFound (procedure), Invalid with the field errors (``applicant.*``, ``unit``,
    ``doc-<n>``); nothing is kept but the stored bytes and the queued mail."""
    offered = service(procedure_code)
    errors: dict[str, str] = {}
    unit = next((u for u in offered.units if u.code == unit_code), None)
    if unit is None:
        errors["unit"] = _l("Chọn nơi giải quyết hồ sơ.")
    try:
        applicant = intake.parse_applicant(raw_applicant)
        if not applicant.email:
            errors["applicant.email"] = _l("Cần địa chỉ thư điện tử để nhận mã xác nhận.")
    except Invalid as exc:
        errors.update(exc.details or {"applicant": exc.message})
        applicant = None
    if applicant is not None and applicant.email:
        _limit_mails(applicant.email)  # before any file is stored
    held = _hold(offered.papers, files, errors)  # stores nothing if anything is refused
    if errors:
        raise Invalid(
            _l("Hồ sơ chưa đủ điều kiện để nộp."), code="invalid_submission", details=errors
        )
    nonce = secrets.token_urlsafe(16)
    code = f"{secrets.randbelow(10**6):06d}"
    subject, body = render(
        MailKind.ONLINE_CODE,
        code=code,
        procedure=offered.procedure,
        unit=unit,
        name=applicant.name,
        minutes=max(1, _code_seconds() // 60),
    )
    queue(
        kind=MailKind.ONLINE_CODE,
        to_address=applicant.email,
        subject=subject,
        body=body,
        dedup_key=f"online_code:{nonce}",
    )
    payload = {
        "nonce": nonce,
        "mac": _mac(nonce, code),
        "procedure": offered.procedure.code,
        "unit": unit.code,
        "applicant": astuple(applicant),
        "files": [astuple(h) for h in held],
    }
    return Pending(_serializer().dumps(payload), applicant.email)


def _limit_mails(address: str) -> None:
    """No more than ONLINE_MAX_CODE_MAILS code mails to one address in a lookup window: the
    form cannot be used to flood someone's mailbox. Counted only for mails queued (a refused
    act rolls its count back)."""
    # A key fits its column (200): a long address by its hash.
    key = hashlib.sha256(address.casefold().encode()).hexdigest()
    count = lookup_limits.count_try(f"online-mail:{key}")
    if lookup_limits.retry_after(count, current_app.config["ONLINE_MAX_CODE_MAILS"]) is not None:
        raise TooManyCodes(
            _l("Đã gửi quá nhiều mã đến địa chỉ này; vui lòng thử lại sau."),
            code="too_many_mails",
        )


@dataclass(frozen=True)
class Held:
    index: int
    file_name: str
    sha256: str
    size: int
    storage_key: str
    media_type: str


def _hold(papers: list[str], files, errors: dict) -> list[Held]:
    """Store the papers' files once every one passes the limits and ``errors`` (the other
    fields' too) is empty: a refused submission stores nothing. Notes a paper without one."""
    largest = current_app.config["ONLINE_MAX_FILE_BYTES"]
    checked, given = [], set()
    for index, file_name, stream in files:
        field = f"doc-{index}"
        if not 0 <= index < len(papers):
            errors["file"] = _l("Tệp không thuộc thành phần hồ sơ nào.")
            continue
        try:
            # The desk's rule for names: no path, no hidden characters (dossiers).
            name = dossiers._clean_file_name(file_name, field)
        except Invalid as exc:
            errors.update(exc.details)
            continue
        problem = _file_problem(stream, name, largest) or _scan(stream)
        if problem:
            errors[field] = problem
            continue
        given.add(index)
        checked.append((index, name, stream))
    for index, paper in enumerate(papers):
        if index not in given and not optional(paper):
            errors.setdefault(f"doc-{index}", _l("Đính kèm tệp của giấy tờ này."))
    if errors:
        return []
    root = current_app.config["STORAGE_DIR"]
    held = []
    for index, name, stream in checked:
        stream.seek(0)
        sha256, size, key = storage.store(root, stream)
        with storage.open_file(root, key) as stored:
            media_type = dossiers.media_type_of(stored.read(dossiers.HEAD_BYTES), name)
        held.append(Held(index, name, sha256, size, key, media_type))
    return held


def _file_problem(stream: BinaryIO, file_name: str, largest: int):
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        return _l("Tệp rỗng.")
    if size > largest:
        return _l("Tệp lớn quá %(mb)s MB.", mb=round(largest / 1024 / 1024, 1))
    if dossiers.media_type_of(stream.read(dossiers.HEAD_BYTES), file_name) not in ACCEPTED_TYPES:
        return _l("Chỉ nhận tệp PDF, ảnh (JPEG, PNG, TIFF) hoặc văn bản (DOCX, XLSX, ODT).")
    return None


class TooManyCodes(Invalid):
    status = 429


def _scan(stream: BinaryIO):
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


@dataclass(frozen=True)
class Confirmed:
    dossier: Dossier | None
    refused: MotcuaError | None = None


def confirm(token: str, code: str) -> Confirmed:
    """Take the code of a submission: the dossier, submitted, or why not (the wrong try is
    counted and kept: the caller commits either way, as the lookup does)."""
    try:
        payload = _serializer().loads(token, max_age=_code_seconds())
    except SignatureExpired:
        return Confirmed(None, _expired())
    except (BadData, TypeError, ValueError):
        return Confirmed(None, _expired())
    count = lookup_limits.count_try(f"online:{payload['nonce']}")
    limit = current_app.config["ONLINE_MAX_CODE_FAILURES"]
    if lookup_limits.retry_after(count, limit) is not None:
        return Confirmed(
            None,
            TooManyCodes(
                _l("Nhập sai mã quá nhiều lần; vui lòng nộp lại hồ sơ để nhận mã mới."),
                code="too_many_codes",
            ),
        )
    given = "".join((code or "").split())
    if not hmac.compare_digest(_mac(payload["nonce"], given), payload["mac"]):
        wrong = _l("Mã xác nhận không đúng.")
        return Confirmed(None, Invalid(wrong, code="wrong_code", details={"code": wrong}))
    lookup_limits.forgive(count)
    # One dossier per submission, even if its page is sent twice.
    used = lookup_limits.count_try(f"online-used:{payload['nonce']}")
    if used.failures > 1:
        return Confirmed(None, Conflict(_l("Hồ sơ này đã được nộp."), code="already_submitted"))
    return Confirmed(_submit(payload))


def _code_seconds() -> int:
    """A code lives no longer than the window its counts are kept in (LOOKUP_WINDOW_SECONDS):
    the wrong tries and the mark of a used submission outlive the token."""
    return min(
        current_app.config["ONLINE_CODE_SECONDS"], current_app.config["LOOKUP_WINDOW_SECONDS"]
    )


def _expired() -> Invalid:
    message = _l("Mã xác nhận đã hết hạn; vui lòng nộp lại hồ sơ để nhận mã mới.")
    return Invalid(message, code="code_expired", details={"code": message})


def _submit(payload: dict) -> Dossier:
    """The dossier, submitted and not yet checked: a code and its papers, no workflow yet."""
    procedure = processes.procedure_by_code(payload["procedure"])
    unit = org.unit_by_code(payload["unit"])
    offers.require_offered(procedure, unit)
    applicant = intake.Applicant(*payload["applicant"])
    held = [Held(*row) for row in payload["files"]]
    papers = list(procedure.required_documents or [])
    now = utcnow()
    dossier = intake.submitted(procedure, unit, applicant, now)
    counts = [sum(1 for h in held if h.index == i) for i in range(len(papers))]
    workflow.record(
        dossier,
        EventKind.SUBMITTED,
        actor=None,
        at=now,
        data={
            "channel": Channel.ONLINE.value,
            "documents": [{"name": n, "files": counts[i]} for i, n in enumerate(papers)],
        },
    )
    for h in held:
        attachment = Attachment(
            dossier_id=dossier.id,
            kind=AttachmentKind.COMPONENT,
            file_name=h.file_name,
            size=h.size,
            media_type=h.media_type,
            sha256=h.sha256,
            storage_key=h.storage_key,
            uploaded_at=now,
        )
        db.session.add(attachment)
        db.session.flush()
        workflow.record(
            dossier,
            EventKind.ATTACHMENT_ADDED,
            actor=None,
            at=now,
            data={
                "attachment_id": attachment.id,
                "file_name": h.file_name,
                "kind": AttachmentKind.COMPONENT.value,
                "sha256": h.sha256,
                "size": h.size,
                "document": papers[h.index],
                "paper": h.index,
            },
        )
    return dossier


def _mac(nonce: str, code: str) -> str:
    key = hashlib.sha256(f"motcua.online:{current_app.secret_key}".encode()).digest()
    return hmac.new(key, f"{nonce}:{code}".encode(), hashlib.sha256).hexdigest()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="motcua.online.submission.v1")
