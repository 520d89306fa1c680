import json

import pytest

from motcua import engine
from motcua.engine import serialize


def answer(decisions: dict | None = None, **data):
    """Answers for run_to_end: decisions[step_id] is a list of decisions by visit."""

    def answers(step_id, visit):
        choices = (decisions or {}).get(step_id, ["approve"])
        return {**data, "decision": choices[min(visit, len(choices) - 1)]}

    return answers


def test_a_linear_diagram_runs_to_the_end_with_a_save_after_every_step(linear_xml, run_steps):
    spec = engine.load_diagram(linear_xml).spec
    run, worked = run_steps(spec, answer(area=50))
    assert worked == ["tiep_nhan", "tham_dinh", "tra_ket_qua"]
    assert run.is_completed and run.end_status == "returned"
    assert run.ready_steps() == []
    assert run.data["area"] == 50


def test_the_approved_branch_runs_the_script_and_returns_the_result(gateway_xml, run_steps):
    spec = engine.load_diagram(gateway_xml).spec
    run, worked = run_steps(spec, answer(area=120))
    assert worked == ["tiep_nhan", "tham_dinh", "phe_duyet"]
    assert run.end_status == "returned"
    assert run.data["fee"] == 50000 and run.data["note"] == "đã tính"


def test_the_refused_branch_ends_refused(gateway_xml, run_steps):
    spec = engine.load_diagram(gateway_xml).spec
    run, worked = run_steps(spec, answer({"tham_dinh": ["refuse"]}, area=1))
    assert worked == ["tiep_nhan", "tham_dinh"]
    assert run.is_completed and run.end_status == "refused"


def test_the_send_back_branch_loops_to_the_first_step(gateway_xml, run_steps):
    spec = engine.load_diagram(gateway_xml).spec
    run, worked = run_steps(spec, answer({"tham_dinh": ["send_back", "approve"]}, area=1))
    assert worked == ["tiep_nhan", "tham_dinh", "tiep_nhan", "tham_dinh", "phe_duyet"]
    assert run.end_status == "returned" and run.data["fee"] == 20000


def test_a_running_workflow_has_no_end_status(linear_xml):
    run = engine.WorkflowRun.start(engine.load_diagram(linear_xml).spec)
    assert not run.is_completed and run.end_status is None
    [ready] = run.ready_steps()
    assert ready.step.id == "tiep_nhan" and ready.step.form == "tiep-nhan"


def test_send_back_returns_to_the_previous_step_with_the_data_so_far(linear_xml):
    spec = engine.load_diagram(linear_xml).spec
    run = engine.WorkflowRun.start(spec)
    first = run.ready_steps()[0]
    run.complete(first.engine_task_id, {"applicant": "Nguyễn Văn A"})
    run = engine.WorkflowRun.restore(spec, run.dump())
    [second] = run.ready_steps()
    assert second.step.id == "tham_dinh"

    previous = run.send_back(second.engine_task_id)
    assert previous.id == "tiep_nhan"
    run = engine.WorkflowRun.restore(spec, run.dump())
    [again] = run.ready_steps()
    assert again.step.id == "tiep_nhan"
    assert run.data == {"applicant": "Nguyễn Văn A"}

    run.complete(again.engine_task_id, {"applicant": "Nguyễn Văn B"})
    assert [r.step.id for r in run.ready_steps()] == ["tham_dinh"]
    assert run.data["applicant"] == "Nguyễn Văn B"


def test_send_back_keeps_the_latest_values_over_older_ones(bpmn):
    xml = bpmn.process(
        bpmn.start() + bpmn.user_task("a") + bpmn.user_task("b") + bpmn.user_task("c")
        + bpmn.end() + bpmn.chain("start", "a", "b", "c", "end")
    )  # fmt: skip
    spec = engine.load_diagram(xml).spec
    run = engine.WorkflowRun.start(spec)
    run.complete(run.ready_steps()[0].engine_task_id, {"area": 1, "docs": [3, 3, 1]})
    run.complete(run.ready_steps()[0].engine_task_id, {"area": 2, "docs": [1, 2, 3, 3]})
    run.send_back(run.ready_steps()[0].engine_task_id)
    run = engine.WorkflowRun.restore(spec, run.dump())
    assert [r.step.id for r in run.ready_steps()] == ["b"]
    assert run.data == {"area": 2, "docs": [1, 2, 3, 3]}


def test_send_back_from_the_first_step_is_refused(linear_xml):
    run = engine.WorkflowRun.start(engine.load_diagram(linear_xml).spec)
    with pytest.raises(ValueError) as info:
        run.send_back(run.ready_steps()[0].engine_task_id)
    assert "tiep_nhan" in str(info.value) and "bước đầu tiên" in str(info.value)
    assert not isinstance(info.value, engine.WorkflowError)


def test_send_back_skips_automatic_elements(gateway_xml):
    spec = engine.load_diagram(gateway_xml).spec
    run = engine.WorkflowRun.start(spec)
    for _ in range(2):
        run.complete(run.ready_steps()[0].engine_task_id, {"decision": "approve", "area": 1})
    [ready] = run.ready_steps()
    assert ready.step.id == "phe_duyet"
    assert run.send_back(ready.engine_task_id).id == "tham_dinh"  # past the gateway


