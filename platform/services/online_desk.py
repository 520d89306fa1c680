"""The desk's online queue: the dossiers submitted online (DossierStatus.SUBMITTED) that the
receiving unit's desk has not checked yet, and its three answers.

One intake for every channel. An online dossier waits here without a workflow and without a
clock. The desk checks its e-files as it checks papers at the counter, and its answer goes the
desk's own way (motcua.services.intake.start): **accept** — received complete now, the workflow
starts and the desk's check step is completed as at the counter, the time limit runs from this
moment (or from the next working period when outside office hours, motcua.services.deadlines;
Decree 118/2025/NĐ-CP art. 17.3 as amended by Decree 309/2026/NĐ-CP, and Decree 45/2020/NĐ-CP
for electronic dossiers), form 01 is issued and the receipt mailed; **ask for papers** — the
desk's check step decides "incomplete", exactly as at the counter: one complete request
(art. 17.2.a), form 02 and its mail, the clock still stopped, the dossier received only when
the papers come (motcua.services.exceptional_paths); **refuse** — no workflow at all: the
dossier ends refused with the written reason, form 03 and the refusal mail.

The e-files the applicant sent count as the papers: nothing given online is asked for again.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from motcua.errors import Conflict, Forbidden, Invalid
from motcua.extensions import db
from motcua.models import (
    Attachment,
    AttachmentKind,
    Dossier,
    DossierStatus,
    Event,
    Role,
    User,
    utcnow,
)
from motcua.services import (
    deadlines,
    desk,
    dossiers,
    exceptional_paths,
    intake,
    notifications,
    org,
    processes,
    slips,
    workflow,
)
from motcua.vocabulary import EventKind, MailKind


def queue(actor: User) -> list[Dossier]:
    """The online dossiers waiting for a check at the desks the actor works, oldest first."""
    unit_ids = [u.id for u in desk.desk_units(actor)]
    return list(
        db.session.scalars(
            select(Dossier)
            .options(joinedload(Dossier.procedure), joinedload(Dossier.unit))
            .where(
                Dossier.receiving_unit_id.in_(unit_ids),
                Dossier.status == DossierStatus.SUBMITTED,
            )
            .order_by(Dossier.received_at, Dossier.id)
        )
    )


def submitted(actor: User, code: str) -> tuple[Dossier, list[Attachment]]:
    """An online dossier waiting for the actor's check, with its e-files. Raises NotFound,
    Forbidden (not a receptionist of its receiving unit), Conflict (checked already)."""
    dossier = dossiers.get(actor, code)
    _require_desk(actor, dossier)
    _require_unchecked(dossier)
    files = [a for a in dossiers.attachments_of(dossier) if a.kind == AttachmentKind.COMPONENT]
    return dossier, files


def files_by_paper(dossier: Dossier, files: list[Attachment]) -> list[list[Attachment]]:
    """The e-files of each paper of the procedure, as the applicant attached them."""
    papers = list(dossier.procedure.required_documents or [])
    by_id = {a.id: a for a in files}
    grouped: list[list[Attachment]] = [[] for _ in papers]
    events = db.session.scalars(
        select(Event).where(
            Event.dossier_id == dossier.id, Event.kind == EventKind.ATTACHMENT_ADDED
        )
    )
    for event in events:
        data = event.data or {}
        index, attachment = data.get("paper"), by_id.get(data.get("attachment_id"))
        if attachment is not None and isinstance(index, int) and 0 <= index < len(papers):
            grouped[index].append(attachment)
    return grouped


def paper_counts(dossier: Dossier) -> list[int]:
    """The files given online per paper of the procedure (kept with the submission's event)."""
    event = db.session.scalar(
        select(Event).where(Event.dossier_id == dossier.id, Event.kind == EventKind.SUBMITTED)
    )
    documents = (event.data or {}).get("documents", []) if event else []
    papers = list(dossier.procedure.required_documents or [])
    counts = [0] * len(papers)
    for index, document in enumerate(documents[: len(papers)]):
        counts[index] = int(document.get("files") or 0)
    return counts


def accept(actor: User, code: str, check: intake.Check) -> Dossier:
    """Accept (``check.complete``) or ask for papers (``check.supplement``): the dossier is
    received by the actor now, and goes the desk's way (see the module). The papers given a
    file online count as checked. Raises as ``submitted``, and Invalid with the field errors
    (``complete``, ``doc-<n>``, ``reason``, ``items``)."""
    dossier, _files = submitted(actor, code)
    dossier = workflow.lock_dossier(dossier.id)
    _require_unchecked(dossier)
    counts = paper_counts(dossier)
    check = intake.Check(
        complete=check.complete,
        checked=frozenset(i for i, n in enumerate(counts) if n),
        note=check.note,
        supplement=check.supplement,
        not_needed=check.not_needed,
    )
    errors = intake.check_errors(check, counts)
    if errors:
        raise Invalid(
            _l("Hồ sơ chưa đủ điều kiện tiếp nhận."), code="invalid_intake", details=errors
        )
    now = utcnow()
    version = processes.version_to_run(dossier.procedure, dossier.unit)
    dossier.process_version = version
    dossier.status = DossierStatus.RECEIVED
    dossier.received_at = now
    dossier.received_by_id = actor.id
    dossier.clock_stopped_at = None
    dossier.appointment_at = deadlines.calendar().add(now, days=dossier.procedure.legal_limit_days)
    dossier.first_appointment_at = dossier.appointment_at
    papers = list(dossier.procedure.required_documents or [])
    data = {"channel": dossier.channel.value, "process_version": version.version}
    intake.start(actor, dossier, now, papers, [], check, counts, data)
    if dossier.status != DossierStatus.WAITING_APPLICANT:
        slips.issue(dossier, "01", actor)
    return dossier


def refuse(actor: User, code: str, reason: str) -> Dossier:
    """Refuse to receive the dossier, with the written reason (form 03, Phiếu từ chối tiếp nhận
    giải quyết hồ sơ, Circular 03/2025/TT-VPCP [S]): it ends without a workflow. Raises as
    ``submitted``, and Invalid (``reason``)."""
    dossier, _files = submitted(actor, code)
    reason = exceptional_paths.written_reason(reason)
    dossier = workflow.lock_dossier(dossier.id)
    _require_unchecked(dossier)
    now = utcnow()
    dossier.status = DossierStatus.NOT_ACCEPTED
    dossier.finished_at = now
    dossier.clock_stopped_at = None
    workflow.record(dossier, EventKind.REFUSED_AT_RECEIPT, actor=actor, at=now, note=reason)
    slips.issue(dossier, "03", actor, reason=reason)
    notifications.to_applicant(dossier, MailKind.REFUSAL, reason=reason)
    return dossier


def _require_unchecked(dossier: Dossier) -> None:
    if dossier.status != DossierStatus.SUBMITTED:
        raise Conflict(
            _l("Hồ sơ %(code)s đã được kiểm tra.", code=dossier.code), code="already_checked"
        )


def _require_desk(actor: User, dossier: Dossier) -> None:
    if not org.has_role(actor, Role.RECEPTIONIST, dossier.receiving_unit_id):
        raise Forbidden(
            _l("Chỉ bộ phận một cửa của đơn vị tiếp nhận kiểm tra được hồ sơ này."),
            code="not_the_desk",
        )
