"""The rules of working a step, through the API."""

import json

from motcua.bpmn import BPMN_DIR
from motcua.services.formdata import example_data

CATALOGUE = json.loads((BPMN_DIR / "catalogue.json").read_text(encoding="utf-8"))
HOUSEHOLD = "1.001612"
PERMIT = next(e["code"] for e in CATALOGUE if "xây dựng" in e["name"].lower())


def active_task(api, code):
    tasks = api.get(f"/dossiers/{code}").get_json()["tasks"]
    return next(t for t in tasks if t["status"] in ("open", "claimed"))


def work(login_as, task, **choices):
    """The task's handler (its assignee, or the first candidate) claims and completes it.

    Returns (the officer, the response)."""
    if task["assignee"]:
        officer = login_as(task["assignee"])
    else:
        admin = login_as("admin")
        officer = login_as(
            admin.get(f"/tasks/{task['id']}").get_json()["candidates"][0]["username"]
        )
        assert officer.post(f"/tasks/{task['id']}/claim").status_code == 200
    data = {"data": example_data(task["form"], **choices)}
    return officer, officer.post(f"/tasks/{task['id']}/complete", json=data)


def work_until(login_as, code, stop):
    """Work the dossier's steps (approving) until ``stop(task)`` holds; return that task."""
    admin = login_as("admin")
    for _ in range(20):
        task = active_task(admin, code)
        if stop(task):
            return task
        _, response = work(login_as, task)
        assert response.status_code == 200, response.get_json()
    raise AssertionError("the dossier never reached the step looked for")


def at_decision(task):
    return task["form"] == "xem-xet"


def test_the_receiving_officer_holds_the_first_step(login_as, make_dossier):
    dossier = make_dossier("CLO", HOUSEHOLD)
    desk = login_as("clo.mc1")
    mine = desk.get("/tasks", query_string={"scope": "mine"}).get_json()["items"]
    assert dossier["code"] in [t["dossier"] for t in mine]


