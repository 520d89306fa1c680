"""Unit variants: only the user tasks' properties and the lanes' names change; every other byte
of the file survives, and the tree is what a plain lxml edit would give."""

import re
from pathlib import Path

import pytest
from lxml import etree

from motcua import engine
from motcua.engine.bpmnxml import BPMN_NS, NSMAP, SPIFF_NS, properties

TEMPLATES = sorted((Path(__file__).resolve().parents[2] / "bpmn" / "templates").glob("*.bpmn"))


# -- helpers: an independent reading of the file and the old tree edit, to compare against --


def span(xml: bytes, element_id: str, whole: bool = True) -> tuple[int, int]:
    """Where the element with that id lies in the file: all of it, or its start tag only."""
    found = list(re.finditer(rb"""\sid\s*=\s*(["'])%s\1""" % re.escape(element_id.encode()), xml))
    assert len(found) == 1, f"id {element_id} found {len(found)} times"
    start = xml.rindex(b"<", 0, found[0].start())  # no "<" can stand inside an attribute value
    tag_end = re.compile(rb"""(?:[^>"']|"[^"]*"|'[^']*')*>""").match(xml, found[0].end()).end()
    if not whole or xml[tag_end - 2 : tag_end] == b"/>":
        return start, tag_end
    name = re.match(rb"<([^\s/>]+)", xml[start:]).group(1)
    return start, re.compile(rb"</%s\s*>" % re.escape(name)).search(xml, tag_end).end()


def assert_only_changed(before: bytes, after: bytes, step_ids=(), lane_ids=()):
    """Every byte outside the edited tasks and the edited lanes' start tags is the same."""
    wanted = [(i, True) for i in step_ids] + [(i, False) for i in lane_ids]
    pairs = sorted((span(before, i, whole), span(after, i, whole)) for i, whole in wanted)
    at_before = at_after = 0
    for (start_before, end_before), (start_after, end_after) in pairs:
        assert before[at_before:start_before] == after[at_after:start_after]
        at_before, at_after = end_before, end_after
    assert before[at_before:] == after[at_after:]


def shape(element):
    """What a tree says, leaving out the blanks between elements and namespace declarations."""

    def text(value):
        return value if value and value.strip() else None

    if not isinstance(element.tag, str):
        return (type(element).__name__, element.text, text(element.tail))
    kids = [shape(child) for child in element]
    return (
        element.tag,
        sorted(element.attrib.items()),
        text(element.text),
        kids,
        text(element.tail),
    )


def old_edit(xml, changes, lane_names=None):
    """The tree edit set_step_properties used to make (lxml, re-serializing the whole file)."""
    root = engine.parse_xml(xml)
    tasks = {el.get("id"): el for el in root.iter(f"{{{BPMN_NS}}}userTask")}
    for lane in root.iter(f"{{{BPMN_NS}}}lane"):
        if lane.get("id") in (lane_names or {}):
            lane.set("name", lane_names[lane.get("id")])
    for step_id, values in changes.items():
        task = tasks[step_id]
        for name, value in values.items():
            props = task.xpath(
                "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"
                "[@name=$n]",
                namespaces=NSMAP,
                n=name,
            )
            for extra in props[0 if value is None else 1 :]:
                extra.getparent().remove(extra)
            if value is not None and props:
                props[0].set("value", value)
            elif value is not None:
                container = _properties_element(task)
                etree.SubElement(container, f"{{{SPIFF_NS}}}property", name=name, value=value)
    return root


def _properties_element(task):
    extensions = task.findall(f"{{{BPMN_NS}}}extensionElements")
    if extensions:
        extension = extensions[0]
    else:
        extension = etree.Element(f"{{{BPMN_NS}}}extensionElements")
        docs = [i for i, c in enumerate(task) if c.tag == f"{{{BPMN_NS}}}documentation"]
        task.insert(docs[-1] + 1 if docs else 0, extension)
    found = extension.findall(f"{{{SPIFF_NS}}}properties")
    return found[0] if found else etree.SubElement(extension, f"{{{SPIFF_NS}}}properties")


def read_back(xml: bytes, step_id: str) -> dict:
    root = engine.parse_xml(xml)
    [task] = [t for t in root.iter(f"{{{BPMN_NS}}}userTask") if t.get("id") == step_id]
    return dict(properties(task))


