"""The province's own online form (public, no sign-in) and the desk's online queue: a dossier
submitted online waits, without a workflow or a clock, for the receiving desk to accept it, ask
for papers (form 02) or refuse it (form 03)."""

import hashlib
import io
import re
import uuid
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import func, select

from motcua.extensions import db
from motcua.models import (
    Attachment,
    Dossier,
    DossierStatus,
    Event,
    LookupFailure,
    Notification,
    Task,
)
from motcua.services import deadlines
from motcua.vocabulary import Channel, EventKind, MailKind

PROCEDURE = "1.001612"  # four papers, the fourth "(nếu có)"
EMAIL = "lan.online@example.vn"


@pytest.fixture(autouse=True)
def no_old_counts(app):
    with app.app_context():
        db.session.execute(LookupFailure.__table__.delete())
        db.session.commit()


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def token_of(html: str, name: str = "csrf_token") -> str:
    return re.search(rf'name="{name}" value="([^"]+)"', html).group(1)


def pdf(label: str) -> tuple:
    """A scan of its own bytes: a refused form that stored it would show in the storage."""
    return (io.BytesIO(f"%PDF-1.4 {label} {uuid.uuid4()}".encode()), f"{label}.pdf")


def form(**overrides) -> dict:
    values = {
        "unit": "CLO",
        "applicant.name": "Trần Thị Lan",
        "applicant.id_number": "042190005555",
        "applicant.email": EMAIL,
        "applicant.phone": "0912000111",
        "doc-0": pdf("don"),
        "doc-1": pdf("cccd"),
        "doc-2": pdf("bien-ban"),
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def counts(app) -> tuple[int, int, int, int]:
    """Dossiers, attachments, mails, and files in the storage."""
    with app.app_context():
        return (
            db.session.scalar(select(func.count(Dossier.id))),
            db.session.scalar(select(func.count(Attachment.id))),
            db.session.scalar(select(func.count(Notification.id))),
            sum(1 for f in Path(app.config["STORAGE_DIR"]).rglob("*") if f.is_file()),
        )


def send(client, **overrides):
    page = client.get(f"/online/{PROCEDURE}")
    assert page.status_code == 200
    data = {"csrf_token": token_of(text_of(page)), **form(**overrides)}
    return client.post(f"/online/{PROCEDURE}", data=data, content_type="multipart/form-data")


def code_mail(app) -> str:
    with app.app_context():
        mail = db.session.scalars(
            select(Notification)
            .where(Notification.kind == MailKind.ONLINE_CODE, Notification.to_address == EMAIL)
            .order_by(Notification.id.desc())
        ).first()
        return re.search(r"\b(\d{6})\b", mail.body).group(1)


def confirm(client, response, code):
    html = text_of(response)
    return client.post(
        f"/online/{PROCEDURE}/confirm",
        data={
            "csrf_token": token_of(html),
            "token": token_of(html, "token"),
            "email": EMAIL,
            "code": code,
        },
    )


def submit(app, client) -> str:
    sent = send(client)
    assert sent.status_code == 200, text_of(sent)
    done = confirm(client, sent, code_mail(app))
    assert done.status_code == 200, text_of(done)
    return re.search(r'id="dossier-code">([^<]+)<', text_of(done)).group(1)


def dossier(app, code) -> Dossier:
    with app.app_context():
        found = db.session.scalar(select(Dossier).where(Dossier.code == code))
        db.session.expunge(found)
        return found


# -- the public pages ---------------------------------------------------------------------------


def test_the_catalogue_and_a_procedure_page_need_no_sign_in(client):
    catalogue = text_of(client.get("/online"))
    assert "1.009994" in catalogue and "Một phần" in catalogue and "Toàn trình" in catalogue
    assert f'href="/online/{PROCEDURE}"' in catalogue
    page = client.get(f"/online/{PROCEDURE}")
    assert page.status_code == 200
    html = text_of(page)
    assert "Xã Can Lộc" in html and "3 ngày làm việc" in html and "Lệ phí" in html
    assert 'name="doc-3"' in html and 'name="applicant.email"' in html


def test_a_submission_with_the_mailed_code_is_submitted_not_yet_checked(app, client):
    before = counts(app)
    sent = send(client)
    assert sent.status_code == 200
    assert counts(app)[0] == before[0]  # nothing but the mail until the code comes
    done = confirm(client, sent, code_mail(app))
    html = text_of(done)
    code = re.search(r'id="dossier-code">([^<]+)<', html).group(1)
    assert f"/lookup?code={code}" in html  # the lookup link, relative on the page
    found = dossier(app, code)
    assert found.status == DossierStatus.SUBMITTED and found.channel == Channel.ONLINE
    assert found.workflow_state == "" and found.clock_stopped_at is not None
    with app.app_context():
        assert not db.session.scalars(select(Task.id).where(Task.dossier_id == found.id)).all()
        files = db.session.scalars(select(Attachment).where(Attachment.dossier_id == found.id))
        assert sorted(a.media_type for a in files) == ["application/pdf"] * 3
    # The same page sent again makes no second dossier.
    again = confirm(client, sent, code_mail(app))
    assert again.status_code == 409 and counts(app)[0] == before[0] + 1
    # The lookup tells it waits for the desk's check.
    page = text_of(client.get("/lookup"))
    looked = client.post(
        "/lookup",
        data={"code": code, "secret": "042190005555", "csrf_token": token_of(page)},
    )
    assert "chờ bộ phận một cửa kiểm tra" in text_of(looked)
    assert "Mới đăng ký trực tuyến" in text_of(looked)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"doc-1": None}, "doc-1"),
        ({"doc-0": (io.BytesIO(b"MZ\x90\x00 not a paper"), "virus.exe")}, "doc-0"),
        ({"applicant.email": None}, "applicant.email"),
        ({"applicant.id_number": "12"}, "applicant.id_number"),
    ],
)
def test_bad_submissions_are_refused_and_change_nothing(app, client, overrides, field):
    before = counts(app)
    refused = send(client, **overrides)
    assert refused.status_code == 422
    assert f'id="err-{field.replace(".", "-")}"' in text_of(refused)
    assert counts(app) == before


