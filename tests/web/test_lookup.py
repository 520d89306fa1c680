"""The public lookup page: a code and the applicant's id number or phone, and nothing more."""

import re
from html import unescape
from zoneinfo import ZoneInfo

from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Dossier, Unit, User
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


def test_the_eleventh_failed_attempt_is_refused_even_with_the_right_pair(client, make_dossier):
    code = make_dossier("CLO", "1.001612", applicant=APPLICANT)["code"]
    for attempt in range(10):
        assert look_up(client, code, f"04219000{attempt:04d}", ip="203.0.113.5").status_code == 404
    refused = look_up(client, code, APPLICANT["id_number"], ip="203.0.113.5")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "quá nhiều lần" in alert(refused)
    assert "Tình trạng" not in text_of(refused)
    # Another address is not held back by this one.
    assert look_up(client, code, APPLICANT["id_number"], ip="203.0.113.6").status_code == 200
