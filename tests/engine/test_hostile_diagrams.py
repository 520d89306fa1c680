"""Diagrams from other tools and from a fuzzer (issue 14, "Diagrams from other tools"): each is
run or refused by the lint precisely, naming the element — the dry run never ends in a Python
exception, messages stay short whatever the file quotes, the limits are stated, and UTF-16 or
UTF-8 with a byte order mark is read."""

import time

import pytest

from motcua import engine
from motcua.engine import errors, parse, runner
from tests.engine.conftest import Bpmn
from tests.engine.test_variants import assert_only_changed

B = Bpmn()
PROPS = (
    "<bpmn:extensionElements><spiffworkflow:properties>"
    '<spiffworkflow:property name="handler" value="receptionist"/>'
    '<spiffworkflow:property name="timeLimit" value="4h"/>'
    "</spiffworkflow:properties></bpmn:extensionElements>"
)
TIMERS = {
    "empty": "<bpmn:timerEventDefinition/>",
    "no_expression": "<bpmn:timerEventDefinition><bpmn:timeDuration/></bpmn:timerEventDefinition>",
    "not_an_expression": (
        "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>"
        "</bpmn:timerEventDefinition>"
    ),
}
LOOPS = {
    "mi_empty": "<bpmn:multiInstanceLoopCharacteristics/>",
    "mi_blank_cardinality": (
        "<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality/>"
        "</bpmn:multiInstanceLoopCharacteristics>"
    ),
    "mi_cardinality_unknown_name": (
        "<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>n</bpmn:loopCardinality>"
        "</bpmn:multiInstanceLoopCharacteristics>"
    ),
    "mi_input_missing": (
        "<bpmn:multiInstanceLoopCharacteristics><bpmn:loopDataInputRef>items"
        "</bpmn:loopDataInputRef></bpmn:multiInstanceLoopCharacteristics>"
    ),
    "mi_three": (
        '<bpmn:multiInstanceLoopCharacteristics isSequential="true"><bpmn:loopCardinality>3'
        "</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>"
    ),
    "standard_loop": "<bpmn:standardLoopCharacteristics/>",
    "standard_loop_condition": (
        "<bpmn:standardLoopCharacteristics><bpmn:loopCondition>x</bpmn:loopCondition>"
        "</bpmn:standardLoopCharacteristics>"
    ),
}


def user(id="a", inner=""):
    return f'<bpmn:userTask id="{id}" name="Bước {id}">{PROPS}{inner}</bpmn:userTask>\n'


def hostile() -> dict[str, tuple[str, str]]:
    """name → (diagram body, the element the refusal must name)."""
    cases = {}
    for name, timer in TIMERS.items():
        cases[f"timer_catch_{name}"] = (
            B.start()
            + user()
            + f'<bpmn:intermediateCatchEvent id="t">{timer}</bpmn:intermediateCatchEvent>'
            + B.end()
            + B.chain("start", "a", "t", "end"),
            "t",
        )
        cases[f"timer_boundary_{name}"] = (
            B.start()
            + user()
            + f'<bpmn:boundaryEvent id="bt" attachedToRef="a">{timer}</bpmn:boundaryEvent>'
            + B.end()
            + B.end("end2")
            + B.chain("start", "a", "end")
            + B.flow("fb", "bt", "end2"),
            "bt",
        )
        cases[f"timer_start_{name}"] = (
            f'<bpmn:startEvent id="start">{timer}</bpmn:startEvent>'
            + user()
            + B.end()
            + B.chain("start", "a", "end"),
            "start",
        )
    for name, loop in LOOPS.items():
        cases[f"user_{name}"] = (
            B.start() + user("a", loop) + B.end() + B.chain("start", "a", "end"),
            "a",
        )
        cases[f"script_{name}"] = (
            B.start()
            + f'<bpmn:scriptTask id="s">{loop}<bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>'
            + user()
            + B.end()
            + B.chain("start", "s", "a", "end"),
            "s",
        )
        cases[f"subprocess_{name}"] = (
            B.start() + f'<bpmn:subProcess id="sp">{loop}<bpmn:startEvent id="ss"/>{user("ia")}'
            '<bpmn:endEvent id="se"/><bpmn:sequenceFlow id="sf1" sourceRef="ss" targetRef="ia"/>'
            '<bpmn:sequenceFlow id="sf2" sourceRef="ia" targetRef="se"/></bpmn:subProcess>'
            + B.end()
            + B.chain("start", "sp", "end"),
            "sp",
        )
    message = "<bpmn:messageEventDefinition/>"
    cases["event_gateway_loop"] = (
        B.start()
        + '<bpmn:eventBasedGateway id="g"/>'
        + f'<bpmn:intermediateCatchEvent id="m">{message}</bpmn:intermediateCatchEvent>'
        + B.end()
        + B.chain("start", "g", "m", "g"),
        "g",
    )
    cases["event_gateway_timer_loop"] = (
        B.start()
        + '<bpmn:eventBasedGateway id="g"/>'
        + f'<bpmn:intermediateCatchEvent id="m">{TIMERS["not_an_expression"]}'
        "</bpmn:intermediateCatchEvent>" + B.end() + B.chain("start", "g", "m", "g"),
        "g",
    )
    # Loops of elements that never wait: SpiffWorkflow's start recursed until RecursionError.
    for kind in ("parallelGateway", "intermediateThrowEvent", "inclusiveGateway"):
        cases[f"automatic_loop_{kind}"] = (
            B.start()
            + f'<bpmn:{kind} id="p"/><bpmn:{kind} id="q"/>'
            + B.chain("start", "p", "q", "p"),
            "p",
        )
    cases["gateway_without_way_out"] = (B.start() + B.gateway("x") + B.chain("start", "x"), "x")
    cases["step_without_way_out"] = (B.start() + user() + B.chain("start", "a"), "a")
    cases["data_inputs"] = (
        B.start()
        + user(
            "a",
            '<bpmn:ioSpecification id="io"><bpmn:dataInput id="in1" name="x"/>'
            '<bpmn:inputSet id="is"><bpmn:dataInputRefs>in1</bpmn:dataInputRefs></bpmn:inputSet>'
            '<bpmn:outputSet id="os"/></bpmn:ioSpecification>',
        )
        + B.end()
        + B.chain("start", "a", "end"),
        "a",
    )
    return cases