def test_a_file_too_big_is_refused(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "ONLINE_MAX_FILE_BYTES", 100)
    before = counts(app)
    refused = send(client, **{"doc-2": (io.BytesIO(b"%PDF-1.4 " + b"x" * 200), "big.pdf")})
    assert refused.status_code == 422 and "lớn quá" in text_of(refused)
    assert counts(app) == before


def test_the_virus_scan_hook_refuses_what_it_flags(app, client, tmp_path, monkeypatch):
    scanner = tmp_path / "scan.sh"
    scanner.write_text('#!/bin/sh\ngrep -q EICAR "$1" && exit 1\nexit 0\n')
    scanner.chmod(0o755)
    monkeypatch.setitem(app.config, "VIRUS_SCAN_COMMAND", str(scanner))
    before = counts(app)
    flagged = b"%PDF-1.4 EICAR"
    refused = send(client, **{"doc-1": (io.BytesIO(flagged), "x.pdf")})
    assert refused.status_code == 422 and "mã độc" in text_of(refused)
    assert counts(app) == before
    # Scanned before it is stored: the flagged bytes never enter the storage.
    digest = hashlib.sha256(flagged).hexdigest()
    assert not list(Path(app.config["STORAGE_DIR"]).rglob(digest))
    assert send(client).status_code == 200


def test_wrong_codes_are_counted_and_limited_and_make_no_dossier(app, client):
    sent = send(client)
    before = counts(app)
    right = code_mail(app)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        assert confirm(client, sent, wrong).status_code == 422
    assert confirm(client, sent, right).status_code == 429  # the sixth try, right or not
    assert counts(app) == before


def test_an_expired_code_is_refused(app, client, monkeypatch):
    sent = send(client)
    before = counts(app)
    monkeypatch.setitem(app.config, "ONLINE_CODE_SECONDS", -1)
    expired = confirm(client, sent, code_mail(app))
    assert expired.status_code == 422 and "hết hạn" in text_of(expired)
    assert counts(app) == before


# -- the desk's online queue ----------------------------------------------------------------------


def check(officer_page, code, **data):
    page = officer_page.page(f"/desk/online/{code}")
    assert code in page
    return officer_page.post(f"/desk/online/{code}", data=data)


def test_the_receiving_desk_sees_its_queue_and_another_unit_does_not(app, client, officer):
    code = submit(app, client)
    desk = officer("clo.mc1")
    assert f'data-code="{code}"' in desk.page("/desk/online")
    assert "Trang nộp hồ sơ trực tuyến của tỉnh" in desk.page(f"/desk/online/{code}")
    other = officer("hkh.mc1")
    assert f'data-code="{code}"' not in other.page("/desk/online")
    assert other.get(f"/desk/online/{code}").status_code in (403, 404)
    refused = other.post(f"/desk/online/{code}", data={"action": "refuse", "refusal": "x"})
    assert refused.status_code in (403, 404)
    assert dossier(app, code).status == DossierStatus.SUBMITTED


