"""The one-stop desk (bộ phận một cửa): receiving a dossier with its papers, the receipt,
and handing the result back.

Receiving at the desk is one transaction: the dossier, the scanned papers and the desk's own
check step are stored together or not at all (files already written to storage are addressed
by their hash and harm nothing).
"""

import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from motcua.errors import Conflict, Forbidden, Invalid, NotFound
from motcua.extensions import db
from motcua.models import (
    ACTIVE_TASK_STATUSES,
    FINAL_STATUSES,
    Attachment,
    AttachmentKind,
    Channel,
    Dossier,
    Procedure,
    Role,
    Task,
    Unit,
    User,
)
from motcua.services import (
    catalogue,
    dossiers,
    formdata,
    intake,
    notifications,
    org,
    processing,
    workflow,
)

REQUIRED = "Trường này là bắt buộc."

# One uploaded file of the desk: (index of the procedure's paper, file name, bytes, media type).
DeskFile = tuple[int, str, BinaryIO, str | None]
# One uploaded result file: (file name, bytes, media type).
ResultFile = tuple[str, BinaryIO, str | None]


@dataclass
class IntakeForm:
    procedure: Procedure
    units: list[Unit]


@dataclass
class Receipt:
    dossier: Dossier
    documents: list[dossiers.Paper]
    officer: User | None


@dataclass
class ReturnStep:
    dossier: Dossier
    task: Task
    results: list[Attachment]


def desk_units(actor: User) -> list[Unit]:
    """The units whose desk the actor works (role receptionist); Forbidden if none."""
    ids = {r.unit_id for r in actor.roles if r.role == Role.RECEPTIONIST}
    if not ids:
        raise Forbidden(
            "Chỉ cán bộ bộ phận một cửa (vai trò receptionist) dùng được chức năng này.",
            code="not_a_receptionist",
        )
    return list(db.session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.code)))


def find_procedures(actor: User, query: str = "") -> list[Procedure]:
    """Catalogue entries whose code or name contains the query (accents and case ignored)."""
    desk_units(actor)
    words = _fold(query).split()
    found = []
    for procedure in catalogue.procedures():
        text = _fold(f"{procedure.code} {procedure.name}")
        if all(word in text for word in words):
            found.append(procedure)
    return found


def intake_form(actor: User, procedure_code: str) -> IntakeForm:
    """The procedure to receive and the desks the actor may receive it at; Forbidden/NotFound."""
    units = desk_units(actor)
    procedure = db.session.scalar(select(Procedure).where(Procedure.code == procedure_code))
    if procedure is None:
        raise NotFound(f"Không có thủ tục mã {procedure_code}.", code="procedure_not_found")
    return IntakeForm(procedure, units)


def receive_at_desk(
    actor: User,
    procedure_code: str,
    unit_code: str,
    applicant: intake.Applicant | dict,
    channel: str,
    files: list[DeskFile],
    *,
    complete: bool,
    checked: set[int] | frozenset[int] = frozenset(),
    note: str = "",
    supplement: tuple[str, str] | None = None,
) -> Dossier:
    """Receive a dossier with its scanned papers and complete the desk's check step.

    ``applicant`` may be the raw form values (checked here with the other fields); ``checked``:
    the papers the officer ticked as present, each needing at least one file; ``complete``: the
    officer's statement that the dossier is complete as the procedure requires.
    ``supplement`` = (reason, papers to add, one per line) instead: the dossier is incomplete;
    the check step's decision sends it to the diagram's step waiting for the applicant, who
    gets form 02 (Decree 61: guidance to complete it, in writing, at once).

    One transaction: the dossier, its component attachments and the completed receive step
    (form tiep-nhan), so that it leaves the desk as processing, or waiting for the applicant.
    Raises Forbidden, NotFound or Invalid with the field errors (``applicant.*``, ``unit``,
    ``channel``, ``complete``, ``doc-<n>``, ``reason``, ``items``); nothing is stored then.
    """
    procedure = intake_form(actor, procedure_code).procedure
    papers = list(procedure.required_documents or [])
    errors: dict[str, str] = {}
    if not unit_code:
        errors["unit"] = REQUIRED
    else:
        org.require_role(actor, Role.RECEPTIONIST, org.unit_by_code(unit_code))
    if isinstance(applicant, dict):
        try:
            applicant = intake.parse_applicant(applicant)
        except Invalid as exc:
            errors.update(exc.details or {"applicant": exc.message})
    if channel not in {c.value for c in Channel}:
        errors["channel"] = "Giá trị không hợp lệ."
    if supplement is not None:
        reason, items = (" ".join((text or "").split()) for text in supplement)
        if not reason:
            errors["reason"] = "Phải ghi rõ lý do (sẽ in trên phiếu yêu cầu bổ sung)."
        if not items:
            errors["items"] = "Ghi ít nhất một giấy tờ cần bổ sung."
    elif not complete:
        errors["complete"] = "Phải xác nhận hồ sơ đầy đủ theo quy định trước khi tiếp nhận."
    counts = [0] * len(papers)
    for index, *_ in files:
        if not 0 <= index < len(papers):
            raise Invalid("Tệp không thuộc thành phần hồ sơ nào.", code="invalid_file")
        counts[index] += 1
    for index in sorted(checked):
        if not 0 <= index < len(papers):
            raise Invalid("Thành phần hồ sơ không có trong danh mục.", code="invalid_document")
        if counts[index] == 0:
            errors[f"doc-{index}"] = "Thành phần đã đánh dấu có phải kèm ít nhất một tệp."
    if errors:
        raise Invalid("Hồ sơ chưa đủ điều kiện tiếp nhận.", code="invalid_intake", details=errors)

    documents = [
        {"name": name, "complete": i in checked, "files": counts[i]}
        for i, name in enumerate(papers)
    ]
    try:
        dossier, held = intake.open_dossier(
            actor, procedure_code, unit_code, applicant, channel, documents=documents
        )
        first = held[0] if held else None
        for index, file_name, stream, media_type in files:
            try:
                dossiers.store_attachment(
                    actor,
                    dossier,
                    first,
                    file_name=file_name,
                    stream=stream,
                    kind=AttachmentKind.COMPONENT,
                    media_type=media_type,
                    event_data={"document": papers[index]},
                )
            except Invalid as exc:
                raise Invalid(
                    exc.message, code=exc.code, details={f"doc-{index}": exc.message}
                ) from exc
        if supplement is not None:
            _ask_for_papers(actor, first, supplement)
        elif first is not None:
            data = {"complete": True}
            if note and note.strip():
                data["note"] = note.strip()
            processing.complete_uncommitted(actor, first.id, data)
        # else the diagram's first step is not the desk's: the dossier stays received
        workflow.commit()
    except Exception:
        db.session.rollback()
        raise
    return dossier


