"""Completeness at the desk: a dossier stated complete has each paper the procedure lists given
(ticked with a file) or the officer's note why it is not needed; a refused form keeps the files
chosen, held by the server until the form is sent again. The desk is led to the paper the
applicant takes home: form 02 when papers are missing, the receipt once they came."""

import hashlib
import io
import re
from datetime import datetime
from html import unescape
from zoneinfo import ZoneInfo

import pypdf
from sqlalchemy import func, select

from motcua.extensions import db
from motcua.models import (
    Attachment,
    AttachmentKind,
    Dossier,
    Event,
    Task,
    TaskStatus,
    replaying,
)
from motcua.vocabulary import EventKind
from tests.conftest import desk_intake

HOUSEHOLD = "1.001612"
SCAN = b"%PDF-1.4 giay de nghi (ban chup)"
TICKED_NO_FILE = "Thành phần đã đánh dấu có phải kèm ít nhất một tệp."
MISSING = "Chưa có giấy tờ này: đính kèm tệp, hoặc ghi lý do không cần nộp."


def dossier_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Dossier.id)))


def field_error(page: str, name: str) -> str | None:
    found = re.search(rf'<p class="field-error" id="err-{name}">(.*?)</p>', page, re.S)
    return unescape(found.group(1)) if found else None


def held_token(page: str) -> str:
    return re.search(r'name="held" value="([^"]*)"', page).group(1)


def component_files(app, code: str) -> list[tuple[str, str]]:
    with app.app_context():
        return sorted(
            db.session.execute(
                select(Attachment.file_name, Attachment.sha256)
                .join(Dossier, Dossier.id == Attachment.dossier_id)
                .where(Dossier.code == code, Attachment.kind == AttachmentKind.COMPONENT)
            ).all()
        )


def code_of(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[-1]


def test_complete_needs_each_paper_given_or_its_note_why_not(app, officer):
    desk = officer("clo.mc1")
    before = dossier_count(app)

    refused = desk.post(f"/desk/receive/{HOUSEHOLD}", data=desk_intake(**{"why-3": None}))

    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert field_error(page, "doc-3") == MISSING
    assert field_error(page, "doc-2") is None and field_error(page, "doc-0") is None
    assert dossier_count(app) == before

    # With nothing ticked and no file, every paper is named, not only the statement.
    bare = {k: None for k in ("complete-0", "complete-1", "doc-0", "doc-1", "why-2", "why-3")}
    page = desk.post(f"/desk/receive/{HOUSEHOLD}", data=desk_intake(**bare)).get_data(as_text=True)
    assert [field_error(page, f"doc-{i}") for i in range(4)] == [MISSING] * 4

    code = code_of(desk.post(f"/desk/receive/{HOUSEHOLD}", data=desk_intake()))
    with app.app_context():
        received = db.session.scalar(
            select(Event)
            .join(Dossier, Dossier.id == Event.dossier_id)
            .where(Dossier.code == code, Event.kind == EventKind.RECEIVED)
        )
        papers = received.data["documents"]
    assert [p.get("not_needed") for p in papers] == [
        None,
        None,
        "Chủ hộ đăng ký một mình",
        "Không ủy quyền",
    ]


def test_a_refused_form_keeps_the_files_chosen_until_it_is_sent_again(app, officer):
    desk = officer("clo.mc1")
    first = desk.post(
        f"/desk/receive/{HOUSEHOLD}",
        data=desk_intake(
            complete=None,
            **{"doc-0": [(io.BytesIO(SCAN), "de-nghi.pdf"), (io.BytesIO(b"%PDF p2"), "p2.pdf")]},
        ),
    )
    assert first.status_code == 422
    page = unescape(first.get_data(as_text=True))
    assert "Các tệp đã chọn cần được chọn lại" not in page
    assert "Các tệp đã chọn được giữ lại, không cần chọn lại." in page
    for name in ("de-nghi.pdf", "p2.pdf", "c.pdf"):
        assert f"Bỏ tệp đã chọn {name}" in page

    # Sent again with no file chosen: the held ones are the dossier's, byte for byte; the one
    # the officer dropped is not.
    dropped = re.search(r'name="drop" value="(\d+)"> Bỏ tệp đã chọn p2\.pdf', page).group(1)
    no_files = {"doc-0": None, "doc-1": None}
    again = desk.post(
        f"/desk/receive/{HOUSEHOLD}",
        data=desk_intake(held=held_token(page), drop=dropped, **no_files),
    )
    code = code_of(again)
    assert component_files(app, code) == sorted(
        [
            ("de-nghi.pdf", hashlib.sha256(SCAN).hexdigest()),
            ("c.pdf", hashlib.sha256(b"%PDF-1.4 c").hexdigest()),
        ]
    )


def test_held_files_are_the_officers_own(app, officer):
    desk = officer("clo.mc1")
    page = desk.post(f"/desk/receive/{HOUSEHOLD}", data=desk_intake(complete=None))
    token = held_token(page.get_data(as_text=True))
    assert token

    other = officer("clo.mc2")
    no_files = {"doc-0": None, "doc-1": None}
    refused = other.post(f"/desk/receive/{HOUSEHOLD}", data=desk_intake(held=token, **no_files))
    assert refused.status_code == 422
    assert field_error(refused.get_data(as_text=True), "doc-0") == TICKED_NO_FILE
    forged = desk.post(f"/desk/receive/{HOUSEHOLD}", data=desk_intake(held=token + "x", **no_files))
    assert forged.status_code == 422


def test_the_intake_page_checks_completeness_before_sending_with_the_servers_words(officer):
    desk = officer("clo.mc1")
    page = unescape(desk.page(f"/desk/receive/{HOUSEHOLD}"))
    assert f'data-missing="{MISSING}"' in page
    assert re.search(r'<script src="/static/web/desk-intake\.js" defer></script>', page)
    script = desk.get("/static/web/desk-intake.js")
    assert script.status_code == 200 and "preventDefault" in script.get_data(as_text=True)
    assert "<script>" not in page  # no inline script: the page will have a CSP


def test_a_supplement_request_at_receipt_lands_on_the_stored_form_02(app, officer):
    desk = officer("clo.mc1")
    requested = desk.post(
        f"/desk/receive/{HOUSEHOLD}",
        data=desk_intake(
            complete=None,
            action="supplement",
            reason="Thiếu bản sao căn cước của chủ hộ",
            items="Bản sao căn cước còn hạn",
        ),
    )

    assert requested.status_code == 303, requested.get_data(as_text=True)
    shown = desk.get(requested.headers["Location"])
    assert shown.status_code == 200 and shown.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(shown.data)).pages)
    assert "PHIẾU YÊU CẦU BỔ SUNG" in " ".join(text.split()).upper()
    code = requested.headers["Location"].split("/")[-3]
    with app.app_context():
        slip = db.session.scalar(
            select(Attachment)
            .join(Dossier, Dossier.id == Attachment.dossier_id)
            .where(Dossier.code == code, Attachment.kind == AttachmentKind.SLIP)
        )
    assert slip.file_name.startswith("02-")
    assert requested.headers["Location"].endswith(f"/dossiers/{code}/files/{slip.id}")


