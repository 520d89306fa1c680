"""Printable slips: forms 01–06 of Circular 01/2018/TT-VPCP, as PDF.

01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả, 02 Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ,
03 Phiếu từ chối tiếp nhận, giải quyết hồ sơ, 04 Phiếu xin lỗi và hẹn lại ngày trả kết quả,
05 Phiếu kiểm soát quá trình giải quyết hồ sơ, 06 Sổ theo dõi hồ sơ.

A slip given to the applicant (01–05) is stored as an attachment of kind ``slip`` under its
sha256, so the record shows exactly what was handed over; the register (06) is a report, as
PDF or, for a long period, as an Excel workbook laid out alike (WeasyPrint lays out a few dozen
rows a second: a busy unit's year takes minutes as PDF, seconds as Excel), and is not stored.
The forms are legal papers in Vietnamese: they are rendered in Vietnamese whatever
language the officer's pages use; the words of the vocabulary they print (a status, a verdict)
are its labels evaluated in Vietnamese.
"""

import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import BinaryIO
from zoneinfo import ZoneInfo

import weasyprint
from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select
from sqlalchemy.orm import load_only, selectinload

from motcua.errors import Forbidden, Invalid, NotFound
from motcua.extensions import db
from motcua.models import (
    Apology,
    Attachment,
    AttachmentKind,
    Dossier,
    Role,
    SupplementRequest,
    Task,
    Unit,
    UnitLevel,
    User,
    utcnow,
)
from motcua.services import deadlines, dossiers, org, timeline
from motcua.services.timeline import Verdict, timing
from motcua.vocabulary import DossierStatus, EventKind, Outcome, in_vietnamese


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
REGISTER_TEMPLATE = "slips/06_register.html"
# A register longer than a year is a report, not a printout (and would take minutes to lay out).
MAX_REGISTER_DAYS = 366
# WeasyPrint lays out 30–60 register rows a second (33 s for 1 000 rows measured): a longer
# register holds a server thread too long, and its Excel download is the way.
MAX_REGISTER_PDF_ROWS = 500

# The decisions the control slip notes next to a step (the others say nothing more).
NOTED_OUTCOMES = (Outcome.APPROVE, Outcome.SEND_BACK, Outcome.SENT_BACK, Outcome.REFUSE)
# Units that are administrations of a place (Ủy ban nhân dân …) rather than an office of one.
_PLACES = (UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE)
_PLACE_WORDS = ("Thành phố ", "Thị xã ", "Thị trấn ", "Tỉnh ", "Huyện ", "Quận ", "Xã ", "Phường ")


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


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class _NoFetching(weasyprint.urls.URLFetcher):
    """Slips carry applicants' text: the renderer may not fetch anything, anywhere."""

    def fetch(self, url, headers=None):
        raise ValueError(f"fetching is disabled: {url}")


def _pdf(template: str, context: dict) -> bytes:
    # Legal forms are Vietnamese even when the officer's pages are in English.
    with force_locale("vi"):
        html = render_template(template, **context)
    # A control character in an applicant's text has no glyph, and the fallback font it brings
    # in garbles the text of the whole PDF for readers and search: drop them.
    html = _CONTROL.sub("", html)
    return weasyprint.HTML(string=html, url_fetcher=_NoFetching()).write_pdf()


# --- what each form shows --------------------------------------------------------------------


def _common(dossier: Dossier, actor: User | None) -> dict:
    return {
        **HELPERS,
        "dossier": dossier,
        "actor": actor,
        "now": utcnow(),
        "agency": agency(dossier.unit),
        "place": place(dossier.unit),
        # Slips of the desk carry its name under the unit's; the apology is the unit's own.
        "header": desk_header(dossier.unit),
    }


