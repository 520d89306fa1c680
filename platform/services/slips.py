"""Printable slips: forms 01–06 of Appendix I of Circular 03/2025/TT-VPCP [S], as PDF (07, the
register, is motcua.services.register).

01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả, 02 Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ,
03 Phiếu từ chối tiếp nhận giải quyết hồ sơ, 04 Văn bản xin lỗi và đề nghị gia hạn thời gian giải
quyết, 05 Thông báo dừng giải quyết hồ sơ (new in 2025: the applicant withdrew, or a stop the
law allows), 06 Phiếu kiểm soát quá trình giải quyết hồ sơ (rows: motcua.services.control_slip).
The numbering is the 2025 circular's as secondary sources give it [S]; the field text of its
forms was not found [U], so the fields of the forms of Circular 01/2018/TT-VPCP are the base,
laid out as Decree 30/2020/NĐ-CP lays out administrative papers (slips/_layout.html), each with
its QR code at the upper left (Circular 01/2023/TT-VPCP [S], ``qr_fields``).

A slip given to the applicant is stored as an attachment of kind ``slip`` under its sha256 (the
record shows exactly what was handed over), signed with the issuing unit's certificate where it
has one (motcua.services.signing); its event ``slip_issued`` records the form and the circular
it was numbered by (``{"form": "06", "circular": "03/2025"}``). Slips issued before, without a
circular, keep their 01/2018 numbers (04 the apology, 05 the control slip), as their file names
say. The forms are legal papers, rendered in Vietnamese whatever language the officer's pages
use (the vocabulary's labels they print too).
"""

import io
from dataclasses import dataclass
from typing import BinaryIO

import weasyprint
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from motcua.errors import Conflict, Invalid, NotFound
from motcua.extensions import db
from motcua.models import (
    Apology,
    Attachment,
    AttachmentKind,
    Dossier,
    SupplementRequest,
    User,
    utcnow,
)
from motcua.services import control_slip, dossiers, links, papers, signing, timeline
from motcua.services.paper_wording import (
    HELPERS,
    agency,
    desk_header,
    desk_name,
    iso,
    place,
    system_name,
    unit_header,
)
from motcua.vocabulary import DossierStatus, EventKind

# The circular whose numbering new slips carry (stored with each slip's event).
CIRCULAR = "03/2025"


@dataclass(frozen=True)
class Form:
    number: str
    title: str
    slug: str  # for the file name
    template: str
    abbreviation: str  # after the number on the slip: "Số: <code>/PYCBS"
    # Whose paper it is: the receiving desk's, or the competent unit's own (Decree 30/2020:
    # the body that issues it heads it).
    by_unit: bool = False


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
            "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
            "phieu-tu-choi",
            "slips/03_refusal.html",
            "PTC",
        ),
        Form(
            "04",
            "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết",
            "van-ban-xin-loi-gia-han",
            "slips/04_apology.html",
            "XL",
            by_unit=True,
        ),
        Form(
            "05",
            "Thông báo dừng giải quyết hồ sơ",
            "thong-bao-dung-giai-quyet",
            "slips/05_stop.html",
            "TB",
            by_unit=True,
        ),
        Form(
            "06",
            "Phiếu kiểm soát quá trình giải quyết hồ sơ",
            "phieu-kiem-soat",
            "slips/06_control.html",
            "PKS",
        ),
    )
}
# Forms an officer prints on demand from the dossier page; 02–05 come with their acts.
ON_DEMAND = ("01", "06")


# --- rendering -------------------------------------------------------------------------------


def render(form: str, signer: signing.PaperSigner | None = None, **objects) -> bytes:
    """The PDF of a slip, signed by ``signer`` if given. ``objects``: ``dossier`` always;
    ``actor`` (who hands it over, optional); ``request`` (a SupplementRequest) for 02,
    ``reason`` (str) for 03 and 05, ``apology`` (an Apology) for 04. Raises NotFound for an
    unknown form, Invalid for missing objects."""
    document = layout(form, **objects)
    return signer.sign(document) if signer else document.write_pdf()