def test_the_papers_received_at_the_desk_lead_to_the_new_receipt(app, officer):
    desk = officer("clo.mc1")
    requested = desk.post(
        f"/desk/receive/{HOUSEHOLD}",
        data=desk_intake(
            complete=None,
            action="supplement",
            reason="Thiếu bản sao căn cước của chủ hộ",
            items="Bản sao căn cước còn hạn",
        ),
    )
    code = requested.headers["Location"].split("/")[-3]
    with app.app_context():
        waiting = db.session.scalar(
            select(Task.id)
            .join(Dossier, Dossier.id == Task.dossier_id)
            .where(
                Dossier.code == code,
                Task.waits_for_applicant.is_(True),
                Task.status.in_((TaskStatus.OPEN, TaskStatus.CLAIMED)),
            )
        )
    desk.post(f"/tasks/{waiting}/claim")

    done = desk.post(f"/tasks/{waiting}/complete", data={"received": "on"})

    assert done.status_code == 302, done.get_data(as_text=True)
    assert done.headers["Location"] == f"/desk/receipts/{code}"
    page = desk.page(f"/desk/receipts/{code}")
    assert f'action="/desk/receipts/{code}"' in page  # the receipt is due now, to print


def pdf_text(pdf: bytes) -> str:
    return " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def vn(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}+07:00")


def receipts_of(app, code: str) -> list[Attachment]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Attachment)
                .join(Dossier, Dossier.id == Attachment.dossier_id)
                .where(Dossier.code == code, Attachment.file_name.startswith("01-"))
                .order_by(Attachment.id)
            )
        )


def test_papers_brought_during_processing_give_a_new_receipt_with_the_new_date(
    app, officer, login_as
):
    desk = officer("clo.mc1")
    with replaying(vn("2027-04-19T08:00")):
        code = code_of(desk.post(f"/desk/receive/{HOUSEHOLD}", data=desk_intake()))
        first = desk.get(desk.post(f"/desk/receipts/{code}").headers["Location"]).data
    with replaying(vn("2027-04-19T09:00")):
        task = next(
            t
            for t in login_as("admin").get(f"/dossiers/{code}").get_json()["tasks"]
            if t["status"] == "open"
        )
        specialist = login_as("clo.cv.tckh1")
        assert specialist.post(f"/tasks/{task['id']}/claim").status_code == 200
        asked = specialist.post(
            f"/tasks/{task['id']}/complete",
            json={
                "data": {
                    "opinion": "Hồ sơ chưa đủ để thẩm định",
                    "proposal": "supplement",
                    "reason": "Thiếu bản sao căn cước của chủ hộ",
                    "items": "Bản sao căn cước còn hạn",
                }
            },
        )
        assert asked.status_code == 200, asked.get_json()
    with app.app_context():
        waiting = db.session.scalar(
            select(Task.id)
            .join(Dossier, Dossier.id == Task.dossier_id)
            .where(Dossier.code == code, Task.waits_for_applicant.is_(True))
        )
    with replaying(vn("2027-04-22T09:00")):
        desk.post(f"/tasks/{waiting}/claim")
        done = desk.post(f"/tasks/{waiting}/complete", data={"received": "on"})
        assert done.headers["Location"] == f"/desk/receipts/{code}"
        printed = desk.get(desk.post(f"/desk/receipts/{code}").headers["Location"]).data

    old, new = receipts_of(app, code)
    assert hashlib.sha256(printed).hexdigest() == new.sha256 != old.sha256
    appointment = login_as("admin").get(f"/dossiers/{code}").get_json()["appointment_at"]
    day = datetime.fromisoformat(appointment).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert day.strftime("%d/%m/%Y") in pdf_text(printed)
    assert day.strftime("%d/%m/%Y") not in pdf_text(first)