def _receipt(dossier: Dossier, **_objects) -> dict:
    received_by = db.session.get(User, dossier.received_by_id) if dossier.received_by_id else None
    return {
        "papers": dossiers.papers_received(dossier),
        "received_by": received_by,
        "lookup_url": _lookup_url(),
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
            giver_unit = f"Bộ phận một cửa — {dossier.unit.name}"
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


def _lookup_url() -> str:
    # Outside a request (a worker issuing slips) there is no host to name: the path will do.
    if has_request_context():
        return url_for("web.lookup", _external=True)
    return "/lookup"


# --- the register (form 06) ------------------------------------------------------------------


def register_units(actor: User) -> list[Unit]:
    """The units whose register the actor may print: their desks' and leaders' units, the
    units under those they supervise; all for a system admin."""
    query = select(Unit).order_by(Unit.code)
    if not org.is_system_admin(actor):
        own = {r.unit_id for r in actor.roles if r.role in (Role.RECEPTIONIST, Role.LEADER)}
        supervised = {r.unit_id for r in actor.roles if r.role == Role.SUPERVISOR}
        query = query.where(Unit.id.in_(own | org.subtree_ids(supervised)))
    return list(db.session.scalars(query))


def register_for(actor: User, unit_code: str, start: date, end: date, *, excel=False) -> bytes:
    """The register of a unit's desk for a period, if the actor may print it: the PDF, or with
    ``excel`` the same register as an .xlsx workbook (quick for a whole year, when the PDF of
    thousands of rows takes minutes to lay out).

    Raises NotFound (no such unit), Forbidden, Invalid (bad period)."""
    unit = org.unit_by_code(unit_code)
    if unit not in register_units(actor):
        raise Forbidden(
            _l(
                "Chỉ bộ phận một cửa, lãnh đạo của %(name)s hoặc cơ quan giám sát cấp trên in "
                "được sổ theo dõi hồ sơ của đơn vị này.",
                name=unit.name,
            ),
            code="forbidden",
        )
    return (register_workbook if excel else render_register)(unit, start, end)


def render_register(unit: Unit, start: date, end: date) -> bytes:
    """Form 06, Sổ theo dõi hồ sơ: one row per dossier the unit received from ``start`` to
    ``end`` (local days, both included). Not stored. Raises Invalid for a bad period."""
    rows = register_rows(unit, start, end)
    if len(rows) > MAX_REGISTER_PDF_ROWS:
        raise Invalid(
            _l(
                "Sổ có %(n)s hồ sơ: bản PDF in tối đa %(limit)s hồ sơ một lần "
                "(dàn trang lâu hơn nữa sẽ làm chậm hệ thống). Chọn kỳ ngắn hơn, hoặc tải bản "
                "Excel.",
                n=len(rows),
                limit=MAX_REGISTER_PDF_ROWS,
            ),
            code="register_too_long",
            details={
                "to": _l(
                    "Tối đa %(limit)s hồ sơ một bản PDF.",
                    limit=MAX_REGISTER_PDF_ROWS,
                )
            },
        )
    context = _common_unit(unit)
    context.update(rows=rows, columns=REGISTER_COLUMNS, start=start, end=end, dated=utcnow())
    return _pdf(REGISTER_TEMPLATE, context)


def register_rows(unit: Unit, start: date, end: date) -> list[Dossier]:
    """The dossiers the unit received from ``start`` to ``end`` (local days, both included),
    in the order received, with their procedures. Raises Invalid for a bad period."""
    if end < start:
        raise Invalid(
            _l("Ngày cuối kỳ phải từ ngày đầu kỳ trở đi."),
            code="invalid_period",
            details={"to": _l("Phải từ ngày đầu kỳ trở đi.")},
        )
    if (end - start).days + 1 > MAX_REGISTER_DAYS:
        raise Invalid(
            _l(
                "Sổ theo dõi in tối đa %(n)s ngày một lần.",
                n=MAX_REGISTER_DAYS,
            ),
            code="invalid_period",
            details={"to": _l("Tối đa %(n)s ngày.", n=MAX_REGISTER_DAYS)},
        )
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    since = datetime.combine(start, time(), tz)
    until = datetime.combine(end + timedelta(days=1), time(), tz)
    return list(
        db.session.scalars(
            select(Dossier)
            # Not the workflow's state (kilobytes a dossier, thousands of dossiers a year).
            .options(
                load_only(
                    Dossier.code,
                    Dossier.procedure_id,
                    Dossier.applicant_name,
                    Dossier.applicant_address,
                    Dossier.applicant_phone,
                    Dossier.status,
                    Dossier.received_at,
                    Dossier.appointment_at,
                    Dossier.finished_at,
                ),
                selectinload(Dossier.procedure),
            )
            .where(
                Dossier.unit_id == unit.id,
                Dossier.received_at >= since,
                Dossier.received_at < until,
            )
            .order_by(Dossier.received_at, Dossier.id)
        )
    )


# The register's columns: heading, width in the PDF (%, the last takes the rest), in Excel
# (characters).
REGISTER_COLUMNS = (
    ("STT", 3, 6),
    ("Mã hồ sơ", 11, 17),
    ("Tên thủ tục hành chính", 15, 32),
    ("Số lượng hồ sơ (bộ)", 4, 9),
    ("Tên tổ chức, cá nhân", 10, 22),
    ("Địa chỉ, số điện thoại", 11.5, 32),
    ("Nhận hồ sơ", 6.5, 16),
    ("Hẹn trả kết quả", 6.5, 16),
    ("Trả kết quả, kết thúc", 6.5, 16),
    ("Tình trạng", 7, 15),
    ("Nhận kết quả (ký, ghi rõ họ tên)", None, 22),
)


def register_workbook(unit: Unit, start: date, end: date) -> bytes:
    """Form 06 as an .xlsx laid out like the printed register: the unit and the national motto,
    the title and period, one bordered row per dossier under the same headings (times as
    dates Excel can sort and filter), the total; landscape A4, headings repeated on each
    printed page. Not stored. Raises Invalid for a bad period."""
    rows = register_rows(unit, start, end)
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    dated = utcnow()
    ncols = len(REGISTER_COLUMNS)
    plain, bold = Font(name="Times New Roman", size=11), Font(name="Times New Roman", bold=True)
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)

    book = Workbook()
    # Named styles, set on a cell by name: styling each of thousands of cells with its own
    # font, border and alignment objects is most of the time openpyxl takes.
    for name, horizontal, number_format in (
        ("register-text", None, "General"),
        ("register-centre", "center", "General"),
        ("register-count", "center", "00"),
        ("register-time", "center", "dd/mm/yyyy hh:mm"),
    ):
        book.add_named_style(
            NamedStyle(
                name,
                font=plain,
                border=border,
                alignment=Alignment(horizontal=horizontal, vertical="top", wrap_text=True),
                number_format=number_format,
            )
        )
    styles = ("register-centre", "register-text", "register-text", "register-count")
    styles += ("register-text",) * 2 + ("register-time",) * 3 + ("register-text",) * 2
    sheet = book.active
    sheet.title = "Sổ theo dõi hồ sơ"

    def line(row, first, last, text, font, horizontal="center"):
        sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
        cell = sheet.cell(row=row, column=first, value=text)
        cell.font, cell.alignment = font, Alignment(horizontal=horizontal)

    header = desk_header(unit)
    line(1, 1, 4, header[0], plain)
    line(2, 1, 4, header[1], bold)
    line(1, 6, ncols, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold)
    line(2, 6, ncols, "Độc lập - Tự do - Hạnh phúc", bold)
    line(3, 6, ncols, f"{place(unit)}, {long_date(dated)}", Font(name=plain.name, italic=True))
    line(5, 1, ncols, "SỔ THEO DÕI HỒ SƠ", Font(name=plain.name, size=14, bold=True))
    period = f"{unit.name} ({unit.code}) — từ ngày {day(start)} đến ngày {day(end)}"
    line(6, 1, ncols, period, plain)

    heading = 8
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for column, (title, _pdf, width) in enumerate(REGISTER_COLUMNS, start=1):
        cell = sheet.cell(row=heading, column=column, value=title)
        cell.font, cell.alignment, cell.border = bold, centred, border
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.row_dimensions[heading].height = 45

    def local(value):  # Excel has no time zones: the province's wall-clock time
        return value.astimezone(tz).replace(tzinfo=None) if value else None

    for n, d in enumerate(rows, start=1):
        values = (
            n,
            d.code,
            d.procedure.name,
            1,
            d.applicant_name,
            "\n".join(v for v in (d.applicant_address, d.applicant_phone) if v),
            local(d.received_at),
            local(d.appointment_at),
            local(d.finished_at),
            status(d.status),
            None,
        )
        for column, (value, style) in enumerate(zip(values, styles, strict=True), start=1):
            if isinstance(value, str):  # a control character typed in would stop openpyxl
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            sheet.cell(row=heading + n, column=column, value=value).style = style
    if not rows:
        line(heading + 1, 1, ncols, "(Không có hồ sơ nào được tiếp nhận trong kỳ)", plain, "left")
    total = f"Tổng số hồ sơ tiếp nhận trong kỳ: {len(rows)}. In lúc {stamp(dated)}."
    sheet.cell(row=heading + max(len(rows), 1) + 2, column=1, value=total).font = plain

    sheet.freeze_panes = sheet.cell(row=heading + 1, column=1)
    sheet.print_title_rows = f"{heading}:{heading}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _common_unit(unit: Unit) -> dict:
    return {**HELPERS, "unit": unit, "place": place(unit), "header": desk_header(unit)}


