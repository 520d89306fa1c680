"""The applicant answers a request for papers online (bổ sung hồ sơ trực tuyến).

While a dossier waits for the applicant (DossierStatus.WAITING_APPLICANT) with an open
SupplementRequest (form 02), the applicant's signed link (motcua.services.applicant_access)
opens a page listing the items asked for, a file input for each and a note. The files pass the
online form's checks (size, type read from the bytes, the virus-scan hook:
motcua.services.online_files), are stored by their hash and join the dossier as its
papers (COMPONENT attachments, each with its ``attachment_added`` event, no actor), and the
request is marked answered (``answered_at``, event ``supplement_answered``); the officers of the
step that waits for the papers are mailed.

The clock does not start again here: it runs again when the competent officer has the complete
papers (Decree 118/2025/NĐ-CP art. 17.2.a as amended by Decree 309/2026/NĐ-CP, [V] in LAW.md),
which the desk records with the existing action, completing the waiting step
(motcua.services.exceptional_paths.papers_received). Until then the applicant may answer again:
the new files are added and the answer shown is the latest; nothing is ever overwritten.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from motcua.errors import Conflict, Invalid
from motcua.extensions import db
from motcua.models import (
    ACTIVE_TASK_STATUSES,
    Attachment,
    AttachmentKind,
    Dossier,
    DossierStatus,
    Event,
    SupplementRequest,
    Task,
    utcnow,
)
from motcua.services import applicant_access, notifications, online_files, workflow
from motcua.services.intake import PaperFile
from motcua.vocabulary import EventKind

MAX_NOTE = 2000


@dataclass(frozen=True)
class Answer:
    """The applicant's latest online answer to a request."""

    at: datetime
    note: str | None
    files: list[Attachment]
    times: int  # how many answers were sent (the earlier ones' files stay in the dossier)


@dataclass(frozen=True)
class Asked:
    """What the applicant's page shows: the open request and the answer given so far."""

    dossier: Dossier
    request: SupplementRequest
    token: str
    answer: Answer | None


def asked(token: str) -> Asked:
    """The open request of the dossier the token names. Raises Invalid ``link_expired``,
    Conflict ``not_waiting`` when the dossier waits for no papers (any more)."""
    dossier = applicant_access.dossier_for(token)
    request = _open_request(dossier)
    return Asked(dossier, request, token, answer_of(dossier, request))


def answer(token: str, files: list[PaperFile], note: str = "") -> SupplementRequest:
    """Take the applicant's papers for the open request: ``files`` as intake.paper_files gives
    them, the number being the item's place in the request's list. One transaction. Raises as
    ``asked``, and Invalid with field errors (``doc-<n>``, ``file``, ``note``); a refused
    answer stores no row."""
    dossier = workflow.lock_dossier(applicant_access.dossier_for(token).id)
    request = _open_request(dossier)
    items = list(request.items or [])
    note = " ".join((note or "").split())
    errors: dict = {}
    if len(note) > MAX_NOTE:
        errors["note"] = _l("Tối đa %(n)s ký tự.", n=MAX_NOTE)
    checked = online_files.checked(
        files, len(items), errors, _l("Tệp không thuộc giấy tờ nào được yêu cầu.")
    )
    if not checked and not errors:
        errors["file"] = _l("Đính kèm tệp của ít nhất một giấy tờ được yêu cầu.")
    if errors:
        raise Invalid(_l("Chưa gửi được giấy tờ bổ sung."), code="invalid_answer", details=errors)
    now = utcnow()
    waiting = _waiting_step(dossier)
    attachments = [
        _attach(dossier, waiting, request, items, index, name, stream, now)
        for index, name, stream in checked
    ]
    earlier = request.answered_at
    request.answered_at = now
    workflow.record(
        dossier,
        EventKind.SUPPLEMENT_ANSWERED,
        actor=None,
        at=now,
        task_id=waiting.id if waiting else None,
        note=note or None,
        data={
            "request_id": request.id,
            "attachment_ids": [a.id for a in attachments],
            "replaces": earlier.isoformat() if earlier else None,
        },
    )
    if waiting is not None:
        notifications.papers_answered(waiting, request, attachments)
    return request


def answer_of(dossier: Dossier, request: SupplementRequest | None = None) -> Answer | None:
    """The latest online answer to the dossier's open request (the one given, when given), or
    None: for the officer who receives the papers, and the applicant's own page."""
    if request is None:
        if dossier.status != DossierStatus.WAITING_APPLICANT:
            return None
        request = _latest_open(dossier)
    if request is None or request.answered_at is None:
        return None
    answers = [
        e
        for e in db.session.scalars(
            select(Event)
            .where(Event.dossier_id == dossier.id, Event.kind == EventKind.SUPPLEMENT_ANSWERED)
            .order_by(Event.id)
        )
        if (e.data or {}).get("request_id") == request.id
    ]
    if not answers:
        return None
    latest = answers[-1]
    ids = list((latest.data or {}).get("attachment_ids") or [])
    files = list(
        db.session.scalars(
            select(Attachment)
            .where(Attachment.dossier_id == dossier.id, Attachment.id.in_(ids))
            .order_by(Attachment.id)
        )
    )
    return Answer(latest.at, latest.note, files, len(answers))


def _open_request(dossier: Dossier) -> SupplementRequest:
    request = _latest_open(dossier) if dossier.status == DossierStatus.WAITING_APPLICANT else None
    if request is None:
        raise Conflict(
            _l("Hồ sơ %(code)s hiện không chờ bổ sung giấy tờ.", code=dossier.code),
            code="not_waiting",
        )
    return request


def _latest_open(dossier: Dossier) -> SupplementRequest | None:
    return db.session.scalar(
        select(SupplementRequest)
        .where(SupplementRequest.dossier_id == dossier.id, SupplementRequest.received_at.is_(None))
        .order_by(SupplementRequest.requested_at.desc(), SupplementRequest.id.desc())
        .limit(1)
    )


def _waiting_step(dossier: Dossier) -> Task | None:
    """The open step that waits for the papers (whose officers receive them)."""
    return db.session.scalar(
        select(Task)
        .where(
            Task.dossier_id == dossier.id,
            Task.waits_for_applicant.is_(True),
            Task.status.in_(ACTIVE_TASK_STATUSES),
        )
        .order_by(Task.id)
        .limit(1)
    )


def _attach(dossier, waiting, request, items, index, name, stream, now) -> Attachment:
    """Store one file and add it as a paper of the dossier, with its event (no actor: the
    applicant), as the online form adds its files (motcua.services.online)."""
    sha256, size, key, media_type = online_files.store(stream, name)
    attachment = Attachment(
        dossier_id=dossier.id,
        task_id=waiting.id if waiting else None,
        kind=AttachmentKind.COMPONENT,
        file_name=name,
        size=size,
        media_type=media_type,
        sha256=sha256,
        storage_key=key,
        uploaded_at=now,
    )
    db.session.add(attachment)
    db.session.flush()  # its id, for the event
    workflow.record(
        dossier,
        EventKind.ATTACHMENT_ADDED,
        actor=None,
        at=now,
        task_id=attachment.task_id,
        data={
            "attachment_id": attachment.id,
            "file_name": name,
            "kind": AttachmentKind.COMPONENT.value,
            "sha256": sha256,
            "size": size,
            "document": items[index],
            "request_id": request.id,
            "item": index,
            "online": True,
        },
    )
    return attachment
