"""Receiving dossiers, their files, and who may see them."""

import hashlib
import io
import json
import re

import pytest
from sqlalchemy import func, select

from motcua.extensions import db
from motcua.models import Dossier, Event

HOUSEHOLD = "1.001612"


APPLICANT = {
    "name": "Trần Văn Bình",
    "id_number": "042190005678",
    "phone": "0987654321",
    "email": "binh@example.vn",
    "address": "Tổ dân phố Nghèn, xã Can Lộc, tỉnh Hà Tĩnh",
}


def receive(api, **overrides):
    body = {
        "procedure_code": HOUSEHOLD,
        "unit_code": "CLO",
        "applicant": APPLICANT,
        "channel": "direct",
        **overrides,
    }
    return api.post("/dossiers", json=body)


def dossier_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Dossier))


def test_a_receptionist_receives_a_dossier_with_a_readable_code(login_as):
    response = receive(login_as("clo.mc1"))
    assert response.status_code == 201
    body = response.get_json()
    # Xã Can Lộc's identifier (mã định danh), the day, the number (motcua.services.dossier_codes).
    assert re.fullmatch(r"000\.20\.50\.H30-\d{6}-\d{4}", body["code"])
    assert body["status"] == "received"
    assert body["appointment_at"] > body["received_at"]


def test_codes_count_up_within_the_unit_and_day(login_as):
    desk = login_as("clo.mc1")
    first, second = receive(desk).get_json()["code"], receive(desk).get_json()["code"]
    assert first[:-4] == second[:-4]
    assert int(second[-4:]) == int(first[-4:]) + 1


@pytest.mark.parametrize("username", ["clo.cv.tckh1", "clo.ld1", "hkh.mc1", "admin"])
def test_only_a_receptionist_of_the_unit_can_receive(app, login_as, username):
    before = dossier_count(app)
    response = receive(login_as(username))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert dossier_count(app) == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"applicant": {**APPLICANT, "name": ""}}, "applicant.name"),
        ({"applicant": {**APPLICANT, "id_number": "12"}}, "applicant.id_number"),
        ({"applicant": {**APPLICANT, "email": "not-an-email"}}, "applicant.email"),
        ({"channel": "pigeon"}, "channel"),
    ],
)
def test_bad_intake_gets_field_errors_and_stores_nothing(app, login_as, overrides, field):
    before = dossier_count(app)
    response = receive(login_as("clo.mc1"), **overrides)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]
    assert dossier_count(app) == before


def test_unknown_procedure_is_a_404(login_as):
    response = receive(login_as("clo.mc1"), procedure_code="9.999999")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "procedure_not_found"


def test_attachments_are_stored_with_their_hash_and_logged(app, login_as, make_dossier):
    code = make_dossier()["code"]
    desk = login_as("clo.mc1")
    content = b"%PDF-1.4 " + "Đơn đăng ký hộ kinh doanh".encode()  # its type is read from it
    response = desk.upload(code, "don-dang-ky.pdf", content)
    assert response.status_code == 201
    attachment = response.get_json()
    assert attachment["sha256"] == hashlib.sha256(content).hexdigest()
    assert attachment["size"] == len(content)
    assert attachment["media_type"] == "application/pdf"
    dossier = desk.get(f"/dossiers/{code}").get_json()
    assert dossier["attachments"][0]["sha256"] == attachment["sha256"]
    assert dossier["events"][-1]["kind"] == "attachment_added"


def test_the_same_file_name_twice_keeps_both_files(login_as, make_dossier):
    code = make_dossier()["code"]
    desk = login_as("clo.mc1")
    desk.upload(code, "ban-ve.pdf", b"first version")
    desk.upload(code, "ban-ve.pdf", b"second version")
    files = desk.get(f"/dossiers/{code}").get_json()["attachments"]
    assert len({f["sha256"] for f in files}) == 2


def test_empty_or_missing_files_are_refused(login_as, make_dossier):
    code = make_dossier()["code"]
    desk = login_as("clo.mc1")
    assert desk.upload(code, "rong.pdf", b"").status_code == 422
    missing = desk.post(f"/dossiers/{code}/attachments", data={"kind": "component"})
    assert missing.status_code == 422
    assert desk.upload(code, "x.pdf", b"x", kind="slip").status_code == 422


def test_another_communes_officer_cannot_see_or_touch_the_dossier(login_as, make_dossier):
    code = make_dossier("CLO")["code"]
    for username in ("hkh.mc1", "hkh.ld1", "hkh.cv.tckh1"):
        other = login_as(username)
        assert other.get(f"/dossiers/{code}").status_code == 404
        assert other.upload(code).status_code == 404
    task_id = login_as("clo.mc1").get(f"/dossiers/{code}").get_json()["tasks"][0]["id"]
    other = login_as("hkh.mc1")
    assert other.get(f"/tasks/{task_id}").status_code == 404
    assert other.post(f"/tasks/{task_id}/claim").status_code == 404
    assert other.post(f"/tasks/{task_id}/complete", json={"data": {}}).status_code == 404


def test_the_provincial_supervisor_sees_commune_dossiers(login_as, make_dossier):
    code = make_dossier("HKH")["code"]
    assert login_as("hti.giamsat").get(f"/dossiers/{code}").status_code == 200


