"""Every diagram in bpmn/ passes the lint and runs to its end, saved and restored after every
step, with every step approving."""

from pathlib import Path

import pytest

from motcua import engine

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
FILES = sorted(BPMN_DIR.rglob("*.bpmn"))
NO_FILES = pytest.mark.skip(reason=f"no .bpmn files under {BPMN_DIR} yet")
PARAMS = [pytest.param(p, id=str(p.relative_to(BPMN_DIR))) for p in FILES] or [
    pytest.param(None, marks=NO_FILES)
]


@pytest.mark.parametrize("path", PARAMS)
def test_the_diagram_passes_the_lint(path):
    diagram = engine.check_diagram(path.read_bytes())
    assert diagram.steps


@pytest.mark.parametrize("path", PARAMS)
def test_the_diagram_runs_to_its_end_approving_every_step(path, run_steps):
    spec = engine.load_diagram(path.read_bytes()).spec
    run, worked = run_steps(spec, lambda step_id, visit: {"decision": "approve"})
    assert worked
    assert run.is_completed and run.end_status in engine.END_STATUSES
