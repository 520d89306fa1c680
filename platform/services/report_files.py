"""The statistics report laid out as the national form: its identification, its words, its
header, its chart, and the report as a PDF (as an Excel workbook: motcua.services.
report_workbook).

The identification, as the forms of Circular 01/2020/TT-VPCP carry it [S]: at the top left the
form's number (Biểu số 06/VPCP/KSTT; its successor's in STATISTICS_FORM_NUMBER) and the text
that issues it (STATISTICS_FORM_BASIS); at the top right the reporting unit (đơn vị báo cáo: the
unit reported on, which counts the units below it) and the unit reported to (đơn vị nhận báo
cáo): the reporting unit's parent authority (a commune's office reports to the commune, a
commune or a department to the province), and for the top unit STATISTICS_TOP_RECIPIENT (the
Office of the Government, whose Cục Kiểm soát thủ tục hành chính gathers the provinces'
reports, TT 01/2020 [S]); a setting per unit was not needed: the tree already says it. Then the
title, the period in words with its days, and under the table the place and the date of making
(Decree 30/2020/NĐ-CP's "địa danh, ngày … tháng … năm …") over the two signatures: the one who
made it (người lập biểu) and the head of the unit (thủ trưởng đơn vị).

The page (motcua.web.reports), its downloads and the frozen reports (report_snapshots) all draw
on this module, so a frozen file is made by the very code that makes a download. The header of
the table (three rows, as on the form) is described once, in ``header_rows``.
"""

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from motcua.services import paper_wording, papers
from motcua.services import report_periods as periods
from motcua.services import reports as service

GROUP_LABELS = {
    "field": _l("Lĩnh vực"),
    "procedure": _l("Thủ tục hành chính"),
    "unit": _l("Đơn vị"),
}


# -- the files ---------------------------------------------------------------------------------


def file_name(report: service.Report, extension: str) -> str:
    return f"bao-cao-{report.unit.code}-{report.period.key}.{extension}"


def pdf(report: service.Report) -> bytes:
    """The report as a PDF: the table, the chart when the report has its points, the officers."""
    return papers.render_pdf(
        "reports/statistics_pdf.html",
        report=report,
        head=identification(report),
        header=header_rows(report.group),
        chart=chart(report.trend),
        labels=labels(),
    )


ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def _d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def period_label(period: periods.Period) -> str:
    if period.kind == "week":
        year, number = period.key.split("-W")
        return _("Tuần %(number)s/%(year)s", number=int(number), year=year)
    if period.kind == "month":
        year, number = period.key.split("-")
        return _("Tháng %(number)s/%(year)s", number=int(number), year=year)
    if period.kind == "quarter":
        year, number = period.key.split("-Q")
        return _("Quý %(number)s năm %(year)s", number=ROMAN[int(number)], year=year)
    if period.kind == "six_months":
        return _("6 tháng đầu năm %(year)s", year=period.key[:4])
    if period.kind == "nine_months":
        return _("9 tháng đầu năm %(year)s", year=period.key[:4])
    if period.kind == "year":
        return _("Năm %(year)s", year=period.key)
    return _("Từ %(first)s đến %(last)s", first=_d(period.start), last=_d(period.last_day))


def range_label(period: periods.Period, short: bool = False) -> str:
    if short:
        return f"{_d(period.start)} – {_d(period.last_day)}"
    return _(
        "từ ngày %(first)s đến ngày %(last)s", first=_d(period.start), last=_d(period.last_day)
    )


def row_label(report: service.Report, row: service.Row) -> str:
    return f"{row.key} — {row.label}" if report.group in ("procedure", "unit") else row.label


def labels() -> dict:
    """The words the templates and the workbook share."""
    return {
        "title": _("TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"),
        "columns": service.COLUMNS,
        "period": period_label,
        "range": range_label,
        "row": row_label,
        "local": local_time,
        "notes": notes(),
        "signatures": signatures(),
    }


def local_time(moment) -> str:
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%d/%m/%Y %H:%M")


@dataclass(frozen=True)
class Identification:
    """The form's identification, printed above and below the table (see the module's doc)."""

    number: str
    basis: str
    reporting_unit: str
    recipient: str
    period: str
    place_date: str


