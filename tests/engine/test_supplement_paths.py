"""The supplement request as a path of the demo diagrams: the desk finds the dossier incomplete
at receipt, or the specialist finds it not enough to appraise; a step that waits for the
applicant opens, and the desk completing it sends the dossier back to the step that asked.

Every step is completed with data its form accepts, so the paths are the ones the platform
can take."""

from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from motcua import engine
from motcua.engine.bpmnxml import BPMN_NS
from motcua.forms import load_form

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
FILES = sorted(BPMN_DIR.rglob("*.bpmn"))
PARAMS = [pytest.param(p, id=str(p.relative_to(BPMN_DIR))) for p in FILES]
# The same-day certification has no appraisal step that could ask for papers.
APPRAISED = [p for p in PARAMS if p.values[0].name != "2.000815.bpmn"]
WAITING = {"cho_bo_sung_tiep_nhan", "cho_bo_sung"}
LANE_SET = f"{{{BPMN_NS}}}laneSet"
FLOW = f"{{{BPMN_NS}}}sequenceFlow"

INCOMPLETE = {
    "complete": False,
    "reason": "Thiếu giấy tờ theo danh mục thành phần hồ sơ.",
    "items": "Bản sao Căn cước công dân\nHợp đồng thuê địa điểm kinh doanh",
}
SUPPLEMENT = {
    "opinion": "Hồ sơ chưa đủ để thẩm định.",
    "proposal": "supplement",
    "reason": "Thiếu văn bản xác nhận của UBND cấp xã.",
    "items": "Văn bản xác nhận của UBND cấp xã",
}
APPROVE = {"opinion": "Đủ điều kiện.", "proposal": "approve"}