HOSTILE = hostile()


@pytest.mark.parametrize("name", HOSTILE)
def test_the_dry_run_and_the_check_refuse_precisely(name):
    body, element = HOSTILE[name]
    xml = Bpmn.process(body)
    for run in (
        lambda: engine.dry_run(xml, {"decision": "approve"}),
        lambda: engine.check_diagram(xml),
    ):
        with pytest.raises(engine.DiagramError) as refused:
            run()
        named = [p for p in refused.value.problems if p.element_id == element]
        assert named, refused.value.problems
        assert element in named[0].message
        # The lint's own words, not the parser's English refusal passed on.
        assert named[0].message.startswith(("Phần tử", "Sự kiện", "Vòng lặp")), named[0]
        assert all("Error" not in p.message for p in refused.value.problems), refused.value.problems


def test_a_timer_says_that_time_limits_are_properties(bpmn):
    body, _ = HOSTILE["timer_boundary_no_expression"]
    with pytest.raises(engine.DiagramError) as refused:
        engine.dry_run(Bpmn.process(body))
    assert "hẹn giờ" in refused.value.problems[0].message
    assert "timeLimit" in refused.value.problems[0].message


def test_a_multi_instance_step_is_refused_with_the_reason(bpmn):
    body, _ = HOSTILE["user_mi_three"]
    with pytest.raises(engine.DiagramError) as refused:
        engine.check_diagram(Bpmn.process(body))
    [problem] = refused.value.problems
    assert problem.element_id == "a" and "multi-instance" in problem.message
    assert "một người xử lý, một thời hạn" in problem.message


# -- long and deep diagrams ------------------------------------------------------------------


def chain(count: int) -> str:
    ids = [f"u{i}" for i in range(count)]
    return Bpmn.process(
        B.start() + "".join(user(i) for i in ids) + B.end() + B.chain("start", *ids, "end")
    )


@pytest.mark.parametrize("count", [500, 2000])
def test_a_chain_longer_than_the_limit_is_refused_with_the_limit(count):
    xml = chain(count)
    for run in (engine.load_diagram, engine.check_diagram, engine.dry_run):
        with pytest.raises(engine.DiagramError) as refused:
            run(xml)
        [problem] = refused.value.problems
        assert f"tối đa {parse.MAX_FLOW_NODES} phần tử" in problem.message
        assert "Recursion" not in problem.message


def test_a_chain_at_the_limit_dry_runs_and_runs_to_its_end():
    xml = chain(parse.MAX_FLOW_NODES - 2)
    spec = engine.check_diagram(xml).spec
    lines = engine.dry_run(xml, max_steps=parse.MAX_FLOW_NODES + 10)
    assert len(lines) == parse.MAX_FLOW_NODES and lines[-1] == "endEvent end [returned]"
    run = engine.WorkflowRun.start(spec)
    for done in range(parse.MAX_FLOW_NODES - 2):
        [ready] = run.ready_steps()
        run.complete(ready.engine_task_id, {})
        if done % 50 == 0:  # saved and read back as a dossier is, its tree deeper each time
            run = engine.WorkflowRun.restore(spec, run.dump())
    assert engine.WorkflowRun.restore(spec, run.dump()).is_completed


