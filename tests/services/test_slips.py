"""Printable slips (services.slips): forms 01–07 of Circular 03/2025/TT-VPCP as PDF, read back
with pypdf; the stored slips and their hashes; the verdicts of the control slip; the register's
period. Type, layout and QR codes: test_papers.py."""

import hashlib
import io
import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pypdf
import pytest
from flask import current_app
from sqlalchemy import func, select

from motcua.errors import Invalid, NotFound
from motcua.extensions import db
from motcua.models import (
    Apology,
    Attachment,
    AttachmentKind,
    Dossier,
    DossierStatus,
    Event,
    SupplementRequest,
    Task,
    Unit,
    User,
    utcnow,
)
from motcua.services import control_slip, paper_wording, register, slips, storage
from motcua.services.formdata import example_data
from motcua.services.timeline import Verdict

HOUSEHOLD = "1.001612"
PROCEDURE_NAME = "Đăng ký thành lập hộ kinh doanh"
APPLICANT = "Nguyễn Thị Hoa"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
VERDICT_WORDS = re.compile(
    r"Đang giải quyết, đã quá hạn|Đang giải quyết|Trước hạn|Đúng hạn|Quá hạn|Đã hủy"
)


def text_of(pdf: bytes) -> str:
    """The PDF's text, every page, with runs of white space made one space (a long line wraps
    where the layout wants), in NFC."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return unicodedata.normalize("NFC", " ".join(text.split()))


def fonts_of(pdf: bytes) -> set[str]:
    """The fonts embedded in the PDF, without their subset prefix ("NotoSerif-Bold")."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return {
        str(font.get_object()["/BaseFont"]).split("+")[-1]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }


def stored_bytes(attachment: Attachment) -> bytes:
    with storage.open_file(current_app.config["STORAGE_DIR"], attachment.storage_key) as stream:
        return stream.read()


def dossier_of(code: str) -> Dossier:
    return db.session.scalar(select(Dossier).where(Dossier.code == code))


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def slip_count(dossier: Dossier) -> int:
    return db.session.scalar(
        select(func.count(Attachment.id)).where(
            Attachment.dossier_id == dossier.id, Attachment.kind == AttachmentKind.SLIP
        )
    )


def moment(value: datetime) -> str:
    return value.astimezone(VN).strftime("%H giờ %M phút, ngày %d/%m/%Y")


def active(api, code):
    tasks = api.get(f"/dossiers/{code}").get_json()["tasks"]
    return [t for t in tasks if t["status"] in ("open", "claimed")]


def take(login_as, code):
    """The first active step, claimed by its first candidate: (that officer's Api, the step)."""
    admin = login_as("admin")
    task = active(admin, code)[0]
    detail = admin.get(f"/tasks/{task['id']}").get_json()
    officer = login_as(task["assignee"] or sorted(c["username"] for c in detail["candidates"])[0])
    if task["assignee"] is None:
        assert officer.post(f"/tasks/{task['id']}/claim").status_code == 200
    return officer, task


def work(login_as, code):
    officer, task = take(login_as, code)
    done = officer.post(f"/tasks/{task['id']}/complete", json={"data": example_data(task["form"])})
    assert done.status_code == 200, done.get_json()


# --- 01 ---------------------------------------------------------------------------------------