def test_completing_a_step_routes_it_to_the_next_handlers_unit_inbox(login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = login_as("clo.mc1")
    _, response = work(login_as, active_task(desk, code))
    assert response.status_code == 200
    nxt = active_task(desk, code)
    assert nxt["status"] == "open" and nxt["assignee"] is None
    assert desk.get(f"/dossiers/{code}").get_json()["status"] == "processing"
    specialist = login_as("clo.cv.tckh1")
    unit_inbox = specialist.get("/tasks", query_string={"scope": "unit"}).get_json()["items"]
    assert nxt["id"] in [t["id"] for t in unit_inbox]
    other_district = login_as("hkh.cv.tckh2")
    assert nxt["id"] not in [
        t["id"]
        for t in other_district.get("/tasks", query_string={"scope": "unit"}).get_json()["items"]
    ]


def test_form_data_that_does_not_fit_gets_field_errors_and_changes_nothing(login_as, make_dossier):
    code = make_dossier("CLO", PERMIT)["code"]
    task = work_until(login_as, code, at_decision)
    leader = login_as("clo.ld.ktht")
    response = leader.post(f"/tasks/{task['id']}/complete", json={"data": {"decision": "maybe"}})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_form"
    assert "decision" in error["details"]
    after = leader.get(f"/tasks/{task['id']}").get_json()
    assert after["status"] in ("open", "claimed") and after["completed_at"] is None


def test_a_claimed_step_cannot_be_taken_or_completed_by_another_officer(login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = login_as("clo.mc1")
    first = active_task(desk, code)
    work(login_as, first)
    task = active_task(desk, code)
    one, two = login_as("clo.cv.tckh1"), login_as("clo.cv.tckh2")
    assert one.post(f"/tasks/{task['id']}/claim").status_code == 200
    taken = two.post(f"/tasks/{task['id']}/claim")
    assert taken.status_code == 409
    assert taken.get_json()["error"]["code"] == "claimed_by_other"
    completed = two.post(f"/tasks/{task['id']}/complete", json={"data": example_data(task["form"])})
    assert completed.status_code == 409


def test_a_finished_step_cannot_be_completed_twice(login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = login_as("clo.mc1")
    first = active_task(desk, code)
    data = {"data": example_data(first["form"])}
    assert desk.post(f"/tasks/{first['id']}/complete", json=data).status_code == 200
    again = desk.post(f"/tasks/{first['id']}/complete", json=data)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "task_not_active"


def test_an_officer_outside_the_handler_cannot_claim(login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = login_as("clo.mc1")
    first = active_task(desk, code)
    work(login_as, first)
    task = active_task(desk, code)
    wrong_office = login_as("clo.cv.tp1")
    response = wrong_office.post(f"/tasks/{task['id']}/claim")
    assert response.status_code in (403, 404)


def test_returning_the_result_requires_a_result_file(login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    task = work_until(login_as, code, lambda t: t["returns_result"])
    admin = login_as("admin")
    assert admin.get(f"/dossiers/{code}").get_json()["status"] == "result_ready"
    desk, response = work(login_as, task)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "result_required"
    assert desk.upload(code, "kq.pdf", b"%PDF", kind="result").status_code == 201
    data = {"data": example_data(task["form"])}
    assert desk.post(f"/tasks/{task['id']}/complete", json=data).status_code == 200
    assert admin.get(f"/dossiers/{code}").get_json()["status"] == "returned"


def test_leader_sends_the_permit_back_to_the_specialist(login_as, make_dossier):
    code = make_dossier("CLO", PERMIT)["code"]
    task = work_until(login_as, code, at_decision)
    _, response = work(login_as, task, decision="send_back", reason="Thiếu bản vẽ mặt cắt.")
    assert response.status_code == 200
    dossier = login_as("admin").get(f"/dossiers/{code}").get_json()
    again = next(t for t in dossier["tasks"] if t["status"] == "claimed")
    assert again["step_id"] == "tham_dinh"
    assert len([t for t in dossier["tasks"] if t["step_id"] == "tham_dinh"]) == 2
    assert dossier["status"] == "processing"


def test_leader_refuses_the_permit_and_the_dossier_ends_refused(login_as, make_dossier):
    code = make_dossier("HKH", PERMIT)["code"]
    task = work_until(login_as, code, at_decision)
    _, response = work(login_as, task, decision="refuse", reason="Không phù hợp quy hoạch.")
    assert response.status_code == 200
    notice = active_task(login_as("admin"), code)
    assert notice["step_id"] == "tra_tu_choi" and not notice["returns_result"]
    assert work(login_as, notice)[1].status_code == 200
    dossier = login_as("admin").get(f"/dossiers/{code}").get_json()
    assert dossier["status"] == "refused"
    assert dossier["finished_at"]


def test_send_back_needs_a_reason_and_returns_to_the_previous_step(login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = login_as("clo.mc1")
    first = active_task(desk, code)
    work(login_as, first)
    task = active_task(desk, code)
    specialist = login_as("clo.cv.tckh1")
    specialist.post(f"/tasks/{task['id']}/claim")
    no_reason = specialist.post(f"/tasks/{task['id']}/send-back", json={"reason": " "})
    assert no_reason.status_code == 422
    response = specialist.post(
        f"/tasks/{task['id']}/send-back", json={"reason": "Giấy tờ bị mờ, đề nghị kiểm tra lại."}
    )
    assert response.status_code == 200, response.get_json()
    dossier = desk.get(f"/dossiers/{code}").get_json()
    back = active_task(desk, code)
    assert back["step_id"] == first["step_id"]
    event = dossier["events"][-1]
    assert event["kind"] == "sent_back" and event["note"].startswith("Giấy tờ bị mờ")


LAND = next(e["code"] for e in CATALOGUE if "đất" in e["name"].lower())


def test_an_interconnected_step_goes_to_the_other_units_inbox_and_comes_back(
    login_as, make_dossier
):
    code = make_dossier("CLO", LAND)["code"]
    provincial = login_as("vpdkdd.cv1")

    def at_provincial_office(task):
        if task["unit"] != "VPDKDD":
            assert provincial.get(f"/dossiers/{code}").status_code == 404
        return task["unit"] == "VPDKDD"

    task = work_until(login_as, code, at_provincial_office)
    inbox = provincial.get("/tasks", query_string={"scope": "unit"}).get_json()["items"]
    assert task["id"] in [t["id"] for t in inbox]
    assert provincial.get(f"/dossiers/{code}").status_code == 200
    assert work(login_as, task)[1].status_code == 200
    back = active_task(login_as("admin"), code)
    assert back["unit"].startswith("CLO")
