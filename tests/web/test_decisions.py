"""Decisions in view and returned work back to its owner (issue 13, items 1 and 2): the
earlier steps' decisions on the task page and the dossier's log, a step sent back reopened
with the officer who did it and the reason first on its page, one send-back control."""

import re

from sqlalchemy import update

from motcua.extensions import db
from motcua.models import User
from motcua.services.formdata import example_data
from tests.api.test_tasks import active_task

HOUSEHOLD = "1.001612"
OPINION = "Hồ sơ đủ điều kiện; tên hộ kinh doanh không trùng."
BACK = "Ghi rõ ngành nghề kinh doanh trong ý kiến thẩm định."


def appraised(login_as, make_dossier) -> tuple[str, dict]:
    """A CLO household-business dossier checked at the desk and appraised by clo.cv.tckh1
    (proposing to approve); returns its code and the office head's review step."""
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = login_as("clo.mc1")
    check = active_task(desk, code)
    data = {"data": example_data(check["form"])}
    assert desk.post(f"/tasks/{check['id']}/complete", json=data).status_code == 200
    specialist = login_as("clo.cv.tckh1")
    appraisal = active_task(specialist, code)
    assert specialist.post(f"/tasks/{appraisal['id']}/claim").status_code == 200
    data = {"opinion": OPINION, "proposal": "approve"}
    done = specialist.post(f"/tasks/{appraisal['id']}/complete", json={"data": data})
    assert done.status_code == 200, done.get_json()
    return code, active_task(specialist, code)


def sent_back_by_decision(login_as, make_dossier) -> tuple[str, dict]:
    code, review = appraised(login_as, make_dossier)
    leader = login_as("clo.ld.tckh")
    assert leader.post(f"/tasks/{review['id']}/claim").status_code == 200
    data = {"decision": "send_back", "reason": BACK}
    sent = leader.post(f"/tasks/{review['id']}/complete", json={"data": data})
    assert sent.status_code == 200, sent.get_json()
    return code, active_task(leader, code)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_leader_reads_the_appraisal_before_the_decision(login_as, make_dossier, officer):
    code, review = appraised(login_as, make_dossier)
    html = officer("clo.ld.tckh").page(f"/tasks/{review['id']}")
    decisions = html.index('id="decisions"')
    assert decisions < html.index('id="work"')
    shown = text_of(html[decisions : html.index('id="work"')])
    assert "Thẩm định hồ sơ, dự thảo Giấy chứng nhận" in shown
    assert f"Ý kiến thẩm định: {OPINION}" in shown
    assert "Đề xuất: Đề xuất giải quyết" in shown  # the option's title, not "approve"
    assert "approve" not in shown


def test_the_dossier_log_tells_each_decision_in_words(login_as, make_dossier, officer):
    code, _ = sent_back_by_decision(login_as, make_dossier)
    html = officer("clo.mc1").page(f"/dossiers/{code}")
    rows = re.findall(r'<tr data-kind="step_completed">(.*?)</tr>', html, re.S)
    desk, appraisal, review = (text_of(r) for r in rows if "data-decision" in r)
    assert "Tiếp nhận, kiểm tra hồ sơ" in desk
    assert f"Ý kiến thẩm định: {OPINION}" in appraisal
    assert "Đề xuất: Đề xuất giải quyết" in appraisal
    assert "Ý kiến: Trả lại chuyên viên" in review and f"Lý do: {BACK}" in review


def test_a_step_sent_back_returns_to_its_officer_with_the_reason_first(
    login_as, make_dossier, officer
):
    code, again = sent_back_by_decision(login_as, make_dossier)
    assert again["step_id"] == "tham_dinh"
    assert (again["status"], again["assignee"]) == ("claimed", "clo.cv.tckh1")
    mine = login_as("clo.cv.tckh1").get("/tasks", query_string={"scope": "mine"}).get_json()
    assert again["id"] in [t["id"] for t in mine["items"]]

    html = officer("clo.cv.tckh1").page(f"/tasks/{again['id']}")
    returned = html.index('id="returned"')
    assert returned < html.index('id="decisions"') < html.index('id="work"')
    shown = text_of(html[returned : html.index('id="decisions"')])
    assert f"Lý do: {BACK}" in shown and "Lãnh đạo phòng xem xét" in shown


def test_a_step_sent_back_stays_open_to_the_unit_when_its_officer_left(
    app, login_as, make_dossier, officer
):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = login_as("clo.mc1")
    check = active_task(desk, code)
    data = {"data": example_data(check["form"])}
    assert desk.post(f"/tasks/{check['id']}/complete", json=data).status_code == 200
    appraisal = active_task(desk, code)
    with app.app_context():
        db.session.execute(update(User).where(User.username == "clo.mc1").values(active=False))
        db.session.commit()
    sent = officer("clo.cv.tckh1").post(
        f"/tasks/{appraisal['id']}/send-back", data={"reason": "Bản sao CCCD bị mờ."}
    )
    assert sent.status_code == 302
    back = active_task(login_as("admin"), code)
    assert (back["step_id"], back["status"], back["assignee"]) == ("tiep_nhan", "open", None)
    assert login_as("clo.mc2").post(f"/tasks/{back['id']}/claim").status_code == 200
    html = officer("clo.mc2").page(f"/tasks/{back['id']}")  # who takes it over reads why
    assert html.index('id="returned"') < html.index('id="work"')
    assert "Lý do: Bản sao CCCD bị mờ." in text_of(html)


def test_the_review_page_has_one_send_back_control_with_a_required_reason(
    login_as, make_dossier, officer
):
    code, review = appraised(login_as, make_dossier)
    login_as("clo.ld.tckh").post(f"/tasks/{review['id']}/claim")
    leader = officer("clo.ld.tckh")
    html = leader.page(f"/tasks/{review['id']}")
    assert 'id="send-back-form"' not in html  # the decision "Trả lại chuyên viên" is the one
    assert '<option value="send_back">Trả lại chuyên viên</option>' in html

    refused = leader.post(f"/tasks/{review['id']}/complete", data={"decision": "send_back"})
    assert refused.status_code == 422
    assert active_task(login_as("admin"), code)["id"] == review["id"]


def test_the_box_sends_back_to_the_desk_officer_with_the_reason_first(
    login_as, make_dossier, officer
):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = login_as("clo.mc1")
    check = active_task(desk, code)
    data = {"data": example_data(check["form"])}
    assert desk.post(f"/tasks/{check['id']}/complete", json=data).status_code == 200
    appraisal = active_task(desk, code)
    specialist = officer("clo.cv.tckh1")
    assert 'id="send-back-form"' in specialist.page(f"/tasks/{appraisal['id']}")
    reason = "Bản sao CCCD bị mờ."
    sent = specialist.post(f"/tasks/{appraisal['id']}/send-back", data={"reason": reason})
    assert sent.status_code == 302
    back = active_task(desk, code)
    assert (back["step_id"], back["assignee"]) == ("tiep_nhan", "clo.mc1")
    html = officer("clo.mc1").page(f"/tasks/{back['id']}")
    assert html.index('id="returned"') < html.index('id="work"')
    assert f"Lý do: {reason}" in text_of(html)