def identification(report: service.Report) -> Identification:
    config = current_app.config
    unit = report.unit
    parent = unit.parent
    return Identification(
        number=config["STATISTICS_FORM_NUMBER"],
        basis=config["STATISTICS_FORM_BASIS"],
        reporting_unit=paper_wording.agency(unit),
        recipient=paper_wording.agency(parent) if parent else config["STATISTICS_TOP_RECIPIENT"],
        period=_(
            "Kỳ báo cáo: %(period)s (%(range)s)",
            period=period_label(report.period),
            range=range_label(report.period),
        ),
        place_date=f"{paper_wording.place(unit)}, {paper_wording.long_date(report.generated_at)}",
    )


def signatures() -> list[tuple[str, str]]:
    """The two signatures under the table, left and right: title and hint."""
    return [
        (_("NGƯỜI LẬP BIỂU"), _("(Ký, ghi rõ họ tên)")),
        (_("THỦ TRƯỞNG ĐƠN VỊ"), _("(Ký tên, đóng dấu)")),
    ]


def notes() -> list[str]:
    """How each column is counted, printed under the table."""
    return [
        _(
            "Số hồ sơ nhận giải quyết = kỳ trước chuyển qua (tiếp nhận trước kỳ, chưa kết thúc "
            "trước kỳ) + mới tiếp nhận trong kỳ (trực tuyến, trực tiếp, qua dịch vụ bưu chính)."
        ),
        _(
            "Đã giải quyết = kết thúc xử lý trong kỳ: có kết quả (đã xử lý xong, dù trả cho "
            "người nộp sau đó), từ chối, dừng giải quyết hoặc rút hồ sơ; so ngày kết thúc với "
            "ngày hẹn trả theo quy định (theo ngày lịch, không tính ngày hẹn lại trong phiếu "
            "xin lỗi): ngày sớm hơn là trước hạn, cùng ngày là đúng hạn, ngày muộn hơn là quá "
            "hạn. Hồ sơ đã có phiếu xin lỗi và hẹn lại hoặc phải yêu cầu bổ sung từ lần thứ hai "
            "luôn tính quá hạn."
        ),
        _(
            "Đang giải quyết = chưa kết thúc xử lý khi hết kỳ; quá hạn nếu ngày hẹn đã qua lúc "
            "hết kỳ (trừ hồ sơ đang chờ bổ sung hoặc tạm dừng từ trước ngày hẹn), đã có phiếu "
            "xin lỗi hoặc đã yêu cầu bổ sung từ hai lần. Nhận = đã giải quyết + đang giải "
            "quyết; từ chối, dừng giải quyết và rút hồ sơ là một phần của đã giải quyết."
        ),
        _(
            "Tỷ lệ tiếp nhận trực tuyến = số mới tiếp nhận trực tuyến / số mới tiếp nhận trong "
            "kỳ. Thời gian trung bình một bước của cán bộ tính theo giờ đồng hồ, từ khi bước "
            "được mở đến khi hoàn thành."
        ),
    ]


# -- the header, once for the page, the workbook and the PDF -----------------------------------


@dataclass(frozen=True)
class HeaderCell:
    text: str
    rowspan: int = 1
    colspan: int = 1


def header_rows(group: str) -> list[list[HeaderCell]]:
    """The three header rows of the form (Biểu II.06a/VPCP/KSTT) and our five added columns
    (supplement requests; the refused, stopped and withdrawn among the resolved; the online
    share), in the order of service.COLUMNS after the STT and name columns."""
    h = HeaderCell
    return [
        [
            h(_("STT"), rowspan=3),
            h(str(GROUP_LABELS[group]), rowspan=3),
            h(_("Số hồ sơ nhận giải quyết"), colspan=5),
            h(_("Kết quả giải quyết"), colspan=7),
            h(_("Yêu cầu bổ sung"), rowspan=3),
            h(_("Trong số đã giải quyết"), colspan=3),
            h(_("Tỷ lệ tiếp nhận trực tuyến (%)"), rowspan=3),
        ],
        [
            h(_("Tổng số"), rowspan=2),
            h(_("Trong đó"), colspan=4),
            h(_("Số hồ sơ đã giải quyết"), colspan=4),
            h(_("Số hồ sơ đang giải quyết"), colspan=3),
            h(_("Từ chối"), rowspan=2),
            h(_("Dừng giải quyết"), rowspan=2),
            h(_("Rút hồ sơ"), rowspan=2),
        ],
        [
            h(_("Kỳ trước chuyển qua")),
            h(_("Mới tiếp nhận trực tuyến")),
            h(_("Mới tiếp nhận trực tiếp")),
            h(_("Mới tiếp nhận qua bưu chính")),
            h(_("Tổng số")),
            h(_("Trước hạn")),
            h(_("Đúng hạn")),
            h(_("Quá hạn")),
            h(_("Tổng số")),
            h(_("Trong hạn")),
            h(_("Quá hạn")),
        ],
    ]


