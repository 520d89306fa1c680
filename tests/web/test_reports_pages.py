"""The report page, its Excel and PDF downloads, and who may open them.

The figures are the hand count of tests/services/test_reports.py over the same fixture.
"""

import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from motcua.services.reports import COLUMNS
from tests.services.test_reports import EXPECTED, EXPECTED_OFFICERS, add_supervisor, fill

MONTH = "/reports?unit=CLO&period=month:2024-10&group=field"


@pytest.fixture
def filled(app):
    with app.app_context():
        fill()


def total_row(html: str) -> dict[str, str]:
    row = re.search(r'<tr data-row="total">(.*?)</tr>', html, re.S).group(1)
    return dict(re.findall(r'data-figure="(\w+)">([^<]*)</td>', row))


def expected_text(key: str) -> str:
    value = EXPECTED[key]
    return f"{value:.1f}".replace(".", ",") if isinstance(value, float) else str(value)


def test_the_menu_shows_reports_to_supervisors_leaders_and_admins_only(officer):
    for username in ("hti.giamsat", "clo.ld1", "admin"):
        assert 'href="/reports"' in officer(username).page("/inbox"), username
    for username in ("clo.cv.tckh1", "clo.mc1", "clo.qt"):
        assert 'href="/reports"' not in officer(username).page("/inbox"), username


def test_the_page_shows_every_figure_of_the_hand_count(officer, filled):
    html = officer("hti.giamsat").page(MONTH)
    assert "Tháng 10/2024" in html and "từ ngày 15/09/2024 đến ngày 14/10/2024" in html
    assert "Xã Can Lộc" in html
    found = total_row(html)
    assert list(found) == list(COLUMNS)
    assert found == {key: expected_text(key) for key in COLUMNS}  # 23,1 for the share
    # The form's three header rows and its column numbers (1)…(19).
    assert html.count('colspan="5"') == 1 and "Số hồ sơ đang giải quyết" in html
    assert "(19)" in html and "Kỳ trước chuyển qua" in html and "Dừng giải quyết" in html
    # Rows by field, and the officers.
    assert 'data-row="Chứng thực"' in html
    for username, (completed, late, _hours) in EXPECTED_OFFICERS.items():
        row = re.search(rf'<tr data-officer="{re.escape(username)}">(.*?)</tr>', html, re.S)
        assert f'data-figure="completed">{completed}<' in row.group(1)
        assert f'data-figure="late">{late}<' in row.group(1)
    assert 'data-figure="average_hours">26,0<' in html


def test_the_chart_draws_three_bars_a_month_for_twelve_months(officer, filled):
    html = officer("hti.giamsat").page(MONTH)
    svg = re.search(r'<svg class="report-chart".*?</svg>', html, re.S).group(0)
    assert svg.count("<rect") == 36
    assert "Tháng 10/2024 — Tiếp nhận mới: 13" in svg
    assert "Tháng 10/2024 — Đã giải quyết: 8" in svg
    assert "Tháng 10/2024 — Giải quyết quá hạn: 3" in svg


def test_a_custom_range_and_grouping_by_procedure(officer, filled):
    html = officer("clo.ld1").page(
        "/reports?unit=CLO&period=custom&from=2024-09-15&to=2024-10-14&group=procedure"
    )
    assert "Từ 15/09/2024 đến 14/10/2024" in html
    assert 'data-row="1.001612"' in html and 'data-row="2.000815"' in html
    assert total_row(html)["received"] == str(EXPECTED["received"])
    xlsx = re.search(r'href="(/reports/statistics\.xlsx\?[^"]+)"', html).group(1)
    assert "period=custom" in xlsx and "from=2024-09-15" in xlsx and "to=2024-10-14" in xlsx
    assert "group=procedure" in xlsx and "unit=CLO" in xlsx


def test_without_a_choice_the_page_shows_a_month_of_the_highest_unit_in_reach(officer):
    html = officer("hti.giamsat").page("/reports")
    assert 'id="period-label">Tháng ' in html
    assert "Tỉnh Hà Tĩnh" in html  # the highest unit in reach


