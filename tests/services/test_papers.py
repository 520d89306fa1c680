"""The papers' type, layout and QR codes (services.papers, slips, register): set only in the
Liberation Serif the package ships, the national motto on one line, no register cell
overflowing (measured on WeasyPrint's boxes, and shown to fail on a fallback font), a QR code
on every paper decoded from the PDF by a real reader (zbarimg), the renderer fetching nothing
but the shipped type and data: URIs."""

import io
import subprocess
import unicodedata
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pypdf
import pytest
from flask import current_app
from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Apology, Dossier, SupplementRequest, Unit, User, utcnow
from motcua.services import papers, register, slips
from motcua.vocabulary import DossierStatus

HOUSEHOLD = "1.001612"
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
SHIPPED = {
    "Liberation-Serif",
    "Liberation-Serif-Bold",
    "Liberation-Serif-Italic",
    "Liberation-Serif-Bold-Italic",
}


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def slip_objects(dossier: Dossier) -> dict[str, dict]:
    """What each form 01–06 needs, made for the dossier."""
    leader = user("clo.ld1")
    request = SupplementRequest(
        dossier_id=dossier.id,
        requested_at=utcnow(),
        requested_by_id=user("clo.mc1").id,
        reason="Thiếu giấy tờ chứng minh địa điểm kinh doanh",
        items=["Hợp đồng thuê nhà có công chứng"],
    )
    apology = Apology(
        dossier_id=dossier.id,
        issued_at=utcnow(),
        issued_by_id=leader.id,
        reason="Phải xác minh thực địa",
        old_appointment_at=dossier.appointment_at,
        new_appointment_at=dossier.appointment_at + timedelta(days=5),
    )
    db.session.add_all([request, apology])
    db.session.flush()
    return {
        "01": {},
        "02": {"request": request},
        "03": {"reason": "Ngành nghề thuộc danh mục cấm kinh doanh"},
        "04": {"apology": apology},
        "05": {"reason": "Người nộp đề nghị rút hồ sơ"},
        "06": {},
    }


@pytest.fixture
def forms(app, make_dossier):
    """{form: (dossier, objects)} inside an app context, for forms 01–06."""
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        yield {form: (dossier, objects) for form, objects in slip_objects(dossier).items()}


def fonts_of(pdf: bytes) -> set[str]:
    """The fonts embedded in the PDF, without their subset prefix; never none (a paper has
    text)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+")[-1]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts
    return fonts


def lines_of(pdf: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return [unicodedata.normalize("NFC", line.strip()) for line in text.splitlines()]


def qr_of(pdf: bytes, tmp_path) -> dict[str, str]:
    """The QR code of the paper's first page, read by zbarimg from the image the PDF holds:
    its ``Label: value`` lines as a dict."""
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    images = [
        x.get_object()
        for x in page["/Resources"]["/XObject"].values()
        if x.get_object()["/Subtype"] == "/Image"
    ]
    [image] = images  # one QR code, nothing else
    magic = {"/DeviceRGB": b"P6", "/DeviceGray": b"P5"}[image["/ColorSpace"]]
    path = tmp_path / "qr.pnm"
    path.write_bytes(
        magic + b" %d %d 255\n" % (image["/Width"], image["/Height"]) + image.get_data()
    )
    read = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "--nodbus", str(path)], capture_output=True, check=True
    )
    text = read.stdout.decode("utf-8").rstrip("\n")
    return dict(line.split(": ", 1) for line in text.splitlines())


def _boxes(box, parents=()):
    yield box, parents
    for child in getattr(box, "children", ()):
        yield from _boxes(child, (*parents, box))


def _right_of(cell) -> float:
    return cell.content_box_x() + cell.width


def motto_problems(document) -> list[str]:
    """Where the motto does not sit on one line inside its cell of the heading."""
    problems = []
    for box, parents in _boxes(document.pages[0]._page_box):
        classes = (box.element.get("class") or "").split() if box.element is not None else []
        if type(box).__name__ == "BlockBox" and {"motto", "first"} <= set(classes):
            lines = [c for c in box.children if type(c).__name__ == "LineBox"]
            cell = next(p for p in reversed(parents) if type(p).__name__ == "TableCellBox")
            if len(lines) != 1:
                problems.append(f"the motto takes {len(lines)} lines")
            for text, _ in _boxes(box):
                if (
                    type(text).__name__ == "TextBox"
                    and text.position_x + text.width > _right_of(cell) + 0.5
                ):
                    problems.append(f"{text.text!r} overflows its cell")
    return problems


def overflowing_cells(document) -> list[str]:
    """The texts of the grid's cells that run past the right edge of their cell."""
    found = []
    for page in document.pages:
        for cell, _parents in _boxes(page._page_box):
            if type(cell).__name__ != "TableCellBox":
                continue
            for text, _ in _boxes(cell):
                if (
                    type(text).__name__ == "TextBox"
                    and text.position_x + text.width > _right_of(cell) + 0.5
                ):
                    found.append(text.text)
    return found


def register_problems(document, codes: list[str]) -> list[str]:
    """The register's cells that overflow, and the dossier codes cut over two lines."""
    lines = lines_of(document.write_pdf())
    return overflowing_cells(document) + [c for c in codes if not any(c in li for li in lines)]


