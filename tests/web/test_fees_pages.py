"""Fees on the pages: the desk takes them at receipt, the dossier page shows them with the
officer's acts, the applicant reaches their page from the lookup and notifies a transfer (with
the refusals: an expired link, a file too big or of the wrong type), the admin edits a
procedure's fee lines and the public page of the procedure shows them."""

import io
import re
from html import unescape

from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Attachment, Dossier, Procedure
from motcua.services import applicant_access, fee_lines
from motcua.unit_of_work import unit_of_work
from motcua.vocabulary import AttachmentKind, FeeState
from tests.conftest import desk_intake
from tests.services.test_fees import HOUSEHOLD, LINES, dossier_fees, give_lines
from tests.web.test_lookup import look_up


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def line_ids(app):
    with app.app_context():
        procedure = db.session.scalar(select(Procedure).where(Procedure.code == HOUSEHOLD))
        return [line.id for line in fee_lines.lines_of(procedure)]


def receive_at_desk(officer, **fields):
    desk = officer("clo.mc1")
    page = desk.page(f"/desk/receive/{HOUSEHOLD}")
    response = desk.post(
        f"/desk/receive/{HOUSEHOLD}", data=desk_intake(**fields), content_type="multipart/form-data"
    )
    return desk, page, response


def test_the_desk_takes_the_fees_at_receipt(app, officer):
    give_lines(app, LINES)
    fixed, by_case = line_ids(app)
    _, page, _ = receive_at_desk(officer)
    assert "Lệ phí đăng ký hộ kinh doanh" in page and f'name="fee-{by_case}"' in page
    # A bad amount: the form again, and no dossier.
    with app.app_context():
        before = db.session.scalar(select(db.func.count()).select_from(Dossier))
    _, _, refused = receive_at_desk(officer, **{f"fee-{by_case}": "abc"})
    assert refused.status_code == 422 and "Số tiền phải là số nguyên dương" in text(refused)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Dossier)) == before
    _, _, done = receive_at_desk(
        officer,
        **{f"fee-{by_case}": "35.000", f"fee-paid-{fixed}": "1", "fee-receipt": "BL-01"},
    )
    assert done.status_code == 302, text(done)
    code = done.headers["Location"].rsplit("/", 1)[1]
    with app.app_context():
        _, owed = dossier_fees(code)
        assert [(f.amount, f.state, f.reference) for f in owed] == [
            (100000, FeeState.CONFIRMED, "BL-01"),
            (35000, FeeState.DUE, None),
        ]


def test_the_dossier_page_shows_the_fees_and_the_desk_acts_on_them(app, officer, make_dossier):
    give_lines(app, LINES)
    code = make_dossier()["code"]
    desk = officer("clo.mc1")
    page = unescape(desk.page(f"/dossiers/{code}"))
    assert 'id="phi-le-phi"' in page and "100.000" in page and "Chưa nộp" in page
    with app.app_context():
        _, (fixed, by_case) = dossier_fees(code)
    refused = desk.post(f"/dossiers/{code}/fees/{by_case.id}/amount", data={"amount": "-1"})
    assert refused.status_code == 302
    page = unescape(desk.page(f"/dossiers/{code}"))
    assert "Số tiền phải là số nguyên dương" in page
    desk.post(f"/dossiers/{code}/fees/{by_case.id}/amount", data={"amount": "20000"})
    desk.post(f"/dossiers/{code}/fees/{fixed.id}/paid-at-desk", data={"receipt_number": "B2"})
    with app.app_context():
        _, owed = dossier_fees(code)
        assert [(f.amount, f.state) for f in owed] == [
            (100000, FeeState.CONFIRMED),
            (20000, FeeState.DUE),
        ]
    # A specialist of the unit sees the fees but has no buttons, and may not post.
    specialist = officer("clo.cv1")
    page = specialist.page(f"/dossiers/{code}")
    assert "Chưa nộp" in unescape(page) and "paid-at-desk" not in page
    assert (
        specialist.post(
            f"/dossiers/{code}/fees/{by_case.id}/waive", data={"reason": "x"}
        ).status_code
        == 403
    )


