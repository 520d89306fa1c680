"""Diagrams made by other tools (the BPMN MIWG test suite, in the shared folder next to the
repository): importing them gives a precise Vietnamese refusal or a lint report, never a crash;
configuring them changes the handlers, time limits and lane names and nothing else."""

import re
from pathlib import Path

import pytest

from motcua import engine
from motcua.engine.bpmnxml import BPMN_NS, SPIFF_NS, properties
from motcua.engine.lint import UNSUPPORTED
from tests.engine.test_variants import assert_only_changed, shape

THIRD_PARTY = Path(__file__).resolve().parents[2].parent / "shared" / "third-party-bpmn"
FILES = sorted(THIRD_PARTY.rglob("*.bpmn")) if THIRD_PARTY.is_dir() else []
ABSENT = pytest.mark.skip(reason=f"no third-party diagrams: {THIRD_PARTY} is absent or empty")
PARAMS = [pytest.param(p, id=str(p.relative_to(THIRD_PARTY))) for p in FILES] or [
    pytest.param(None, marks=ABSENT)
]

NO_EXECUTABLE = "quy trình thực thi"  # no (or several) bpmn:process isExecutable="true"
INVALID = "Sơ đồ không hợp lệ tại phần tử"  # SpiffWorkflow refuses an element, named
UNSUPPORTED_ELEMENT = "không được hỗ trợ"  # loads, but the lint refuses an element kind
MIWG = "miwg/bpmn.io-camunda-modeler-18.6.1/"
# The first problem of each known file: the stage that reports it, the element it names.
EXPECTED = {
    f"{MIWG}A.1.0-export.bpmn": ("load", None, NO_EXECUTABLE),
    f"{MIWG}A.2.0-export.bpmn": ("load", None, NO_EXECUTABLE),
    f"{MIWG}A.2.1-export.bpmn": ("load", "Activity_172ndxy", INVALID),  # two outgoing flows
    f"{MIWG}A.3.0-export.bpmn": ("load", "Activity_1j4b29j", INVALID),  # no start event
    f"{MIWG}A.4.0-export.bpmn": ("lint", "Task1Task", UNSUPPORTED_ELEMENT),
    f"{MIWG}A.4.1-export.bpmn": ("lint", "Activity_1n97zgn", UNSUPPORTED_ELEMENT),
    f"{MIWG}B.1.0-export.bpmn": ("load", "StartEvent_1", INVALID),  # timer
    f"{MIWG}B.2.0-export.bpmn": ("load", "StartEvent_1", INVALID),  # timer
    f"{MIWG}C.1.0-export.bpmn": ("load", "Event_1m6mn1s", INVALID),  # timer
    f"{MIWG}C.1.1-export.bpmn": ("load", "Flow_029m3t7", INVALID),  # flow without condition
    f"{MIWG}C.2.0-export.bpmn": ("lint", "Activity_0wisljb", UNSUPPORTED_ELEMENT),
    f"{MIWG}C.3.0-export.bpmn": ("load", "Activity_14jt63w", INVALID),
    f"{MIWG}C.4.0-export.bpmn": ("load", None, NO_EXECUTABLE),
    f"{MIWG}C.5.0-export.bpmn": ("load", "Activity_1nw3l11", INVALID),  # data association
    f"{MIWG}C.6.0-export.bpmn": ("load", "Event_0isfp1w", INVALID),
    f"{MIWG}C.7.0-export.bpmn": ("load", "Activity_0rnylu0", INVALID),  # service task
    f"{MIWG}C.8.0-export.bpmn": ("load", None, NO_EXECUTABLE),
    f"{MIWG}C.8.1-export.bpmn": ("load", None, NO_EXECUTABLE),
    f"{MIWG}C.9.0-export.bpmn": ("load", "Activity_0r5vs4p", INVALID),
    f"{MIWG}C.9.1-export.bpmn": ("load", "Event_0r6z74c", INVALID),
    f"{MIWG}C.9.2-export.bpmn": ("load", "Event_0s3q36a", INVALID),
    "miwg/reference/A.1.0.bpmn": ("load", None, NO_EXECUTABLE),
    "miwg/reference/A.2.0.bpmn": ("load", None, NO_EXECUTABLE),
    "miwg/reference/A.2.1.bpmn": ("load", None, NO_EXECUTABLE),
    "miwg/reference/A.3.0.bpmn": ("load", None, NO_EXECUTABLE),
    "miwg/reference/A.4.0.bpmn": ("load", None, NO_EXECUTABLE),
    "miwg/reference/A.4.1.bpmn": ("load", None, NO_EXECUTABLE),
    "miwg/reference/B.1.0.bpmn": ("load", None, NO_EXECUTABLE),
    "miwg/reference/B.2.0.bpmn": ("load", None, NO_EXECUTABLE),
    "miwg/reference/C.1.0.bpmn": ("load", "archiveInvoice", INVALID),
    # SpiffWorkflow names this data store by its name only.
    "miwg/reference/C.1.1.bpmn": ("load", None, "Financial Accounting System"),
    "miwg/reference/C.2.0.bpmn": ("load", None, NO_EXECUTABLE),
    "miwg/reference/C.3.0.bpmn": ("load", "_cd6f230f-13c3-4027-aa3e-57de601a1ab2", INVALID),
    "miwg/reference/C.4.0.bpmn": ("load", None, NO_EXECUTABLE),  # isExecutable left out
    "miwg/reference/C.5.0.bpmn": ("load", None, NO_EXECUTABLE),
    "miwg/reference/C.6.0.bpmn": ("load", None, NO_EXECUTABLE),
    "miwg/reference/C.7.0.bpmn": ("load", None, NO_EXECUTABLE),
    "miwg/reference/C.8.0.bpmn": ("load", None, NO_EXECUTABLE),
    "miwg/reference/C.8.1.bpmn": ("load", "_2b960d84-feb1-46a9-a1a1-c300dd996b99", INVALID),
    "miwg/reference/C.9.0.bpmn": ("load", "ServiceTask_GetCreditScore", INVALID),
    "miwg/reference/C.9.1.bpmn": ("lint", "SendTask_RequestDocument", UNSUPPORTED_ELEMENT),
    "miwg/reference/C.9.2.bpmn": ("load", "CallActivity_RequestDocument", INVALID),
}
VIETNAMESE = re.compile("[ăâđêôơưĂÂĐÊÔƠƯ\u1ea0-\u1ef9]")