def test_every_paper_is_set_only_in_the_shipped_type(forms, officer):
    for form, (dossier, objects) in forms.items():
        assert fonts_of(slips.render(form, dossier=dossier, **objects)) <= SHIPPED, form
    clo = db.session.scalar(select(Unit).where(Unit.code == "CLO"))
    today = date.today()
    assert fonts_of(register.render_register(clo, today, today)) <= SHIPPED
    statistics = officer("clo.ld1").get("/reports/statistics.pdf?unit=CLO&period=month:2024-10")
    assert statistics.status_code == 200 and statistics.mimetype == "application/pdf"
    assert fonts_of(statistics.data) <= SHIPPED


def test_the_motto_is_on_one_line_on_every_form(forms):
    for form, (dossier, objects) in forms.items():
        assert motto_problems(slips.layout(form, dossier=dossier, **objects)) == [], form
        lines = lines_of(slips.render(form, dossier=dossier, **objects))
        assert MOTTO in lines and "Độc lập - Tự do - Hạnh phúc" in lines, form


def test_the_measures_catch_a_fallback_font(forms, monkeypatch):
    # The old papers asked for a font the machine lacked and got DejaVu: wider, the motto wrapped
    # and register cells overflowed. The same measures must see it.
    dossier, objects = forms["01"]
    monkeypatch.setattr(papers, "PAPER_FONT", "DejaVu Serif")
    assert motto_problems(slips.layout("01", dossier=dossier, **objects))
    today = dossier.received_at.astimezone(VN).date()
    document = register.register_layout(dossier.receiving_unit, today, today)
    assert register_problems(document, [dossier.code])


def test_no_register_cell_overflows_even_with_long_values(forms):
    dossier, _ = forms["01"]
    dossier.applicant_name = "Công ty Trách nhiệm hữu hạn Một thành viên Thương mại Dịch vụ Hà Tĩnh"
    dossier.applicant_address = (
        "Số nhà 1234, ngõ 56, đường Nguyễn Thị Minh Khai, thôn Phú Lộc, xã Can Lộc, tỉnh Hà Tĩnh "
        "congtytnhhmotthanhvienthuongmaidichvu@example.vn"
    )
    dossier.applicant_phone = "0912 345 678 / 0239 3856 789"
    dossier.status = DossierStatus.WAITING_APPLICANT
    db.session.flush()
    today = dossier.received_at.astimezone(VN).date()

    document = register.register_layout(dossier.receiving_unit, today, today)

    # Nothing runs past its cell, and the dossier code is never cut in two.
    assert register_problems(document, [dossier.code]) == []


def test_every_paper_has_a_qr_code_with_its_fields(forms, tmp_path):
    lookup = current_app.config["PUBLIC_URL"].rstrip("/") + "/lookup?code="
    for form, (dossier, objects) in forms.items():
        fields = qr_of(slips.render(form, dossier=dossier, **objects), tmp_path)

        assert fields["Giấy tờ"] == (
            f"Mẫu số {form} (Thông tư 03/2025/TT-VPCP) {slips.FORMS[form].title}"
        ), form
        assert fields["Mã hồ sơ"] == dossier.code
        assert fields["Mã thủ tục"] == HOUSEHOLD
        assert fields["Người nộp"] == dossier.applicant_id_number
        assert fields["Hệ thống"] == (
            "Hệ thống thông tin giải quyết thủ tục hành chính tỉnh Hà Tĩnh"
        )
        assert fields["Số"].startswith(dossier.code)
        assert fields["Tra cứu"] == lookup + dossier.code
        issued = datetime.fromisoformat(fields["Thời điểm phát"])
        assert issued.utcoffset() == timedelta(hours=7)
        assert abs(issued - utcnow()) < timedelta(minutes=2)
        # The appointment only on the receipt.
        if form == "01":
            assert fields["Hẹn trả kết quả"] == dossier.appointment_at.astimezone(VN).isoformat(
                timespec="minutes"
            )
        else:
            assert "Hẹn trả kết quả" not in fields, form


def test_the_register_has_its_own_qr_code(app, tmp_path):
    with app.app_context():
        clo = db.session.scalar(select(Unit).where(Unit.code == "CLO"))
        app.config["PAPERS_SYSTEM_NAME"] = "Hệ thống một cửa điện tử tỉnh Hà Tĩnh"
        try:
            pdf = register.render_register(clo, date(2026, 3, 1), date(2026, 3, 31))
        finally:
            app.config["PAPERS_SYSTEM_NAME"] = ""
    fields = qr_of(pdf, tmp_path)
    assert fields["Giấy tờ"] == "Mẫu số 07 (Thông tư 03/2025/TT-VPCP) Sổ theo dõi hồ sơ"
    assert fields["Đơn vị"] == "Xã Can Lộc (CLO)"
    assert fields["Kỳ"] == "từ ngày 01/03/2026 đến ngày 31/03/2026"
    assert fields["Số hồ sơ"] == "0"
    assert fields["Hệ thống"] == "Hệ thống một cửa điện tử tỉnh Hà Tĩnh"  # the setting wins


def test_the_renderer_fetches_only_the_shipped_type_and_data_uris(tmp_path):
    fetcher = papers._NoFetching()
    secret = tmp_path / "secret.txt"
    secret.write_text("not for papers")
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/logo.png",
        secret.as_uri(),
        (papers.FONTS / "OFL.txt").as_uri(),  # next to the faces, but not one of them
        "ftp://example.com/x",
    ):
        with pytest.raises(ValueError, match="fetching is disabled"):
            fetcher.fetch(url)
    for url in sorted(papers.font_urls()):
        response = fetcher.fetch(url)
        assert response.read(4) == b"\x00\x01\x00\x00"  # a TrueType font
        response.close()
    assert fetcher.fetch("data:text/plain;base64,b2s=").read() == b"ok"
