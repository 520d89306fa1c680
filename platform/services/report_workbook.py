"""The statistics report as an Excel workbook laid out like the national form, from the words,
the header and the notes of motcua.services.report_files."""

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from motcua.services import reports as service
from motcua.services import sheets
from motcua.services.report_files import (
    header_rows,
    identification,
    local_time,
    notes,
    period_label,
    placed,
    row_label,
    signatures,
)


def workbook(report: service.Report) -> bytes:
    """The report as an .xlsx laid out like the form: title rows, merged bold header cells with
    borders, column numbers, one row per group and the total, number formats, the form's
    identification above and the place, date and signatures below; the officers and the notes
    on sheets of their own."""
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    bold = Font(name="Times New Roman", bold=True, size=11)
    plain = Font(name="Times New Roman", size=11)
    italic = Font(name="Times New Roman", italic=True, size=11)
    ncols = 2 + len(service.COLUMNS)

    book = Workbook()
    sheet = book.active
    sheet.title = _("Báo cáo")[:31]
    head = identification(report)
    half = ncols // 2
    # The form's identification: number and basis at the top left, the units at the top right.
    for r, (left, right) in enumerate(
        (
            (head.number, _("Đơn vị báo cáo:") + " " + head.reporting_unit),
            (head.basis, _("Đơn vị nhận báo cáo:") + " " + head.recipient),
        ),
        start=1,
    ):
        _merged(sheet, r, 1, half, left, bold if r == 1 else italic)
        _merged(sheet, r, half + 1, ncols, right, bold, horizontal="right")
    titles = [
        (
            _("TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"),
            Font(name="Times New Roman", bold=True, size=14),
        ),
        (head.period, bold),
        (_("Số liệu của %(unit)s và các đơn vị trực thuộc.", unit=report.unit.name), plain),
    ]
    if report.partial:
        titles.append(
            (_("Kỳ chưa kết thúc: số liệu tính đến %(at)s", at=local_time(report.as_of)), plain)
        )
    for r, (text, font) in enumerate(titles, start=3):
        _merged(sheet, r, 1, ncols, text, font, horizontal="center")
    unit_row = 3 + len(titles)
    note = sheets.cell(sheet, unit_row, ncols - 3, _("Đơn vị tính: Số hồ sơ TTHC"))
    note.font = Font(name="Times New Roman", italic=True, size=11)
    sheet.merge_cells(
        start_row=unit_row, start_column=ncols - 3, end_row=unit_row, end_column=ncols
    )

    first = unit_row + 1
    for cell, r, c in placed(header_rows(report.group)):
        row, column = first + r, 1 + c
        sheets.cell(sheet, row, column, cell.text)
        if cell.rowspan > 1 or cell.colspan > 1:
            sheet.merge_cells(
                start_row=row,
                start_column=column,
                end_row=row + cell.rowspan - 1,
                end_column=column + cell.colspan - 1,
            )
    numbers = first + 3
    for column in range(1, ncols + 1):
        sheets.cell(sheet, numbers, column, f"({column})")
    for row in sheet.iter_rows(min_row=first, max_row=numbers, max_col=ncols):
        for cell in row:
            cell.font, cell.alignment, cell.border = bold, center, border
    for row in range(first, first + 3):
        sheet.row_dimensions[row].height = 45

    r = numbers + 1
    for n, row in enumerate(report.rows, start=1):
        _write_row(sheet, r, n, row_label(report, row), row.figures, plain, border)
        r += 1
    _write_row(sheet, r, "", _("Tổng cộng"), report.total, bold, border)
    _signatures(sheet, r + 2, ncols, head, bold, italic)

    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 48
    for column in range(3, ncols + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 11.5
    sheet.freeze_panes = sheet.cell(row=numbers + 1, column=3)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{first}:{numbers}"

    _officers_sheet(book, report, bold, plain, border, center)
    notes_sheet = book.create_sheet(_("Ghi chú")[:31])
    notes_sheet.column_dimensions["A"].width = 140
    for i, text in enumerate(notes(), start=1):
        cell = sheets.cell(notes_sheet, i, 1, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _merged(sheet, row, first, last, text, font, horizontal="left") -> None:
    sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    cell = sheets.cell(sheet, row, first, text)
    cell.font = font
    cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)


def _signatures(sheet, row, ncols, head, bold, italic) -> None:
    """The place and date of making, then the two signatures: the maker's under the name
    columns, the head's under the right half."""
    half = ncols // 2
    _merged(sheet, row, half + 1, ncols, head.place_date, italic, horizontal="center")
    places = ((1, half), (half + 1, ncols))
    for (first, last), (title, hint) in zip(places, signatures(), strict=True):
        _merged(sheet, row + 1, first, last, title, bold, horizontal="center")
        _merged(sheet, row + 2, first, last, hint, italic, horizontal="center")


def _write_row(sheet, r, number, label, figures: service.Figures, font, border) -> None:
    values = figures.as_dict()
    sheets.cell(sheet, r, 1, number).alignment = Alignment(horizontal="center")
    sheets.cell(sheet, r, 2, label).alignment = Alignment(wrap_text=True, vertical="top")
    for i, key in enumerate(service.COLUMNS, start=3):
        value = values[key]
        if key == "online_share":
            cell = sheets.cell(sheet, r, i, None if value is None else value / 100)
            cell.number_format = "0.0%"
        else:
            cell = sheets.cell(sheet, r, i, value)
            cell.number_format = "#,##0"
    for column in range(1, 3 + len(service.COLUMNS)):
        cell = sheet.cell(row=r, column=column)
        cell.font, cell.border = font, border


def _officers_sheet(book, report, bold, plain, border, center) -> None:
    sheet = book.create_sheet(_("Cán bộ")[:31])
    heads = [
        _("STT"),
        _("Cán bộ"),
        _("Tài khoản"),
        _("Đơn vị"),
        _("Số bước đã xử lý"),
        _("Số bước trễ hạn"),
        _("Thời gian trung bình một bước (giờ)"),
    ]
    title = sheets.cell(
        sheet,
        1,
        1,
        _(
            "Kết quả xử lý của cán bộ — %(unit)s — %(period)s",
            unit=report.unit.name,
            period=period_label(report.period),
        ),
    )
    title.font = bold
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(heads))
    for c, text in enumerate(heads, start=1):
        cell = sheets.cell(sheet, 3, c, text)
        cell.font, cell.alignment, cell.border = bold, center, border
    for n, officer in enumerate(report.officers, start=1):
        values = [
            n,
            officer.display_name,
            officer.username,
            officer.unit_name,
            officer.completed,
            officer.late,
            officer.average_hours,
        ]
        for c, value in enumerate(values, start=1):
            cell = sheets.cell(sheet, 3 + n, c, value)
            cell.font, cell.border = plain, border
            if c in (5, 6):
                cell.number_format = "#,##0"
            if c == 7:
                cell.number_format = "0.0"
    for letter, width in zip("ABCDEFG", (6, 28, 18, 36, 14, 14, 18), strict=True):
        sheet.column_dimensions[letter].width = width


# -- words -------------------------------------------------------------------------------------