def layout(form: str, **objects) -> weasyprint.Document:
    """The slip laid out in pages, before it is written as PDF (as ``render``)."""
    spec = _form(form)
    dossier = objects.get("dossier")
    if not isinstance(dossier, Dossier):
        raise Invalid(_l("Thiếu hồ sơ để in phiếu."), code="slip_incomplete")
    context = _common(dossier, objects.get("actor"), spec)
    context.update(_BUILDERS[spec.number](**objects))
    context["form"] = spec
    context["qr"] = papers.qr_image(qr_fields(spec, context))
    # Legal forms are Vietnamese even when the officer's pages are in English.
    with force_locale("vi"):
        return papers.layout(spec.template, **context)


def qr_fields(spec: Form, context: dict) -> list[tuple[str, str]]:
    """What the QR code of a slip holds (Circular 01/2023/TT-VPCP [S]): the paper's name and
    number, the dossier code, the procedure code, the applicant's identifier, the issuing
    system and the time of issue, the appointment on the receipt, and the dossier's public
    lookup address (motcua.services.papers.qr_image says how it is written)."""
    d = context["dossier"]
    fields = [
        ("Giấy tờ", f"Mẫu số {spec.number} (Thông tư {CIRCULAR}/TT-VPCP) {spec.title}"),
        ("Số", context["number"]),
        ("Mã hồ sơ", d.code),
        ("Mã thủ tục", d.procedure.code),
        ("Người nộp", d.applicant_id_number),
        ("Hệ thống", system_name(d.unit)),
        ("Thời điểm phát", iso(context["now"])),
    ]
    if spec.number == "01":
        fields.append(("Hẹn trả kết quả", iso(d.appointment_at)))
    fields.append(("Tra cứu", context["lookup_url"]))
    return fields


def issue(dossier: Dossier, form: str, actor: User, **objects) -> Attachment:
    """Render a slip and store it as an attachment of kind ``slip`` of the dossier, with an
    event ``slip_issued``, in the caller's transaction: a slip that cannot be made stops the act
    it records. The caller has checked that the actor may do it.

    issue(d, "01"|"06", actor); issue(d, "02", actor, request=SupplementRequest);
    issue(d, "03"|"05", actor, reason=str); issue(d, "04", actor, apology=Apology).
    Raises as ``render``, and Conflict (``receipt_not_due``) for a receipt of a dossier still
    waiting for papers at receipt.
    """
    spec = _form(form)
    if spec.number == "01" and not receipt_due(dossier):
        raise Conflict(
            _l(
                "Hồ sơ %(code)s đang chờ người nộp bổ sung giấy tờ từ khi tiếp nhận: đã phát "
                "phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (mẫu 02); giấy tiếp nhận (mẫu 01) chỉ "
                "phát khi hồ sơ đã đầy đủ.",
                code=dossier.code,
            ),
            code="receipt_not_due",
        )
    # Signed with the issuing unit's seal certificate before it is stored (unsigned without one).
    signer = signing.paper_signer(issuer_of(spec, dossier))
    pdf = render(spec.number, signer, dossier=dossier, actor=actor, **objects)
    # One event for the slip (not also "attachment_added"): issuing it is the act on record.
    return dossiers.attach_file(
        actor,
        dossier,
        None,
        file_name=f"{_file_prefix(spec)}{dossier.code}.pdf",
        stream=io.BytesIO(pdf),
        kind=AttachmentKind.SLIP,
        event_data={"form": spec.number, "circular": CIRCULAR, **_bears(spec, dossier)}
        | signer.event_data(),
        event=EventKind.SLIP_ISSUED,
    )


def issuer_of(spec: Form, dossier: Dossier):
    """The unit whose paper the slip is: the receiving centre's for the desk's slips (it may
    not be the competent unit: receipt regardless of boundary), the competent unit's own for
    the apology and the stop."""
    return dossier.unit if spec.by_unit else dossier.receiving_unit


def _bears(spec: Form, dossier: Dossier) -> dict:
    """What a receipt promises, kept with its event: a receipt whose appointment has since
    moved (papers supplemented, an apology's new date, a pause) is not the one to hand over."""
    if spec.number != "01":
        return {}
    return {"appointment_at": dossier.appointment_at.isoformat()}


def receipt_due(dossier: Dossier) -> bool:
    """Whether the dossier may have its receipt (01): not while it waits for papers the desk
    asked for at receipt (form 02 is its paper then; Decree 118/2025/NĐ-CP as amended, art.
    17.2.a and 17.3: the time limit runs from the receipt of a complete dossier)."""
    if dossier.status != DossierStatus.WAITING_APPLICANT:
        return True
    waiting = db.session.scalar(
        select(SupplementRequest.id)
        .where(
            SupplementRequest.dossier_id == dossier.id,
            SupplementRequest.at_receipt.is_(True),
            SupplementRequest.received_at.is_(None),
        )
        .limit(1)
    )
    return waiting is None