def test_the_receipt_names_the_dossier_with_its_diacritics_and_is_stored_by_its_hash(
    app, login_as, make_dossier
):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    paper = "Giấy đề nghị đăng ký hộ kinh doanh.pdf"
    assert login_as("clo.mc1").upload(code, name=paper).status_code == 201
    with app.app_context():
        dossier = dossier_of(code)
        slip = slips.issue(dossier, "01", user("clo.mc1"))

        assert slip.kind == AttachmentKind.SLIP and slip.media_type == "application/pdf"
        assert slip.file_name == f"01-giay-tiep-nhan-hen-tra-ket-qua-{code}.pdf"
        pdf = stored_bytes(slip)
        assert pdf.startswith(b"%PDF") and slip.size == len(pdf)
        assert hashlib.sha256(pdf).hexdigest() == slip.sha256
        event = db.session.scalar(
            select(Event).where(Event.dossier_id == dossier.id, Event.kind == "slip_issued")
        )
        assert event.actor.username == "clo.mc1"
        assert event.data == {
            "form": "01",
            "circular": "03/2025",
            "appointment_at": dossier.appointment_at.isoformat(),  # what the receipt promises
            "kind": "slip",
            "size": slip.size,
            "sha256": slip.sha256,
            "attachment_id": slip.id,
            "file_name": slip.file_name,
        }
        # Issuing is the act on record: the slip is not also an "attachment_added".
        added = db.session.scalars(
            select(Event).where(Event.dossier_id == dossier.id, Event.kind == "attachment_added")
        )
        assert slip.id not in [e.data["attachment_id"] for e in added]

        # Set in the type the package ships, not in whatever the machine has.
        assert fonts_of(pdf) == {
            "Liberation-Serif",
            "Liberation-Serif-Bold",
            "Liberation-Serif-Italic",
        }
        text = text_of(pdf)
        received = dossier.received_at.astimezone(VN)
        for expected in (
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "UBND XÃ CAN LỘC",
            "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG XÃ CAN LỘC",
            f"Số: {code}",
            f"Can Lộc, ngày {received:%d} tháng {received:%m} năm {received:%Y}",
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            "Trung tâm Phục vụ hành chính công xã Can Lộc Tiếp nhận hồ sơ của",
            f"Tiếp nhận hồ sơ của: {APPLICANT}",
            "Địa chỉ: Thôn Phú Lộc, xã Can Lộc, tỉnh Hà Tĩnh",
            f"Nội dung yêu cầu giải quyết: {PROCEDURE_NAME} (mã thủ tục {HOUSEHOLD})",
            f"1 {paper} 1",
            "3 ngày làm việc",
            f"Thời gian nhận hồ sơ: {moment(dossier.received_at)}",
            f"Thời gian trả kết quả giải quyết hồ sơ: {moment(dossier.appointment_at)}",
            "NGƯỜI TIẾP NHẬN HỒ SƠ",
            user("clo.mc1").display_name,
            f"bằng mã hồ sơ {code}",
        ):
            assert expected in text, expected


# --- 02, 03, 04 from rows made here -----------------------------------------------------------