def form_errors(form: str | None, data: dict) -> list[str]:
    if form is None:
        return []
    validator = Draft202012Validator(
        load_form(form)["schema"], format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    return [error.message for error in validator.iter_errors(data)]


def answer(step: engine.Step, visit: int, script: dict) -> dict:
    """The data for a step's visit: from `script` (step id → one answer per visit, the last
    repeated), else what approves the step; always data the step's form accepts."""
    if step.id in script:
        given = script[step.id]
        data = given[min(visit, len(given) - 1)]
    else:
        data = {
            "tiep-nhan": {"complete": True},
            "tham-dinh": APPROVE,
            "nhan-bo-sung": {"received": True, "note": "Đã nhận đủ."},
            "xem-xet": {"decision": "approve"},
            "ky-duyet": {"signed": True},
            "vpdk-xu-ly": {
                "map_sheet": "12",
                "parcel_number": "345",
                "area": 150.5,
                "financial_obligation": "paid",
            },
            "vao-so": {"document_number": "12/GCN"},
            "tra-ket-qua": {"returned_to": "Nguyễn Văn A"},
            "tra-tu-choi": {"returned_to": "Nguyễn Văn A"},
            "chung-thuc": {"copies": 2, "register_number": "CT-1"},
        }.get(step.form, {})
    assert form_errors(step.form, data) == [], (step.id, data)
    return data


def run(path: Path, script: dict, max_steps: int = 60):
    """Run the diagram to its end, saved and restored after every step: (run, the steps
    worked in order, the ids of the steps that were waiting for the applicant)."""
    spec = engine.load_diagram(path.read_bytes()).spec
    run = engine.WorkflowRun.restore(spec, engine.WorkflowRun.start(spec).dump())
    worked, waiting, visits = [], [], {}
    while not run.is_completed:
        assert len(worked) < max_steps, f"no end after {worked}"
        [ready] = run.ready_steps()
        step = ready.step
        if step.waits_for_applicant:
            waiting.append(step.id)
        run.complete(ready.engine_task_id, answer(step, visits.get(step.id, 0), script))
        visits[step.id] = visits.get(step.id, 0) + 1
        worked.append(step.id)
        run = engine.WorkflowRun.restore(spec, run.dump())
    return run, worked, waiting


def happy_path(path: Path) -> list[str]:
    result, worked, waiting = run(path, {})
    assert result.end_status == "returned" and waiting == []
    return worked


@pytest.mark.parametrize("path", PARAMS)
def test_an_incomplete_dossier_waits_for_the_applicant_and_is_checked_again(path):
    result, worked, waiting = run(path, {"tiep_nhan": [INCOMPLETE, {"complete": True}]})
    happy = happy_path(path)
    assert happy[0] == "tiep_nhan" and "cho_bo_sung_tiep_nhan" not in happy
    assert worked == ["tiep_nhan", "cho_bo_sung_tiep_nhan", *happy]
    assert waiting == ["cho_bo_sung_tiep_nhan"]
    assert result.end_status == "returned"


@pytest.mark.parametrize("path", PARAMS)
def test_the_desk_may_ask_again_when_the_papers_brought_are_still_not_enough(path):
    _, worked, waiting = run(path, {"tiep_nhan": [INCOMPLETE, INCOMPLETE, {"complete": True}]})
    assert worked[:5] == [
        "tiep_nhan",
        "cho_bo_sung_tiep_nhan",
        "tiep_nhan",
        "cho_bo_sung_tiep_nhan",
        "tiep_nhan",
    ]
    assert waiting == ["cho_bo_sung_tiep_nhan"] * 2


@pytest.mark.parametrize("path", APPRAISED)
def test_the_specialist_asks_for_papers_through_the_desk_and_appraises_again(path):
    result, worked, waiting = run(path, {"tham_dinh": [SUPPLEMENT, APPROVE]})
    happy = happy_path(path)
    at = happy.index("tham_dinh") + 1
    assert worked == [*happy[:at], "cho_bo_sung", "tham_dinh", *happy[at:]]
    assert waiting == ["cho_bo_sung"]
    assert result.end_status == "returned"


@pytest.mark.parametrize("path", APPRAISED)
def test_both_loops_then_a_send_back_then_a_refusal(path):
    """The gateways read the latest answer: after a supplement and a send-back the specialist's
    new proposal decides, and an old `complete` or `proposal` leads nowhere."""
    result, worked, waiting = run(
        path,
        {
            "tiep_nhan": [INCOMPLETE, {"complete": True}],
            "tham_dinh": [SUPPLEMENT, APPROVE, {**APPROVE, "proposal": "refuse"}],
            "xem_xet": [
                {"decision": "send_back", "reason": "Bổ sung ý kiến thẩm định."},
                {"decision": "refuse", "reason": "Không đủ điều kiện."},
            ],
        },
    )
    assert worked[:6] == [
        "tiep_nhan",
        "cho_bo_sung_tiep_nhan",
        "tiep_nhan",
        "tham_dinh",
        "cho_bo_sung",
        "tham_dinh",
    ]
    assert worked.count("tham_dinh") == 3 and worked.count("xem_xet") == 2
    assert worked[-1] == "tra_tu_choi" and "tra_ket_qua" not in worked
    assert waiting == ["cho_bo_sung_tiep_nhan", "cho_bo_sung"]
    assert result.end_status == "refused"


@pytest.mark.parametrize("path", PARAMS)
def test_the_waiting_steps_are_the_desks_and_carry_the_flag(path):
    diagram = engine.check_diagram(path.read_bytes())
    steps = {step.id: step for step in diagram.steps}
    expected = WAITING if path.name != "2.000815.bpmn" else {"cho_bo_sung_tiep_nhan"}
    assert {i for i, step in steps.items() if step.waits_for_applicant} == expected
    desk = steps["tiep_nhan"]
    for step_id in expected:
        step = steps[step_id]
        assert (step.handler, step.lane) == (desk.handler, desk.lane)
        assert (step.form, step.time_limit, step.returns_result) == ("nhan-bo-sung", "5d", False)
    # The legal limit counts the officers' steps only: the applicant's time is not in it.
    _, longest = engine.longest_path_days(diagram)
    assert not set(longest) & WAITING


@pytest.mark.parametrize("path", PARAMS)
def test_every_element_is_drawn_and_the_new_ones_stand_in_their_lanes(path):
    root = engine.parse_xml(path.read_bytes())
    process = root.find(f"{{{BPMN_NS}}}process")
    drawn = {el.get("bpmnElement") for el in root.iter() if el.get("bpmnElement")}
    elements = {el.get("id") for el in process if el.get("id") and el.tag != LANE_SET}
    assert elements - drawn == set()
    refs = [
        (ref.text, lane.get("id"))
        for lane in root.iter(f"{{{BPMN_NS}}}lane")
        for ref in lane.iter(f"{{{BPMN_NS}}}flowNodeRef")
    ]
    lane_of = dict(refs)
    expected = {"gw_tiep_nhan": "lane_mot_cua", "cho_bo_sung_tiep_nhan": "lane_mot_cua"}
    if path.name != "2.000815.bpmn":
        expected |= {"gw_tham_dinh": "lane_chuyen_vien", "cho_bo_sung": "lane_mot_cua"}
    assert {i: lane_of.get(i) for i in expected} == expected
    nodes = {i for i in elements if process.find(f"*[@id='{i}']").tag != FLOW}
    assert sorted(i for i, _ in refs) == sorted(nodes)  # every node in one lane, none twice


# -- the forms of the supplement path --


def test_the_desk_receives_a_complete_dossier_with_a_tick_alone():
    assert form_errors("tiep-nhan", {"complete": True}) == []
    assert form_errors("tiep-nhan", {"complete": True, "note": ""}) == []
    assert form_errors("tiep-nhan", {}) != []  # the check is still required


@pytest.mark.parametrize(
    "data",
    [
        {"complete": False},
        {"complete": False, "reason": "Thiếu giấy tờ."},
        {"complete": False, "items": "Tờ khai"},
        {"complete": False, "reason": "  ", "items": "Tờ khai"},
        {"complete": False, "reason": "Thiếu giấy tờ.", "items": "\n"},
    ],
)
def test_an_incomplete_dossier_needs_a_reason_and_the_papers(data):
    assert form_errors("tiep-nhan", data) != []


def test_the_specialist_asks_for_papers_with_a_reason_and_the_papers():
    assert form_errors("tham-dinh", SUPPLEMENT) == []
    assert form_errors("tham-dinh", APPROVE) == []
    assert form_errors("tham-dinh", {**SUPPLEMENT, "items": " "}) != []
    assert form_errors("tham-dinh", {k: v for k, v in SUPPLEMENT.items() if k != "reason"}) != []
    assert form_errors("tham-dinh", {**APPROVE, "proposal": "later"}) != []


def test_receiving_the_papers_must_be_confirmed():
    assert form_errors("nhan-bo-sung", {"received": True}) == []
    assert form_errors("nhan-bo-sung", {"received": False}) != []
    assert form_errors("nhan-bo-sung", {"note": "Chưa mang đến"}) != []
    assert form_errors("nhan-bo-sung", {"received": True, "extra": 1}) != []