def nested(depth: int) -> str:
    inner = user("a")
    ids = ["a"]
    for level in reversed(range(depth)):
        inner = (
            f'<bpmn:subProcess id="sp{level}"><bpmn:startEvent id="s{level}"/>{inner}'
            f'<bpmn:endEvent id="e{level}"/>'
            f'<bpmn:sequenceFlow id="f{level}a" sourceRef="s{level}" targetRef="{ids[-1]}"/>'
            f'<bpmn:sequenceFlow id="f{level}b" sourceRef="{ids[-1]}" targetRef="e{level}"/>'
            "</bpmn:subProcess>"
        )
        ids.append(f"sp{level}")
    return Bpmn.process(B.start() + inner + B.end() + B.chain("start", "sp0", "end"))


def test_subprocesses_nest_at_most_to_the_limit():
    assert engine.dry_run(nested(parse.MAX_NESTING))[-1] == "endEvent end [returned]"
    with pytest.raises(engine.DiagramError) as refused:
        engine.dry_run(nested(parse.MAX_NESTING + 1))
    [problem] = refused.value.problems
    assert problem.element_id == f"sp{parse.MAX_NESTING}"
    assert f"tối đa {parse.MAX_NESTING} tầng" in problem.message


def parallel_splits(count: int, then: int = 0) -> str:
    body, flows, last = B.start(), "", "start"
    for i in range(count):
        body += f'<bpmn:parallelGateway id="tach{i}"/><bpmn:parallelGateway id="gop{i}"/>'
        body += user(f"a{i}") + user(f"b{i}")
        flows += B.chain(last, f"tach{i}", f"a{i}", f"gop{i}") + B.chain(
            f"tach{i}", f"b{i}", f"gop{i}"
        )
        last = f"gop{i}"
    tail = [f"t{i}" for i in range(then)]
    return Bpmn.process(
        body + "".join(user(i) for i in tail) + B.end() + flows + B.chain(last, *tail, "end")
    )


def test_parallel_splits_in_a_row_are_refused_before_the_engine_copies_the_rest_for_each():
    # Twelve splits and 50 steps after them: SpiffWorkflow's tree had 237 565 tasks (9 s to
    # start, a 90 MB state saved with each action); twenty took five minutes to start.
    started = time.monotonic()
    for xml in (parallel_splits(12, then=50), parallel_splits(20)):
        for run in (engine.check_diagram, engine.dry_run):
            with pytest.raises(engine.DiagramError) as refused:
                run(xml)
            [problem] = refused.value.problems
            assert problem.element_id == "tach0"
            assert f"tối đa {parse.MAX_PREDICTED_TASKS}" in problem.message
    assert time.monotonic() - started < 10
    # A few, as procedures have, run.
    assert engine.dry_run(parallel_splits(3, then=10))[-1] == "endEvent end [returned]"


# -- bounded messages ------------------------------------------------------------------------


def test_a_megabyte_name_and_many_unknown_properties_give_a_short_answer(bpmn):
    many = {f"p{i}": "x" for i in range(200)}
    xml = bpmn.process(
        bpmn.start()
        + bpmn.user_task("a", "B" * 1_000_000, handler="x" * 100_000, **many)
        + bpmn.end()
        + bpmn.chain("start", "a", "end")
    )
    with pytest.raises(engine.DiagramError) as refused:
        engine.check_diagram(xml)
    problems = refused.value.problems
    assert len(problems) == errors.MAX_PROBLEMS + 1
    assert problems[-1].element_id is None
    assert problems[-1].message.startswith(f"… và {200 + 1 - errors.MAX_PROBLEMS} lỗi khác")
    assert all(len(p.message) <= errors.MESSAGE_CHARS for p in problems)
    assert sum(len(p.message) for p in problems) < 30_000
    assert "B" * errors.NAME_CHARS not in problems[0].message and "…»" in problems[0].message
    # The dry run's path names the step, shortened too.
    assert max(len(line) for line in engine.dry_run(xml)) < 300


def test_a_megabyte_property_name_and_value_are_shortened(bpmn):
    xml = bpmn.process(
        bpmn.start()
        + bpmn.user_task("a", "A", timeLimit="9" * 500_000 + "x").replace(
            "<spiffworkflow:properties>",
            f'<spiffworkflow:properties><spiffworkflow:property name="{"n" * 500_000}" value="1"/>',
        )
        + bpmn.end("end", dossierStatus="z" * 500_000)
        + bpmn.chain("start", "a", "end")
    )
    with pytest.raises(engine.DiagramError) as refused:
        engine.check_diagram(xml)
    assert len(refused.value.problems) == 3
    assert all(len(p.message) < 600 for p in refused.value.problems), refused.value.problems


