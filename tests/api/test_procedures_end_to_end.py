"""Every demo procedure in every unit that offers it, from intake to the returned result, over
HTTP: the communes with their own variants, received at their own centre or anywhere else in the
province (Decree 118/2025/NĐ-CP art. 14), a department's procedure received at its own desk and at
any centre (a commune's included), and a commune that takes a procedure on with the province's
template.

Each task is checked against the unit's diagram (handler, time limit), the officers the handler
names (candidates, read back through /users) and the working calendar (due_at).
"""

import json
from datetime import datetime
from decimal import Decimal

import pytest

from motcua import engine
from motcua.bpmn import BPMN_DIR
from motcua.services.formdata import example_data
from motcua.workcalendar import WorkCalendar

CATALOGUE = json.loads((BPMN_DIR / "catalogue.json").read_text(encoding="utf-8"))
COMMUNE_PROCEDURES = [e for e in CATALOGUE if e["level"] == "commune"]
# (competent unit, receiving desk) by the level that decides: each commune at its own centre,
# then at the provincial centre, its branch and another commune's centre; the Department of
# Construction at its own desk, the provincial centre, its branch and a commune's centre.
ROUTES = {
    "commune": [
        ("CLO", "CLO"),
        ("HKH", "HKH"),
        ("CLO", "TTHCC"),
        ("HKH", "TTHCC.CN1"),
        ("HKH", "CLO"),
    ],
    "province": [("SXD", "SXD"), ("SXD", "TTHCC"), ("SXD", "TTHCC.CN1"), ("SXD", "CLO")],
}
CASES = [
    pytest.param(entry, unit, desk, id=f"{entry['code']}-{unit}-at-{desk}")
    for entry in CATALOGUE
    for unit, desk in ROUTES[entry["level"]]
]
CALENDAR = WorkCalendar()  # the demo adds no provincial days off


def unit_steps(unit_code: str, procedure_code: str) -> dict[str, engine.Step]:
    """The steps of the unit's own variant, or of the template where it has none."""
    variant = BPMN_DIR / "variants" / unit_code / f"{procedure_code}.bpmn"
    if not variant.exists():
        variant = BPMN_DIR / "templates" / f"{procedure_code}.bpmn"
    return {step.id: step for step in engine.load_diagram(variant.read_bytes()).steps}


def expected_candidates(admin, handler: str, unit_code: str, desk_code: str) -> list[str]:
    parsed = engine.parse_handler(handler)
    if parsed.kind == "users":
        return sorted(parsed.usernames)
    if parsed.role == "receptionist" and not parsed.unit_code:
        unit_code = desk_code  # the desk that received it checks and returns it
    unit = f"{unit_code}.{parsed.unit_code}" if parsed.relative else parsed.unit_code or unit_code
    users = admin.get("/users", query_string={"role": parsed.role, "unit": unit}).get_json()
    return sorted(u["username"] for u in users["items"])


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def work_through(
    login_as, code: str, unit_code: str, steps, decisions=None, desk_code: str | None = None
) -> list[dict]:
    """Complete every step as its handler would until the dossier ends; return the tasks seen."""
    desk_code = desk_code or unit_code
    admin, desk = login_as("admin"), login_as(f"{desk_code.lower()}.mc1")
    decisions = dict(decisions or {})
    officers, seen = {}, []
    for _ in range(40):
        dossier = admin.get(f"/dossiers/{code}").get_json()
        active = [t for t in dossier["tasks"] if t["status"] in ("open", "claimed")]
        if not active:
            return seen
        task = active[0]
        step = steps[task["step_id"]]
        assert task["handler"] == step.handler
        assert task["time_limit"] == step.time_limit
        limit = engine.parse_time_limit(step.time_limit)
        assert at(task["due_at"]) == CALENDAR.add(
            at(task["created_at"]), hours=limit.hours(CALENDAR.hours_per_day)
        )
        detail = admin.get(f"/tasks/{task['id']}").get_json()
        candidates = sorted(c["username"] for c in detail["candidates"])
        assert candidates == expected_candidates(admin, step.handler, unit_code, desk_code)
        username = task["assignee"] or candidates[0]
        officer = officers.get(username) or officers.setdefault(username, login_as(username))
        if task["assignee"] is None:
            claimed = officer.post(f"/tasks/{task['id']}/claim")
            assert claimed.status_code == 200, claimed.get_json()
        if step.returns_result:
            assert dossier["status"] == "result_ready"
            assert (
                desk.upload(code, "giay-phep.pdf", b"%PDF result", kind="result").status_code == 201
            )
        decision = decisions.pop(step.id, "approve")
        data = example_data(step.form, decision=decision)
        done = officer.post(f"/tasks/{task['id']}/complete", json={"data": data})
        assert done.status_code == 200, done.get_json()
        seen.append(done.get_json())
    raise AssertionError("the dossier did not end within 40 steps")