def issue_on_demand(actor: User, code: str, form: str) -> Attachment:
    """Issue a new receipt (01) or control slip (06) of a dossier the actor may see, stored
    like every slip. Raises NotFound (no such dossier, or a form that is not printed
    on demand), Conflict (a receipt not due, see ``issue``)."""
    dossier = dossiers.get(actor, code)
    if form not in ON_DEMAND:
        raise NotFound(
            _l(
                "Không in được mẫu %(form)s từ đây: chỉ in lại giấy tiếp nhận (01) và phiếu "
                "kiểm soát (06); các phiếu khác được phát cùng việc của chúng và lưu trong hồ "
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


def of_form(slips: list[Attachment], form: str) -> list[Attachment]:
    """The slips among ``slips`` that are form ``form`` of the current numbering, by the file
    name ``issue`` gives them (a slip of the 01/2018 numbering has its own), in their order."""
    prefix = _file_prefix(_form(form))
    return [a for a in slips if a.file_name.startswith(prefix)]


def _file_prefix(spec: Form) -> str:
    return f"{spec.number}-{spec.slug}-"


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


# --- what each form shows --------------------------------------------------------------------


def _common(dossier: Dossier, actor: User | None, spec: Form) -> dict:
    issuer = issuer_of(spec, dossier)
    return {
        **HELPERS,
        "dossier": dossier,
        "actor": actor,
        "now": utcnow(),
        "agency": agency(dossier.unit),
        "desk": desk_name(dossier.receiving_unit),
        "place": place(issuer),
        "header": unit_header(issuer) if spec.by_unit else desk_header(issuer),
        "lookup_url": links.public_url(f"/lookup?code={dossier.code}"),
    }


def _receipt(dossier: Dossier, **_objects) -> dict:
    received_by = db.session.get(User, dossier.received_by_id) if dossier.received_by_id else None
    return {
        "papers": dossiers.papers_received(dossier),
        "received_by": received_by,
        "lookup_page": links.public_url("/lookup"),
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


def _reason(reason, message) -> str:
    reason = " ".join(reason.split()) if isinstance(reason, str) else ""
    if not reason:
        raise Invalid(message, code="reason_required")
    return reason


def _refusal(dossier: Dossier, reason=None, **objects) -> dict:
    return {
        "reason": _reason(reason, _l("Phiếu từ chối phải ghi rõ lý do.")),
        "number": f"{dossier.code}/{FORMS['03'].abbreviation}",
        "dated": utcnow(),
        "signer": objects.get("actor"),
    }


def _apology(dossier: Dossier, apology=None, **_objects) -> dict:
    if not isinstance(apology, Apology) or apology.dossier_id != dossier.id:
        raise Invalid(_l("Phiếu 04 cần phiếu xin lỗi của chính hồ sơ này."), code="slip_incomplete")
    signer = db.session.get(User, apology.issued_by_id) if apology.issued_by_id else None
    return {
        "apology": apology,
        "number": f"{dossier.code}/{FORMS['04'].abbreviation}",
        "dated": apology.issued_at,
        "signer": signer,
    }


def _stop(dossier: Dossier, reason=None, **objects) -> dict:
    """Form 05: the competent unit stops processing, because the applicant withdrew the dossier
    (status ``withdrawn``) or for a stop the law allows (``stopped``)."""
    return {
        "reason": _reason(reason, _l("Thông báo dừng giải quyết hồ sơ phải ghi rõ lý do.")),
        "number": f"{dossier.code}/{FORMS['05'].abbreviation}",
        "dated": utcnow(),
        "signer": objects.get("actor"),
    }


def _control(dossier: Dossier, **_objects) -> dict:
    return {
        "rows": control_slip.handovers(dossier),
        "partners": control_slip.partners(dossier),
        "number": f"{dossier.code}/{FORMS['06'].abbreviation}",
        "dated": utcnow(),
        "late_against_first": control_slip.late_against_first(dossier),
    }


_BUILDERS = {
    "01": _receipt,
    "02": _supplement,
    "03": _refusal,
    "04": _apology,
    "05": _stop,
    "06": _control,
}