# --- wording ---------------------------------------------------------------------------------


def agency(unit: Unit) -> str:
    """The unit as an issuing authority: "Ủy ban nhân dân huyện Can Lộc" for a place, its own
    name for an office or a department."""
    if unit.level in _PLACES:
        return "Ủy ban nhân dân " + unit.name[:1].lower() + unit.name[1:]
    return unit.name


def heading_name(unit: Unit) -> str:
    """The unit as the top left of a paper names it: "UBND HUYỆN CAN LỘC", "SỞ XÂY DỰNG …"."""
    return ("UBND " + unit.name if unit.level in _PLACES else unit.name).upper()


def desk_header(unit: Unit) -> tuple[str, str]:
    """The two lines at the top left of a slip of the unit's one-stop desk."""
    return heading_name(unit), "BỘ PHẬN MỘT CỬA"


def unit_header(unit: Unit) -> tuple[str, str]:
    """The two lines at the top left of a unit's letter: its parent authority, then itself."""
    return (heading_name(unit.parent) if unit.parent else ""), heading_name(unit)


def place(unit: Unit) -> str:
    """The place name before the date ("Can Lộc, ngày …"): the nearest administration's name
    without "Huyện", "Xã", "Tỉnh"…"""
    while unit.level not in _PLACES and unit.parent is not None:
        unit = unit.parent
    for word in _PLACE_WORDS:
        if unit.name.startswith(word):
            return unit.name[len(word) :]
    return unit.name


