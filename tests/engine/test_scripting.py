"""Conditions and script tasks are untrusted: every escape must fail cleanly, never run."""

import ast

import pytest

from motcua import engine
from motcua.engine import scripting
from motcua.engine.scripting import ScriptError, evaluate, execute

ESCAPES = [
    "().__class__.__bases__[0].__subclasses__()",
    '__import__("os").system("touch {canary}")',
    'open("{canary}", "w").write("x")',
    "[].__class__",
    "len.__globals__",
    "decision.upper.__globals__",
    'getattr(decision, "__class__")',
    "exec(\"open('{canary}', 'w')\")",
    'eval("1")',
    "(lambda: 1)()",
    "9**9**9",  # these two fit the grammar: only the evaluator's limits stop them
    "[c for c in ().__class__.__mro__]",
    '"%999999999d" % 1',
    '"x".ljust(999999999)',
    'f"{{decision:>999999999}}"',
    "(x := 1)",
    "decision.format",
    "{{**data}}",
    "data.__class__",
    "data.clear()",
    "type(data)",
    "vars()",
    "globals()",
]


CAUGHT_AT_RUN_TIME = {"9**9**9", '"%999999999d" % 1'}


@pytest.fixture
def canary(tmp_path):
    return tmp_path / "pwned"


@pytest.mark.parametrize("escape", ESCAPES)
def test_escapes_fail_as_expressions(escape, canary):
    with pytest.raises(ScriptError):
        evaluate(escape.format(canary=canary), {"decision": "approve", "data": {"a": 1}})
    assert not canary.exists()


@pytest.mark.parametrize("escape", ESCAPES)
def test_escapes_fail_in_script_lines(escape, canary):
    data = {"decision": "approve", "data": {"a": 1}}
    with pytest.raises(ScriptError):
        execute(f"x = {escape.format(canary=canary)}", data)
    assert "x" not in data and data["data"] == {"a": 1}
    assert not canary.exists()


@pytest.mark.parametrize(
    "script",
    ["import os", "from os import system", "x = 1; import os", "del x", "x.y = 1", "x[0] = 1",
     "def f(): pass", "for i in range(3): pass", "while True: pass", "x += 1", "_x = 1",
     "x == 1", "print(1)", "x = y = 1", "class A: pass", "x = 1\nimport os"],
)  # fmt: skip
def test_statements_other_than_assignments_are_refused(script):
    with pytest.raises(ScriptError):
        execute(script, {"x": 1})


def test_the_language_does_what_analysts_need():
    data = {"area": 300, "decision": "approve", "owner": {"name": " Lê Văn C "}, "docs": [1, 2]}
    assert evaluate('area > 250 and decision != "refuse"', data) is True
    assert evaluate('owner["name"].strip().upper()', data) == "LÊ VĂN C"
    assert evaluate('owner.get("age", 18) >= 18', data) is True
    assert evaluate("len(docs) == 2 and 2 in docs and max(docs) == 2", data) is True
    assert evaluate('"a" if area > 100 else "b"', data) == "a"
    assert evaluate('f"{area} m2"', data) == "300 m2"
    execute("# phí\nfee = round(area * 1.5)\n\nlabel = str(fee) + ' đồng'", data)
    assert data["fee"] == 450 and data["label"] == "450 đồng"


def test_a_failing_script_changes_nothing():
    data = {"a": 1}
    with pytest.raises(ScriptError):
        execute("b = 2\nc = missing + 1", data)
    assert data == {"a": 1}


def test_scripts_may_only_store_plain_values():
    with pytest.raises(ScriptError):
        execute("f = len", {})
    with pytest.raises(ScriptError):
        execute("m = {1: 2}", {})