def test_the_applicant_notifies_a_transfer_from_the_lookup(app, client, make_dossier):
    give_lines(app, "LP01 | Lệ phí đăng ký hộ kinh doanh | lệ phí | 100000")
    code = make_dossier()["code"]
    found = text(look_up(client, code, "042190001234"))
    link = re.search(r'href="(/applicant/[^"]+/fees)"', found).group(1)
    page = text(client.get(link))
    assert "100.000" in page and "Kho bạc Nhà nước" in page
    assert 'id="pay-online"' not in page  # no provider configured
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    with app.app_context():
        _, (fee,) = dossier_fees(code)

    def post(**fields):
        data = {"csrf_token": token, "fee": str(fee.id), "reference": "FT-1", **fields}
        return client.post(link, data=data, content_type="multipart/form-data")

    refused = post(reference="")
    assert refused.status_code == 422 and "Trường này là bắt buộc" in text(refused)
    refused = post(file=(io.BytesIO(b"MZ\x90\x00 not a receipt"), "a.exe"))
    assert refused.status_code == 422 and "PDF hoặc ảnh" in text(refused)
    app.config["ONLINE_MAX_FILE_BYTES"], saved = 10, app.config["ONLINE_MAX_FILE_BYTES"]
    try:
        refused = post(file=(io.BytesIO(b"%PDF-1.4 " + b"x" * 100), "big.pdf"))
    finally:
        app.config["ONLINE_MAX_FILE_BYTES"] = saved
    assert refused.status_code == 422 and "Tệp lớn quá" in text(refused)
    with app.app_context():
        _, (fee,) = dossier_fees(code)
        assert fee.state == FeeState.DUE
        assert not db.session.scalars(
            select(Attachment).where(Attachment.kind == AttachmentKind.PAYMENT_RECEIPT)
        ).all()
    done = post(file=(io.BytesIO(b"%PDF-1.4 bien lai"), "bien-lai.pdf"))
    assert done.status_code == 303
    assert "Đã báo nộp, chờ xác nhận" in text(client.get(link))
    with app.app_context():
        _, (fee,) = dossier_fees(code)
        assert (fee.state, fee.reference) == (FeeState.NOTIFIED, "FT-1")
        receipt = db.session.get(Attachment, fee.receipt_id)
        assert receipt.kind == AttachmentKind.PAYMENT_RECEIPT and len(receipt.sha256) == 64


def test_an_expired_or_forged_link_shows_nothing(app, client, make_dossier):
    give_lines(app, "LP01 | Lệ phí | lệ phí | 100000")
    code = make_dossier()["code"]
    forged = client.get("/applicant/not-a-token/fees")
    assert forged.status_code == 422 and "tra cứu lại" in text(forged)
    with app.app_context():
        dossier, _ = dossier_fees(code)
        token = applicant_access.token_for(dossier)
    app.config["APPLICANT_LOOKUP_SECONDS"], saved = -1, app.config["APPLICANT_LOOKUP_SECONDS"]
    try:
        expired = client.get(f"/applicant/{token}/fees")
    finally:
        app.config["APPLICANT_LOOKUP_SECONDS"] = saved
    assert expired.status_code == 422 and "100" not in text(expired)


def test_the_admin_edits_the_fee_lines_and_the_public_page_shows_them(app, officer, client):
    admin = officer("admin")
    page = admin.page(f"/admin/catalogue/{HOUSEHOLD}/edit")
    assert 'name="fee_lines"' in page
    admin.post(f"/catalogue/{HOUSEHOLD}/fee-lines", data={"fee_lines": "A | Phí | thuế | 5"})
    assert line_ids(app) == []
    assert "Dòng 1" in unescape(admin.page(f"/admin/catalogue/{HOUSEHOLD}/edit"))
    saved = admin.post(f"/catalogue/{HOUSEHOLD}/fee-lines", data={"fee_lines": LINES})
    assert saved.status_code == 302
    assert len(line_ids(app)) == 2
    public = text(client.get(f"/online/{HOUSEHOLD}"))
    assert "Lệ phí đăng ký hộ kinh doanh" in public and "theo từng trường hợp" in public
    # Only a system admin edits the catalogue.
    refused = officer("clo.mc1").post(f"/catalogue/{HOUSEHOLD}/fee-lines", data={"fee_lines": ""})
    assert refused.status_code == 403 and len(line_ids(app)) == 2


def test_the_lookup_shows_a_dossiers_fees(app, client, make_dossier):
    give_lines(app, "LP01 | Lệ phí đăng ký | lệ phí | 100000")
    code = make_dossier()["code"]
    found = text(look_up(client, code, "042190001234"))
    assert 'id="lookup-fees"' in found and "Lệ phí đăng ký: 100.000" in found
    with app.app_context(), unit_of_work():
        _, (fee,) = dossier_fees(code)
        fee.state = FeeState.WAIVED
    found = text(look_up(client, code, "042190001234"))
    assert "Được miễn" in found and "Nộp phí, lệ phí" not in found


def test_a_receipt_the_virus_scan_flags_is_refused(app, client, make_dossier):
    give_lines(app, "LP01 | Lệ phí | lệ phí | 100000")
    code = make_dossier()["code"]
    with app.app_context():
        dossier, (fee,) = dossier_fees(code)
        link = f"/applicant/{applicant_access.token_for(dossier)}/fees"
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(client.get(link))).group(1)
    app.config["VIRUS_SCAN_COMMAND"], saved = "false", app.config["VIRUS_SCAN_COMMAND"]
    try:
        refused = client.post(
            link,
            data={
                "csrf_token": token,
                "fee": str(fee.id),
                "reference": "FT-9",
                "file": (io.BytesIO(b"%PDF-1.4 bien lai"), "bien-lai.pdf"),
            },
            content_type="multipart/form-data",
        )
    finally:
        app.config["VIRUS_SCAN_COMMAND"] = saved
    assert refused.status_code == 422 and "mã độc" in text(refused)
    with app.app_context():
        _, (fee,) = dossier_fees(code)
        assert fee.state == FeeState.DUE
