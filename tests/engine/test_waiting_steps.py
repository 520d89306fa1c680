"""A step that waits for the applicant's papers (waitsForApplicant): checked like any flag, never
counted against the legal limit, and seen by the platform as such."""

import pytest

from motcua import engine
from tests.engine.test_lint import lint_of, one_task


def supplement_loop(bpmn, wait_limit: str = "30d") -> str:
    """tham_dinh decides `proposal == "supplement"` → cho_bo_sung (waits) → back to tham_dinh."""
    return bpmn.process(
        bpmn.start()
        + bpmn.user_task("tham_dinh", "Thẩm định", timeLimit="2d")
        + bpmn.gateway("gw", default="to_end")
        + bpmn.user_task(
            "cho_bo_sung", "Chờ bổ sung", timeLimit=wait_limit, waitsForApplicant="true"
        )
        + bpmn.end()
        + bpmn.flow("f1", "start", "tham_dinh")
        + bpmn.flow("f2", "tham_dinh", "gw")
        + bpmn.flow("to_wait", "gw", "cho_bo_sung", 'proposal == "supplement"')
        + bpmn.flow("back", "cho_bo_sung", "tham_dinh")
        + bpmn.flow("to_end", "gw", "end")
    )


def test_the_waiting_step_does_not_count_towards_the_legal_limit(bpmn):
    xml = supplement_loop(bpmn)
    assert lint_of(xml, legal_limit_days=2) == []
    total, path = engine.longest_path_days(engine.load_diagram(xml))
    assert total == 2 and path == ["tham_dinh"]


@pytest.mark.parametrize("value", ["yes", "1", "TRUE "])
def test_the_flag_is_true_or_false(bpmn, value):
    problems = lint_of(one_task(bpmn, bpmn.user_task("a", "Bước A", waitsForApplicant=value)))
    if value.strip().lower() == "true":
        assert problems == []
    else:
        [problem] = problems
        assert "waitsForApplicant" in problem.message and problem.element_id == "a"


def test_a_step_cannot_both_wait_for_papers_and_return_the_result(bpmn):
    task = bpmn.user_task("a", "Bước A", waitsForApplicant="true", returnsResult="true")
    [problem] = lint_of(one_task(bpmn, task))
    assert "returnsResult" in problem.message and "waitsForApplicant" in problem.message


def test_the_engine_reports_the_waiting_step(bpmn):
    run = engine.WorkflowRun.start(engine.check_diagram(supplement_loop(bpmn)).spec)
    [first] = run.ready_steps()
    assert not first.step.waits_for_applicant
    run.complete(first.engine_task_id, {"proposal": "supplement"})
    [waiting] = run.ready_steps()
    assert waiting.step.id == "cho_bo_sung" and waiting.step.waits_for_applicant
    run.complete(waiting.engine_task_id, {"received": True})
    [again] = run.ready_steps()
    assert again.step.id == "tham_dinh"
    run.complete(again.engine_task_id, {"proposal": "approve"})
    assert run.is_completed