def test_accepting_starts_the_workflow_and_the_clock_and_mails_the_receipt(app, client, officer):
    code = submit(app, client)
    submitted_at = dossier(app, code).received_at
    desk = officer("clo.mc1")
    # Paper 4 came without a file: the desk notes why it is not needed, or the check refuses.
    assert check(desk, code, action="accept", complete="1").status_code == 422
    assert dossier(app, code).status == DossierStatus.SUBMITTED
    accepted = check(desk, code, action="accept", complete="1", **{"why-3": "Không ủy quyền"})
    assert accepted.status_code == 303
    assert code in desk.page(accepted.headers["Location"])  # the receipt's page
    found = dossier(app, code)
    assert found.status in (DossierStatus.RECEIVED, DossierStatus.PROCESSING)
    assert found.clock_stopped_at is None and found.received_by_id is not None
    with app.app_context():
        # The clock runs from the acceptance (3 working days for this procedure).
        assert found.received_at > submitted_at
        assert found.appointment_at == deadlines.calendar().add(found.received_at, days=3)
    with app.app_context():
        tasks = db.session.scalars(select(Task).where(Task.dossier_id == found.id)).all()
        assert len(tasks) >= 2  # the desk's check done, the next step open
        slips = db.session.scalars(
            select(Attachment.file_name).where(Attachment.dossier_id == found.id)
        ).all()
        assert any(name.startswith("01") for name in slips)
        kinds = db.session.scalars(
            select(Notification.kind).where(Notification.dossier_id == found.id)
        ).all()
        assert MailKind.RECEIPT in kinds
    assert f'data-code="{code}"' not in desk.page("/desk/online")
    assert "Nộp hồ sơ trực tuyến" in unescape(desk.page(f"/dossiers/{code}"))  # its timeline


def test_asking_for_papers_gives_form_02_and_its_mail(app, client, officer):
    code = submit(app, client)
    desk = officer("clo.mc1")
    asked = check(
        desk, code, action="supplement", reason="Bản chụp mờ", items="Bản sao CCCD rõ nét"
    )
    assert asked.status_code == 303
    found = dossier(app, code)
    assert found.status == DossierStatus.WAITING_APPLICANT
    with app.app_context():
        names = db.session.scalars(
            select(Attachment.file_name).where(Attachment.dossier_id == found.id)
        ).all()
        assert any(name.startswith("02") for name in names)
        kinds = db.session.scalars(
            select(Notification.kind).where(Notification.dossier_id == found.id)
        ).all()
        assert MailKind.SUPPLEMENT in kinds and MailKind.RECEIPT not in kinds


def test_refusing_gives_form_03_and_its_mail_without_a_workflow(app, client, officer):
    code = submit(app, client)
    desk = officer("clo.mc1")
    assert check(desk, code, action="refuse", refusal="").status_code == 422
    refused = check(desk, code, action="refuse", refusal="Không thuộc thẩm quyền")
    assert refused.status_code == 303
    found = dossier(app, code)
    assert found.status == DossierStatus.NOT_ACCEPTED and found.finished_at is not None
    with app.app_context():
        assert not db.session.scalars(select(Task.id).where(Task.dossier_id == found.id)).all()
        names = db.session.scalars(
            select(Attachment.file_name).where(Attachment.dossier_id == found.id)
        ).all()
        assert any(name.startswith("03") for name in names)
        kinds = db.session.scalars(select(Event.kind).where(Event.dossier_id == found.id)).all()
        assert EventKind.REFUSED_AT_RECEIPT in kinds
        mails = db.session.scalars(
            select(Notification.kind).where(Notification.dossier_id == found.id)
        ).all()
        assert MailKind.REFUSAL in mails
    assert "Từ chối tiếp nhận hồ sơ" in unescape(desk.page(f"/dossiers/{code}"))


def test_the_desk_opens_a_submitted_dossier_and_its_files(app, client, officer):
    code = submit(app, client)
    desk = officer("clo.mc1")
    page = desk.page(f"/desk/online/{code}")
    link = re.search(rf'href="(/dossiers/{re.escape(code)}/files/\d+)"', page)
    assert link and desk.get(link.group(1)).status_code == 200
    assert code in desk.page(f"/dossiers/{code}")


def test_code_mails_to_one_address_are_limited(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "ONLINE_MAX_CODE_MAILS", 2)
    assert send(client).status_code == 200
    assert send(client).status_code == 200
    before = counts(app)
    assert send(client).status_code == 429
    assert counts(app) == before
