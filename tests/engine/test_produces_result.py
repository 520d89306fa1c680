"""The ``producesResult`` convention: the step that issues the result (issue 13, item 3)."""

import pytest

from motcua import engine
from motcua.bpmn import BPMN_DIR

DIAGRAMS = sorted(BPMN_DIR.rglob("*.bpmn"))
ISSUING = {"2.000815.bpmn": "ky_duyet"}  # the others: "vao_so", the step before the return


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: str(p.relative_to(BPMN_DIR)))
def test_our_diagrams_mark_the_step_that_issues_the_result(path):
    steps = engine.steps_of(engine.check_diagram(path.read_bytes()).spec).values()
    assert {s.id for s in steps if s.produces_result} == {ISSUING.get(path.name, "vao_so")}
    assert not any(s.produces_result and s.returns_result for s in steps)


def test_the_lint_refuses_a_value_other_than_true_or_false():
    xml = (BPMN_DIR / "templates" / "1.001612.bpmn").read_text(encoding="utf-8")
    xml = xml.replace('name="producesResult" value="true"', 'name="producesResult" value="có"')
    with pytest.raises(engine.DiagramError) as refused:
        engine.check_diagram(xml)
    assert "producesResult phải là «true» hoặc «false», không phải «có»." in str(refused.value)