def edit_and_check(xml, changes, lane_names=None) -> bytes:
    """set_step_properties, checked against the old tree edit, byte for byte outside the
    edited elements, and read back."""
    before = xml.encode("utf-8") if isinstance(xml, str) else xml
    after = engine.set_step_properties(before, changes, lane_names)
    assert shape(engine.parse_xml(after)) == shape(old_edit(before, changes, lane_names))
    assert_only_changed(before, after, changes, lane_names or {})
    for step_id, values in changes.items():
        found = read_back(after, step_id)
        for name, value in values.items():
            assert found.get(name) == value
    names = {lane.id: lane.name for lane in engine.lanes(after)}
    assert all(names[i] == name for i, name in (lane_names or {}).items())
    return after


# -- awkward inputs --

SINGLE_QUOTES = """<?xml version='1.0' encoding='UTF-8'?>
<bpmn:definitions xmlns:bpmn='http://www.omg.org/spec/BPMN/20100524/MODEL' \
xmlns:spiffworkflow='http://spiffworkflow.org/bpmn/schema/1.0/core' id='d'>
  <bpmn:process id='p' isExecutable='true'>
    <bpmn:userTask id='a' name='Bước &apos;A&apos; &gt; 1'>
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name='handler' value='leader' />
          <spiffworkflow:property   name = 'timeLimit'   value = '1d' />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
    </bpmn:userTask>
  </bpmn:process>
</bpmn:definitions>
"""

# CRLF, tabs, BPMN as the default namespace, SpiffWorkflow's namespace under another prefix.
DEFAULT_NAMESPACE = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\r\n"
    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:sw="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d">\r\n'
    '\t<process id="p" isExecutable="false">\r\n'
    '\t\t<laneSet id="ls">\r\n'
    '\t\t\t<lane id="l1" name="Một cửa"><flowNodeRef>a</flowNodeRef></lane>\r\n'
    '\t\t\t<lane id="l2"><flowNodeRef>b</flowNodeRef><flowNodeRef>s</flowNodeRef></lane>\r\n'
    "\t\t</laneSet>\r\n"
    '\t\t<startEvent id="s"/>\r\n'
    '\t\t<userTask id="a" name="A"/>\r\n'
    '\t\t<userTask id="b" name="B" >\r\n'
    "\t\t\t<extensionElements><sw:properties/></extensionElements>\r\n"
    "\t\t</userTask>\r\n"
    "\t</process>\r\n"
    "</definitions>\r\n"
)

# Another tool's file: semantic: prefix, no SpiffWorkflow namespace, comments, CDATA, a
# character reference in the documentation, other tools' extensions.
SEMANTIC = """<?xml version="1.0" encoding="UTF-8"?>
<!-- exported by some tool -->
<semantic:definitions xmlns:semantic="http://www.omg.org/spec/BPMN/20100524/MODEL" \
xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="x">
    <semantic:process id="p1" isExecutable="false">
        <semantic:userTask id="a" name="Send &#10;contract">
            <semantic:documentation>One&#10;two <![CDATA[<b>x</b> & y]]></semantic:documentation>
            <!-- keep me -->
            <semantic:incoming>f0</semantic:incoming>
        </semantic:userTask>
        <semantic:userTask id="b" camunda:assignee="${x}">
            <semantic:extensionElements>
                <camunda:inputOutput>
                    <camunda:inputParameter name="in">${a &lt; b}</camunda:inputParameter>
                </camunda:inputOutput>
            </semantic:extensionElements>
            <semantic:outgoing>f1</semantic:outgoing>
        </semantic:userTask>
        <?tool hint?>
    </semantic:process>
    <semantic:process id="p2" isExecutable="true">
        <semantic:userTask id="c"><semantic:documentation>D</semantic:documentation>\
</semantic:userTask>
    </semantic:process>
</semantic:definitions>
"""

# Our own layout: a removal, a property given twice, values and names that need escaping.
OURS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" \
xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="l1" name="Bộ phận một cửa">
        <bpmn:flowNodeRef>a</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:userTask id="a" name="Tiếp nhận">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="handler" value="receptionist"/>
          <spiffworkflow:property name="timeLimit" value="4h"/>
          <spiffworkflow:property name="form" value="tiep-nhan"/>
          <spiffworkflow:property name="handler" value="leader"/>
        </spiffworkflow:properties>
      </bpmn:extensionElements>
    </bpmn:userTask>
  </bpmn:process>
