"""Printable slips: forms 01–05 of Circular 01/2018/TT-VPCP, as PDF (06, the register, is
motcua.services.register).

01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả, 02 Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ,
03 Phiếu từ chối tiếp nhận, giải quyết hồ sơ, 04 Phiếu xin lỗi và hẹn lại ngày trả kết quả,
05 Phiếu kiểm soát quá trình giải quyết hồ sơ.

A slip given to the applicant is stored as an attachment of kind ``slip`` under its sha256, so
the record shows exactly what was handed over.
The forms are legal papers in Vietnamese: they are rendered in Vietnamese whatever
language the officer's pages use; the words of the vocabulary they print (a status, a verdict)
are its labels evaluated in Vietnamese.
"""

import io
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from motcua.errors import Invalid, NotFound
from motcua.extensions import db
from motcua.models import (
    Apology,
    Attachment,
    AttachmentKind,
    Dossier,
    SupplementRequest,
    Task,
    User,
    utcnow,
)
from motcua.services import deadlines, dossiers, links, org, papers, timeline
from motcua.services.paper_wording import (
    HELPERS,
    agency,
    desk_header,
    place,
    stamp,
    unit_header,
    working_time,
)
from motcua.services.timeline import Verdict, timing
from motcua.vocabulary import EventKind, Outcome, in_vietnamese


@dataclass(frozen=True)
class Form:
    number: str
    title: str
    slug: str  # for the file name
    template: str
    abbreviation: str  # after the number on the slip: "Số: <code>/PYCBS"


FORMS = {
    f.number: f
    for f in (
        Form(
            "01",
            "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
            "giay-tiep-nhan-hen-tra-ket-qua",
            "slips/01_receipt.html",
            "",
        ),
        Form(
            "02",
            "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
            "phieu-yeu-cau-bo-sung",
            "slips/02_supplement.html",
            "PYCBS",
        ),
        Form(
            "03",
            "Phiếu từ chối tiếp nhận, giải quyết hồ sơ",
            "phieu-tu-choi",
            "slips/03_refusal.html",
            "PTC",
        ),
        Form(
            "04",
            "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
            "phieu-xin-loi-hen-lai",
            "slips/04_apology.html",
            "PXL",
        ),
        Form(
            "05",
            "Phiếu kiểm soát quá trình giải quyết hồ sơ",
            "phieu-kiem-soat",
            "slips/05_control.html",
            "PKS",
        ),
    )
}
# Forms an officer prints on demand from the dossier page; 02–04 come with their flows.
ON_DEMAND = ("01", "05")

# The decisions the control slip notes next to a step (the others say nothing more).
NOTED_OUTCOMES = (Outcome.APPROVE, Outcome.SEND_BACK, Outcome.SENT_BACK, Outcome.REFUSE)


@dataclass(frozen=True)
class Handover:
    """One row of the control slip (05): a step handed from one officer to another."""

    step: str
    giver: str
    giver_unit: str
    receiver: str
    receiver_unit: str
    handed_at: datetime
    due_at: datetime
    completed_at: datetime | None
    verdict: Verdict
    note: str


# --- rendering -------------------------------------------------------------------------------


def render(form: str, **objects) -> bytes:
    """The PDF of a slip. ``objects``: ``dossier`` always; ``actor`` (who hands it over,
    optional); ``request`` (a SupplementRequest) for 02, ``reason`` (str) for 03, ``apology``
    (an Apology) for 04. Raises NotFound for an unknown form, Invalid for missing objects."""
    spec = _form(form)
    dossier = objects.get("dossier")
    if not isinstance(dossier, Dossier):
        raise Invalid(_l("Thiếu hồ sơ để in phiếu."), code="slip_incomplete")
    context = _common(dossier, objects.get("actor"))
    context.update(_BUILDERS[spec.number](**objects))
    context["form"] = spec
    return _pdf(spec.template, context)


def issue(dossier: Dossier, form: str, actor: User, **objects) -> Attachment:
    """Render a slip and store it as an attachment of kind ``slip`` of the dossier, with an
    event ``slip_issued``, in the caller's transaction: a slip that cannot be made stops the act
    it records. The caller has checked that the actor may do it.

    issue(d, "01"|"05", actor); issue(d, "02", actor, request=SupplementRequest);
    issue(d, "03", actor, reason=str); issue(d, "04", actor, apology=Apology).
    Raises as ``render``.
    """
    spec = _form(form)
    pdf = render(spec.number, dossier=dossier, actor=actor, **objects)
    # One event for the slip (not also "attachment_added"): issuing it is the act on record.
    return dossiers.attach_file(
        actor,
        dossier,
        None,
        file_name=f"{spec.number}-{spec.slug}-{dossier.code}.pdf",
        stream=io.BytesIO(pdf),
        kind=AttachmentKind.SLIP,
        media_type="application/pdf",
        event_data={"form": spec.number},
        event=EventKind.SLIP_ISSUED,
    )


