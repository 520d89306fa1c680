"""Reading dossiers and adding their files."""

import mimetypes
import re
from dataclasses import dataclass
from typing import BinaryIO

import filetype
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from motcua import engine
from motcua.errors import Conflict, Forbidden, Invalid, NotFound
from motcua.extensions import db
from motcua.models import (
    ACTIVE_TASK_STATUSES,
    FINAL_STATUSES,
    Attachment,
    AttachmentKind,
    Dossier,
    Event,
    Role,
    Task,
    User,
    utcnow,
)
from motcua.services import org, storage, workflow
from motcua.vocabulary import EventKind

MAX_NAME = 255
HEAD_BYTES = 8192  # enough for filetype to tell every type it knows


@dataclass(frozen=True)
class Paper:
    """A paper of the dossier as the receipt lists it: its name and how many files came."""

    name: str
    files: int


def get(actor: User, code: str) -> Dossier:
    """The dossier with this code (or this provisional code, the one on the form 02 of a
    dossier completed on a later day: motcua.services.dossier_codes) if the actor may see it;
    NotFound otherwise."""
    dossier = db.session.scalar(
        select(Dossier).where(or_(Dossier.code == code, Dossier.provisional_code == code))
    )
    if dossier is None:
        raise NotFound(_l("Không có hồ sơ %(code)s.", code=code), code="dossier_not_found")
    org.require_dossier_visible(actor, dossier)
    return dossier


def tasks_of(dossier: Dossier) -> list[Task]:
    return list(
        db.session.scalars(select(Task).where(Task.dossier_id == dossier.id).order_by(Task.id))
    )


def attachments_of(dossier: Dossier) -> list[Attachment]:
    return list(
        db.session.scalars(
            select(Attachment).where(Attachment.dossier_id == dossier.id).order_by(Attachment.id)
        )
    )


def events_of(dossier: Dossier) -> list[Event]:
    return list(
        db.session.scalars(select(Event).where(Event.dossier_id == dossier.id).order_by(Event.id))
    )


def papers_received(dossier: Dossier) -> list[Paper]:
    """The papers received, as the receipt (on screen and form 01) lists them: the desk's check
    list kept in the "received" event (the papers ticked or given a file), else (received
    through the API) each component file as one paper."""
    received = db.session.scalar(
        select(Event)
        .where(Event.dossier_id == dossier.id, Event.kind == EventKind.RECEIVED)
        .limit(1)
    )
    checklist = (received.data or {}).get("documents") if received else None
    if checklist is not None:
        return [Paper(d["name"], d["files"]) for d in checklist if d["complete"] or d["files"]]
    return [
        Paper(a.file_name, 1) for a in attachments_of(dossier) if a.kind == AttachmentKind.COMPONENT
    ]


def add_attachment(
    actor: User,
    code: str,
    *,
    file_name: str,
    stream: BinaryIO,
    kind: str,
) -> Attachment:
    """Store a file and attach it to the dossier. Files are never replaced, only added.

    A receptionist of the dossier's unit, or an officer holding one of its open steps, may add
    files; a result file only the officer of a step that files results (``files_results``),
    here as on the task page. Raises NotFound, Forbidden, Conflict (dossier closed) or Invalid.
    """
    try:
        kind = AttachmentKind(kind)
    except ValueError as exc:
        raise Invalid(
            _l("Loại tệp phải là component, working hoặc result."),
            code="invalid_kind",
            details={"kind": _l("Giá trị không hợp lệ.")},
        ) from exc
    if kind == AttachmentKind.SLIP:
        raise Invalid(
            _l("Phiếu do hệ thống tạo, không tải lên."),
            code="invalid_kind",
            details={"kind": _l("Giá trị không hợp lệ.")},
        )
    file_name = clean_file_name(file_name)
    dossier = get(actor, code)
    workflow.lock_dossier(dossier.id)
    if dossier.status in FINAL_STATUSES:
        raise Conflict(_l("Hồ sơ đã kết thúc, không thể thêm tệp."), code="dossier_closed")
    task = _open_task_of(actor, dossier, result=kind == AttachmentKind.RESULT)
    if task is None and not org.has_role(actor, Role.RECEPTIONIST, dossier.unit_id):
        raise Forbidden(_l("Bạn không xử lý hồ sơ này."), code="not_a_handler")
    if kind == AttachmentKind.RESULT and (task is None or not files_results(task)):
        raise Invalid(RESULT_NOT_HERE, code="result_not_here", details={"kind": RESULT_NOT_HERE})
    return attach_file(actor, dossier, task, file_name=file_name, stream=stream, kind=kind)


@dataclass(frozen=True)
class NewFile:
    """A file to attach: its name as the browser gave it and its bytes (its type is read from
    them, ``media_type_of``)."""

    file_name: str
    stream: BinaryIO
    event_data: dict | None = None  # added to the event's data (which paper of the procedure)
    field: str = "file"  # the form field a problem with it is reported on