def placed(rows: list[list[HeaderCell]]) -> list[tuple[HeaderCell, int, int]]:
    """(cell, row, column) from 0, placing cells as an HTML table does around the spans."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, cells in enumerate(rows):
        c = 0
        for cell in cells:
            while (r, c) in taken:
                c += 1
            out.append((cell, r, c))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
    return out


# -- the chart: inline SVG, drawn here ---------------------------------------------------------


@dataclass
class Chart:
    width: int
    height: int
    bars: list[dict]
    ticks: list[dict]
    labels: list[dict]
    series: list[tuple[str, str, str]]  # (key, label, css class)
    summary: str


CHART_SERIES = (
    ("received", _l("Tiếp nhận mới"), "bar-received"),
    ("resolved", _l("Đã giải quyết"), "bar-resolved"),
    ("late", _l("Giải quyết quá hạn"), "bar-late"),
)


def _nice_ticks(value: int) -> list[int]:
    """Whole-number ticks from 0 to at least ``value`` in steps of 1, 2 or 5 × 10ⁿ, at most five
    steps: 0, 1 for nothing at all; 0, 2, 4, 6, 8, 10 for ten."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step * 5 >= value:
                count = max(1, -(-value // (m * step)))
                return [m * step * k for k in range(count + 1)]
        step *= 10


def _tick_label(period: periods.Period) -> str:
    if period.kind == "week":
        return _("T.%(number)s", number=int(period.key.split("-W")[1]))
    if period.kind == "month":
        year, number = period.key.split("-")
        return f"{int(number)}/{year[2:]}"
    return period.start.strftime("%d/%m")


def chart(points: list[service.TrendPoint]) -> Chart | None:
    """Grouped bars: received, resolved and resolved late in each week or month."""
    if not points:
        return None
    left, top, bottom, group_width = 48, 12, 36, 54
    width, height = left + group_width * len(points) + 8, 240
    plot = height - top - bottom
    values = _nice_ticks(max(max(p.received, p.resolved, p.late) for p in points))
    top_value = values[-1]
    bar = (group_width - 12) / 3
    bars, labels = [], []
    for i, point in enumerate(points):
        x0 = left + i * group_width + 6
        for j, (key, label, css) in enumerate(CHART_SERIES):
            value = getattr(point, key)
            h = plot * value / top_value
            bars.append(
                {
                    "x": round(x0 + j * bar, 1),
                    "y": round(top + plot - h, 1),
                    "w": round(bar - 1, 1),
                    "h": round(h, 1),
                    "css": css,
                    "title": f"{period_label(point.period)} — {label}: {value}",
                }
            )
        labels.append(
            {"x": x0 + 1.5 * bar, "y": height - bottom + 16, "text": _tick_label(point.period)}
        )
    ticks = [{"y": round(top + plot - plot * v / top_value, 1), "value": v} for v in values]
    summary = "; ".join(
        _(
            "%(period)s: tiếp nhận %(received)s, giải quyết %(resolved)s, quá hạn %(late)s",
            period=period_label(p.period),
            received=p.received,
            resolved=p.resolved,
            late=p.late,
        )
        for p in points
    )
    series = [(key, str(label), css) for key, label, css in CHART_SERIES]
    return Chart(width, height, bars, ticks, labels, series, summary)