@pytest.mark.parametrize(("entry", "unit_code", "desk_code"), CASES)
def test_dossier_goes_from_intake_to_returned_result(
    login_as, make_dossier, unit_code, desk_code, entry
):
    steps = unit_steps(unit_code, entry["code"])
    created = make_dossier(desk_code, entry["code"], competent_unit_code=unit_code)
    assert created["status"] == "received"
    seen = login_as("admin").get(f"/dossiers/{created['code']}").get_json()
    assert (seen["unit"], seen["receiving_unit"]) == (unit_code, desk_code)
    assert at(created["appointment_at"]) == CALENDAR.add(
        at(created["received_at"]), days=Decimal(str(entry["legal_limit_days"]))
    )
    assert_worked_to_the_end(
        login_as, created, unit_code, steps, desk_code, entry["legal_limit_days"]
    )


@pytest.mark.parametrize("entry", COMMUNE_PROCEDURES, ids=[e["code"] for e in COMMUNE_PROCEDURES])
def test_a_commune_that_takes_a_procedure_on_runs_the_template(
    officer, login_as, make_dossier, entry
):
    """Tùng Lộc has no variant: its admin offers the procedure (the province's template resolves
    in its offices), and its desk then receives and works it to the end."""
    response = make_dossier("TLOC", entry["code"], expect=422)
    assert response["error"]["code"] == "procedure_not_offered"
    offered = officer("tloc.qt").post(
        f"/admin/procedures/{entry['code']}/units/TLOC/offer", data={"offered": "1"}
    )
    assert offered.status_code == 302
    created = make_dossier("TLOC", entry["code"])
    steps = unit_steps("TLOC", entry["code"])
    assert_worked_to_the_end(login_as, created, "TLOC", steps, "TLOC", entry["legal_limit_days"])


def assert_worked_to_the_end(login_as, created, unit_code, steps, desk_code, legal_limit_days):
    done = work_through(login_as, created["code"], unit_code, steps, desk_code=desk_code)

    dossier = login_as("admin").get(f"/dossiers/{created['code']}").get_json()
    assert dossier["status"] == "returned"
    assert dossier["finished_at"]
    assert [t["step_id"] for t in done] == [t["step_id"] for t in dossier["tasks"]]
    assert all(t["status"] == "done" for t in dossier["tasks"])
    kinds = [e["kind"] for e in dossier["events"]]
    assert kinds[0] == "received" and kinds[-1] == "finished"
    assert kinds.count("step_completed") == len(done)
    assert kinds.count("handed_over") == (unit_code != desk_code)
    if unit_code != desk_code:  # the competent unit's clock starts at the hand-over (art. 17.3)
        days = Decimal(str(legal_limit_days))
        assert at(dossier["appointment_at"]) == CALENDAR.add(
            at(dossier["handed_over_at"]), days=days
        )
    assert any(a["kind"] == "result" for a in dossier["attachments"])
    # The result is returned where it was received.
    [returned] = [t for t in dossier["tasks"] if t["step_id"] == done[-1]["step_id"]]
    assert returned["unit"] == desk_code