def attach_file(
    actor: User,
    dossier: Dossier,
    task: Task | None,
    *,
    file_name: str,
    stream: BinaryIO,
    kind: AttachmentKind,
    event_data: dict | None = None,
    event: EventKind = EventKind.ATTACHMENT_ADDED,
) -> Attachment:
    """``attach_files`` for one file."""
    new = NewFile(file_name, stream, event_data)
    return attach_files(actor, dossier, task, [new], kind=kind, event=event)[0]


def attach_files(
    actor: User,
    dossier: Dossier,
    task: Task | None,
    files: list[NewFile],
    *,
    kind: AttachmentKind,
    event: EventKind = EventKind.ATTACHMENT_ADDED,
) -> list[Attachment]:
    """Store files and add their attachment rows, each with its event (``attachment_added``;
    an act that makes a file records its own, say ``slip_issued``): the one way a file joins a
    dossier. The caller has checked who may do it and holds the dossier.

    The bytes go to storage first, by their hash: if the act is then rolled back they harm
    nothing, and nothing is ever overwritten. Raises Invalid (bad name, empty file).
    """
    attachments = []
    for file in files:
        file_name = clean_file_name(file.file_name, file.field)
        sha256, size, key = storage.store(current_app.config["STORAGE_DIR"], file.stream)
        if size == 0:
            raise Invalid(
                _l("Tệp rỗng."), code="invalid_file", details={file.field: _l("Tệp rỗng.")}
            )
        with storage.open_file(current_app.config["STORAGE_DIR"], key) as stored:
            media_type = media_type_of(stored.read(HEAD_BYTES), file_name)
        attachments.append(
            Attachment(
                dossier_id=dossier.id,
                task_id=task.id if task else None,
                kind=kind,
                file_name=file_name,
                size=size,
                media_type=media_type,
                sha256=sha256,
                storage_key=key,
                uploaded_by_id=actor.id,
                uploaded_at=utcnow(),
            )
        )
    db.session.add_all(attachments)
    db.session.flush()  # their ids, for the events
    for attachment, file in zip(attachments, files, strict=True):
        workflow.record(
            dossier,
            event,
            actor=actor,
            at=attachment.uploaded_at,
            task_id=attachment.task_id,
            data={
                "attachment_id": attachment.id,
                "file_name": attachment.file_name,
                "kind": kind.value,
                "sha256": attachment.sha256,
                "size": attachment.size,
                **(file.event_data or {}),
            },
        )
    return attachments


# Characters a name never keeps: controls, and the marks that reorder text on screen, with
# which "hoa-don‮fdp.exe" shows as "hoa-donexe.pdf" (a Trojan Source trick, CVE-2021-42574).
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Types a browser shows as they are, safe to take from a name when the bytes say nothing.
_PLAIN_TYPES = frozenset({"text/plain", "text/csv"})


def media_type_of(head: bytes, file_name: str) -> str:
    """A file's media type from its first bytes (``filetype``: PDF, images, office files,
    archives…), never from what the uploading browser said; a file the bytes do not name is
    plain text if its name says so, else application/octet-stream (downloaded, never shown)."""
    found = filetype.guess(head)
    if found is not None:
        return found.mime
    guessed = mimetypes.guess_type(file_name)[0]
    return guessed if guessed in _PLAIN_TYPES else "application/octet-stream"


def clean_file_name(file_name: str, field: str = "file") -> str:
    """The file's own name, without any path a browser sent nor hidden characters, otherwise
    whole; Invalid if empty or too long."""
    file_name = _HIDDEN.sub("", file_name or "")
    file_name = file_name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not file_name or len(file_name) > MAX_NAME:
        raise Invalid(
            _l("Tên tệp không hợp lệ."),
            code="invalid_file",
            details={field: _l("Tên tệp không hợp lệ.")},
        )
    return file_name


RESULT_NOT_HERE = _l("Chỉ bước phát hành kết quả hoặc bước trả kết quả mới đính kèm tệp kết quả.")


def files_results(task: Task) -> bool:
    """Whether the officer of this step attaches result files: the step that issues the result
    (``producesResult``: signed, numbered, sealed — filed once, where it is made) or the one
    that hands it over (``returnsResult``), which hands over what the first filed."""
    if task.returns_result:
        return True
    spec = workflow.spec_of(task.dossier.process_version_id)
    step = engine.steps_of(spec).get(task.step_id)
    return step is not None and step.produces_result


def _open_task_of(actor: User, dossier: Dossier, *, result: bool = False) -> Task | None:
    """The open step of the dossier the actor works now; for a result file, one that files
    results if the actor holds several."""
    mine = [
        task
        for task in db.session.scalars(
            select(Task)
            .where(Task.dossier_id == dossier.id, Task.status.in_(ACTIVE_TASK_STATUSES))
            .order_by(Task.id)
        )
        if task.assignee_id == actor.id or (task.assignee_id is None and org.may_work(actor, task))
    ]
    if result:
        return next((task for task in mine if files_results(task)), mine[0] if mine else None)
    return mine[0] if mine else None