</bpmn:definitions>
"""


def test_single_quoted_attributes_keep_their_quotes():
    after = edit_and_check(SINGLE_QUOTES, {"a": {"handler": "user:a,b", "timeLimit": "2d"}})
    assert b"name='handler' value='user:a,b' />" in after
    assert b"name = 'timeLimit'   value = '2d' />" in after
    quote = edit_and_check(SINGLE_QUOTES, {"a": {"handler": 'it\'s "x"'}})
    assert b"value='it&apos;s \"x\"'" in quote


def test_a_crlf_file_with_the_default_namespace_gets_matching_lines():
    after = edit_and_check(
        DEFAULT_NAMESPACE,
        {"a": {"handler": "leader", "timeLimit": "1d"}, "b": {"handler": "specialist"}},
        {"l1": 'Tổ "A" & B', "l2": "Chuyên viên"},
    )
    assert after.count(b"\n") == after.count(b"\r\n")
    assert b"xmlns:spiffworkflow" not in after  # the file's own prefix is reused
    assert (
        b'\t\t<userTask id="a" name="A">\r\n'
        b"\t\t\t<extensionElements>\r\n"
        b"\t\t\t\t<sw:properties>\r\n"
        b'\t\t\t\t\t<sw:property name="handler" value="leader"/>\r\n'
        b'\t\t\t\t\t<sw:property name="timeLimit" value="1d"/>\r\n'
        b"\t\t\t\t</sw:properties>\r\n"
        b"\t\t\t</extensionElements>\r\n"
        b"\t\t</userTask>\r\n"
    ) in after
    assert (
        b'<sw:properties><sw:property name="handler" value="specialist"/></sw:properties>' in after
    )
    assert '<lane id="l1" name="Tổ &quot;A&quot; &amp; B">' in after.decode()
    assert '<lane id="l2" name="Chuyên viên">' in after.decode()


def test_another_tools_file_keeps_its_prefix_comments_and_extensions():
    after = edit_and_check(
        SEMANTIC,
        {
            "a": {"handler": "leader", "timeLimit": "2d"},
            "b": {"timeLimit": "4h"},
            "c": {"handler": "receptionist"},
        },
    )
    declare = b' xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
    # Right after the documentation (before the comment that follows it), in the file's prefix.
    assert (
        b"</semantic:documentation>\n"
        b"            <semantic:extensionElements>\n"
        b"                <spiffworkflow:properties" + declare + b">\n"
        b'                    <spiffworkflow:property name="handler" value="leader"/>\n'
    ) in after
    assert (
        b"                </camunda:inputOutput>\n"
        b"                <spiffworkflow:properties" + declare + b">\n"
        b'                    <spiffworkflow:property name="timeLimit" value="4h"/>\n'
        b"                </spiffworkflow:properties>\n"
        b"            </semantic:extensionElements>\n"
    ) in after
    assert (
        b"<semantic:documentation>D</semantic:documentation><semantic:extensionElements>"
        b"<spiffworkflow:properties" + declare + b">"
    ) in after
    assert after.startswith(SEMANTIC.encode()[: SEMANTIC.index("<semantic:userTask")])


def test_removing_and_escaping_touch_only_those_properties():
    after = edit_and_check(
        OURS,
        {"a": {"form": None, "handler": 'user:a,b & "c"\n\tx', "returnsResult": "true"}},
        {"l1": "Một <cửa>"},
    )
    assert after == OURS.encode().replace(
        b'          <spiffworkflow:property name="handler" value="receptionist"/>\n',
        b'          <spiffworkflow:property name="handler" value="user:a,b &amp; &quot;c&quot;'
        b'&#10;&#9;x"/>\n',
    ).replace(b'          <spiffworkflow:property name="form" value="tiep-nhan"/>\n', b"").replace(
        b'          <spiffworkflow:property name="handler" value="leader"/>\n',
        b'          <spiffworkflow:property name="returnsResult" value="true"/>\n',
    ).replace("Bộ phận một cửa".encode(), "Một &lt;cửa&gt;".encode())
    assert read_back(after, "a")["handler"] == 'user:a,b & "c"\n\tx'


def test_a_byte_order_mark_and_a_file_without_declaration_are_kept():
    with_bom = b"\xef\xbb\xbf" + OURS.encode()
    after = edit_and_check(with_bom, {"a": {"timeLimit": "1d"}}, {"l1": "X"})
    assert after.startswith(b'\xef\xbb\xbf<?xml version="1.0"')
    bare = OURS[OURS.index("<bpmn:definitions") :]
    assert edit_and_check(bare, {"a": {"timeLimit": "1d"}}).startswith(b"<bpmn:definitions")


def test_a_file_declared_in_another_encoding_gets_references_for_non_ascii():
    latin = SINGLE_QUOTES.replace("encoding='UTF-8'", "encoding='ISO-8859-1'").replace(
        "Bước", "Step"
    )
    after = edit_and_check(latin, {"a": {"handler": "user:ngô"}})
    assert b"value='user:ng&#244;'" in after
    after.decode("ascii")


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_a_template_changes_only_where_it_is_configured(path):
    before = path.read_bytes()
    diagram = engine.load_diagram(before)
    changes = {
        step.id: {"handler": "user:clo.cv.tckh1,clo.ld1", "timeLimit": f"{i + 1}.5h"}
        for i, step in enumerate(diagram.steps)
    }
    first = diagram.steps[0].id
    changes[first]["form"] = None
    renamed = {lane.id: f"Làn {lane.id} & cộng sự" for lane in engine.lanes(before)}
    after = edit_and_check(before, changes, renamed)
    steps = {s.id: s for s in engine.load_diagram(after).steps}
    assert steps[first].form is None
    assert all(steps[i].time_limit == v["timeLimit"] for i, v in changes.items())
    assert engine.set_step_properties(before, {}) == before


# -- the public surface as before --


def test_a_variant_changes_only_the_step_properties(linear_xml):
    commented = linear_xml.replace("<bpmn:process", "<!-- giữ nguyên -->\n<bpmn:process")
    xml = engine.set_step_properties(
        commented,
        {
            "tham_dinh": {"handler": "specialist@STNMT", "timeLimit": "3d"},
            "tiep_nhan": {"form": None},
            "tra_ket_qua": {"form": "tra-ket-qua"},
        },
    )
    assert b"<!-- gi" in xml
    steps = {s.id: s for s in engine.check_diagram(xml).steps}
    assert (steps["tham_dinh"].handler, steps["tham_dinh"].time_limit) == ("specialist@STNMT", "3d")
    assert steps["tiep_nhan"].form is None and steps["tiep_nhan"].handler == "receptionist"
    assert steps["tra_ket_qua"].form == "tra-ket-qua" and steps["tra_ket_qua"].returns_result


def test_a_variant_can_add_properties_to_a_bare_task(bpmn):
    xml = bpmn.process(
        bpmn.start()
        + '<bpmn:userTask id="a"><bpmn:documentation>Ghi chú</bpmn:documentation></bpmn:userTask>'
        + bpmn.end()
        + bpmn.chain("start", "a", "end")
    )
    changed = edit_and_check(xml, {"a": {"handler": "leader", "timeLimit": "1d"}})
    [step] = engine.check_diagram(changed).steps
    assert (step.handler, step.time_limit) == ("leader", "1d")


def test_a_variant_names_unknown_steps_properties_and_lanes(linear_xml):
    with pytest.raises(engine.DiagramError) as info:
        engine.set_step_properties(
            linear_xml, {"nope": {}, "tiep_nhan": {"colour": "red"}}, {"lan_khong_co": "X"}
        )
    assert [p.element_id for p in info.value.problems] == ["nope", "tiep_nhan", "lan_khong_co"]
    messages = [p.message for p in info.value.problems]
    assert "nope" in messages[0] and "colour" in messages[1] and "lan_khong_co" in messages[2]


def test_lanes_list_their_user_tasks():
    assert engine.lanes(DEFAULT_NAMESPACE) == [
        engine.Lane("l1", "Một cửa", ("a",)),
        engine.Lane("l2", None, ("b",)),  # the start event is not a step
    ]
    assert engine.lanes(SEMANTIC) == []
