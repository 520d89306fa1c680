"""The templates of a procedure's papers (mẫu đơn, tờ khai) that applicants download from its
public page before filling them in: the issue's "its papers (with templates to download)".

A system admin (the one who edits the catalogue: catalogue.require_editor) attaches a file to a
paper of the list; a new upload replaces the one offered but the old row and its bytes stay
(nothing is overwritten: storage is by hash, rows are only added). A template is tied to the
paper's place in the list and its name at the time: once the paper at that place is renamed,
its template is no longer offered (a reordered list offers no template of another paper).

Files: PDF, DOC/DOCX, XLS/XLSX, ODT, told by their bytes (dossiers.media_type_of), at most
ONLINE_MAX_FILE_BYTES, through the virus-scan hook (online_files.scan).
"""

from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from motcua.errors import Invalid, NotFound
from motcua.extensions import db
from motcua.models import PaperTemplate, Procedure, User, utcnow
from motcua.services import audit, catalogue, dossiers, online_files, processes, storage
from motcua.vocabulary import AuditAction

TEMPLATE_TYPES = frozenset(
    {
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
    }
)


def current(procedures: list[Procedure]) -> dict[int, dict[int, PaperTemplate]]:
    """{procedure id: {paper's place: the template offered}} for these procedures, in one
    query: the newest upload of each paper whose name is still the paper's."""
    if not procedures:
        return {}
    by_id = {p.id: p for p in procedures}
    rows = db.session.scalars(
        select(PaperTemplate)
        .where(PaperTemplate.procedure_id.in_(by_id))
        .order_by(PaperTemplate.uploaded_at, PaperTemplate.id)
    )
    found: dict[int, dict[int, PaperTemplate]] = {p.id: {} for p in procedures}
    for row in rows:
        papers = by_id[row.procedure_id].required_documents or []
        if row.paper_index < len(papers) and papers[row.paper_index] == row.paper_name:
            found[row.procedure_id][row.paper_index] = row  # the newest wins
    return found


def attach(
    actor: User, procedure_code: str, paper_index: int, file_name: str, stream: BinaryIO | None
) -> PaperTemplate:
    """Offer a file as the template of a paper (the old one's row stays); with its audit entry.
    Raises Forbidden (not a system admin), NotFound (procedure, paper), Invalid (details by
    field ``file``: empty, too large, not a document by its bytes, flagged by the scan, a bad
    name), StorageUnavailable."""
    catalogue.require_editor(actor)
    procedure = processes.procedure_by_code(procedure_code)
    papers = procedure.required_documents or []
    if not 0 <= paper_index < len(papers):
        raise _no_paper(procedure)
    if stream is None or not file_name:
        chosen = _l("Chọn tệp mẫu cần tải lên.")
        raise Invalid(chosen, code="no_file", details={"file": chosen})
    name = dossiers.clean_file_name(file_name, "file")
    problem = _problem(stream, name) or online_files.scan(stream)
    if problem:
        raise Invalid(problem, code="invalid_template", details={"file": problem})
    sha256, size, key, media_type = online_files.store(stream, name)
    template = PaperTemplate(
        procedure_id=procedure.id,
        paper_index=paper_index,
        paper_name=papers[paper_index],
        file_name=name,
        media_type=media_type,
        size=size,
        sha256=sha256,
        storage_key=key,
        uploaded_by_id=actor.id,
        uploaded_at=utcnow(),
    )
    db.session.add(template)
    audit.record(
        actor,
        AuditAction.PROCEDURE_TEMPLATE,
        "procedure",
        procedure.code,
        f"Đính kèm mẫu «{name}» cho thành phần hồ sơ {paper_index + 1} của thủ tục "
        f"{procedure.code}",
        data={"paper": paper_index, "file_name": name, "sha256": sha256, "size": size},
    )
    db.session.flush()
    return template


def _problem(stream: BinaryIO, file_name: str):
    if problem := online_files.size_problem(stream, current_app.config["ONLINE_MAX_FILE_BYTES"]):
        return problem
    if dossiers.media_type_of(stream.read(dossiers.HEAD_BYTES), file_name) not in TEMPLATE_TYPES:
        return _l("Mẫu đơn, tờ khai chỉ nhận tệp PDF, DOC, DOCX, XLS, XLSX hoặc ODT.")
    return None


@dataclass(frozen=True)
class Download:
    template: PaperTemplate
    stream: BinaryIO  # the stored bytes, open: the caller streams and closes them


def download(procedure_code: str, paper_index: int) -> Download:
    """The template offered for a paper, for anyone (the public page links it). Raises
    NotFound (no such procedure or paper, or no template), StorageUnavailable."""
    procedure = processes.procedure_by_code(procedure_code)
    template = current([procedure])[procedure.id].get(paper_index)
    if template is None:
        raise NotFound(_l("Giấy tờ này chưa có mẫu để tải."), code="template_not_found")
    try:
        stream = storage.open_file(current_app.config["STORAGE_DIR"], template.storage_key)
    except FileNotFoundError:
        raise NotFound(_l("Giấy tờ này chưa có mẫu để tải."), code="template_not_found") from None
    return Download(template, stream)


def _no_paper(procedure: Procedure) -> NotFound:
    return NotFound(
        _l("Thủ tục %(code)s không có thành phần hồ sơ này.", code=procedure.code),
        code="paper_not_found",
    )
