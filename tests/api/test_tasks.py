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


def advance(login_as, code, until_step_with=None):
    """Complete steps (approving) until the active step's form has the given field."""
    admin = login_as("admin")
    for _ in range(20):
        task = active_task(admin, code)
        detail = admin.get(f"/tasks/{task['id']}").get_json()
        fields = (detail["form_definition"] or {}).get("schema", {}).get("properties", {})
        if until_step_with in fields:
            return detail
        officer = login_as(task["assignee"] or detail["candidates"][0]["username"])
        officer.post(f"/tasks/{task['id']}/claim")
        response = officer.post(
            f"/tasks/{task['id']}/complete", json={"data": example_data(task["form"])}
        )
        assert response.status_code == 200, response.get_json()
    raise AssertionError(f"no step with field {until_step_with}")


def test_the_receiving_officer_holds_the_first_step(login_as, make_dossier):
    dossier = make_dossier("CLO", HOUSEHOLD)
    desk = login_as("clo.mc1")
    mine = desk.get("/tasks", query_string={"scope": "mine"}).get_json()["items"]
    assert dossier["code"] in [t["dossier"] for t in mine]


def test_completing_a_step_routes_it_to_the_next_handlers_unit_inbox(login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = login_as("clo.mc1")
    first = active_task(desk, code)
    response = desk.post(
        f"/tasks/{first['id']}/complete", json={"data": example_data(first["form"])}
    )
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
    detail = advance(login_as, code, until_step_with="decision")
    leader = login_as(detail["candidates"][0]["username"])
    response = leader.post(f"/tasks/{detail['id']}/complete", json={"data": {"decision": "maybe"}})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_form"
    assert "decision" in error["details"]
    after = leader.get(f"/tasks/{detail['id']}").get_json()
    assert after["status"] in ("open", "claimed") and after["completed_at"] is None


def test_a_claimed_step_cannot_be_taken_or_completed_by_another_officer(login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = login_as("clo.mc1")
    first = active_task(desk, code)
    desk.post(f"/tasks/{first['id']}/complete", json={"data": example_data(first["form"])})
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
    desk.post(f"/tasks/{first['id']}/complete", json={"data": example_data(first["form"])})
    task = active_task(desk, code)
    wrong_office = login_as("clo.cv.tp1")
    response = wrong_office.post(f"/tasks/{task['id']}/claim")
    assert response.status_code in (403, 404)


def test_returning_the_result_requires_a_result_file(login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    admin = login_as("admin")
    for _ in range(20):
        task = active_task(admin, code)
        detail = admin.get(f"/tasks/{task['id']}").get_json()
        officer = login_as(task["assignee"] or detail["candidates"][0]["username"])
        officer.post(f"/tasks/{task['id']}/claim")
        response = officer.post(
            f"/tasks/{task['id']}/complete", json={"data": example_data(task["form"])}
        )
        if task["returns_result"]:
            assert response.status_code == 422
            assert response.get_json()["error"]["code"] == "result_required"
            assert admin.get(f"/dossiers/{code}").get_json()["status"] == "result_ready"
            assert officer.upload(code, "kq.pdf", b"%PDF", kind="result").status_code == 201
            again = officer.post(
                f"/tasks/{task['id']}/complete", json={"data": example_data(task["form"])}
            )
            assert again.status_code == 200
            assert admin.get(f"/dossiers/{code}").get_json()["status"] == "returned"
            return
        assert response.status_code == 200, response.get_json()
    raise AssertionError("no result step reached")


def test_leader_sends_the_permit_back_to_the_specialist(login_as, make_dossier):
    code = make_dossier("CLO", PERMIT)["code"]
    detail = advance(login_as, code, until_step_with="decision")
    leader = login_as(detail["candidates"][0]["username"])
    leader.post(f"/tasks/{detail['id']}/claim")
    data = example_data(detail["form"], decision="send_back", reason="Thiếu bản vẽ mặt cắt.")
    assert leader.post(f"/tasks/{detail['id']}/complete", json={"data": data}).status_code == 200
    dossier = leader.get(f"/dossiers/{code}").get_json()
    again = next(t for t in dossier["tasks"] if t["status"] == "open")
    earlier = [t for t in dossier["tasks"] if t["step_id"] == again["step_id"]]
    assert len(earlier) == 2, "the specialist's step opens a second time"
    assert dossier["status"] == "processing"


def test_leader_refuses_the_permit_and_the_dossier_ends_refused(login_as, make_dossier):
    code = make_dossier("HKH", PERMIT)["code"]
    detail = advance(login_as, code, until_step_with="decision")
    leader = login_as(detail["candidates"][0]["username"])
    leader.post(f"/tasks/{detail['id']}/claim")
    data = example_data(detail["form"], decision="refuse", reason="Không phù hợp quy hoạch.")
    assert leader.post(f"/tasks/{detail['id']}/complete", json={"data": data}).status_code == 200
    admin = login_as("admin")
    for _ in range(5):
        dossier = admin.get(f"/dossiers/{code}").get_json()
        open_tasks = [t for t in dossier["tasks"] if t["status"] in ("open", "claimed")]
        if not open_tasks:
            break
        task = open_tasks[0]
        officer = login_as(
            task["assignee"]
            or admin.get(f"/tasks/{task['id']}").get_json()["candidates"][0]["username"]
        )
        officer.post(f"/tasks/{task['id']}/claim")
        response = officer.post(
            f"/tasks/{task['id']}/complete", json={"data": example_data(task["form"])}
        )
        assert response.status_code == 200, response.get_json()
    assert dossier["status"] == "refused"
    assert dossier["finished_at"]


def test_send_back_needs_a_reason_and_returns_to_the_previous_step(login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = login_as("clo.mc1")
    first = active_task(desk, code)
    desk.post(f"/tasks/{first['id']}/complete", json={"data": example_data(first["form"])})
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
    admin = login_as("admin")
    provincial = login_as("vpdkdd.cv1")
    for _ in range(10):
        task = active_task(admin, code)
        if task["unit"] == "VPDKDD":
            break
        assert provincial.get(f"/dossiers/{code}").status_code == 404
        detail = admin.get(f"/tasks/{task['id']}").get_json()
        officer = login_as(task["assignee"] or detail["candidates"][0]["username"])
        officer.post(f"/tasks/{task['id']}/claim")
        data = {"data": example_data(task["form"])}
        assert officer.post(f"/tasks/{task['id']}/complete", json=data).status_code == 200
    else:
        raise AssertionError("the dossier never reached the provincial office")

    inbox = provincial.get("/tasks", query_string={"scope": "unit"}).get_json()["items"]
    assert task["id"] in [t["id"] for t in inbox]
    assert provincial.get(f"/dossiers/{code}").status_code == 200
    assert provincial.post(f"/tasks/{task['id']}/claim").status_code == 200
    data = {"data": example_data(task["form"])}
    assert provincial.post(f"/tasks/{task['id']}/complete", json=data).status_code == 200
    back = active_task(admin, code)
    assert back["unit"].startswith("CLO")