def test_events_are_append_only(app, make_dossier):
    make_dossier()
    with app.app_context():
        event = db.session.scalars(select(Event)).first()
        event.note = "rewritten"
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.flush()
        db.session.rollback()


def test_procedures_and_users_for_pickers(login_as):
    desk = login_as("clo.mc1")
    codes = [p["code"] for p in desk.get("/procedures").get_json()["items"]]
    assert HOUSEHOLD in codes
    assert desk.get("/users").status_code == 403
    leader = login_as("clo.ld.tckh")
    users = leader.get("/users", query_string={"role": "specialist", "unit": "CLO.KT"}).get_json()
    # The specialists of the three former district offices that became the commune's Phòng Kinh tế.
    assert [u["username"] for u in users["items"]] == [
        "clo.cv.ktht1",
        "clo.cv.ktht2",
        "clo.cv.tckh1",
        "clo.cv.tckh2",
        "clo.cv.tnmt1",
        "clo.cv.tnmt2",
    ]
    assert leader.get("/users", query_string={"role": "pope"}).status_code == 422


def test_the_officers_list_holds_only_those_the_caller_may_assign_or_manage(login_as):
    def usernames(who, **query):
        response = login_as(who).get("/users", query_string=query)
        assert response.status_code == 200, response.get_json()
        return {u["username"] for u in response.get_json()["items"]}

    everyone = usernames("admin")
    assert {"hkh.cv1", "clo.cv.tckh1", "tthcc.mc1"} <= everyone
    for who in ("clo.ld1", "clo.qt"):  # Xã Can Lộc's leader and unit admin
        seen = usernames(who)
        assert "clo.cv.tckh1" in seen and "clo.mc1" in seen
        assert not {"hkh.cv1", "tthcc.mc1"} & seen
        assert usernames(who, unit="HKH") == set()
    led = usernames("clo.ld.tckh")  # a leader of an office sees the office's officers
    assert "clo.cv.tckh1" in led and "hkh.cv1" not in led


def _state(api, code) -> dict:
    """What a dossier is, without what differs between any two dossiers (codes, ids, times)."""
    dossier = api.get(f"/dossiers/{code}").get_json()
    return {
        "status": dossier["status"],
        "tasks": [(t["step_id"], t["status"], t["assignee"]) for t in dossier["tasks"]],
        "attachments": [(a["kind"], a["file_name"], a["sha256"]) for a in dossier["attachments"]],
        "events": [(e["kind"], e["from_step"], e["to_step"]) for e in dossier["events"]],
    }


def test_the_api_receives_with_the_papers_and_the_check_as_the_desk_does(app, login_as, officer):
    papers = [(0, b"%PDF-1.4 don", "don.pdf"), (1, b"%PDF-1.4 cccd", "cccd.pdf")]
    desk_page = officer("clo.mc1")
    form = {
        "unit": "CLO",
        "channel": "direct",
        **{f"applicant.{k}": v for k, v in APPLICANT.items()},
        "complete": "1",
        "note": "Đã đối chiếu bản chính",
        "why-2": "Chủ hộ đăng ký một mình",
        "why-3": "Không ủy quyền",
    }
    for index, content, name in papers:
        form[f"complete-{index}"] = "1"
        form[f"doc-{index}"] = (io.BytesIO(content), name)
    response = desk_page.post(f"/desk/receive/{HOUSEHOLD}", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    by_page = response.headers["Location"].rsplit("/", 1)[-1]

    desk = login_as("clo.mc1")
    body = {
        "procedure_code": HOUSEHOLD,
        "unit_code": "CLO",
        "applicant": APPLICANT,
        "channel": "direct",
        "complete": True,
        "checked": [0, 1],
        "not_needed": {"2": "Chủ hộ đăng ký một mình", "3": "Không ủy quyền"},
        "note": "Đã đối chiếu bản chính",
    }
    files = {f"doc-{index}": (io.BytesIO(content), name) for index, content, name in papers}
    response = desk.client.post(
        "/api/v1/dossiers",
        data={"dossier": json.dumps(body), **files},
        headers=desk._headers(),
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "processing"
    by_api = response.get_json()["code"]
    assert _state(desk, by_api) == _state(desk, by_page)
    assert _state(desk, by_api)["status"] == "processing"


def test_the_api_states_a_complete_dossier_as_the_desk_does(app, login_as):
    desk = login_as("clo.mc1")
    before = dossier_count(app)
    body = {
        "procedure_code": HOUSEHOLD,
        "unit_code": "CLO",
        "applicant": APPLICANT,
        "complete": True,
        "not_needed": {"0": "Có bản giấy", "2": "Chủ hộ đăng ký một mình"},
    }
    refused = desk.post("/dossiers", json=body)
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "invalid_intake" and set(error["details"]) == {"doc-1", "doc-3"}
    assert desk.post("/dossiers", json={**body, "not_needed": ["Có"]}).status_code == 422
    assert dossier_count(app) == before  # nothing received


def test_a_multipart_reception_without_its_json_part_is_refused(app, login_as):
    desk = login_as("clo.mc1")
    before = dossier_count(app)
    response = desk.client.post(
        "/api/v1/dossiers",
        data={"doc-0": (io.BytesIO(b"%PDF-1.4"), "don.pdf")},
        headers=desk._headers(),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {"dossier": "Đối tượng JSON của hồ sơ."}
    assert dossier_count(app) == before
