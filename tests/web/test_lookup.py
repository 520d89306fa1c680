"""The public lookup page: a code and the applicant's id number or phone, and nothing more."""

import re
from datetime import datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Dossier, DossierStatus, Unit, User
from motcua.services.formdata import example_data
from motcua.services.lookup import NOT_FOUND

APPLICANT = {
    "name": "Phạm Văn Sơn",
    "id_number": "042190004321",
    "phone": "0915667788",
    "email": "son@example.vn",
    "address": "Thôn Phú Lộc, xã Can Lộc, tỉnh Hà Tĩnh",
}
SECRET_NOTE = "Ghi chú nội bộ: chủ hộ còn nợ thuế"


@pytest.fixture(autouse=True)
def fresh_counts(app):
    """Codes repeat from test to test (each rolls its dossiers back): counts start afresh."""
    for by in ("code", "address"):
        app.extensions.pop(f"motcua.lookup_failures.{by}", None)


def look_up(client, code, secret, ip="203.0.113.1"):
    environ = {"REMOTE_ADDR": ip}
    page = client.get("/lookup", environ_base=environ).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(
        "/lookup",
        data={"code": code, "secret": secret, "csrf_token": token},
        environ_base=environ,
    )


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def alert(response) -> str:
    return re.search(r'role="alert">([^<]*)<', text_of(response)).group(1)


def at_appraisal(login_as, make_dossier) -> tuple[str, dict]:
    """A dossier past the desk (with an officer's note), claimed by a specialist."""
    code = make_dossier("CLO", "1.001612", applicant=APPLICANT)["code"]
    desk = login_as("clo.mc1")
    receive = desk.get(f"/dossiers/{code}").get_json()["tasks"][0]
    data = {"data": {**example_data(receive["form"]), "note": SECRET_NOTE}}
    assert desk.post(f"/tasks/{receive['id']}/complete", json=data).status_code == 200
    specialist = login_as("clo.cv.tckh1")
    task = next(
        t for t in specialist.get(f"/dossiers/{code}").get_json()["tasks"] if t["status"] == "open"
    )
    assert specialist.post(f"/tasks/{task['id']}/claim").status_code == 200
    return code, task


def test_the_lookup_page_needs_no_sign_in_and_the_login_page_links_to_it(client):
    page = client.get("/lookup")
    assert page.status_code == 200
    assert 'name="code"' in text_of(page) and 'name="secret"' in text_of(page)
    assert 'href="/lookup"' in text_of(client.get("/login"))


def test_the_right_pair_shows_the_stage_and_dates_but_no_notes_or_names(
    app, client, login_as, make_dossier
):
    code, task = at_appraisal(login_as, make_dossier)
    response = look_up(client, code.lower(), "042 190.004 321")  # as people type them
    assert response.status_code == 200
    html = text_of(response)
    tz = ZoneInfo(app.config["TIMEZONE"])
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        unit_name = db.session.scalar(select(Unit.name).where(Unit.code == task["unit"]))
        officers = db.session.scalars(
            select(User.display_name).where(User.username.in_(["clo.mc1", "clo.cv.tckh1"]))
        ).all()
        received = dossier.received_at.astimezone(tz).strftime("%d/%m/%Y %H:%M")
        appointment = dossier.appointment_at.astimezone(tz).strftime("%d/%m/%Y %H:%M")
    assert code in html and "Đang xử lý" in html
    assert f"{task['step_name']} — {unit_name}" in html
    assert received in html and appointment in html
    assert SECRET_NOTE not in html
    for name in officers:
        assert name not in html
    assert APPLICANT["email"] not in html and APPLICANT["address"] not in html


def test_the_phone_number_works_as_well(client, make_dossier):
    code = make_dossier("CLO", "1.001612", applicant=APPLICANT)["code"]
    response = look_up(client, code, "+84 915 667 788", ip="203.0.113.2")
    assert response.status_code == 200
    assert "Mới tiếp nhận" in text_of(response)


def test_a_wrong_pair_reads_exactly_like_an_unknown_code(client, make_dossier):
    code = make_dossier("CLO", "1.001612", applicant=APPLICANT)["code"]
    wrong = look_up(client, code, "042190009999", ip="203.0.113.3")
    unknown = look_up(client, "CLO-000000-9999", "042190004321", ip="203.0.113.3")
    assert wrong.status_code == unknown.status_code == 404
    assert alert(wrong) == alert(unknown) == NOT_FOUND
    assert "Tình trạng" not in text_of(wrong)


def test_empty_fields_are_asked_for_next_to_them(client):
    response = look_up(client, "", "", ip="203.0.113.4")
    assert response.status_code == 422
    assert len(re.findall(r'class="field-error"', text_of(response))) == 2


