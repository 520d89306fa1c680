"""The slips' pages: issuing a receipt or control slip (a POST that stores it, then the stored
file byte for byte), the slips of a dossier on its page, the register's PDF and Excel, who may
see them, bad dates; reading never issues a slip."""

import hashlib
import io
import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pypdf
from sqlalchemy import func, select

from motcua.extensions import db
from motcua.models import Attachment, AttachmentKind, Dossier, Event
from motcua.services import register as register_service

HOUSEHOLD = "1.001612"
APPLICANT = "Nguyễn Thị Hoa"


def text_of(pdf: bytes) -> str:
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    return unicodedata.normalize("NFC", " ".join(" ".join(p.extract_text() for p in pages).split()))


def slips_of(app, code: str) -> list[Attachment]:
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        return list(
            db.session.scalars(
                select(Attachment)
                .where(Attachment.dossier_id == dossier.id, Attachment.kind == AttachmentKind.SLIP)
                .order_by(Attachment.id)
            )
        )


def slip_events(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(Event.id))
            .join(Dossier, Dossier.id == Event.dossier_id)
            .where(Event.kind == "slip_issued", Dossier.code == code)
        )


def issue(client, code: str, form: str):
    """Press the dossier page's button for form 01 or 06."""
    return client.post(f"/dossiers/{code}/slips", data={"form": form})


def issued_pdf(client, code: str, form: str) -> bytes:
    """Issue the slip and follow the redirect to the stored file."""
    response = issue(client, code, form)
    assert response.status_code == 303, response.get_data(as_text=True)
    shown = client.get(response.headers["Location"])
    assert shown.status_code == 200 and shown.mimetype == "application/pdf"
    return shown.data


def test_issuing_a_receipt_stores_it_then_shows_exactly_the_stored_bytes(
    app, officer, make_dossier
):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = officer("clo.mc1")

    response = issue(desk, code, "01")

    # POST-redirect-GET: the browser is sent to the stored file, as any file of the dossier.
    [slip] = slips_of(app, code)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/dossiers/{code}/files/{slip.id}")
    name = f"01-giay-tiep-nhan-hen-tra-ket-qua-{code}.pdf"
    assert slip.file_name == name and slip_events(app, code) == 1
    shown = desk.get(response.headers["Location"])
    assert shown.status_code == 200 and shown.mimetype == "application/pdf"
    assert shown.headers["Content-Disposition"].startswith(f'inline; filename="{name}"')
    assert hashlib.sha256(shown.data).hexdigest() == slip.sha256
    text = text_of(shown.data)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert f"Tiếp nhận hồ sơ của: {APPLICANT}" in text and code in text
    # The lookup address is the site as published (MOTCUA_PUBLIC_URL), not the request's host.
    assert app.config["PUBLIC_URL"].rstrip("/") + "/lookup" in text
    assert "http://localhost/lookup" not in text
    # Shown again (a reload): the same paper, nothing new stored.
    assert desk.get(response.headers["Location"]).data == shown.data
    assert len(slips_of(app, code)) == 1

    # Issued again: a second slip, kept beside the first.
    assert issue(desk, code, "01").status_code == 303
    assert len(slips_of(app, code)) == 2 and slip_events(app, code) == 2


def test_the_control_slip_is_issued_for_an_officer_who_handles_the_dossier(
    app, officer, make_dossier
):
    code = make_dossier("CLO", HOUSEHOLD)["code"]

    pdf = issued_pdf(officer("clo.ld1"), code, "06")

    [slip] = slips_of(app, code)
    assert slip.file_name == f"06-phieu-kiem-soat-{code}.pdf"
    assert hashlib.sha256(pdf).hexdigest() == slip.sha256
    text = text_of(pdf)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert "Tiếp nhận, kiểm tra hồ sơ" in text


