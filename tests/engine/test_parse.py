import json
import socket
import threading

import pytest

from motcua import engine
from motcua.engine.bpmnxml import MAX_BPMN_BYTES


def problems_of(xml) -> list[engine.Problem]:
    with pytest.raises(engine.DiagramError) as info:
        engine.load_diagram(xml)
    return info.value.problems


def test_a_good_diagram_loads_with_its_steps_in_path_order(linear_xml):
    diagram = engine.load_diagram(linear_xml)
    assert diagram.process_id == "proc"
    assert [s.id for s in diagram.steps] == ["tiep_nhan", "tham_dinh", "tra_ket_qua"]
    first, second, last = diagram.steps
    assert first == engine.Step(
        id="tiep_nhan", name="Tiếp nhận hồ sơ", lane=None, handler="receptionist",
        time_limit="4h", form="tiep-nhan", returns_result=False,
    )  # fmt: skip
    assert second.handler == "specialist@.TNMT" and second.time_limit == "2d"
    assert last.returns_result is True
    assert diagram.xml == linear_xml.encode()
    assert json.loads(diagram.spec)["spec"]["name"] == "proc"


def test_steps_follow_the_path_not_the_document_order(bpmn):
    xml = bpmn.process(
        bpmn.user_task("c")
        + bpmn.end()
        + bpmn.user_task("b")
        + bpmn.start()
        + bpmn.user_task("a")
        + bpmn.chain("start", "a", "b", "c", "end")
    )
    assert [s.id for s in engine.load_diagram(xml).steps] == ["a", "b", "c"]


def test_steps_carry_their_lane(bpmn):
    body = (
        '<bpmn:laneSet id="ls"><bpmn:lane id="l1" name="Bộ phận một cửa">'
        "<bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>a</bpmn:flowNodeRef>"
        "<bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"
        + bpmn.start() + bpmn.user_task("a") + bpmn.end() + bpmn.chain("start", "a", "end")
    )  # fmt: skip
    assert engine.load_diagram(bpmn.process(body)).steps[0].lane == "Bộ phận một cửa"


def test_a_doctype_is_refused(linear_xml):
    xml = linear_xml.replace(
        "<bpmn:definitions", '<!DOCTYPE x SYSTEM "http://e/x.dtd">\n<bpmn:definitions', 1
    )
    [problem] = problems_of(xml)
    assert "DOCTYPE" in problem.message and problem.element_id is None


def test_entity_declarations_are_refused_before_anything_expands():
    laughs = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
        "&lol2;</bpmn:definitions>"
    )
    [problem] = problems_of(laughs)
    assert "thực thể" in problem.message


def test_an_external_entity_cannot_read_files():
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;'
        "</bpmn:definitions>"
    )
    [problem] = problems_of(xxe)
    assert "root:" not in problem.message and "DTD" in problem.message


def test_an_oversize_file_is_refused(linear_xml):
    padding = "<!--" + "x" * MAX_BPMN_BYTES + "-->"
    [problem] = problems_of(linear_xml.replace("<bpmn:process", padding + "<bpmn:process"))
    assert "quá lớn" in problem.message


def test_not_xml_and_not_bpmn_are_refused():
    assert "XML" in problems_of(b"<bpmn:definitions")[0].message
    assert "bpmn:definitions" in problems_of("<svg xmlns='http://www.w3.org/2000/svg'/>")[0].message
    assert "UTF-8" in problems_of("<a>é</a>".encode("latin-1"))[0].message
    assert "UTF-32" in problems_of("<a/>".encode("utf-32"))[0].message


def test_exactly_one_executable_process_is_required(bpmn, linear_xml):
    none = linear_xml.replace('isExecutable="true"', 'isExecutable="false"')
    assert "đúng một quy trình" in problems_of(none)[0].message
    second = (
        '<bpmn:process id="other" isExecutable="true"><bpmn:startEvent id="s2"/></bpmn:process>'
    )
    two = linear_xml.replace("</bpmn:definitions>", second + "</bpmn:definitions>")
    assert "nhiều quy trình" in problems_of(two)[0].message


def test_a_schema_error_names_the_element(bpmn):
    xml = bpmn.process(
        bpmn.start()
        + '<bpmn:userTask id="a" name="Bước A"><bpmn:bogus/></bpmn:userTask>\n'
        + bpmn.end()
        + bpmn.chain("start", "a", "end")
    )
    [problem] = problems_of(xml)
    assert problem.element_id == "a"
    assert "a «Bước A»" in problem.message and "bogus" in problem.message


def test_spiffworkflows_own_checks_name_the_flow(bpmn):
    xml = bpmn.process(
        bpmn.start()
        + bpmn.gateway("gw")
        + bpmn.user_task("a")
        + bpmn.user_task("b")
        + bpmn.end()
        + bpmn.chain("start", "gw")
        + bpmn.flow("to_a", "gw", "a", "x == 1")
        + bpmn.flow("to_b", "gw", "b")  # neither a condition nor the default
        + bpmn.chain("a", "end")
        + bpmn.chain("b", "end")
    )
    [problem] = problems_of(xml)
    assert problem.element_id == "to_b"
    assert "to_b" in problem.message and "without condition" in problem.message


def test_a_property_without_a_value_names_its_task(bpmn):
    xml = bpmn.process(
        bpmn.start() + '<bpmn:userTask id="a"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="handler"/></spiffworkflow:properties>'
        "</bpmn:extensionElements></bpmn:userTask>" + bpmn.end() + bpmn.chain("start", "a", "end")
    )
    [problem] = problems_of(xml)
    assert problem.element_id == "a" and "value" in problem.message


@pytest.fixture
def listener():
    """A local TCP port that records any connection made to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    hits, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            hits.append(conn.recv(200))
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], hits
    stop.set()
    thread.join()
    server.close()


def test_validation_fetches_nothing_named_in_the_document(linear_xml, listener):
    port, hits = listener
    url = f"http://127.0.0.1:{port}"
    xml = linear_xml.replace(
        'id="defs"',
        'id="defs" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="http://www.omg.org/spec/BPMN/20100524/MODEL {url}/BPMN20.xsd '
        f'http://spiffworkflow.org/bpmn/schema/1.0/core {url}/spiff.xsd" '
        f'xsi:noNamespaceSchemaLocation="{url}/none.xsd"',
    )
    engine.load_diagram(xml)
    included = xml.replace(
        "<bpmn:startEvent",
        f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{url}/x.xml"/>'
        "<bpmn:startEvent",
    )
    with pytest.raises(engine.DiagramError):
        engine.load_diagram(included)
    assert hits == []


def test_a_file_declared_in_another_encoding_must_be_plain_ascii():
    head = '<?xml version="1.0" encoding="ISO-8859-1"?>'
    body = '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="{}"/>'
    assert engine.parse_xml((head + body.format("so_do")).encode()).get("id") == "so_do"
    with pytest.raises(engine.DiagramError, match="ISO-8859-1 nhưng có chữ ngoài ASCII"):
        engine.parse_xml((head + body.format("sơ_đồ")).encode())