def test_a_supplement_request_slip_gives_the_reason_and_every_item(app, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    with app.app_context():
        dossier, specialist = dossier_of(code), user("clo.cv.tckh1")
        requests = [
            SupplementRequest(
                dossier_id=dossier.id,
                requested_at=utcnow(),
                requested_by_id=specialist.id,
                reason=reason,
                items=items,
            )
            for reason, items in (
                ("Bản sao căn cước của chủ hộ đã hết hạn", ["Bản sao căn cước còn hạn"]),
                (
                    "Thiếu giấy tờ chứng minh địa điểm kinh doanh",
                    ["Hợp đồng thuê nhà có công chứng", "Sơ đồ địa điểm kinh doanh"],
                ),
            )
        ]
        db.session.add_all(requests)
        db.session.flush()

        first = slips.issue(dossier, "02", user("clo.mc1"), request=requests[0])
        second = slips.issue(dossier, "02", user("clo.mc1"), request=requests[1])

        assert second.file_name == f"02-phieu-yeu-cau-bo-sung-{code}.pdf"
        assert f"Số: {code}/PYCBS " in text_of(stored_bytes(first))
        text = text_of(stored_bytes(second))
        for expected in (
            "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
            f"Số: {code}/PYCBS-2",
            f"Hồ sơ của: {APPLICANT}",
            PROCEDURE_NAME,
            "1 Hợp đồng thuê nhà có công chứng",
            "2 Sơ đồ địa điểm kinh doanh",
            "Lý do: Thiếu giấy tờ chứng minh địa điểm kinh doanh",
            "NGƯỜI HƯỚNG DẪN",
            user("clo.mc1").display_name,
            f"Nơi nhận: - Ông/Bà {APPLICANT}; - Lưu: hồ sơ {code}.",
        ):
            assert expected in text, expected
        assert "Bản sao căn cước còn hạn" not in text


def test_a_refusal_slip_gives_the_reason_and_is_not_issued_without_one(app, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    reason = "Ngành nghề đăng ký thuộc danh mục cấm kinh doanh theo Luật Đầu tư"
    with app.app_context():
        dossier = dossier_of(code)
        with pytest.raises(Invalid) as refused:
            slips.issue(dossier, "03", user("clo.ld1"), reason="   ")
        assert refused.value.code == "reason_required"
        assert slip_count(dossier) == 0

        slip = slips.issue(dossier, "03", user("clo.ld1"), reason=reason)

        assert slip.file_name == f"03-phieu-tu-choi-{code}.pdf"
        text = text_of(stored_bytes(slip))
        for expected in (
            "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
            f"Số: {code}/PTC",
            f"Tiếp nhận hồ sơ của: {APPLICANT}",
            PROCEDURE_NAME,
            "không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau: " + reason,
            user("clo.ld1").display_name,
            "Nơi nhận:",
        ):
            assert expected in text, expected


def test_an_apology_slip_is_the_units_own_with_the_old_and_new_appointment(app, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    with app.app_context():
        dossier = dossier_of(code)
        new = dossier.appointment_at + timedelta(days=5)
        apology = Apology(
            dossier_id=dossier.id,
            issued_at=utcnow(),
            issued_by_id=user("clo.ld1").id,
            reason="Phải xác minh thực địa địa điểm kinh doanh",
            old_appointment_at=dossier.appointment_at,
            new_appointment_at=new,
        )
        db.session.add(apology)
        db.session.flush()

        slip = slips.issue(dossier, "04", user("clo.ld1"), apology=apology)

        assert slip.file_name == f"04-van-ban-xin-loi-gia-han-{code}.pdf"
        text = text_of(stored_bytes(slip))
        for expected in (
            "UBND TỈNH HÀ TĨNH UBND XÃ CAN LỘC",  # the parent, then the unit: not the desk
            "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
            f"Số: {code}/XL",
            f"Kính gửi: {APPLICANT}",
            f"Mã hồ sơ: {code}",
            PROCEDURE_NAME,
            f"Thời gian hẹn trả kết quả giải quyết hồ sơ: {moment(apology.old_appointment_at)}",
            "lý do: Phải xác minh thực địa địa điểm kinh doanh",
            f"hẹn lại thời gian trả kết quả giải quyết hồ sơ vào: {moment(new)}",
            "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ",
            user("clo.ld1").display_name,
            "Nơi nhận: - Như trên; - Trung tâm Phục vụ hành chính công xã Can Lộc (để trả kết",
        ):
            assert expected in text, expected
        # Headed by the unit itself, not by the desk (the centre is only among the recipients).
        assert "BỘ PHẬN MỘT CỬA" not in text and "TRUNG TÂM PHỤC VỤ" not in text


def test_a_slip_needs_its_own_objects_and_a_known_form(app, make_dossier):
    mine, other = (make_dossier("CLO", HOUSEHOLD)["code"] for _ in range(2))
    with app.app_context():
        dossier, desk = dossier_of(mine), user("clo.mc1")
        elsewhere = SupplementRequest(
            dossier_id=dossier_of(other).id, reason="Thiếu", items=["Đơn"], requested_at=utcnow()
        )
        db.session.add(elsewhere)
        db.session.flush()
        with pytest.raises(Invalid):
            slips.issue(dossier, "02", desk, request=elsewhere)
        with pytest.raises(Invalid):
            slips.issue(dossier, "02", desk)
        with pytest.raises(Invalid):
            slips.issue(dossier, "04", desk, apology=None)
        with pytest.raises(Invalid):
            slips.issue(dossier, "05", desk, reason=" ")
        with pytest.raises(NotFound):
            slips.issue(dossier, "07", desk)  # the register is not a slip of a dossier
        assert slip_count(dossier) == 0
        assert not db.session.scalar(
            select(Event.id).where(Event.kind == "slip_issued", Event.dossier_id == dossier.id)
        )


# --- 06 ---------------------------------------------------------------------------------------


def test_the_control_slip_lists_every_handover_with_its_verdict(app, login_as, make_dossier):
    """Desk check (late), appraisal (on time), the office head's review sent back (early), the
    appraisal again, still open and past due (overdue)."""
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    work(login_as, code)
    work(login_as, code)
    leader, review = take(login_as, code)
    sent = leader.post(f"/tasks/{review['id']}/send-back", json={"reason": "Thiếu chữ ký"})
    assert sent.status_code == 200, sent.get_json()
    with app.app_context():
        dossier = dossier_of(code)
        tasks = list(
            db.session.scalars(select(Task).where(Task.dossier_id == dossier.id).order_by(Task.id))
        )
        assert [t.status.value for t in tasks] == ["done", "done", "done", "claimed"]
        # Due times chosen so that each verdict holds whatever the hour the test runs at.
        tasks[0].due_at = tasks[0].completed_at - timedelta(hours=1)
        tasks[1].due_at = tasks[1].completed_at + timedelta(minutes=1)
        tasks[2].due_at = tasks[2].completed_at + timedelta(days=30)
        tasks[3].due_at = utcnow() - timedelta(days=1)
        db.session.commit()
        names = [t.completed_by.display_name if t.completed_by else None for t in tasks]
        desk = user("clo.mc1").display_name

        rows = control_slip.handovers(dossier)

        assert [r.step for r in rows] == [t.step_name for t in tasks]
        assert [r.verdict for r in rows] == [
            Verdict.LATE,
            Verdict.ON_TIME,
            Verdict.EARLY,
            Verdict.OVERDUE,
        ]
        # From whom: the desk that received it, then whoever finished the step before.
        assert [r.giver for r in rows] == [desk, names[0], names[1], names[2]]
        assert [r.receiver for r in rows[:3]] == names[:3]
        assert rows[3].receiver == names[1]  # sent back to the specialist who appraised it
        assert rows[3].receiver_unit == "Phòng Kinh tế"
        assert [r.handed_at for r in rows] == [t.created_at for t in tasks]
        assert "Trả lại bước trước" in rows[2].note

        slip = slips.issue(dossier, "06", user("clo.ld1"))
        assert slip.file_name == f"06-phieu-kiem-soat-{code}.pdf"
        text = text_of(stored_bytes(slip))
        assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
        assert f"Mã hồ sơ: {code}" in text and APPLICANT in text and PROCEDURE_NAME in text
        table = text.split("Thời hạn tính theo giờ làm việc")[0]
        assert VERDICT_WORDS.findall(table) == [
            "Quá hạn",
            "Đúng hạn",
            "Trước hạn",
            "Đang giải quyết, đã quá hạn",
        ]
        for task in tasks:
            assert task.step_name in text
            assert task.created_at.astimezone(VN).strftime("%d/%m/%Y %H:%M") in text
            assert task.due_at.astimezone(VN).strftime("%d/%m/%Y %H:%M") in text
        assert desk in text and all(name in text for name in names[:3])


# --- 07 ---------------------------------------------------------------------------------------


def test_the_register_lists_exactly_the_dossiers_received_in_the_period(
    app, login_as, make_dossier
):
    codes = [make_dossier("CLO", HOUSEHOLD)["code"] for _ in range(4)]
    hkh = make_dossier("HKH", HOUSEHOLD)["code"]
    local = {
        codes[0]: datetime(2020, 3, 1, 0, 30, tzinfo=VN),  # first minutes of the period
        codes[1]: datetime(2020, 3, 31, 23, 30, tzinfo=VN),  # last minutes of the period
        codes[2]: datetime(2020, 2, 29, 23, 59, tzinfo=VN),  # the day before
        codes[3]: datetime(2020, 4, 1, 0, 0, tzinfo=VN),  # the day after
        hkh: datetime(2020, 3, 15, 9, 0, tzinfo=VN),  # another commune
    }
    with app.app_context():
        for code, received in local.items():
            dossier = dossier_of(code)
            dossier.received_at = received
            dossier.appointment_at = received + timedelta(days=3)
        # A control character typed in at the desk: dropped from the PDF and the workbook.
        dossier_of(codes[0]).applicant_address = "Thôn Phú Lộc,\x0b xã Can Lộc"
        returned = dossier_of(codes[1])
        returned.status = DossierStatus.RETURNED
        returned.finished_at = datetime(2020, 4, 2, 10, 15, tzinfo=VN)
        db.session.commit()
        slips_before = db.session.scalar(
            select(func.count(Attachment.id)).where(Attachment.kind == "slip")
        )

        pdf = register.render_register(unit("CLO"), date(2020, 3, 1), date(2020, 3, 31))

        text = text_of(pdf)
        assert "SỔ THEO DÕI HỒ SƠ" in text and "UBND XÃ CAN LỘC" in text
        assert "Xã Can Lộc (CLO) — từ ngày 01/03/2020 đến ngày 31/03/2020" in text
        found = [code for code in local if code in text]
        assert found == codes[:2]
        assert text.index(codes[0]) < text.index(codes[1])
        assert "Tổng số hồ sơ tiếp nhận trong kỳ: 2." in text
        assert "01/03/2020 00:30" in text and "31/03/2020 23:30" in text
        assert "02/04/2020 10:15" in text and "Đã trả kết quả" in text
        assert APPLICANT in text and "Thôn Phú Lộc, xã Can Lộc" in text

        # The Excel workbook has the same rows under the same headings.
        book = openpyxl.load_workbook(
            io.BytesIO(register.register_workbook(unit("CLO"), date(2020, 3, 1), date(2020, 3, 31)))
        )
        rows = [[c.value for c in row] for row in book.active.iter_rows()]
        heading = next(i for i, row in enumerate(rows) if row[0] == "STT")
        assert rows[heading] == [title for title, *_ in register.REGISTER_COLUMNS]
        body = rows[heading + 1 : heading + 3]
        assert [row[1] for row in body] == codes[:2] and [row[0] for row in body] == [1, 2]
        assert body[0][6] == datetime(2020, 3, 1, 0, 30)  # local wall-clock time
        assert body[1][8] == datetime(2020, 4, 2, 10, 15) and body[1][9] == "Đã trả kết quả"
        assert body[0][4] == APPLICANT and body[0][3] == 1
        assert body[0][5] == "Thôn Phú Lộc, xã Can Lộc\n0912345678"
        assert rows[heading + 4][0].startswith("Tổng số hồ sơ tiếp nhận trong kỳ: 2.")
        with pytest.raises(Invalid):
            register.register_workbook(unit("CLO"), date(2020, 3, 2), date(2020, 3, 1))
        # A register is a report, not a paper given to anyone: nothing is stored.
        assert slips_before == db.session.scalar(
            select(func.count(Attachment.id)).where(Attachment.kind == "slip")
        )


def test_a_register_period_runs_forwards_and_at_most_a_year(app):
    with app.app_context():
        clo = unit("CLO")
        with pytest.raises(Invalid) as backwards:
            register.render_register(clo, date(2026, 3, 2), date(2026, 3, 1))
        assert "Ngày cuối kỳ" in backwards.value.message
        with pytest.raises(Invalid):
            register.render_register(clo, date(2024, 1, 1), date(2025, 1, 1))
        assert text_of(register.render_register(clo, date(2024, 1, 1), date(2024, 12, 31)))


def test_who_may_print_a_units_register(app):
    with app.app_context():
        codes = {
            name: {u.code for u in register.register_units(user(name))}
            for name in ("clo.mc1", "clo.ld1", "hti.giamsat", "clo.cv.tckh1", "admin")
        }
    assert codes["clo.mc1"] == {"CLO"} and codes["clo.ld1"] == {"CLO"}
    assert {"HTI", "TTHCC", "CLO", "HKH", "TLOC", "CLO.KT", "CLO.VP", "SXD"} <= codes["hti.giamsat"]
    assert codes["clo.cv.tckh1"] == set()
    assert codes["admin"] >= codes["hti.giamsat"]


# --- wording ----------------------------------------------------------------------------------


def test_the_issuer_and_place_are_named_as_papers_name_them(app):
    with app.app_context():
        # A commune's desk is its centre (Decree 118/2025/NĐ-CP art. 1.1).
        assert paper_wording.desk_header(unit("CLO")) == (
            "UBND XÃ CAN LỘC",
            "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG XÃ CAN LỘC",
        )
        assert paper_wording.desk_header(unit("TTHCC")) == (
            "UBND TỈNH HÀ TĨNH",
            "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH HÀ TĨNH",
        )
        # A department receiving at its own desk heads the paper in its own name.
        assert paper_wording.desk_header(unit("SXD")) == paper_wording.unit_header(unit("SXD"))
        assert (
            paper_wording.desk_name(unit("CLO")) == "Trung tâm Phục vụ hành chính công xã Can Lộc"
        )
        assert paper_wording.system_name(unit("CLO.KT")) == (
            "Hệ thống thông tin giải quyết thủ tục hành chính tỉnh Hà Tĩnh"
        )
        assert paper_wording.unit_header(unit("CLO")) == ("UBND TỈNH HÀ TĨNH", "UBND XÃ CAN LỘC")
        assert paper_wording.unit_header(unit("CLO.KT")) == ("UBND XÃ CAN LỘC", "PHÒNG KINH TẾ")
        assert paper_wording.unit_header(unit("SXD")) == (
            "UBND TỈNH HÀ TĨNH",
            "SỞ XÂY DỰNG TỈNH HÀ TĨNH",
        )
        assert paper_wording.agency(unit("CLO")) == "Ủy ban nhân dân xã Can Lộc"
        assert paper_wording.agency(unit("CLO.KT")) == "Phòng Kinh tế"
        assert paper_wording.place(unit("CLO.KT")) == "Can Lộc"
        assert paper_wording.place(unit("SXD")) == "Hà Tĩnh"
        assert paper_wording.place(unit("TLOC")) == "Tùng Lộc"  # its own name, not the province's
    assert (
        paper_wording.days(Decimal("20.00")) == "20"
        and paper_wording.days(Decimal("0.50")) == "0,5"
    )
