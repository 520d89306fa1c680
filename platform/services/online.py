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
  ONLINE_MAX_FILE_BYTES (MOTCUA_ONLINE_MAX_FILE_BYTES, 10 MiB): the largest file of a paper
  (checked in motcua.services.online_files, as the virus scan is);
  ONLINE_MAX_CODE_FAILURES (MOTCUA_ONLINE_MAX_CODE_FAILURES, 5): wrong codes per submission;
  ONLINE_MAX_CODE_MAILS (MOTCUA_ONLINE_MAX_CODE_MAILS, 5): code mails per address per
  LOOKUP_WINDOW_SECONDS;
  VIRUS_SCAN_COMMAND (MOTCUA_VIRUS_SCAN_COMMAND, off): a command run on each file, its path as
  the last argument (e.g. ``clamdscan --no-summary --fdpass``).

Files stored for a submission never confirmed are deleted by the storage sweep
(motcua.services.storage_sweep) once older than STORAGE_ORPHAN_HOURS.
"""

import hashlib
import hmac
import secrets
from dataclasses import astuple, dataclass

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
    intake,
    lookup_limits,
    offers,
    org,
    paper_templates,
    processes,
    workflow,
)
from motcua.services.online_files import Held, hold
from motcua.services.outbox import queue, render
from motcua.vocabulary import EventKind, MailKind, OnlineLevel


@dataclass
class Offered:
    """A procedure as the public catalogue and its page show it."""

    procedure: Procedure
    units: list[Unit]  # where it is decided (and received online)
    papers: list[str]
    templates: dict  # {paper's place: its PaperTemplate}, the papers that have one

    @property
    def online(self) -> bool:
        return self.procedure.online_level != OnlineLevel.NONE and bool(self.units)


def public_catalogue() -> list[Offered]:
    """Every procedure of the catalogue, with where it is decided."""
    procedures = catalogue.procedures()
    templates = paper_templates.current(procedures)
    return [_offered(p, templates[p.id]) for p in procedures]


def service(procedure_code: str) -> Offered:
    """The procedure's public page; NotFound unless it offers online service somewhere."""
    try:
        procedure = processes.procedure_by_code(procedure_code)
        found = _offered(procedure, paper_templates.current([procedure])[procedure.id])
    except NotFound:
        found = None
    if found is None or not found.online:
        raise NotFound(_l("Thủ tục này không nhận hồ sơ trực tuyến."), code="procedure_not_online")
    return found


def _offered(procedure: Procedure, templates: dict) -> Offered:
    return Offered(
        procedure,
        offers.offering_units(procedure),
        list(procedure.required_documents or []),
        templates,
    )


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
    held = hold(offered.papers, files, errors)  # stores nothing if anything is refused
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
        minutes=max(1, code_seconds() // 60),
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


class TooManyCodes(Invalid):
    status = 429


@dataclass(frozen=True)
class Confirmed:
    dossier: Dossier | None
    refused: MotcuaError | None = None


def confirm(token: str, code: str) -> Confirmed:
    """Take the code of a submission: the dossier, submitted, or why not (the wrong try is
    counted and kept: the caller commits either way, as the lookup does)."""
    try:
        payload = _serializer().loads(token, max_age=code_seconds())
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


def code_seconds() -> int:
    """A code lives no longer than the window its counts are kept in (LOOKUP_WINDOW_SECONDS):
    the wrong tries and the mark of a used submission outlive the token."""
    return min(
        current_app.config["ONLINE_CODE_SECONDS"], current_app.config["LOOKUP_WINDOW_SECONDS"]
    )


def _expired() -> Invalid:
    message = _l("Mã xác nhận đã hết hạn; vui lòng nộp lại hồ sơ để nhận mã mới.")
    return Invalid(message, code="code_expired", details={"code": message})


def _submit(payload: dict) -> Dossier:
    procedure = processes.procedure_by_code(payload["procedure"])
    unit = org.unit_by_code(payload["unit"])
    offers.require_offered(procedure, unit)
    applicant = intake.Applicant(*payload["applicant"])
    return submit(procedure, unit, applicant, [Held(*row) for row in payload["files"]])


def submit(procedure, unit, applicant, held: list[Held], portal_code: str | None = None) -> Dossier:
    """The dossier, submitted and not yet checked: a code and its papers (``held``, stored
    already), no workflow yet. The one path of both online sources: this form, and the national
    portal's dossiers (``portal_code``: its code there, motcua.services.portal_inbound)."""
    papers = list(procedure.required_documents or [])
    now = utcnow()
    dossier = intake.submitted(procedure, unit, applicant, now)
    dossier.portal_code = portal_code  # before its first event: the portal hears it by it
    counts = [sum(1 for h in held if h.index == i) for i in range(len(papers))]
    data = {
        "channel": Channel.ONLINE.value,
        "documents": [{"name": n, "files": counts[i]} for i, n in enumerate(papers)],
    }
    if portal_code:
        data |= {"source": "portal", "portal_code": portal_code}
    workflow.record(dossier, EventKind.SUBMITTED, actor=None, at=now, data=data)
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