def _local(value: datetime) -> datetime:
    return value.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))


def long_date(value: datetime | date) -> str:
    """ "ngày 07 tháng 12 năm 2026", as under the national motto."""
    value = _local(value) if isinstance(value, datetime) else value
    return value.strftime("ngày %d tháng %m năm %Y")


def moment(value: datetime | None) -> str:
    """ "14 giờ 05 phút, ngày 07/12/2026", as the forms write a time."""
    return _local(value).strftime("%H giờ %M phút, ngày %d/%m/%Y") if value else ""


def stamp(value: datetime | None) -> str:
    """ "07/12/2026 14:05", for tables."""
    return _local(value).strftime("%d/%m/%Y %H:%M") if value else ""


def day(value: datetime | date | None) -> str:
    if value is None:
        return ""
    value = _local(value) if isinstance(value, datetime) else value
    return value.strftime("%d/%m/%Y")


def days(value: Decimal) -> str:
    """A number of days as written in Vietnamese: 20, 0,5, 1,5."""
    text = f"{Decimal(value).normalize():f}"
    return text.replace(".", ",")


def status(value) -> str:
    """A dossier's status as the forms word it (in Vietnamese, in the register's Excel too)."""
    return in_vietnamese(DossierStatus.label_of(value))


HELPERS = {
    "long_date": long_date,
    "moment": moment,
    "stamp": stamp,
    "day": day,
    "days": days,
    "status": status,
}


def working_time(hours: float) -> str:
    minutes = round(abs(hours) * 60)
    h, m = divmod(minutes, 60)
    if h and m:
        return f"{h} giờ {m} phút"
    return f"{h} giờ" if h else f"{m} phút"