def test_five_wrong_tries_of_a_code_lock_that_code_even_with_the_right_pair(client, make_dossier):
    code = make_dossier("CLO", "1.001612", applicant=APPLICANT)["code"]
    for attempt in range(5):
        assert look_up(client, code, f"04219000{attempt:04d}", ip="203.0.113.5").status_code == 404
    for ip in ("203.0.113.5", "203.0.113.6"):  # the code is locked, whoever tries it
        refused = look_up(client, code, APPLICANT["id_number"], ip=ip)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
        assert "quá nhiều lần" in alert(refused)
        assert "Tình trạng" not in text_of(refused)
    # The address that failed five times still looks up another dossier.
    other = make_dossier("CLO", "1.001612", applicant=APPLICANT)["code"]
    assert look_up(client, other, APPLICANT["id_number"], ip="203.0.113.5").status_code == 200


def test_a_shared_kiosk_is_not_locked_by_the_mistakes_of_many_people(client, make_dossier):
    """Twelve applicants at one desk kiosk each mistype their number once."""
    codes = [make_dossier("CLO", "1.001612", applicant=APPLICANT)["code"] for _ in range(13)]
    for code in codes[:12]:
        assert look_up(client, code, "042190009999", ip="203.0.113.7").status_code == 404
    assert look_up(client, codes[12], APPLICANT["phone"], ip="203.0.113.7").status_code == 200
    assert look_up(client, codes[0], APPLICANT["id_number"], ip="203.0.113.7").status_code == 200


def test_an_address_trying_codes_by_the_dozen_is_refused(app, client, make_dossier, monkeypatch):
    monkeypatch.setitem(app.config, "LOOKUP_MAX_FAILURES_PER_ADDRESS", 12)
    code = make_dossier("CLO", "1.001612", applicant=APPLICANT)["code"]
    for n in range(12):
        assert (
            look_up(client, f"CLO-261203-{n:04d}", "042190004321", ip="203.0.113.8").status_code
            == 404
        )
    refused = look_up(client, code, APPLICANT["id_number"], ip="203.0.113.8")
    assert refused.status_code == 429 and "Bạn đã tra cứu sai" in alert(refused)


def test_a_dossier_waiting_for_papers_shows_them_and_not_the_old_appointment(
    app, client, login_as, make_dossier
):
    code, task = at_appraisal(login_as, make_dossier)
    specialist = login_as("clo.cv.tckh1")
    data = {
        "opinion": "Hồ sơ chưa đủ để thẩm định",
        "proposal": "supplement",
        "reason": "Thiếu giấy tờ của chủ hộ",
        "items": "Bản sao CCCD của chủ hộ\nGiấy xác nhận nơi cư trú",
    }
    done = specialist.post(f"/tasks/{task['id']}/complete", json={"data": data})
    assert done.status_code == 200, done.get_json()
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        procedure = dossier.procedure.name
        appointment = dossier.appointment_at.astimezone(ZoneInfo(app.config["TIMEZONE"]))
    response = look_up(client, code, APPLICANT["id_number"], ip="203.0.113.9")
    assert response.status_code == 200
    html = text_of(response)
    assert procedure in html and "Chờ bổ sung" in html
    assert "Giấy tờ cần bổ sung" in html
    assert (
        "<li>Bản sao CCCD của chủ hộ</li>" in html and "<li>Giấy xác nhận nơi cư trú</li>" in html
    )
    assert appointment.strftime("%d/%m/%Y %H:%M") not in html
    assert "Ngày hẹn trả kết quả" not in html and "Đang xử lý tại" not in html
    api = client.get(
        "/api/v1/lookup",
        query_string={"code": code, "secret": APPLICANT["phone"]},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    ).get_json()
    assert api["missing_papers"] == ["Bản sao CCCD của chủ hộ", "Giấy xác nhận nơi cư trú"]
    assert api["appointment_at"] is None and api["stage"] is None
    assert api["supplement_requested_at"] is not None


def test_a_returned_dossier_shows_its_return_date_instead_of_a_stage(
    app, client, make_procedure, insert_dossier
):
    tz = ZoneInfo(app.config["TIMEZONE"])
    returned_at = datetime(2026, 11, 20, 9, 30, tzinfo=tz)
    with app.app_context():
        procedure = make_procedure(name="Cấp giấy phép thử nghiệm tra cứu")
        unit = db.session.scalar(select(Unit).where(Unit.code == "CLO"))
        dossier = insert_dossier(
            procedure,
            unit,
            status=DossierStatus.RETURNED,
            received_at=datetime(2026, 11, 10, 8, 0, tzinfo=tz),
            appointment_at=datetime(2026, 11, 19, 16, 0, tzinfo=tz),
            finished_at=datetime(2026, 11, 18, 10, 0, tzinfo=tz),
            returned_at=returned_at,
            applicant_id_number=APPLICANT["id_number"],
        )
        code = dossier.code
    response = look_up(client, code, APPLICANT["id_number"], ip="203.0.113.10")
    assert response.status_code == 200
    html = text_of(response)
    assert "Cấp giấy phép thử nghiệm tra cứu" in html and "Đã trả kết quả" in html
    assert "Ngày trả kết quả" in html and "20/11/2026 09:30" in html
    assert "Đang xử lý tại" not in html and "19/11/2026 16:00" not in html