def test_a_step_that_is_not_waiting_cannot_be_completed(linear_xml):
    run = engine.WorkflowRun.start(engine.load_diagram(linear_xml).spec)
    task_id = run.ready_steps()[0].engine_task_id
    run.complete(task_id, {})
    with pytest.raises(engine.WorkflowError):
        run.complete(task_id, {})
    with pytest.raises(engine.WorkflowError):
        run.complete("not-a-uuid", {})
    with pytest.raises(engine.WorkflowError):
        run.complete("00000000-0000-0000-0000-000000000000", {})


def test_step_data_must_be_plain_json(linear_xml):
    run = engine.WorkflowRun.start(engine.load_diagram(linear_xml).spec)
    task_id = run.ready_steps()[0].engine_task_id
    with pytest.raises(engine.WorkflowError):
        run.complete(task_id, {"when": object()})
    with pytest.raises(engine.WorkflowError, match="typename"):
        run.complete(task_id, {"nested": [{"typename": "BpmnWorkflow"}]})
    run.complete(task_id, {"ok": [1, 2.5, "x", None, {"a": True}]})


def test_dump_holds_the_state_without_the_spec(linear_xml):
    diagram = engine.load_diagram(linear_xml)
    state = json.loads(engine.WorkflowRun.start(diagram.spec).dump())
    assert "spec" not in state and "subprocess_specs" not in state
    assert "tasks" in state


def test_restore_reads_each_spec_once(linear_xml):
    spec = engine.load_diagram(linear_xml).spec
    state = engine.WorkflowRun.start(spec).dump()
    before = serialize.load_spec.cache_info()
    for _ in range(5):
        engine.WorkflowRun.restore(spec, state)
    after = serialize.load_spec.cache_info()
    assert after.misses == before.misses and after.hits == before.hits + 5


def test_an_unreadable_state_is_a_workflow_error(linear_xml):
    spec = engine.load_diagram(linear_xml).spec
    with pytest.raises(engine.WorkflowError):
        engine.WorkflowRun.restore(spec, "{not json")


def test_a_missing_name_is_none_so_the_default_flow_is_taken(gateway_xml, run_steps):
    spec = engine.load_diagram(gateway_xml).spec
    run, worked = run_steps(spec, lambda step_id, visit: {"area": 1})  # no "decision"
    assert worked == ["tiep_nhan", "tham_dinh", "phe_duyet"]


def test_a_failing_script_is_a_workflow_error_naming_its_element(gateway_xml):
    spec = engine.load_diagram(gateway_xml).spec
    run = engine.WorkflowRun.start(spec)
    for _ in range(2):
        run.complete(run.ready_steps()[0].engine_task_id, {"decision": "approve"})
    with pytest.raises(engine.WorkflowError) as info:
        run.complete(run.ready_steps()[0].engine_task_id, {})  # no "area": None > 100
    assert info.value.element_id == "tinh_phi"
    assert "area > 100" in str(info.value) and "tinh_phi" in str(info.value)


def test_a_subprocess_runs_and_send_back_leaves_it(bpmn, run_steps):
    sub = (
        '<bpmn:subProcess id="sub" name="Xử lý liên thông">'
        + bpmn.start("sub_start")
        + bpmn.user_task("b", "Sở thẩm định", handler="specialist@STNMT", timeLimit="3d")
        + bpmn.end("sub_end")
        + bpmn.chain("sub_start", "b", "sub_end")
        + "</bpmn:subProcess>\n"
    )
    xml = bpmn.process(
        bpmn.start() + bpmn.user_task("a", timeLimit="1d") + sub + bpmn.user_task("c")
        + bpmn.end() + bpmn.chain("start", "a", "sub", "c", "end")
    )  # fmt: skip
    diagram = engine.load_diagram(xml)
    assert [s.id for s in diagram.steps] == ["a", "b", "c"]
    [problem] = engine.lint(diagram, legal_limit_days=4)
    assert "a → b → c" in problem.message

    run, worked = run_steps(diagram.spec, answer())
    assert worked == ["a", "b", "c"] and run.end_status == "returned"

    run = engine.WorkflowRun.start(diagram.spec)
    run.complete(run.ready_steps()[0].engine_task_id, {"x": 1})
    run = engine.WorkflowRun.restore(diagram.spec, run.dump())
    [inner] = run.ready_steps()
    assert inner.step.id == "b"
    assert run.send_back(inner.engine_task_id).id == "a"
    run = engine.WorkflowRun.restore(diagram.spec, run.dump())
    assert [r.step.id for r in run.ready_steps()] == ["a"]


def test_a_terminate_end_event_sets_the_status(bpmn, run_steps):
    terminate = (
        '<bpmn:endEvent id="stop"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="dossierStatus" value="refused"/>'
        "</spiffworkflow:properties></bpmn:extensionElements>"
        "<bpmn:terminateEventDefinition/></bpmn:endEvent>"
    )
    xml = bpmn.process(
        bpmn.start() + bpmn.user_task("a") + terminate + bpmn.chain("start", "a", "stop")
    )
    assert engine.lint(engine.load_diagram(xml)) == []
    run, _ = run_steps(engine.load_diagram(xml).spec, answer())
    assert run.end_status == "refused"