def issue_on_demand(actor: User, code: str, form: str) -> Attachment:
    """Issue a new receipt (01) or control slip (05) of a dossier the actor may see, stored
    like every slip. Raises NotFound (no such dossier, or a form that is not printed
    on demand)."""
    dossier = dossiers.get(actor, code)
    if form not in ON_DEMAND:
        raise NotFound(
            _l(
                "Không in được mẫu %(form)s từ đây: chỉ in lại giấy tiếp nhận (01) và phiếu "
                "kiểm soát (05); các phiếu khác được phát cùng việc của chúng và lưu trong hồ "
                "sơ.",
                form=form,
            ),
            code="slip_not_printable",
        )
    return issue(dossier, form, actor)


def issued(actor: User, code: str) -> tuple[Dossier, list[Attachment]]:
    """The slips stored for a dossier the actor may see, oldest first. Raises NotFound."""
    dossier = dossiers.get(actor, code)
    return dossier, [a for a in dossiers.attachments_of(dossier) if a.kind == AttachmentKind.SLIP]


def open_issued(actor: User, code: str, attachment_id: int) -> tuple[Attachment, BinaryIO]:
    """A slip stored for a dossier the actor may see, and its bytes (the caller closes the
    stream). Raises NotFound (no such dossier, not one of its slips, bytes missing)."""
    attachment, stream = timeline.open_attachment(actor, code, attachment_id)
    if attachment.kind != AttachmentKind.SLIP:
        stream.close()
        raise NotFound(_l("Không có phiếu này trong hồ sơ."), code="slip_not_found")
    return attachment, stream


def _form(form: str) -> Form:
    spec = FORMS.get(str(form))
    if spec is None:
        raise NotFound(_l("Không có mẫu phiếu %(form)s.", form=form), code="slip_form_not_found")
    return spec


def _pdf(template: str, context: dict) -> bytes:
    # Legal forms are Vietnamese even when the officer's pages are in English.
    with force_locale("vi"):
        return papers.render_pdf(template, **context)


# --- what each form shows --------------------------------------------------------------------


def _common(dossier: Dossier, actor: User | None) -> dict:
    return {
        **HELPERS,
        "dossier": dossier,
        "actor": actor,
        "now": utcnow(),
        "agency": agency(dossier.unit),
        "place": place(dossier.receiving_unit),
        # Slips of the desk are the receiving centre's (it may not be the competent unit's:
        # receipt regardless of boundary); the apology is the competent unit's own.
        "header": desk_header(dossier.receiving_unit),
    }


def _receipt(dossier: Dossier, **_objects) -> dict:
    received_by = db.session.get(User, dossier.received_by_id) if dossier.received_by_id else None
    return {
        "papers": dossiers.papers_received(dossier),
        "received_by": received_by,
        "lookup_url": links.public_url("/lookup"),
        "number": dossier.code,
        "dated": dossier.received_at,
    }


def _supplement(dossier: Dossier, request=None, **objects) -> dict:
    if not isinstance(request, SupplementRequest) or request.dossier_id != dossier.id:
        raise Invalid(
            _l("Phiếu 02 cần yêu cầu bổ sung của chính hồ sơ này."), code="slip_incomplete"
        )
    earlier = db.session.scalar(
        select(func.count(SupplementRequest.id)).where(
            SupplementRequest.dossier_id == dossier.id, SupplementRequest.id < request.id
        )
    )
    suffix = f"-{earlier + 1}" if earlier else ""
    return {
        "request": request,
        "number": f"{dossier.code}/{FORMS['02'].abbreviation}{suffix}",
        "dated": request.requested_at,
        "signer": objects.get("actor") or request.requested_by,
    }


def _refusal(dossier: Dossier, reason=None, **objects) -> dict:
    reason = " ".join(reason.split()) if isinstance(reason, str) else ""
    if not reason:
        raise Invalid(_l("Phiếu từ chối phải ghi rõ lý do."), code="reason_required")
    return {
        "reason": reason,
        "number": f"{dossier.code}/{FORMS['03'].abbreviation}",
        "dated": utcnow(),
        "signer": objects.get("actor"),
    }


