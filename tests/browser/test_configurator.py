"""A district admin changes who does two steps and how long they may take, in the browser, and
publishes: a dossier received afterwards follows the new handler and deadline, one received
before keeps its own."""

from datetime import datetime

from playwright.sync_api import expect

from motcua.services.formdata import example_data
from motcua.workcalendar import WorkCalendar

APPLICANT = {
    "name": "Trần Văn Bình",
    "id_number": "042190005555",
    "phone": "0912000111",
    "address": "Thị trấn Kỳ Anh",
}


class Desk:
    """The JSON API as an officer of Kỳ Anh, on the live server's app."""

    def __init__(self, client, username: str):
        token = client.post(
            "/api/v1/auth/token", json={"username": username, "password": "demo"}
        ).get_json()["token"]
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def get(self, path):
        return self.client.get(f"/api/v1{path}", headers=self.headers).get_json()

    def post(self, path, json=None):
        return self.client.post(f"/api/v1{path}", json=json or {}, headers=self.headers)

    def work(self, task: dict) -> None:
        """Claim and complete a step with valid data for its form."""
        assert self.post(f"/tasks/{task['id']}/claim").status_code == 200
        done = self.post(f"/tasks/{task['id']}/complete", json={"data": example_data(task["form"])})
        assert done.status_code == 200, done.get_json()

    def receive(self) -> tuple[dict, dict]:
        """A new dossier of 1.001612 and its appraisal step (tham_dinh)."""
        response = self.post(
            "/dossiers",
            json={
                "procedure_code": "1.001612",
                "unit_code": "HKH",
                "applicant": APPLICANT,
                "channel": "direct",
            },
        )
        assert response.status_code == 201, response.get_json()
        code = response.get_json()["code"]
        self.work(next(t for t in self.get(f"/dossiers/{code}")["tasks"]))  # the desk's check
        dossier = self.get(f"/dossiers/{code}")
        return dossier, next(t for t in dossier["tasks"] if t["step_id"] == "tham_dinh")


def test_a_district_admin_reconfigures_two_steps(live_app, page, sign_in, shot):
    desk = Desk(live_app.test_client(), "hkh.mc1")
    old_dossier, old_step = desk.receive()
    assert old_step["handler"] == "user:hkh.cv.tckh1" and old_step["time_limit"] == "1d"

    sign_in("hkh.qt")
    page.get_by_role("link", name="Quy trình nội bộ").click()
    page.locator("tr", has_text="1.001612").locator("td[data-unit=HKH] a").click()
    expect(page.get_by_role("heading", name="Cấu hình quy trình: 1.001612")).to_be_visible()
    total_before = page.locator("#total-days").inner_text()

    step = page.locator("tr[data-step=tham_dinh]")
    step.locator("select.mode").select_option("users")
    step.locator(".officer-filter").fill("tckh2")
    step.locator("select[name='h-tham_dinh-users']").select_option("hkh.cv.tckh2")
    step.locator("input[name='t-tham_dinh-amount']").fill("0.5")
    page.locator("input[name='t-xem_xet-amount']").fill("2")
    page.locator("select[name='t-xem_xet-unit']").select_option("h")
    # The total along the longest path follows the table as it is typed.
    expect(page.locator("#total-days")).not_to_have_text(total_before)
    shot(page, "configurator")
    page.get_by_role("button", name="Lưu và ban hành").click()
    expect(page.locator(".flash")).to_contain_text("Đã ban hành phiên bản 2")

    new_dossier, new_step = desk.receive()
    assert new_dossier["process_version"] == old_dossier["process_version"] + 1
    assert new_step["handler"] == "user:hkh.cv.tckh2"
    assert new_step["time_limit"] == "0.5d"
    calendar = WorkCalendar()
    assert datetime.fromisoformat(new_step["due_at"]) == calendar.add(
        datetime.fromisoformat(new_step["created_at"]), hours=0.5 * calendar.hours_per_day
    )
    # The dossier received before keeps its version, its step, its deadline and its officer,
    # who still works it from the inbox.
    old = desk.get(f"/dossiers/{old_dossier['code']}")
    assert old["process_version"] == old_dossier["process_version"]
    task = next(t for t in old["tasks"] if t["step_id"] == "tham_dinh")
    assert (task["handler"], task["due_at"]) == ("user:hkh.cv.tckh1", old_step["due_at"])
    Desk(live_app.test_client(), "hkh.cv.tckh1").work(task)
    after = desk.get(f"/dossiers/{old_dossier['code']}")
    next_step = next(t for t in after["tasks"] if t["status"] == "open")
    assert next_step["step_id"] == "xem_xet" and next_step["time_limit"] == "3h"

    # The versions list compares the two versions, steps in a table and diagrams side by side.
    page.goto("/admin/procedures/1.001612/versions?unit=HKH")
    page.get_by_role("button", name="So sánh hai phiên bản").click()
    expect(page.locator("tr[data-step=tham_dinh][data-field=handler]")).to_contain_text(
        "user:hkh.cv.tckh2"
    )
    expect(page.locator(".diagram[data-loaded=true]")).to_have_count(2)
    expect(page.locator(".diagram .diff-changed")).to_have_count(4)
    shot(page, "version-diff")
