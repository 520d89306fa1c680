"""The one-stop desk (bộ phận một cửa): the procedures to receive and handing the result back
(the receipt is motcua.services.receipts). Receiving itself is motcua.services.intake, for the
desk's page and the API alike.
"""

import io
from dataclasses import astuple, dataclass
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from motcua.errors import Conflict, Forbidden, Invalid, NotFound
from motcua.extensions import db
from motcua.folding import fold
from motcua.models import (
    ACTIVE_TASK_STATUSES,
    FINAL_STATUSES,
    Attachment,
    AttachmentKind,
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
    notifications,
    offers,
    org,
    processes,
    processing,
    results_online,
    slips,
    storage,
    workflow,
)
from motcua.services.intake import PaperFile
from motcua.vocabulary import MailKind, ReturnMethod

# One uploaded result file: (file name, bytes, media type).
ResultFile = tuple[str, BinaryIO, str | None]


@dataclass
class IntakeForm:
    procedure: Procedure
    units: list[Unit]  # the desks the officer may receive at
    competent_units: list[Unit]  # the units that decide the procedure


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
            _l("Chỉ cán bộ bộ phận một cửa dùng được chức năng này."),
            code="not_a_receptionist",
        )
    return list(
        db.session.scalars(
            select(Unit).where(Unit.id.in_(ids), Unit.retired_at.is_(None)).order_by(Unit.code)
        )
    )


def find_procedures(actor: User, query: str = "") -> list[Procedure]:
    """Catalogue entries whose code or name contains the query (accents and case ignored)."""
    desk_units(actor)
    words = fold(query).split()
    found = []
    for procedure in catalogue.procedures():
        text = fold(f"{procedure.code} {procedure.name}")
        if all(word in text for word in words):
            found.append(procedure)
    return found


def intake_form(actor: User, procedure_code: str) -> IntakeForm:
    """The procedure to receive and the desks the actor may receive it at; Forbidden/NotFound."""
    units = desk_units(actor)
    procedure = processes.procedure_by_code(procedure_code)
    return IntakeForm(procedure, units, offers.offering_units(procedure))


@dataclass(frozen=True)
class HeldFile:
    """A paper's file chosen on the intake page and kept, by its hash, until the form is sent
    again: a refused form never makes the desk choose the files a second time."""

    index: int  # the paper's place in the procedure's list
    file_name: str
    sha256: str
    size: int
    storage_key: str


# Long enough for a desk's day; a form sent later has its files chosen again.
HELD_FOR_SECONDS = 12 * 3600


def hold_papers(actor: User, procedure_code: str, files: list[PaperFile]) -> list[HeldFile]:
    """Store the papers' files of an intake form by their hash (storage never overwrites and
    a file no dossier refers to harms nothing), to be reused if the form is refused. Files of
    a paper the procedure does not list are left out. Raises Forbidden (not a desk officer),
    NotFound (procedure)."""
    desk_units(actor)
    count = len(processes.procedure_by_code(procedure_code).required_documents or [])
    held = []
    for index, file_name, stream in files:
        if 0 <= index < count:
            stream.seek(0)  # read already if the refusal came while the files were stored
            sha256, size, key = storage.store(current_app.config["STORAGE_DIR"], stream)
            held.append(HeldFile(index, file_name, sha256, size, key))
    return held


def held_token(actor: User, procedure_code: str, held: list[HeldFile]) -> str:
    """The held files, signed for this officer and procedure, for the form's hidden field:
    signed, so that a form can name no stored file but its own."""
    return _serializer().dumps([actor.id, procedure_code, [astuple(h) for h in held]])


def held_papers(
    actor: User, procedure_code: str, token: str, dropped: frozenset[int] = frozenset()
) -> list[HeldFile]:
    """The files a refused intake form held (``held_token``), less those the officer dropped
    (by their place in the list); none for a token not this officer's and procedure's, or too
    old."""
    if not token:
        return []
    try:
        user_id, code, rows = _serializer().loads(token, max_age=HELD_FOR_SECONDS)
    except (BadData, ValueError, TypeError):
        return []
    if user_id != actor.id or code != procedure_code:
        return []
    return [HeldFile(*row) for n, row in enumerate(rows) if n not in dropped]


def opened(held: list[HeldFile]) -> list[PaperFile]:
    """The held files as papers' files for ``intake.receive``."""
    files = []
    for h in held:
        with storage.open_file(current_app.config["STORAGE_DIR"], h.storage_key) as stream:
            files.append((h.index, h.file_name, io.BytesIO(stream.read())))
    return files


def _serializer() -> URLSafeTimedSerializer:
    # v2: the rows lost the browser's stated type; a form held before reads as none held.
    return URLSafeTimedSerializer(current_app.secret_key, salt="motcua.desk.held-papers.v2")


def supplement_slip(actor: User, code: str) -> Attachment:
    """The newest form 02 (Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ) stored for a dossier the
    actor may see: the paper the applicant takes home when the desk finds the dossier
    incomplete. Raises NotFound."""
    _, issued = slips.issued(actor, code)
    found = slips.of_form(issued, "02")
    if not found:
        raise NotFound(_l("Hồ sơ chưa có phiếu yêu cầu bổ sung."), code="slip_not_found")
    return found[-1]


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
        raise Conflict(
            _l("Hồ sơ %(code)s không ở bước trả kết quả.", code=dossier.code), code="no_result_step"
        )
    task = next((t for t in steps if org.may_work(actor, t)), None)
    if task is None:
        raise Forbidden(_l("Bạn không phải người trả kết quả hồ sơ này."), code="not_a_handler")
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
    """Attach the result files given and complete the return step (form tra-ket-qua); the
    dossier keeps how it was returned, and the mail links to the result files.

    A result file must exist already or be among ``files``. One transaction. Raises as
    ``return_step``, and Invalid with field errors (``returned_to``, ``method``, ``note``,
    ``result``).
    """
    step = return_step(actor, code)
    data = {"returned_to": (returned_to or "").strip(), "method": method or ReturnMethod.AT_DESK}
    if note and note.strip():
        data["note"] = note.strip()
    errors = formdata.form_errors(step.task.form, data)
    if not step.results and not files:
        errors["result"] = _l("Phải đính kèm tệp kết quả trước khi trả cho người nộp.")
    if errors:
        raise Invalid(_l("Thông tin trả kết quả chưa hợp lệ."), code="invalid_form", details=errors)
    dossier = workflow.lock_dossier(step.dossier.id)
    if dossier.status in FINAL_STATUSES:
        raise Conflict(_l("Hồ sơ đã kết thúc."), code="dossier_closed")
    dossiers.attach_files(
        actor,
        dossier,
        step.task,
        [dossiers.NewFile(name, stream, field="result") for name, stream in files],
        kind=AttachmentKind.RESULT,
    )
    # The mail carries the link to the result files (motcua.services.results_online).
    notifications.to_applicant(
        dossier, MailKind.RESULT, **data, **results_online.mail_context(dossier)
    )
    return processing.complete(actor, step.task.id, data)
