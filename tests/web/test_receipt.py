"""One receipt: the desk's "In giấy tiếp nhận" prints the stored form-01 PDF (issuing and
storing it the first time), never a layout of its own; a dossier waiting for papers asked at
receipt gets no receipt (form 02 is its paper), from the desk, the dossier page or the API; a
control slip issued under the 01/2018 numbering (05) is still shown as the control slip."""

import hashlib
import io
import re
import unicodedata

import pypdf
from flask import current_app
from sqlalchemy import func, select

from motcua.extensions import db
from motcua.models import Attachment, AttachmentKind, Dossier, Event, User
from motcua.services import dossiers, storage
from motcua.unit_of_work import unit_of_work
from motcua.vocabulary import EventKind
from tests.conftest import desk_intake

HOUSEHOLD = "1.001612"


def slips_of(app, code: str) -> list[Attachment]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Attachment)
                .join(Dossier, Dossier.id == Attachment.dossier_id)
                .where(Dossier.code == code, Attachment.kind == AttachmentKind.SLIP)
                .order_by(Attachment.id)
            )
        )


def stored_bytes(app, attachment: Attachment) -> bytes:
    with app.app_context():
        with storage.open_file(current_app.config["STORAGE_DIR"], attachment.storage_key) as f:
            return f.read()


def text_of(pdf: bytes) -> str:
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    return unicodedata.normalize("NFC", " ".join(" ".join(p.extract_text() for p in pages).split()))


def print_receipt(desk, code):
    """Press the receipt page's button, follow the browser to what it shows."""
    pressed = desk.post(f"/desk/receipts/{code}")
    assert pressed.status_code == 303, pressed.get_data(as_text=True)
    return desk.get(pressed.headers["Location"])


def test_the_desk_prints_the_stored_receipt_and_issues_it_only_once(app, officer):
    desk = officer("clo.mc1")
    received = desk.post(f"/desk/receive/{HOUSEHOLD}", data=desk_intake())
    assert received.status_code == 302
    code = received.headers["Location"].rsplit("/", 1)[-1]
    page = desk.page(f"/desk/receipts/{code}")
    # One button that posts (with the token) to print; no second layout of the receipt.
    form = re.search(rf'<form[^>]*action="/desk/receipts/{code}"[^>]*>(.*?)</form>', page, re.S)
    assert 'method="post"' in form.group(0) and 'name="csrf_token"' in form.group(1)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" not in page and "@media print" not in page
    assert slips_of(app, code) == []  # showing the page issues nothing

    first = print_receipt(desk, code)

    [slip] = slips_of(app, code)
    assert slip.file_name == f"01-giay-tiep-nhan-hen-tra-ket-qua-{code}.pdf"
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.data == stored_bytes(app, slip)
    assert hashlib.sha256(first.data).hexdigest() == slip.sha256
    text = text_of(first.data)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text and "Lê Thị Mai" in text
    assert "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG XÃ CAN LỘC" in text

    # Printed again: the same stored paper, nothing new.
    again = print_receipt(desk, code)
    assert again.data == first.data and len(slips_of(app, code)) == 1
    assert "In đúng bản đã lưu trong hồ sơ" in desk.page(f"/desk/receipts/{code}")


def test_a_dossier_waiting_for_papers_at_receipt_gets_no_receipt(app, officer, login_as):
    desk = officer("clo.mc1")
    received = desk.post(
        f"/desk/receive/{HOUSEHOLD}",
        data=desk_intake(
            complete=None,
            action="supplement",
            reason="Thiếu bản sao căn cước của chủ hộ",
            items="Bản sao căn cước còn hạn",
        ),
    )
    assert received.status_code == 303, received.get_data(as_text=True)
    code = received.headers["Location"].split("/")[-3]
    [supplement] = slips_of(app, code)
    assert supplement.file_name.startswith("02-")

    page = desk.page(f"/desk/receipts/{code}")
    assert f'action="/desk/receipts/{code}"' not in page
    assert "đã phát phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (mẫu 02)" in page
    for path in (f"/dossiers/{code}", f"/dossiers/{code}/slips"):
        shown = desk.page(path)
        assert 'name="form" value="01"' not in shown and 'name="form" value="06"' in shown

    for refused in (
        desk.post(f"/desk/receipts/{code}"),
        desk.post(f"/dossiers/{code}/slips", data={"form": "01"}),
    ):
        assert refused.status_code == 409
        assert "giấy tiếp nhận (mẫu 01) chỉ phát khi hồ sơ đã đầy đủ" in refused.get_data(
            as_text=True
        )
    api = login_as("clo.mc1").post(f"/dossiers/{code}/slips", json={"form": "01"})
    assert api.status_code == 409 and api.get_json()["error"]["code"] == "receipt_not_due"
    assert [a.id for a in slips_of(app, code)] == [supplement.id]  # nothing stored
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(Event.id))
                .join(Dossier, Dossier.id == Event.dossier_id)
                .where(Dossier.code == code, Event.kind == "slip_issued")
            )
            == 1
        )


def test_a_control_slip_issued_as_form_05_of_2018_is_still_the_control_slip(
    app, officer, make_dossier
):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    with app.app_context(), unit_of_work():
        # As the slips were stored before Circular 03/2025: no circular, the 2018 numbers.
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        desk = db.session.scalar(select(User).where(User.username == "clo.mc1"))
        for name in (f"05-phieu-kiem-soat-{code}.pdf", f"04-phieu-xin-loi-hen-lai-{code}.pdf"):
            dossiers.attach_file(
                desk,
                dossier,
                None,
                file_name=name,
                stream=io.BytesIO(b"%PDF-1.4 " + name.encode()),
                kind=AttachmentKind.SLIP,
                event_data={"form": name[:2]},
                event=EventKind.SLIP_ISSUED,
            )
    clerk = officer("clo.mc1")
    clerk.post(f"/dossiers/{code}/slips", data={"form": "06"})

    for path in (f"/dossiers/{code}", f"/dossiers/{code}/slips"):
        page = clerk.page(path)
        rows = re.findall(
            r'<tr data-form="(\d\d)">\s*<td>([^<]*)</td>\s*<td><a [^>]*>([^<]*)</a>', page
        )
        assert rows == [
            ("05", "05 (TT 01/2018)", "Phiếu kiểm soát quá trình giải quyết hồ sơ"),
            ("04", "04 (TT 01/2018)", "Phiếu xin lỗi và hẹn lại ngày trả kết quả"),
            ("06", "06", "Phiếu kiểm soát quá trình giải quyết hồ sơ"),
        ], path


def test_the_lookup_address_on_a_paper_opens_with_the_dossier_code(client):
    # The QR code of every paper ends with /lookup?code=<code> (services.slips.qr_fields); the
    # id number still has to be typed: only the code is in the address.
    page = client.get("/lookup?code=000.20.50.H30-261203-0001").get_data(as_text=True)
    assert re.search(r'<input name="code"[^>]*value="000.20.50.H30-261203-0001"', page)
