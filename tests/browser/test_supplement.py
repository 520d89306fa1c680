"""A specialist finds a paper missing and asks for it as the appraisal step's decision; the dossier
waits at the desk's step for the applicant with its clock stopped; the desk records the papers
and processing resumes with a new appointment. And a dossier found incomplete at the desk gets
form 02 instead of a receipt. In the browser, in Vietnamese."""

import re

from playwright.sync_api import expect

from motcua.services.formdata import example_data
from tests.browser.test_day_at_the_centre import open_task

APPLICANT = {
    "name": "Lê Thị Thu Hà",
    "id_number": "042190009999",
    "phone": "0915000222",
    "email": "thuha@example.vn",
    "address": "Xã Hương Trạch, huyện Hương Khê",
}


def api(client, username: str):
    token = client.post(
        "/api/v1/auth/token", json={"username": username, "password": "demo"}
    ).get_json()["token"]
    return {"Authorization": f"Bearer {token}"}


def received_at_can_loc(live_app, applicant: dict) -> str:
    """A household-business dossier just received by Can Lộc's desk, through the API: its
    code."""
    client = live_app.test_client()
    response = client.post(
        "/api/v1/dossiers",
        json={
            "procedure_code": "1.001612",
            "unit_code": "CLO",
            "applicant": applicant,
            "channel": "direct",
        },
        headers=api(client, "clo.mc1"),
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def received_at_the_desk(client) -> str:
    """A construction-permit dossier of Hương Khê, past the desk's check."""
    desk = api(client, "hkh.mc1")
    response = client.post(
        "/api/v1/dossiers",
        json={
            "procedure_code": "1.009994",
            "unit_code": "HKH",
            "applicant": APPLICANT,
            "channel": "direct",
        },
        headers=desk,
    )
    code = response.get_json()["code"]
    task = client.get(f"/api/v1/dossiers/{code}", headers=desk).get_json()["tasks"][0]
    client.post(f"/api/v1/tasks/{task['id']}/claim", headers=desk)
    done = client.post(
        f"/api/v1/tasks/{task['id']}/complete",
        json={"data": example_data(task["form"])},
        headers=desk,
    )
    assert done.status_code == 200, done.get_json()
    return code


def test_a_supplement_request_and_the_papers_brought_back(live_app, as_officer, shot):
    code = received_at_the_desk(live_app.test_client())

    # The specialist's appraisal finds papers missing: that is the step's decision.
    specialist = as_officer("hkh.cv.ktht1")
    open_task(specialist, code, "unit")
    specialist.get_by_role("button", name="Nhận xử lý").click()
    specialist.fill("[name=opinion]", "Bản vẽ chưa đủ để thẩm định.")
    specialist.select_option("[name=proposal]", "supplement")
    specialist.fill("[name=reason]", "Bản vẽ thiết kế chưa có chữ ký của chủ đầu tư")
    specialist.fill("[name=items]", "Bản vẽ mặt bằng có chữ ký\nBản sao giấy tờ đất")
    specialist.get_by_role("button", name="Hoàn thành bước").click()
    expect(specialist.locator(".flash")).to_be_visible()
    specialist.goto(f"/dossiers/{code}")
    expect(specialist.locator("dt:has-text('Trạng thái') + dd")).to_have_text("Chờ bổ sung")
    expect(specialist.get_by_role("link", name=re.compile(r"^02-.*\.pdf$"))).to_be_visible()
    expect(
        specialist.get_by_text("Lý do: Bản vẽ thiết kế chưa có chữ ký của chủ đầu tư")
    ).to_be_visible()
    shot(specialist, "supplement-requested")

    # The request goes back through the desk, whose step waits for the applicant's papers.
    desk = as_officer("hkh.mc1")
    open_task(desk, code, "unit")
    expect(desk.get_by_role("heading", name="Thông báo và nhận hồ sơ bổ sung")).to_be_visible()
    desk.get_by_role("button", name="Nhận xử lý").click()
    desk.check("[name=received]")
    desk.get_by_role("button", name="Hoàn thành bước").click()
    expect(desk.locator(".flash")).to_be_visible()
    desk.goto(f"/dossiers/{code}")
    expect(desk.locator("dt:has-text('Trạng thái') + dd")).to_have_text("Đang xử lý")
    expect(desk.get_by_text("Nhận hồ sơ bổ sung; hẹn trả mới")).to_be_visible()


def test_an_incomplete_dossier_at_the_desk_gets_form_02(as_officer, shot):
    desk = as_officer("hkh.mc1")
    desk.goto("/desk/receive/1.009994")
    for name, value in APPLICANT.items():
        desk.fill(f"input[name='applicant.{name}']", value)
    desk.fill("[name=reason]", "Thiếu bản vẽ thiết kế")
    desk.fill("[name=items]", "Bản vẽ thiết kế mặt bằng, mặt cắt")
    # The desk lands on the stored form 02, the paper the applicant takes home.
    with desk.expect_response(re.compile(r"/files/\d+$")) as landed:
        desk.get_by_role("button", name="Yêu cầu bổ sung, in phiếu 02").click()
    assert landed.value.headers["content-type"] == "application/pdf"
    code = landed.value.url.split("/")[-3]
    desk.goto(f"/dossiers/{code}")
    expect(desk.locator("dt:has-text('Trạng thái') + dd")).to_have_text("Chờ bổ sung")
    expect(desk.get_by_role("link", name=re.compile(r"^02-.*\.pdf$"))).to_be_visible()
    shot(desk, "supplement-at-receipt")
