"""The dossier page, its files, its diagram and the bpmn-js viewer route."""

import json
import re
from datetime import timedelta
from html import unescape
from urllib.parse import quote

import pytest
from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Dossier, Task, User
from motcua.services import processing
from motcua.services.formdata import example_data
from motcua.web import dossier as dossier_page
from tests.conftest import sign_in_session

HOUSEHOLD = "1.001612"
PDF = b"%PDF-1.4\n% Giay de nghi\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PDF_NAME = "Giấy đề nghị đăng ký.pdf"


def sign_in(client, username):
    """Signed in to the pages (session cookie) without a password round trip."""
    sign_in_session(client, username)


def active(api, code):
    tasks = api.get(f"/dossiers/{code}").get_json()["tasks"]
    return next(t for t in tasks if t["status"] in ("open", "claimed"))


def complete(api, task, **choices):
    response = api.post(
        f"/tasks/{task['id']}/complete", json={"data": example_data(task["form"], **choices)}
    )
    assert response.status_code == 200, response.get_json()


@pytest.fixture
def worked(login_as, make_dossier):
    """A household-business dossier of CLO: received with a PDF, checked at the desk, appraised
    (claimed, released, claimed again, completed), sent back by the office head with a reason,
    and now at the appraisal step again."""
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = login_as("clo.mc1")
    assert desk.upload(code, name=PDF_NAME, content=PDF).status_code == 201
    complete(desk, active(desk, code))
    specialist = login_as("clo.cv.tckh1")
    task = active(specialist, code)
    assert specialist.post(f"/tasks/{task['id']}/claim").status_code == 200
    assert specialist.post(f"/tasks/{task['id']}/release").status_code == 200
    assert specialist.post(f"/tasks/{task['id']}/claim").status_code == 200
    complete(specialist, task)
    leader = login_as("clo.ld.tckh")
    task = active(leader, code)
    assert leader.post(f"/tasks/{task['id']}/claim").status_code == 200
    response = leader.post(
        f"/tasks/{task['id']}/send-back", json={"reason": "Thiếu bản sao CCCD của chủ hộ"}
    )
    assert response.status_code == 200, response.get_json()
    return code, desk.get(f"/dossiers/{code}").get_json()


def display_name(username):
    return db.session.scalar(select(User.display_name).where(User.username == username))


