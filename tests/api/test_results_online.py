"""Results returned online: the desk returns a dossier's result, the dossier keeps how, the
result mail carries the applicant's link, the link downloads the exact bytes (each download an
event of the dossier), the lookup lists the files, the national portal gets a link of its own;
and no link opens what it must not (forged, expired, another dossier's file, a paper)."""

import hashlib
import io
import re
import uuid
from html import unescape

import pytest
from sqlalchemy import delete, select

from motcua.extensions import db
from motcua.models import Dossier, LookupFailure, Notification
from motcua.services import portal_wire
from motcua.vocabulary import MailKind
from tests.api.test_tasks import work_until
from tests.conftest import APPLICANT, csrf_token
from tests.web.test_desk import HOUSEHOLD, advance_to_result


@pytest.fixture(autouse=True)
def no_old_counts(app):
    with app.app_context():
        db.session.execute(delete(LookupFailure))
        db.session.commit()


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def returned(app, officer, login_as, make_dossier, method: str) -> tuple[str, bytes]:
    """A household dossier worked to its result and returned by the desk with ``method``: its
    code and the result's bytes (its own, so that a test tells them from any other)."""
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    # A paper and a working file of its own, which no applicant's link may open.
    clerk = login_as("clo.mc1")
    for kind in ("component", "working"):
        added = clerk.upload(code, f"{kind}.pdf", f"%PDF-1.4 {kind}".encode(), kind=kind)
        assert added.status_code == 201, added.get_json()
    advance_to_result(login_as, code)
    desk = officer("clo.mc2")
    content = f"%PDF-1.4 giay chung nhan {uuid.uuid4()}".encode()
    done = desk.post(
        f"/desk/results/{code}",
        data={
            "returned_to": APPLICANT["name"],
            "method": method,
            "result": (io.BytesIO(content), "Giấy chứng nhận hộ kinh doanh.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert done.status_code == 302, text_of(done)
    return code, content


def result_mail(app, code) -> Notification:
    with app.app_context():
        mail = db.session.scalar(
            select(Notification)
            .join(Dossier, Dossier.id == Notification.dossier_id)
            .where(Dossier.code == code, Notification.kind == MailKind.RESULT)
        )
        db.session.expunge(mail)
        return mail


def local(url: str, app) -> str:
    """A published address (MOTCUA_PUBLIC_URL) as a path of the test client."""
    base = app.config["PUBLIC_URL"].rstrip("/")
    assert url.startswith(base + "/"), url
    return url.removeprefix(base)


def mailed_link(app, code) -> str:
    body = result_mail(app, code).body
    return local(re.search(r"Tải về tại: (\S+)", body).group(1), app)


def download_links(html: str) -> list[str]:
    return re.findall(r'href="(/applicant/[^"/]+/results/\d+)"', html)


@pytest.mark.parametrize("method", ["online", "at_desk"])
def test_the_result_mail_links_to_the_files_and_the_link_downloads_the_exact_bytes(
    app, client, officer, login_as, make_dossier, method
):
    code, content = returned(app, officer, login_as, make_dossier, method)
    admin = login_as("admin")
    dossier = admin.get(f"/dossiers/{code}").get_json()
    assert dossier["status"] == "returned" and dossier["return_method"] == method
    assert f'data-return-method="{method}"' in officer("clo.mc2").page(f"/dossiers/{code}")

    mail = result_mail(app, code)
    assert mail.to_address == APPLICANT["email"]
    assert "Giấy chứng nhận hộ kinh doanh.pdf" in mail.body
    label = "Trực tuyến (bản điện tử)" if method == "online" else "Trực tiếp tại Bộ phận một cửa"
    assert f"Hình thức trả: {label}" in mail.body  # a paper result: where it was handed over

    page = client.get(mailed_link(app, code))
    assert page.status_code == 200
    [link] = download_links(page.get_data(as_text=True))
    got = client.get(link)
    assert got.status_code == 200 and got.data == content
    disposition = got.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "Gi%E1%BA%A5y%20ch%E1%BB%A9ng" in disposition
    assert got.headers["X-Content-Type-Options"] == "nosniff"

    events = admin.get(f"/dossiers/{code}").get_json()["events"]
    [downloaded] = [e for e in events if e["kind"] == "result_downloaded"]
    assert downloaded["actor"] is None and downloaded["data"]["by"] == "applicant"
    assert downloaded["data"]["file_name"] == "Giấy chứng nhận hộ kinh doanh.pdf"
    timeline = unescape(officer("clo.mc2").page(f"/dossiers/{code}"))
    assert "Tải tệp kết quả «Giấy chứng nhận hộ kinh doanh.pdf» (người nộp" in timeline


def test_the_lookup_lists_the_result_files_once_returned(
    app, client, officer, login_as, make_dossier
):
    code, content = returned(app, officer, login_as, make_dossier, "online")
    page = client.get("/lookup")
    found = client.post(
        "/lookup",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "code": code,
            "secret": APPLICANT["id_number"],
        },
    )
    assert found.status_code == 200
    html = text_of(found)
    assert "Kết quả giải quyết (bản điện tử)" in html
    [link] = download_links(html)
    assert client.get(link).data == content


def test_no_result_is_listed_before_it_is_ready(app, client, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    page = client.get("/lookup")
    found = client.post(
        "/lookup",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "code": code,
            "secret": APPLICANT["id_number"],
        },
    )
    assert found.status_code == 200
    assert "Kết quả giải quyết" not in text_of(found)


def test_a_link_opens_no_paper_no_other_dossiers_file_and_nothing_when_forged_or_expired(
    app, client, officer, login_as, make_dossier
):
    code, _content = returned(app, officer, login_as, make_dossier, "online")
    admin = login_as("admin")
    files = admin.get(f"/dossiers/{code}").get_json()["attachments"]
    own = [a["id"] for a in files if a["kind"] in ("component", "working")]
    assert len(own) == 2
    other = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = login_as("clo.mc1")
    paper = desk.upload(other, "giay-to.pdf", b"%PDF-1.4 giay to cua nguoi khac").get_json()
    results_page = mailed_link(app, code)
    token = results_page.split("/")[2]

    for attachment_id in (*own, paper["id"], 10**9):
        refused = client.get(f"/applicant/{token}/results/{attachment_id}")
        assert refused.status_code == 404
        assert "Không có tệp kết quả này." in text_of(refused)

    forged = client.get(f"/applicant/{token[:-2]}xx/results")
    assert forged.status_code == 422
    assert "Đường dẫn đã hết hạn hoặc không hợp lệ" in text_of(forged)
    app.config["APPLICANT_MAIL_LINK_DAYS"] = -1
    try:
        expired = client.get(results_page)
    finally:
        app.config["APPLICANT_MAIL_LINK_DAYS"] = 30
    assert expired.status_code == 422
    assert "vui lòng tra cứu lại hồ sơ" in text_of(expired)
    events = admin.get(f"/dossiers/{code}").get_json()["events"]
    assert not [e for e in events if e["kind"] == "result_downloaded"]


def test_the_portal_record_lists_the_results_with_a_link_signed_for_the_portal(
    app, client, officer, login_as, make_dossier
):
    code, content = returned(app, officer, login_as, make_dossier, "online")
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        record = portal_wire.dossier_record(dossier, 1, [])
    [paper] = record["DanhSachGiayToKetQua"]
    assert paper["TenGiayTo"] == "Giấy chứng nhận hộ kinh doanh.pdf"
    url = paper["DuongDanTepTinKetQua"]
    assert url.startswith(app.config["PUBLIC_URL"].rstrip("/") + "/applicant/results/")
    got = client.get(local(url, app))
    assert got.status_code == 200 and got.data == content
    assert hashlib.sha256(got.data).hexdigest() == hashlib.sha256(content).hexdigest()
    assert client.get(local(url, app)[:-3] + "abc").status_code == 404
    events = login_as("admin").get(f"/dossiers/{code}").get_json()["events"]
    assert [e["data"]["by"] for e in events if e["kind"] == "result_downloaded"] == ["portal"]


def test_a_dossier_without_results_gives_the_portal_none(app, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        assert "DanhSachGiayToKetQua" not in portal_wire.dossier_record(dossier, 1, [])


@pytest.mark.parametrize("method", ["post", "online"])
def test_the_return_step_completed_through_the_api_keeps_its_method(login_as, make_dossier, method):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    task = work_until(login_as, code, lambda t: t["returns_result"])
    desk = login_as(task["assignee"] or "clo.mc1")
    assert desk.upload(code, "kq.pdf", b"%PDF-1.4 kq", kind="result").status_code == 201
    data = {"returned_to": "Nguyễn Văn An", "method": method}
    done = desk.post(f"/tasks/{task['id']}/complete", json={"data": data})
    assert done.status_code == 200, done.get_json()
    dossier = desk.get(f"/dossiers/{code}").get_json()
    assert dossier["status"] == "returned" and dossier["return_method"] == method