def _ask_for_papers(actor: User, first: Task | None, supplement) -> None:
    reason, items = supplement
    opened = []
    if first is not None:
        _, opened = processing.complete_uncommitted(
            actor, first.id, {"complete": False, "reason": reason.strip(), "items": items.strip()}
        )
    if not any(t.waits_for_applicant for t in opened):
        raise Invalid(
            "Quy trình của thủ tục này chưa có bước chờ người nộp bổ sung sau bước tiếp nhận; "
            "báo quản trị đơn vị bổ sung vào sơ đồ.",
            code="no_supplement_step",
        )


def receipt(actor: User, code: str) -> Receipt:
    """What the receipt (giấy tiếp nhận và hẹn trả kết quả) shows. NotFound if not visible."""
    dossier = dossiers.get(actor, code)
    officer = db.session.get(User, dossier.received_by_id) if dossier.received_by_id else None
    return Receipt(dossier, dossiers.papers_received(dossier), officer)


def results_to_return(actor: User) -> list[Task]:
    """The open steps that hand a result over, in the units whose desk the actor works."""
    unit_ids = [u.id for u in desk_units(actor)]
    return list(
        db.session.scalars(
            select(Task)
            .join(Task.dossier)
            .options(contains_eager(Task.dossier).joinedload(Dossier.procedure))
            .where(
                Task.unit_id.in_(unit_ids),
                Task.returns_result.is_(True),
                Task.status.in_(ACTIVE_TASK_STATUSES),
            )
            .order_by(Task.due_at, Task.id)
        )
    )


def return_step(actor: User, code: str) -> ReturnStep:
    """The dossier's open result-returning step that the actor may work, with its result files.

    Raises Forbidden (not a desk officer, or not this step's handler), NotFound, or Conflict
    ``no_result_step`` when the dossier is not waiting to have its result returned.
    """
    desk_units(actor)
    dossier = dossiers.get(actor, code)
    steps = [
        t
        for t in dossiers.tasks_of(dossier)
        if t.returns_result and t.status in ACTIVE_TASK_STATUSES
    ]
    if not steps:
        raise Conflict(f"Hồ sơ {dossier.code} không ở bước trả kết quả.", code="no_result_step")
    task = next((t for t in steps if org.may_work(actor, t)), None)
    if task is None:
        raise Forbidden("Bạn không phải người trả kết quả hồ sơ này.", code="not_a_handler")
    results = [a for a in dossiers.attachments_of(dossier) if a.kind == AttachmentKind.RESULT]
    return ReturnStep(dossier, task, results)


def return_result(
    actor: User,
    code: str,
    *,
    returned_to: str,
    method: str,
    note: str = "",
    files: list[ResultFile] = (),
) -> Task:
    """Attach the result files given and complete the return step (form tra-ket-qua).

    A result file must exist already or be among ``files``. One transaction. Raises as
    ``return_step``, and Invalid with field errors (``returned_to``, ``method``, ``note``,
    ``result``).
    """
    step = return_step(actor, code)
    data = {"returned_to": (returned_to or "").strip(), "method": method or "at_desk"}
    if note and note.strip():
        data["note"] = note.strip()
    errors = formdata.form_errors(step.task.form, data)
    if not step.results and not files:
        errors["result"] = "Phải đính kèm tệp kết quả trước khi trả cho người nộp."
    if errors:
        raise Invalid("Thông tin trả kết quả chưa hợp lệ.", code="invalid_form", details=errors)
    try:
        dossier = workflow.lock_dossier(step.dossier.id)
        if dossier.status in FINAL_STATUSES:
            raise Conflict("Hồ sơ đã kết thúc.", code="dossier_closed")
        for file_name, stream, media_type in files:
            try:
                dossiers.store_attachment(
                    actor,
                    dossier,
                    step.task,
                    file_name=file_name,
                    stream=stream,
                    kind=AttachmentKind.RESULT,
                    media_type=media_type,
                )
            except Invalid as exc:
                raise Invalid(exc.message, code=exc.code, details={"result": exc.message}) from exc
        notifications.to_applicant(dossier, "result", **data)
        return processing.complete(actor, step.task.id, data)
    except Exception:
        db.session.rollback()
        raise


def _fold(text: str) -> str:
    """Lower case without Vietnamese accents, for searching ("đăng ký" finds "dang ky")."""
    text = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return "".join(c for c in text if not unicodedata.combining(c))