def test_reading_never_issues_a_slip(app, officer, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = officer("clo.mc1")
    for path in (
        f"/dossiers/{code}",
        f"/dossiers/{code}/slips",
        f"/desk/receipts/{code}",
        f"/dossiers/{code}/slips/01.pdf",  # the old printing address
        f"/dossiers/{code}/slips/05.pdf",
        f"/dossiers/{code}/slips?form=01",
    ):
        desk.get(path)
    assert desk.get(f"/dossiers/{code}/slips/01.pdf").status_code == 404
    assert slips_of(app, code) == [] and slip_events(app, code) == 0


def test_issuing_needs_the_forms_csrf_token(app, officer, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = officer("clo.mc1")

    response = desk.client.post(f"/dossiers/{code}/slips", data={"form": "01"})

    assert response.status_code == 400
    assert slips_of(app, code) == [] and slip_events(app, code) == 0


def test_the_dossier_page_and_the_slips_page_list_the_slips_given(app, officer, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = officer("clo.mc1")
    page = desk.page(f"/dossiers/{code}")
    assert "Phiếu / giấy tờ đã phát" in page and "Chưa phát phiếu nào." in page
    # The buttons post (with the token) to issue; there is no link that prints.
    form = re.search(rf'<form[^>]*action="/dossiers/{code}/slips"[^>]*>(.*?)</form>', page, re.S)
    assert 'method="post"' in form.group(0) and 'name="csrf_token"' in form.group(1)
    assert 'name="form" value="01"' in form.group(1) and 'name="form" value="06"' in form.group(1)
    assert f"/dossiers/{code}/slips/01.pdf" not in page

    issue(desk, code, "01")
    [slip] = slips_of(app, code)

    for path in (f"/dossiers/{code}", f"/dossiers/{code}/slips"):
        page = desk.page(path)
        assert 'data-form="01"' in page
        assert f"/dossiers/{code}/files/{slip.id}" in page
        assert slip.sha256 in page and "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in page


def test_the_receipt_counts_each_paper_the_desk_checked(app, officer):
    desk = officer("clo.mc1")
    form = desk.page(f"/desk/receive/{HOUSEHOLD}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = desk.client.post(
        f"/desk/receive/{HOUSEHOLD}",
        data={
            "csrf_token": token,
            "unit": "CLO",
            "channel": "direct",
            "applicant.name": "Lê Thị Mai",
            "applicant.id_number": "042190007777",
            "applicant.address": "Thôn Phú Lộc, xã Can Lộc, tỉnh Hà Tĩnh",
            "complete-0": "1",
            "doc-0": [(io.BytesIO(b"%PDF-1.4 a"), "a.pdf"), (io.BytesIO(b"%PDF-1.4 b"), "b.pdf")],
            "complete-1": "1",
            "doc-1": [(io.BytesIO(b"%PDF-1.4 c"), "c.pdf")],
            "why-2": "Chủ hộ đăng ký một mình",
            "why-3": "Không ủy quyền",
            "complete": "1",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    code = response.headers["Location"].rsplit("/", 1)[-1]

    text = text_of(issued_pdf(desk, code, "01"))

    assert "1 Giấy đề nghị đăng ký hộ kinh doanh (Phụ lục III-1" in text
    assert "Thông tư số 01/2021/TT-BKHĐT) 2 2 Bản sao giấy tờ pháp lý" in text
    assert "Lê Thị Mai" in text


def test_an_officer_of_another_commune_gets_no_slip_of_a_dossier(app, officer, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = officer("clo.mc1")
    issue(desk, code, "01")
    [slip] = slips_of(app, code)
    outsider = officer("hkh.mc1")
    for response in (
        issue(outsider, code, "01"),
        issue(outsider, code, "06"),
        outsider.get(f"/dossiers/{code}/slips"),
        outsider.get(f"/dossiers/{code}/files/{slip.id}"),
    ):
        assert response.status_code == 404
        assert f"Không có hồ sơ {code}." in response.get_data(as_text=True)
    assert len(slips_of(app, code)) == 1 and slip_events(app, code) == 1


def test_only_the_receipt_and_the_control_slip_are_issued_on_demand(app, officer, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = officer("clo.mc1")
    for form in ("02", "03", "04", "05", "07", "x", ""):
        response = issue(desk, code, form)
        assert response.status_code == 404, form
        assert "Không in được mẫu" in response.get_data(as_text=True)
    assert issue(desk, "CLO-000000-0000", "01").status_code == 404
    assert slips_of(app, code) == [] and slip_events(app, code) == 0


def register(client, unit="CLO", start="2026-01-01", end="2026-12-31"):
    return client.get(f"/registers/{unit}.pdf?from={start}&to={end}")


def test_the_register_is_for_the_units_desk_leaders_and_supervisors(officer, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    other = make_dossier("HKH", HOUSEHOLD)["code"]
    period = {"start": "2000-01-01", "end": "2000-12-31"}
    for username in ("clo.mc1", "clo.ld1", "hti.giamsat", "admin"):
        response = register(officer(username), start=period["start"], end=period["end"])
        assert response.status_code == 200, username
        assert response.mimetype == "application/pdf"
        assert "SỔ THEO DÕI HỒ SƠ" in text_of(response.data)
    for username in ("hkh.mc1", "clo.cv.tckh1", "hkh.ld1"):
        response = register(officer(username))
        assert response.status_code == 403, username
        assert "sổ theo dõi hồ sơ" in response.get_data(as_text=True)
    assert register(officer("admin"), unit="NOPE").status_code == 404

    # Today's dossier is in a register that covers today, the other commune's is not.
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
    text = text_of(register(officer("hti.giamsat"), start=today, end=today).data)
    assert code in text and other not in text and APPLICANT in text


def test_bad_register_dates_give_a_vietnamese_page_and_no_pdf(officer):
    desk = officer("clo.mc1")
    for start, end, message in (
        ("2026-13-01", "2026-12-31", "Từ ngày phải là một ngày có thật, dạng YYYY-MM-DD."),
        ("2026-02-30", "2026-03-31", "Từ ngày phải là một ngày có thật"),
        ("20260101", "2026-03-31", "Từ ngày phải là một ngày có thật"),
        ("2026-01-01", "", "Đến ngày phải là một ngày có thật"),
        ("2026-03-02", "2026-03-01", "Ngày cuối kỳ phải từ ngày đầu kỳ trở đi."),
        ("2024-01-01", "2025-06-30", "Sổ theo dõi in tối đa 366 ngày một lần."),
    ):
        response = register(desk, start=start, end=end)
        assert response.status_code == 422, (start, end)
        assert response.mimetype == "text/html"
        assert message in response.get_data(as_text=True)
    response = desk.get("/registers/CLO.pdf")
    assert response.status_code == 422


def test_the_register_form_sends_the_browser_to_the_pdf(officer):
    desk = officer("clo.mc1")
    page = desk.page("/registers")
    assert 'value="CLO"' in page and 'value="HKH"' not in page
    response = desk.get("/registers?unit=CLO&from=2026-03-01&to=2026-03-31")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/registers/CLO.pdf?from=2026-03-01&to=2026-03-31")
    assert officer("clo.cv.tckh1").get("/registers").status_code == 403


def test_the_register_downloads_as_excel_with_the_same_rows(officer, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    other = make_dossier("HKH", HOUSEHOLD)["code"]
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
    desk = officer("clo.mc1")

    chosen = desk.get(f"/registers?unit=CLO&from={today}&to={today}&format=xlsx")
    assert chosen.status_code == 302
    assert chosen.headers["Location"].endswith(f"/registers/CLO.xlsx?from={today}&to={today}")
    response = desk.get(chosen.headers["Location"])

    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    day = today.replace("-", "")
    name = f"07-so-theo-doi-ho-so-CLO-{day}-{day}.xlsx"
    assert response.headers["Content-Disposition"].startswith(f'attachment; filename="{name}"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    cells = [v for row in rows for v in row if v is not None]
    assert "SỔ THEO DÕI HỒ SƠ" in cells and "UBND XÃ CAN LỘC" in cells
    assert "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG XÃ CAN LỘC" in cells  # a commune's desk
    heading = next(i for i, row in enumerate(rows) if row[0] == "STT")
    assert rows[heading][1:3] == ["Mã hồ sơ", "Tên thủ tục hành chính"]
    found = [row for row in rows[heading + 1 :] if row[1] in (code, other)]
    assert [row[1] for row in found] == [code] and other not in cells
    assert found[0][0] == 1 and found[0][4] == APPLICANT
    assert isinstance(found[0][6], datetime)  # a date Excel sorts and filters, local time
    assert any(str(v).startswith("Tổng số hồ sơ tiếp nhận trong kỳ: 1.") for v in cells)

    assert officer("hkh.mc1").get(f"/registers/CLO.xlsx?from={today}&to={today}").status_code == 403
    bad = desk.get("/registers/CLO.xlsx?from=2026-03-02&to=2026-03-01")
    assert bad.status_code == 422 and "Ngày cuối kỳ" in bad.get_data(as_text=True)


def test_a_slip_is_in_vietnamese_for_an_officer_who_reads_the_pages_in_english(
    officer, make_dossier
):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    leader = officer("clo.ld1")
    assert leader.post("/language/en").status_code == 302
    assert "Dossiers to process" in leader.page("/inbox")  # the pages follow the choice

    text = text_of(issued_pdf(leader, code, "06"))

    # The status comes through the pages' translated labels: still Vietnamese on the slip.
    assert "Tình trạng hồ sơ khi in phiếu" in text and "Mới tiếp nhận" in text
    assert "Received" not in text


def test_a_register_too_long_for_a_pdf_points_to_excel(officer, make_dossier, monkeypatch):
    monkeypatch.setattr(register_service, "MAX_REGISTER_PDF_ROWS", 1)
    for _ in range(2):
        make_dossier("CLO", HOUSEHOLD)
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
    desk = officer("clo.mc1")
    response = register(desk, start=today, end=today)
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert "bản PDF in tối đa 1 hồ sơ" in response.get_data(as_text=True)
    assert desk.get(f"/registers/CLO.xlsx?from={today}&to={today}").status_code == 200