def text_of(html):
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_the_page_shows_the_dossier_its_steps_events_and_files(client, worked, ctx):
    code, data = worked
    sign_in(client, "clo.ld1")
    response = client.get(f"/dossiers/{code}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = text_of(html)

    # The dossier: applicant, procedure, unit, status, dates, process version.
    assert code in text
    for value in ("Nguyễn Thị Hoa", "042190001234", "0912345678", "hoa@example.vn"):
        assert value in text
    assert HOUSEHOLD in text and "Đăng ký thành lập hộ kinh doanh" in text
    assert "Xã Can Lộc" in text
    assert "Đang xử lý" in text
    assert f"phiên bản {data['process_version']}" in text

    # The steps: one row per task, in order, with handler, unit, officer and verdict.
    rows = re.findall(r'<tr data-step="([^"]+)" data-verdict="([^"]+)">(.*?)</tr>', html, re.S)
    # Each step was done at once: the whole limit was left (a 1-hour one may have lost a few
    # milliseconds of office time to the test, which makes it only "on time").
    assert [step for step, _, _ in rows] == ["tiep_nhan", "tham_dinh", "xem_xet", "tham_dinh"]
    assert [verdict for _, verdict, _ in rows][1:] == ["early", "early", "in_progress"]
    assert rows[0][1] in ("early", "on_time")
    first, second, third, fourth = (text_of(cells) for _, _, cells in rows)
    assert "Tiếp nhận, kiểm tra hồ sơ" in first and "Cán bộ một cửa — Xã Can Lộc" in first
    assert "trước hạn 1 giờ" in first.lower()  # the CLO variant gives the desk 1h
    assert "Trước hạn 3 giờ 45 phút" in second  # 0.5 day of 7.5 working hours
    assert "Trước hạn 4 giờ" in third
    named = f"{display_name('clo.cv.tckh1')}, {display_name('clo.cv.tckh2')} — Phòng Kinh tế"
    assert named in second and "user:" not in second
    assert display_name("clo.cv.tckh1") in second
    assert display_name("clo.ld.tckh") in third
    assert "Trả lại bước trước" in third
    assert "Đang giải quyết (còn" in fourth
    # The dates are shown in the province's time and format.
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", first)

    # The events, told in Vietnamese.
    events = [
        text_of(cells) for cells in re.findall(r'<tr data-kind="[^"]+">(.*?)</tr>', html, re.S)
    ]
    kinds = re.findall(r'<tr data-kind="([^"]+)">', html)
    assert kinds == [e["kind"] for e in data["events"]]
    joined = " | ".join(events)
    assert "Tiếp nhận hồ sơ (Trực tiếp" in joined
    assert f"Thêm tệp «{PDF_NAME}» (Thành phần hồ sơ" in joined
    assert "Nhận xử lý bước «Thẩm định hồ sơ, dự thảo Giấy chứng nhận»" in joined
    assert "Trả bước «Thẩm định hồ sơ, dự thảo Giấy chứng nhận» về hộp việc chung" in joined
    assert "Hoàn thành bước «Tiếp nhận, kiểm tra hồ sơ»" in joined
    assert "Lý do: Thiếu bản sao CCCD của chủ hộ" in joined
    assert "Trả lại bước «Lãnh đạo phòng xem xét, ký Giấy chứng nhận»" in joined

    # The files, with kind, size, type and hash, each linking to its download.
    attachment = data["attachments"][0]
    link = f"/dossiers/{code}/files/{attachment['id']}"
    assert f'href="{link}"' in html
    assert attachment["sha256"] in html and "application/pdf" in html


def test_late_and_overdue_steps_show_the_working_hours_past_due(client, worked, ctx):
    code, data = worked
    first, *_, current = (db.session.get(Task, t["id"]) for t in data["tasks"])
    first.due_at = first.completed_at - timedelta(days=7)
    current.due_at = current.created_at - timedelta(days=7)
    db.session.flush()
    sign_in(client, "clo.mc1")
    html = client.get(f"/dossiers/{code}").get_data(as_text=True)
    rows = re.findall(r'<tr data-step="[^"]+" data-verdict="([^"]+)">(.*?)</tr>', html, re.S)
    assert [verdict for verdict, _ in rows] == ["late", "early", "early", "overdue"]
    # A week before is at least four full working days past due (a 7.5-hour day).
    late = re.search(r'class="overdue">\s*Quá hạn (\d+) giờ', rows[0][1])
    overdue = re.search(r'class="overdue">\s*Đang giải quyết, đã quá hạn (\d+) giờ', rows[3][1])
    assert late and int(late.group(1)) >= 30
    assert overdue and int(overdue.group(1)) >= 30


def test_a_pdf_opens_inline_with_its_bytes_and_safe_headers(client, worked):
    code, data = worked
    attachment = data["attachments"][0]
    sign_in(client, "clo.cv.tckh2")  # an officer of the office that handles the dossier
    response = client.get(f"/dossiers/{code}/files/{attachment['id']}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert 'filename="Giay de nghi dang ky.pdf"' in disposition
    assert f"filename*=UTF-8''{quote(PDF_NAME)}" in disposition
    assert "private" in response.headers["Cache-Control"]


def test_other_files_download_as_attachments(client, login_as, worked):
    code, _ = worked
    specialist = login_as("clo.cv.tckh1")  # holds the open appraisal step again
    task = active(specialist, code)
    assert task["assignee"] in (None, "clo.cv.tckh1")
    if task["assignee"] is None:
        assert specialist.post(f"/tasks/{task['id']}/claim").status_code == 200
    note = specialist.upload(code, name="Ghi chú thẩm định.txt", content=b"ok", kind="working")
    drawing = specialist.upload(
        code, name="so-do.svg", content=b"<svg xmlns='http://www.w3.org/2000/svg'/>", kind="working"
    )
    assert note.status_code == 201 and drawing.status_code == 201
    sign_in(client, "clo.mc1")
    for upload, body in ((note, b"ok"), (drawing, b"<svg")):
        response = client.get(f"/dossiers/{code}/files/{upload.get_json()['id']}")
        assert response.status_code == 200 and response.data.startswith(body)
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    response = client.get(f"/dossiers/{code}/files/{note.get_json()['id']}")
    assert (
        "filename*=UTF-8''Ghi%20ch%C3%BA%20th%E1%BA%A9m%20%C4%91%E1%BB%8Bnh.txt"
        in (response.headers["Content-Disposition"])
    )


def test_an_officer_of_the_other_district_gets_404_everywhere(client, worked):
    code, data = worked
    sign_in(client, "hkh.ld1")
    for path in (
        f"/dossiers/{code}",
        f"/dossiers/{code}/files/{data['attachments'][0]['id']}",
        f"/dossiers/{code}/diagram.bpmn",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert PDF not in response.data
        assert b"bpmn:definitions" not in response.data


def test_a_file_is_only_found_through_its_own_dossier(client, login_as, make_dossier, worked):
    code, data = worked
    other = make_dossier("CLO", HOUSEHOLD)["code"]
    sign_in(client, "clo.mc1")
    attachment_id = data["attachments"][0]["id"]
    assert client.get(f"/dossiers/{other}/files/{attachment_id}").status_code == 404
    assert client.get(f"/dossiers/{code}/files/{attachment_id}").status_code == 200
    assert client.get(f"/dossiers/{code}/files/999999999").status_code == 404


def test_the_diagram_is_the_dossiers_process_version(client, worked, ctx):
    code, _ = worked
    sign_in(client, "clo.cv.tckh1")
    response = client.get(f"/dossiers/{code}/diagram.bpmn")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    expected = db.session.scalar(
        select(Dossier).where(Dossier.code == code)
    ).process_version.bpmn_xml
    assert response.get_data(as_text=True) == expected
    assert 'id="tham_dinh"' in expected


def test_the_page_loads_the_viewer_and_marks_done_and_current_steps(client, worked):
    code, _ = worked
    if not (dossier_page.bpmn_js_dir() / dossier_page.VIEWER_BUNDLE).is_file():
        pytest.skip("bpmn-js is not installed (npm ci)")
    sign_in(client, "clo.mc1")
    html = client.get(f"/dossiers/{code}").get_data(as_text=True)
    assert "/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in html
    assert f'data-src="/dossiers/{code}/diagram.bpmn"' in html
    markers = re.search(
        r'<script type="application/json" id="diagram-markers">(.*?)</script>', html, re.S
    )
    assert json.loads(markers.group(1)) == {
        "tiep_nhan": "done",
        "tham_dinh": "current",
        "xem_xet": "done",
    }
    assert "Chưa cài bpmn-js" not in html


def test_without_bpmn_js_the_page_still_renders_with_a_note(client, worked, monkeypatch, tmp_path):
    code, _ = worked
    monkeypatch.setattr(dossier_page, "bpmn_js_dir", lambda: tmp_path / "absent")
    sign_in(client, "clo.mc1")
    response = client.get(f"/dossiers/{code}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Chưa cài bpmn-js (chạy npm ci)" in html
    assert "bpmn-navigated-viewer" not in html
    assert "Nguyễn Thị Hoa" in html


def test_the_vendor_route_serves_bpmn_js_and_nothing_outside_it(client, monkeypatch, tmp_path):
    if (dossier_page.bpmn_js_dir() / dossier_page.VIEWER_BUNDLE).is_file():
        response = client.get(f"/vendor/bpmn-js/{dossier_page.VIEWER_BUNDLE}")
        assert response.status_code == 200
        assert response.data.startswith(b"/*! bpmn-js - bpmn-navigated-viewer")
        assert b".BpmnJS=" in response.data[:1000]
        assert client.get("/vendor/bpmn-js/assets/bpmn-js.css").status_code == 200
    dist = tmp_path / "node_modules" / "bpmn-js" / "dist"
    dist.mkdir(parents=True)
    (dist / "viewer.js").write_text("window.BpmnJS = function () {};")
    (tmp_path / "secret.txt").write_text("secret")
    monkeypatch.setattr(dossier_page, "bpmn_js_dir", lambda: dist)
    assert client.get("/vendor/bpmn-js/viewer.js").data.startswith(b"window.BpmnJS")
    for path in (
        "../../../secret.txt",
        "..%2F..%2F..%2Fsecret.txt",
        "%2e%2e/%2e%2e/%2e%2e/secret.txt",
        f"{tmp_path}/secret.txt",
        f"/{tmp_path}/secret.txt",
    ):
        # (Werkzeug first redirects a doubled slash to the merged path, still inside.)
        response = client.get(f"/vendor/bpmn-js/{path}", follow_redirects=True)
        assert response.status_code == 404, path
        assert b"secret" not in response.data


def test_the_page_needs_a_signed_in_officer(client, worked):
    code, _ = worked
    response = client.get(f"/dossiers/{code}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get(f"/dossiers/{code}/diagram.bpmn").status_code == 302


def test_file_names_cannot_break_out_of_the_header():
    value = dossier_page.content_disposition("attachment", 'a"; x=1\r\nSet-Cookie: y.pdf')
    assert "\r" not in value and "\n" not in value
    assert value.startswith('attachment; filename="a_ x_1_Set-Cookie_ y.pdf"; filename*=')
    assert dossier_page.content_disposition("inline", "Đơn.pdf").startswith(
        "inline; filename=\"Don.pdf\"; filename*=UTF-8''%C4%90%C6%A1n.pdf"
    )
    assert 'filename="anh.png"' in dossier_page.content_disposition("inline", "ảnh.png")
    assert 'filename="tep"' in dossier_page.content_disposition("inline", "ΩΩ")


def test_a_returned_dossier_shows_its_end_and_no_current_step(client, login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    admin, desk = login_as("admin"), login_as("clo.mc1")
    for _ in range(20):
        tasks = admin.get(f"/dossiers/{code}").get_json()["tasks"]
        task = next((t for t in tasks if t["status"] in ("open", "claimed")), None)
        if task is None:
            break
        username = (
            task["assignee"]
            or admin.get(f"/tasks/{task['id']}").get_json()["candidates"][0]["username"]
        )
        officer = login_as(username)
        if task["assignee"] is None:
            assert officer.post(f"/tasks/{task['id']}/claim").status_code == 200
        if task["returns_result"]:
            assert desk.upload(code, "Giấy chứng nhận.pdf", PDF, kind="result").status_code == 201
        complete(officer, task)
    sign_in(client, "clo.mc2")
    html = client.get(f"/dossiers/{code}").get_data(as_text=True)
    text = text_of(html)
    assert "Đã trả kết quả" in text and "Xử lý xong" in text
    assert "Kết thúc hồ sơ: Đã trả kết quả" in text
    assert "Kết quả" in text  # the result file's kind
    verdicts = re.findall(r'<tr data-step="[^"]+" data-verdict="([^"]+)">', html)
    assert len(verdicts) >= 4 and set(verdicts) <= {"early", "on_time"}
    markers = re.search(r'id="diagram-markers">(.*?)</script>', html, re.S)
    if markers:  # bpmn-js installed
        assert "current" not in json.loads(markers.group(1)).values()


def test_a_reassignment_is_told_with_the_officers_names_and_reason(client, worked, ctx):
    code, data = worked
    leader = db.session.scalar(select(User).where(User.username == "clo.ld.tckh"))
    task_id = data["tasks"][-1]["id"]
    processing.reassign(leader, task_id, "clo.cv.tckh2", "Chuyên viên thụ lý đi công tác")
    sign_in(client, "clo.mc1")
    html = client.get(f"/dossiers/{code}").get_data(as_text=True)
    row = re.search(r'<tr data-kind="reassigned">(.*?)</tr>', html, re.S)
    assert row, "no reassignment in the log"
    assert (
        "Giao lại bước «Thẩm định hồ sơ, dự thảo Giấy chứng nhận» "
        f"từ {display_name('clo.cv.tckh1')} "  # the step sent back went to its specialist
        f"cho {display_name('clo.cv.tckh2')}. Lý do: Chuyên viên thụ lý đi công tác"
    ) in text_of(row.group(1))
    assert display_name("clo.ld.tckh") in text_of(row.group(1))  # who did it