def _apology(dossier: Dossier, apology=None, **_objects) -> dict:
    if not isinstance(apology, Apology) or apology.dossier_id != dossier.id:
        raise Invalid(_l("Phiếu 04 cần phiếu xin lỗi của chính hồ sơ này."), code="slip_incomplete")
    return {
        "apology": apology,
        "number": f"{dossier.code}/{FORMS['04'].abbreviation}",
        "dated": apology.issued_at,
        "header": unit_header(dossier.unit),
    }


def _control(dossier: Dossier, **_objects) -> dict:
    rows = handovers(dossier)
    # Units coordinating from outside the receiving unit (a department for an interconnected
    # procedure); the unit's own offices are not "cơ quan phối hợp".
    own = org.subtree_ids({dossier.unit_id})
    partners = sorted({t.unit.name for t in dossiers.tasks_of(dossier) if t.unit_id not in own})
    return {
        "rows": rows,
        "partners": partners,
        "number": f"{dossier.code}/{FORMS['05'].abbreviation}",
        "dated": utcnow(),
        "late_against_first": _late_against_first(dossier),
    }


_BUILDERS = {
    "01": _receipt,
    "02": _supplement,
    "03": _refusal,
    "04": _apology,
    "05": _control,
}


def handovers(dossier: Dossier, *, now: datetime | None = None) -> list[Handover]:
    """Every handover of the dossier, in order: each step, who handed it over (the officer
    who completed the step it came from, or the desk that received the dossier), who took it,
    when, its due and completion times, and its verdict (motcua.services.timeline)."""
    now = now or utcnow()
    calendar = deadlines.calendar()
    tasks = sorted(dossiers.tasks_of(dossier), key=lambda t: (t.created_at, t.id))
    desk = db.session.get(User, dossier.received_by_id) if dossier.received_by_id else None
    reassigned = _reassignments(dossier)
    rows = []
    for task in tasks:
        source = _source_of(task, tasks)
        if source is None:
            giver = desk.display_name if desk else "Bộ phận một cửa"
            giver_unit = f"Bộ phận một cửa — {dossier.receiving_unit.name}"
        else:
            giver = source.completed_by.display_name if source.completed_by else ""
            giver_unit = source.unit.name
        taker = task.completed_by or task.assignee
        result = timing(
            calendar,
            due_at=task.due_at,
            completed_at=task.completed_at,
            status=task.status,
            now=now,
        )
        notes = (
            [in_vietnamese(Outcome(task.outcome).label)] if task.outcome in NOTED_OUTCOMES else []
        )
        if result.verdict in (Verdict.LATE, Verdict.OVERDUE) and result.hours:
            notes.append(f"quá hạn {working_time(result.hours)} làm việc")
        notes += reassigned.get(task.id, [])
        rows.append(
            Handover(
                step=task.step_name,
                giver=giver,
                giver_unit=giver_unit,
                receiver=taker.display_name if taker else "(chưa có người nhận)",
                receiver_unit=task.unit.name,
                handed_at=task.created_at,
                due_at=task.due_at,
                completed_at=task.completed_at,
                verdict=result.verdict,
                note="; ".join(notes),
            )
        )
    return rows


def _source_of(task: Task, tasks: list[Task]) -> Task | None:
    """The step this one came from: the step completed in the same action that opened it (the
    engine opens the next steps in the same transaction, at the same time), else the last step
    completed before it opened; None for the steps opened at receipt."""
    before = [
        t
        for t in tasks
        if t.id != task.id and t.completed_at is not None and t.completed_at <= task.created_at
    ]
    if not before:
        return None
    same = [t for t in before if t.completed_at == task.created_at]
    return max(same or before, key=lambda t: (t.completed_at, t.id))


def _reassignments(dossier: Dossier) -> dict[int, list[str]]:
    events = [
        e for e in dossiers.events_of(dossier) if e.kind == EventKind.REASSIGNED and e.task_id
    ]
    usernames = {
        v for e in events for v in ((e.data or {}).get("from"), (e.data or {}).get("to")) if v
    }
    names = dict(
        db.session.execute(
            select(User.username, User.display_name).where(User.username.in_(usernames))
        ).all()
    )
    found: dict[int, list[str]] = {}
    for e in events:
        data = e.data or {}
        to = names.get(data.get("to"), data.get("to") or "")
        found.setdefault(e.task_id, []).append(f"giao lại cho {to} lúc {stamp(e.at)}")
    return found


def _late_against_first(dossier: Dossier) -> bool | None:
    """Whether the result came after the first appointment (a rescheduled dossier is still
    late); None while it is not finished."""
    if dossier.finished_at is None:
        return None
    first = dossier.first_appointment_at or dossier.appointment_at
    return deadlines.is_overdue(first, utcnow(), done_at=dossier.finished_at)