def test_the_file_size_is_a_setting(monkeypatch, linear_xml):
    monkeypatch.setenv("MOTCUA_MAX_DIAGRAM_BYTES", "1000")
    with pytest.raises(engine.DiagramError) as refused:
        engine.check_diagram(linear_xml)
    [problem] = refused.value.problems
    assert "tối đa 1000 byte" in problem.message and "MOTCUA_MAX_DIAGRAM_BYTES" in problem.message
    monkeypatch.setenv("MOTCUA_MAX_DIAGRAM_BYTES", str(10 * len(linear_xml)))
    assert engine.check_diagram(linear_xml).steps


# -- encodings -------------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_utf16_and_a_utf8_byte_order_mark_are_read_and_kept_in_utf8(linear_xml, codec):
    declared = "UTF-8" if codec == "utf-8-sig" else "UTF-16"
    text = linear_xml.replace('encoding="UTF-8"', f'encoding="{declared}"')
    data = text.encode(codec)
    if codec in ("utf-16-le", "utf-16-be"):
        data = "\ufeff".encode(codec) + data  # the mark, as Windows tools write it
    diagram = engine.check_diagram(data)
    assert [s.name for s in diagram.steps] == ["Tiếp nhận hồ sơ", "Thẩm định", "Trả kết quả"]
    # UTF-8 with its mark is kept as it is; UTF-16 becomes the same text in UTF-8.
    kept = data if codec == "utf-8-sig" else linear_xml.encode("utf-8")
    assert diagram.xml == kept == engine.as_utf8(data)
    assert engine.dry_run(data)[-1] == "endEvent end — Đã trả kết quả [returned]"


def test_a_utf8_file_is_kept_byte_for_byte(linear_xml):
    data = linear_xml.replace('encoding="UTF-8"', "encoding='utf-8'").encode()
    assert engine.as_utf8(data) == data
    assert engine.load_diagram(data).xml == data


def test_a_utf16_file_is_configured_as_its_utf8_text(linear_xml):
    data = linear_xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    after = engine.set_step_properties(data, {"tham_dinh": {"handler": "leader"}})
    assert_only_changed(linear_xml.encode(), after, ["tham_dinh"])
    steps = {s.id: s for s in engine.load_diagram(after).steps}
    assert steps["tham_dinh"].handler == "leader" and steps["tiep_nhan"].name == "Tiếp nhận hồ sơ"


def test_a_dtd_in_utf16_is_still_refused():
    xxe = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d [<!ENTITY x SYSTEM '
        '"file:///etc/passwd">]><bpmn:definitions '
        'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</bpmn:definitions>'
    )
    for codec in ("utf-16", "utf-16-le", "utf-8-sig"):
        with pytest.raises(engine.DiagramError) as refused:
            engine.parse_xml(xxe.encode(codec))
        assert "DTD" in refused.value.problems[0].message


@pytest.mark.parametrize(
    "data, phrase",
    [
        ("<a/>".encode("utf-32"), "UTF-32"),
        (b'<?xml version="1.0"?><a>\xe9</a>', "UTF-8"),
        (b"\xff\xfe<\x00a\x00\x00\xd8/\x00>\x00", "UTF-16"),  # a lone surrogate
    ],
)
def test_other_encodings_are_refused_saying_what_is_read(data, phrase):
    with pytest.raises(engine.DiagramError) as refused:
        engine.parse_xml(data)
    [problem] = refused.value.problems
    assert phrase in problem.message


def test_a_loop_sent_round_too_often_is_refused_not_lost(gateway_xml):
    # SpiffWorkflow looks for the waiting steps at most 1 000 levels down its task tree: a
    # dossier sent round the loop 333 times had no step left, silently.
    spec = engine.check_diagram(gateway_xml).spec
    run = engine.WorkflowRun.start(spec)
    for done in range(2000):
        [ready] = run.ready_steps()
        try:
            run.complete(ready.engine_task_id, {"decision": "send_back"})
        except engine.WorkflowError as exc:
            assert f"tối đa {runner.MAX_TREE_DEPTH}" in str(exc) and exc.element_id == ready.step.id
            break
        if done % 100 == 0:
            run = engine.WorkflowRun.restore(spec, run.dump())
    else:
        raise AssertionError("never refused")
    assert done > 400
    # Refused before anything changed: the step still waits.
    assert [r.engine_task_id for r in run.ready_steps()] == [ready.engine_task_id]