def import_problems(data: bytes) -> tuple[str, list]:
    """("load", why load_diagram refused) or ("lint", the lint's problems). Anything but a
    DiagramError propagates and fails the test."""
    try:
        diagram = engine.load_diagram(data)
    except engine.DiagramError as exc:
        assert exc.problems
        return "load", exc.problems
    return "lint", engine.lint(diagram)


@pytest.mark.parametrize("path", PARAMS)
def test_a_third_party_diagram_imports_or_is_refused_precisely(path):
    data = path.read_bytes()
    root = engine.parse_xml(data)
    ids = {el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    stage, problems = import_problems(data)

    for problem in problems:
        assert problem.message.strip() and VIETNAMESE.search(problem.message), problem
        # A parser crash turned into a message is still a crash.
        assert not problem.message.startswith("Không đọc được sơ đồ"), problem
        if problem.element_id is not None:
            assert problem.element_id in ids and problem.element_id in problem.message

    executable = [p for p in root.iter(f"{{{BPMN_NS}}}process") if p.get("isExecutable") == "true"]
    if len(executable) != 1:
        assert stage == "load" and [p.element_id for p in problems] == [None]
        assert NO_EXECUTABLE in problems[0].message
    else:
        assert all(NO_EXECUTABLE not in p.message for p in problems)
    if stage == "lint":
        named = {p.element_id for p in problems}
        for node in executable[0].iter():
            kind = node.tag.rpartition("}")[2] if isinstance(node.tag, str) else ""
            if kind in UNSUPPORTED and node.get("triggeredByEvent") != "true":
                assert node.get("id") in named, f"{kind} {node.get('id')} not reported"
            if kind == "userTask" and "handler" not in dict(properties(node)):
                assert any(
                    p.element_id == node.get("id") and "thiếu thuộc tính handler" in p.message
                    for p in problems
                )

    relative = str(path.relative_to(THIRD_PARTY))
    if relative in EXPECTED:
        expected_stage, element_id, phrase = EXPECTED[relative]
        assert (stage, problems[0].element_id) == (expected_stage, element_id)
        assert phrase in problems[0].message


@pytest.mark.parametrize("path", PARAMS)
def test_configuring_a_third_party_diagram_changes_nothing_else(path):
    before = path.read_bytes()
    root = engine.parse_xml(before)
    steps = [t.get("id") for t in root.iter(f"{{{BPMN_NS}}}userTask")][:2]
    lane_ids = [lane.id for lane in engine.lanes(before)][:1]
    with pytest.raises(engine.DiagramError) as info:
        engine.set_step_properties(before, {"buoc_khong_co": {"handler": "leader"}})
    assert [p.element_id for p in info.value.problems] == ["buoc_khong_co"]
    assert "buoc_khong_co" in info.value.problems[0].message
    if not steps and not lane_ids:
        return

    values = [{"handler": "specialist@.TNMT", "timeLimit": "2d"}, {"handler": "user:a,b"}]
    changes = dict(zip(steps, values, strict=False))
    lane_names = {lane_id: "Bộ phận «một cửa» & tổ 1" for lane_id in lane_ids}
    after = engine.set_step_properties(before, changes, lane_names)

    assert_only_changed(before, after, steps, lane_ids)
    assert normalized(before, changes, lane_ids) == normalized(after, changes, lane_ids)
    edited = engine.parse_xml(after)
    for task in edited.iter(f"{{{BPMN_NS}}}userTask"):
        if task.get("id") in changes:
            assert dict(properties(task)) == changes[task.get("id")]
    assert {lane.id: lane.name for lane in engine.lanes(after) if lane.id in lane_names} == (
        lane_names
    )
    # Importing gives the same answer, less the properties now given.
    stage, problems = import_problems(before)
    stage_after, problems_after = import_problems(after)
    assert stage_after == stage
    if stage == "lint":
        given = {(i, f"thiếu thuộc tính {name}") for i, v in changes.items() for name in v}
        expected = [
            p
            for p in problems
            if not any(p.element_id == i and text in p.message for i, text in given)
        ]
        assert problems_after == expected
    else:
        assert [p.element_id for p in problems_after] == [p.element_id for p in problems]


def normalized(xml: bytes, changes: dict, lane_ids) -> tuple:
    """The tree without the configured properties (nor the containers left empty by their
    removal) and without the configured lanes' names."""
    root = engine.parse_xml(xml)
    for task in root.iter(f"{{{BPMN_NS}}}userTask"):
        for extension in task.findall(f"{{{BPMN_NS}}}extensionElements"):
            for container in extension.findall(f"{{{SPIFF_NS}}}properties"):
                for prop in container.findall(f"{{{SPIFF_NS}}}property"):
                    if prop.get("name") in changes.get(task.get("id"), {}):
                        container.remove(prop)
                if not len(container):
                    extension.remove(container)
            if not len(extension):
                task.remove(extension)
    for lane in root.iter(f"{{{BPMN_NS}}}lane"):
        if lane.get("id") in lane_ids:
            lane.attrib.pop("name", None)
    return shape(root)
