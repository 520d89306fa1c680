"""The statistics report's identification on its Excel and PDF files (the form's number and its
basis, the reporting unit and the unit reported to, the period in words, the place and date of
making, the two signatures), and the quarter and cumulative periods on the page."""

import io
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

QUARTER = "unit=CLO&period=quarter:2025-Q4&group=field"
PERIOD_WORDS = "Kỳ báo cáo: Quý IV năm 2025 (từ ngày 01/10/2025 đến ngày 31/12/2025)"


@pytest.fixture
def calendar_months(app, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_MONTH_START_DAY", 1)


def made_today() -> str:
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    return today.strftime("ngày %d tháng %m năm %Y")


def sheet_texts(data: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_excel_file_carries_the_forms_identification(officer, calendar_months):
    response = officer("hti.giamsat").get(f"/reports/statistics.xlsx?{QUARTER}")
    assert response.status_code == 200
    texts = sheet_texts(response.data)
    assert texts[:4] == [
        "Biểu số 06/VPCP/KSTT",
        "Đơn vị báo cáo: Ủy ban nhân dân xã Can Lộc",
        "Ban hành kèm theo Thông tư số 01/2020/TT-VPCP",
        "Đơn vị nhận báo cáo: Ủy ban nhân dân tỉnh Hà Tĩnh",
    ]
    assert PERIOD_WORDS in texts
    total = texts.index("Tổng cộng")
    # Under the table, row by row: the place and date, the two titles, the two hints.
    assert texts[total + 1 :] == [
        f"Can Lộc, {made_today()}",
        "NGƯỜI LẬP BIỂU",
        "THỦ TRƯỞNG ĐƠN VỊ",
        "(Ký, ghi rõ họ tên)",
        "(Ký tên, đóng dấu)",
    ]


def test_the_pdf_carries_the_forms_identification(officer, calendar_months):
    response = officer("clo.ld1").get(f"/reports/statistics.pdf?{QUARTER}")
    assert response.status_code == 200
    text = pdf_text(response.data)
    for expected in (
        "Biểu số 06/VPCP/KSTT",
        "Ban hành kèm theo Thông tư số 01/2020/TT-VPCP",
        "Đơn vị báo cáo: Ủy ban nhân dân xã Can Lộc",
        "Đơn vị nhận báo cáo: Ủy ban nhân dân tỉnh Hà Tĩnh",
        "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        PERIOD_WORDS,
        f"Can Lộc, {made_today()}",
        "NGƯỜI LẬP BIỂU",
        "THỦ TRƯỞNG ĐƠN VỊ",
        "(Ký tên, đóng dấu)",
    ):
        assert expected in text, expected
    # The signatures come after the table.
    assert text.index("Tổng cộng") < text.index("NGƯỜI LẬP BIỂU")


def test_the_top_unit_reports_to_the_setting_and_the_form_number_is_a_setting(
    app, officer, monkeypatch
):
    monkeypatch.setitem(app.config, "STATISTICS_FORM_NUMBER", "Biểu số 07/VPCP/KSTT")
    monkeypatch.setitem(app.config, "STATISTICS_TOP_RECIPIENT", "Văn phòng Chính phủ")
    response = officer("admin").get("/reports/statistics.xlsx?unit=HTI&period=month:2025-11")
    texts = sheet_texts(response.data)
    assert texts[0] == "Biểu số 07/VPCP/KSTT"
    assert "Đơn vị nhận báo cáo: Văn phòng Chính phủ" in texts
    assert "Đơn vị báo cáo: Ủy ban nhân dân tỉnh Hà Tĩnh" in texts
    assert f"Hà Tĩnh, {made_today()}" in texts


def test_the_page_offers_quarters_and_the_cumulative_months(officer, calendar_months):
    html = officer("hti.giamsat").page(f"/reports?{QUARTER}")
    assert 'id="period-label">Quý IV năm 2025<' in html
    for label in ("Quý", "6 tháng đầu năm", "9 tháng đầu năm"):
        assert f'<optgroup label="{label}">' in html
    assert re.search(r'<option value="quarter:2025-Q4" selected>Quý IV năm 2025 \(', html)
    assert 'value="six_months:' in html and 'value="nine_months:' in html
    # The file links ask for the same quarter.
    assert "period=quarter%3A2025-Q4" in html or "period=quarter:2025-Q4" in html


def test_a_frozen_quarter_keeps_its_identified_files(officer, calendar_months):
    supervisor = officer("hti.giamsat")
    response = supervisor.post(
        "/reports/snapshots", {"unit": "CLO", "period": "quarter:2025-Q4", "group": "field"}
    )
    assert response.status_code == 303
    page = supervisor.page(response.headers["Location"])
    assert "Quý IV năm 2025" in page
    xlsx = re.search(r'href="(/reports/snapshots/\d+\.xlsx)"', page)
    assert xlsx, "the frozen report links its Excel file"
    texts = sheet_texts(supervisor.get(xlsx.group(1)).data)
    assert texts[0] == "Biểu số 06/VPCP/KSTT" and PERIOD_WORDS in texts
