"""Reading BPMN XML: the hardened parser and small helpers over lxml elements."""

import re

from lxml import etree

from .errors import DiagramError, Problem, describe

MAX_BPMN_BYTES = 5 * 1024 * 1024

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
NSMAP = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS, "bpmndi": DI_NS, "dc": DC_NS}

FLOW_NODES = frozenset(
    """startEvent endEvent intermediateCatchEvent intermediateThrowEvent boundaryEvent task
    userTask manualTask scriptTask serviceTask sendTask receiveTask businessRuleTask
    callActivity subProcess transaction adHocSubProcess exclusiveGateway inclusiveGateway
    parallelGateway eventBasedGateway complexGateway""".split()
)
SUBPROCESSES = frozenset({"subProcess", "transaction", "adHocSubProcess"})

_DECLARED_ENCODING = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_DTD_REFUSED = "Tệp BPMN không được chứa DTD hay khai báo thực thể (DOCTYPE, ENTITY)."


def parse_xml(xml: bytes | str) -> etree._Element:
    """Parse untrusted BPMN XML: no DTD, no entities, no network, bounded size.

    Raises DiagramError. Returns the bpmn:definitions element.
    """
    data = xml.encode("utf-8") if isinstance(xml, str) else bytes(xml)
    if len(data) > MAX_BPMN_BYTES:
        raise _refuse(f"Tệp BPMN quá lớn ({len(data)} byte; tối đa {MAX_BPMN_BYTES} byte).")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse("Tệp BPMN phải được mã hóa UTF-8.") from None
    # lxml reads by the declared encoding: a file declared as, say, ISO-8859-1 is fine while it
    # is plain ASCII, but its UTF-8 letters would be read as other characters.
    declared = _DECLARED_ENCODING.match(data.lstrip(b"\xef\xbb\xbf"))
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8") and not data.isascii():
        raise _refuse(
            f"Tệp BPMN khai báo bảng mã {declared.group(1).decode()} nhưng có chữ ngoài ASCII: "
            'hãy lưu tệp với encoding="UTF-8".'
        )
    # Refused before parsing so that no entity machinery runs at all; the text is UTF-8, so a
    # byte search cannot be dodged with another encoding.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise _refuse(_DTD_REFUSED)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise _refuse(f"Tệp BPMN không phải XML hợp lệ (dòng {exc.lineno}): {exc.msg}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _refuse(_DTD_REFUSED)
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise _refuse(
            "Tệp không phải sơ đồ BPMN 2.0: phần tử gốc phải là bpmn:definitions "
            f"(namespace {BPMN_NS})."
        )
    return root


def _refuse(message: str) -> DiagramError:
    return DiagramError([Problem(None, message)])


def local(element) -> str:
    """The local tag name ("userTask"), or "" for comments and processing instructions."""
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def children(element, name: str) -> list:
    return [child for child in element if local(child) == name]


def flow_nodes(container) -> list:
    """The flow nodes directly inside a process or subprocess."""
    return [child for child in container if local(child) in FLOW_NODES]


def all_flow_nodes(container) -> list:
    """Every flow node inside a process, subprocesses included."""
    return [el for el in container.iterdescendants() if local(el) in FLOW_NODES]


def properties(element) -> list[tuple[str | None, str | None]]:
    """The (name, value) pairs of the element's spiffworkflow:properties, in order."""
    return [
        (prop.get("name"), prop.get("value"))
        for prop in element.xpath(
            "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property",
            namespaces=NSMAP,
        )
    ]


def extension_text(element, name: str) -> str | None:
    found = element.xpath(f"./bpmn:extensionElements/spiffworkflow:{name}", namespaces=NSMAP)
    return found[0].text if found else None


def owner_with_id(element):
    """The element itself or its nearest ancestor that has an id."""
    while element is not None and not element.get("id"):
        element = element.getparent()
    return element


def positions(root) -> dict[str, float]:
    """The x coordinate of each shape in the diagram interchange, by element id."""
    found = {}
    for shape in root.iter(f"{{{DI_NS}}}BPMNShape"):
        bounds = shape.find(f"{{{DC_NS}}}Bounds")
        if bounds is not None:
            try:
                found[shape.get("bpmnElement")] = float(bounds.get("x", 0))
            except ValueError:
                pass
    return found


def executable_process(root):
    """The one bpmn:process with isExecutable="true"; raises DiagramError otherwise."""
    processes = children(root, "process")
    executable = [p for p in processes if p.get("isExecutable") == "true"]
    if len(executable) == 1 and executable[0].get("id"):
        return executable[0]
    if not executable:
        message = 'Sơ đồ phải có đúng một quy trình thực thi (bpmn:process isExecutable="true").'
    else:
        ids = ", ".join(describe(p.get("id"), p.get("name")) for p in executable)
        message = f"Sơ đồ có nhiều quy trình thực thi ({ids}); chỉ được có một."
    raise DiagramError([Problem(None, message)])