@pytest.mark.parametrize(
    "query, field",
    [
        ("period=custom&from=2024-10-05&to=2024-10-01", "to"),
        ("period=custom&from=&to=2024-10-01", "from"),
        ("period=month:2024-13", "period"),
        ("period=month:2024-10&group=color", "group"),
    ],
)
def test_bad_choices_show_the_form_with_the_error_and_no_report(officer, query, field):
    response = officer("hti.giamsat").get(f"/reports?unit=CLO&{query}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert 'id="report"' not in html


def test_specialists_are_refused_and_supervisors_stay_in_their_reach(app, officer, filled):
    assert officer("clo.cv.tckh1").get(MONTH).status_code == 403
    assert officer("clo.cv.tckh1").get("/reports/statistics.xlsx").status_code == 403
    with app.app_context():
        add_supervisor("hkh.giamsat", "HKH")
    hkh = officer("hkh.giamsat")
    response = hkh.get(MONTH)
    assert response.status_code == 403
    assert "không thuộc phạm vi báo cáo" in response.get_data(as_text=True)
    assert hkh.get(MONTH.replace("CLO", "HKH")).status_code == 200
    assert hkh.get("/reports/statistics.pdf?unit=CLO&period=month:2024-10").status_code == 403
    page = hkh.page("/reports")
    assert 'value="HKH"' in page and 'value="CLO"' not in page
    assert officer("clo.ld1").get(MONTH.replace("CLO", "HKH")).status_code == 403
    assert officer("admin").get(MONTH.replace("CLO", "NOWHERE")).status_code == 404


def test_the_excel_file_is_laid_out_like_the_form(officer, filled):
    response = officer("hti.giamsat").get(MONTH.replace("/reports?", "/reports/statistics.xlsx?"))
    assert response.status_code == 200
    assert "bao-cao-CLO-2024-10.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    texts = [c.value for row in sheet.iter_rows(max_row=5, max_col=1) for c in row]
    assert texts[2] == "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
    assert "Tháng 10/2024" in texts[3] and "Xã Can Lộc" in texts[4]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    header_top = next(r for r in range(1, 10) if sheet.cell(row=r, column=1).value == "STT")
    assert f"A{header_top}:A{header_top + 2}" in merged  # STT over the three header rows
    assert f"C{header_top}:G{header_top}" in merged  # received: five columns
    assert sheet.cell(row=header_top, column=1).font.bold
    assert sheet.cell(row=header_top, column=1).border.left.style == "thin"
    assert sheet.cell(row=header_top + 3, column=19).value == "(19)"
    total = next(r for r in sheet.iter_rows(min_row=header_top) if r[1].value == "Tổng cộng")
    values = {key: total[2 + i].value for i, key in enumerate(COLUMNS)}
    assert values["online_share"] == pytest.approx(EXPECTED["online_share"] / 100)
    assert total[2 + COLUMNS.index("online_share")].number_format == "0.0%"
    assert total[2].number_format == "#,##0" and total[2].font.bold
    assert {k: v for k, v in values.items() if k != "online_share"} == {
        k: EXPECTED[k] for k in COLUMNS if k != "online_share"
    }
    assert sheet.column_dimensions["B"].width > 40
    officers = book.worksheets[1]
    rows = {r[2].value: (r[4].value, r[5].value, r[6].value) for r in officers.iter_rows(min_row=4)}
    assert rows == EXPECTED_OFFICERS
    assert "Đã giải quyết" in book.worksheets[2].cell(row=2, column=1).value


def test_the_pdf_has_the_vietnamese_title_and_the_figures(officer, filled):
    response = officer("clo.ld1").get(MONTH.replace("/reports?", "/reports/statistics.pdf?"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    text = " ".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    assert "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in flat
    assert "Kỳ báo cáo: Tháng 10/2024" in flat and "Xã Can Lộc" in flat
    assert "Kỳ trước chuyển qua" in flat and "Tổng cộng" in flat
    total = flat.split("Tổng cộng", 1)[1].split()[: len(COLUMNS)]
    assert total == [expected_text(key) for key in COLUMNS]
