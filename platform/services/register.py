"""Form 07 of Appendix I of Circular 03/2025/TT-VPCP [S] (form 06 of Circular 01/2018/TT-VPCP,
whose columns it keeps: the 2025 text was not found [U]), Sổ theo dõi hồ sơ: the register of a
unit's desk for a period, as PDF or, for a long period, as an Excel workbook laid out alike
(WeasyPrint lays out a few dozen rows a second: a busy unit's year takes minutes as PDF, seconds
as Excel). A report: it is not stored.

Its QR code (Circular 01/2023/TT-VPCP [S] puts one on every paper the system issues) is the
register's own, not a dossier's: the paper, the unit, the period, how many dossiers, the issuing
system and the time it was printed."""

import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import weasyprint
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import load_only, selectinload

from motcua.errors import Forbidden, Invalid
from motcua.extensions import db
from motcua.models import Dossier, Role, Unit, User, utcnow
from motcua.services import org, papers, sheets, signing
from motcua.services.paper_wording import (
    HELPERS,
    day,
    desk_header,
    iso,
    long_date,
    place,
    stamp,
    status,
    system_name,
)
from motcua.vocabulary import NOT_RECEIVED

REGISTER_TEMPLATE = "slips/07_register.html"
REGISTER_TITLE = "Mẫu số 07 (Thông tư 03/2025/TT-VPCP) Sổ theo dõi hồ sơ"
# A register longer than a year is a report, not a printout (and would take minutes to lay out).
MAX_REGISTER_DAYS = 366
# WeasyPrint lays out 30–60 register rows a second (33 s for 1 000 rows measured): a longer
# register holds a server thread too long, and its Excel download is the way.
MAX_REGISTER_PDF_ROWS = 500


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
    if excel:
        return register_workbook(unit, start, end)
    # The PDF is a paper the system issues: signed with the unit's seal certificate where it has
    # one (motcua.services.signing; no signature block on form 07, so no image).
    return signing.paper_signer(unit).sign(register_layout(unit, start, end))


def render_register(unit: Unit, start: date, end: date) -> bytes:
    """Form 07, Sổ theo dõi hồ sơ: one row per dossier the unit received from ``start`` to
    ``end`` (local days, both included). Not stored. Raises Invalid for a bad period."""
    return register_layout(unit, start, end).write_pdf()


def register_layout(unit: Unit, start: date, end: date) -> weasyprint.Document:
    """The register laid out in pages, before it is written as PDF (as ``render_register``)."""
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
    dated = utcnow()
    context = _common_unit(unit)
    context.update(rows=rows, columns=REGISTER_COLUMNS, start=start, end=end, dated=dated)
    context["qr"] = papers.qr_image(
        [
            ("Giấy tờ", REGISTER_TITLE),
            ("Đơn vị", f"{unit.name} ({unit.code})"),
            ("Kỳ", f"từ ngày {day(start)} đến ngày {day(end)}"),
            ("Số hồ sơ", str(len(rows))),
            ("Hệ thống", system_name(unit)),
            ("Thời điểm in", iso(dated)),
        ]
    )
    # A legal paper: Vietnamese even when the officer's pages are in English.
    with force_locale("vi"):
        return papers.layout(REGISTER_TEMPLATE, **context)


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
                Dossier.receiving_unit_id == unit.id,
                Dossier.received_at >= since,
                Dossier.received_at < until,
                Dossier.status.not_in(NOT_RECEIVED),
            )
            .order_by(Dossier.received_at, Dossier.id)
        )
    )


# The register's columns: heading, width in the PDF (%, the last takes the rest), in Excel
# (characters). A dossier code (<mã định danh>-YYMMDD-NNNN, 25 characters) has no place to break
# (Unicode line breaking keeps a hyphen with the digits after it): its column holds it whole.
REGISTER_COLUMNS = (
    ("STT", 3, 6),
    ("Mã hồ sơ", 16, 26),
    ("Tên thủ tục hành chính", 13.5, 32),
    ("Số lượng hồ sơ (bộ)", 4, 9),
    ("Tên tổ chức, cá nhân", 9.5, 22),
    ("Địa chỉ, số điện thoại", 10.5, 32),
    ("Nhận hồ sơ", 6.5, 16),
    ("Hẹn trả kết quả", 6.5, 16),
    ("Trả kết quả, kết thúc", 6.5, 16),
    ("Tình trạng", 6.5, 15),
    ("Nhận kết quả (ký, ghi rõ họ tên)", None, 22),
)


def register_workbook(unit: Unit, start: date, end: date) -> bytes:
    """Form 07 as an .xlsx laid out like the printed register: the unit and the national motto,
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
        cell = sheets.cell(sheet, row, first, text)
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
        cell = sheets.cell(sheet, heading, column, title)
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
            sheets.cell(sheet, heading + n, column, value).style = style
    if not rows:
        line(heading + 1, 1, ncols, "(Không có hồ sơ nào được tiếp nhận trong kỳ)", plain, "left")
    total = f"Tổng số hồ sơ tiếp nhận trong kỳ: {len(rows)}. In lúc {stamp(dated)}."
    sheets.cell(sheet, heading + max(len(rows), 1) + 2, 1, total).font = plain

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