def test_the_evaluator_alone_also_refuses_escapes():
    # Defence in depth: the grammar check is skipped here, simpleeval must still refuse.
    for escape in ['().__class__', '__import__("os")', "len.__self__", "[x for x in [1]]",
                   "9**9**9", '"%s" % 1', '"x".ljust(9)', "(lambda: 1)"]:  # fmt: skip
        tree = ast.parse(escape, mode="eval").body
        with pytest.raises(Exception) as info:
            scripting._run(escape, tree, {})
        assert isinstance(info.value, ScriptError)


def escape_diagram(bpmn, condition=None, script=None):
    body = bpmn.start() + bpmn.user_task("a") + bpmn.end()
    if script is not None:
        return bpmn.process(body + bpmn.script("s", script) + bpmn.chain("start", "a", "s", "end"))
    return bpmn.process(
        body
        + bpmn.end("other")
        + bpmn.gateway("gw", default="ok")
        + bpmn.chain("start", "a", "gw")
        + bpmn.flow("ok", "gw", "end")
        + bpmn.flow("evil", "gw", "other", condition)
    )


@pytest.mark.parametrize("escape", ESCAPES)
def test_escapes_in_a_gateway_condition_stop_the_workflow_cleanly(bpmn, escape, canary):
    xml = escape_diagram(bpmn, condition=escape.format(canary=canary))
    diagram = engine.load_diagram(xml)
    expected = [] if escape in CAUGHT_AT_RUN_TIME else ["evil"]
    assert [p.element_id for p in engine.lint(diagram)] == expected
    run = engine.WorkflowRun.start(diagram.spec)
    with pytest.raises(engine.WorkflowError) as info:
        run.complete(run.ready_steps()[0].engine_task_id, {"decision": "x", "data": {}})
    assert info.value.element_id == "gw"
    with pytest.raises(engine.DiagramError):
        engine.dry_run(xml, {"decision": "x", "data": {}})
    assert not canary.exists()


@pytest.mark.parametrize("escape", [*ESCAPES, "import os\nos.system('id')"])
def test_escapes_in_a_script_task_stop_the_workflow_cleanly(bpmn, escape, canary):
    script = escape if "\n" in escape else f"x = {escape.format(canary=canary)}"
    diagram = engine.load_diagram(escape_diagram(bpmn, script=script))
    expected = [] if escape in CAUGHT_AT_RUN_TIME else ["s"]
    assert [p.element_id for p in engine.lint(diagram)] == expected
    run = engine.WorkflowRun.start(diagram.spec)
    with pytest.raises(engine.WorkflowError) as info:
        run.complete(run.ready_steps()[0].engine_task_id, {"decision": "x", "data": {}})
    assert info.value.element_id == "s"
    assert not canary.exists()


def test_a_loop_of_scripts_is_stopped(bpmn):
    xml = bpmn.process(
        bpmn.start()
        + bpmn.user_task("a")
        + bpmn.gateway("gw", default="out")
        + bpmn.script("s", "n = n + 1")
        + bpmn.end()
        + bpmn.chain("start", "a", "gw")
        + bpmn.flow("more", "gw", "s", "n >= 0")
        + bpmn.flow("spin", "s", "gw")
        + bpmn.flow("out", "gw", "end")
    )
    run = engine.WorkflowRun.start(engine.load_diagram(xml).spec)
    with pytest.raises(engine.WorkflowError, match="vòng lặp"):
        run.complete(run.ready_steps()[0].engine_task_id, {"n": 0})


@pytest.mark.parametrize(
    "script",
    [
        "x = 2**64\n" + "x = x * x\n" * 40,  # squaring a number line after line
        "l = [1]\n" + "l = [l, l]\n" * 60,  # doubling a shared structure line after line
        "s = sum([[1]] * 99999)",  # quadratic list concatenation
        'l = ["x" * 99999] * 100\ns = str(l)',  # a huge string out of shared parts
        "s = 'x' * 10**9",
    ],
)
def test_scripts_cannot_exhaust_memory_or_time(script):
    with pytest.raises(ScriptError):
        execute(script, {})
