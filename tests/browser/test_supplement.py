"""A specialist finds a paper missing and asks for it from the dossier page; the dossier waits
with its clock stopped; the desk records the papers and processing resumes with a new
appointment. In the browser, in Vietnamese."""

import re

from playwright.sync_api import expect

from motcua.services.formdata import example_data

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


def test_a_supplement_request_and_the_papers_brought_back(live_app, browser, live_server, shot):
    code = received_at_the_desk(live_app.test_client())

    def signed_in(username):
        context = browser.new_context(base_url=live_server, locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto("/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "demo")
        page.click("main form button[type=submit]")
        expect(page.get_by_text(f"({username})")).to_be_visible()
        return page

    specialist = signed_in("hkh.cv.ktht1")
    specialist.goto(f"/dossiers/{code}")
    form = specialist.locator("form", has_text="Yêu cầu bổ sung, hoàn thiện hồ sơ")
    form.locator("textarea[name=reason]").fill("Bản vẽ thiết kế chưa có chữ ký của chủ đầu tư")
    form.locator("textarea[name=items]").fill("Bản vẽ mặt bằng có chữ ký\nBản sao giấy tờ đất")
    form.get_by_role("button", name="Gửi yêu cầu bổ sung (mẫu 02)").click()
    expect(specialist.locator(".flash")).to_contain_text("chờ người nộp bổ sung")
    expect(specialist.locator("dt:has-text('Trạng thái') + dd")).to_have_text("Chờ bổ sung")
    expect(specialist.get_by_role("link", name=re.compile(r"^02-.*\.pdf$"))).to_be_visible()
    shot(specialist, "supplement-requested")

    desk = signed_in("hkh.mc1")
    desk.goto(f"/dossiers/{code}")
    desk.get_by_role("button", name="Đã nhận đủ giấy tờ bổ sung").click()
    expect(desk.locator(".flash")).to_contain_text("ngày hẹn mới")
    expect(desk.locator("dt:has-text('Trạng thái') + dd")).to_have_text("Đang xử lý")
    expect(desk.get_by_text("Nhận hồ sơ bổ sung; hẹn trả mới")).to_be_visible()
    expect(desk.get_by_text("Lý do: Bản vẽ thiết kế chưa có chữ ký của chủ đầu tư")).to_be_visible()
    for page in (specialist, desk):
        page.context.close()
