"""Reading BPMN XML: the hardened parser and small helpers over lxml elements.

A diagram is kept as UTF-8, with or without a byte order mark (kept, byte for byte). A file in
UTF-16 with its byte order mark, as some modelers on Windows save them, is read by its mark and
becomes UTF-8, its XML declaration saying so (`as_utf8`); its text is otherwise unchanged. A
file that declares another encoding is read only while it is plain ASCII.
"""

import os
import re

from lxml import etree

from .errors import DiagramError, Problem, describe

MAX_BPMN_BYTES = 5 * 1024 * 1024  # the default of MOTCUA_MAX_DIAGRAM_BYTES

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
_DECLARATION = re.compile(r"(<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9._-]+)([\"'])")
_DTD_REFUSED = "Tệp BPMN không được chứa DTD hay khai báo thực thể (DOCTYPE, ENTITY)."
_ENCODINGS = "UTF-8 (có hoặc không có BOM) hoặc UTF-16 có BOM"
# By their first bytes, as XML 1.0 appendix F tells them apart; UTF-32 before UTF-16 (FF FE).
_MARKS = (
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)


def max_bpmn_bytes() -> int:
    """The largest diagram file accepted, in bytes: MOTCUA_MAX_DIAGRAM_BYTES (default 5 MiB)."""
    value = os.environ.get("MOTCUA_MAX_DIAGRAM_BYTES", "")
    return int(value) if value.strip().isdigit() and int(value) > 0 else MAX_BPMN_BYTES


def as_utf8(xml: bytes | str) -> bytes:
    """The file's bytes in UTF-8: unchanged when they are UTF-8 (a byte order mark kept);
    a UTF-16 file is decoded by its mark, the mark dropped and its declaration's encoding set
    to UTF-8. Raises DiagramError for any other encoding that cannot be read."""
    data = xml.encode("utf-8") if isinstance(xml, str) else bytes(xml)
    codec = next((name for mark, name in _MARKS if data.startswith(mark)), None)
    if codec == "UTF-32":
        raise _refuse(f"Tệp BPMN mã hóa UTF-32 không được nhận; hãy lưu bằng {_ENCODINGS}.")
    if codec is None:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _refuse(
                f"Tệp BPMN không đọc được theo bảng mã UTF-8 (byte thứ {exc.start}); "
                f"hệ thống nhận tệp {_ENCODINGS}."
            ) from None
        return data
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise _refuse(
            f"Tệp BPMN có dấu {codec.upper().replace('-SIG', '')} ở đầu nhưng không đọc được "
            f"theo bảng mã ấy (byte thứ {exc.start})."
        ) from None
    if codec == "utf-8-sig":
        return data
    text = text.removeprefix("\ufeff")
    return _DECLARATION.sub(r"\1UTF-8\3", text, count=1).encode("utf-8")


def parse_xml(xml: bytes | str) -> etree._Element:
    """Parse untrusted BPMN XML: no DTD, no entities, no network, bounded size; in UTF-8, or
    in UTF-16 or UTF-8 with a byte order mark (read as `as_utf8` gives them).

    Raises DiagramError. Returns the bpmn:definitions element.
    """
    data = xml.encode("utf-8") if isinstance(xml, str) else bytes(xml)
    limit = max_bpmn_bytes()
    if len(data) > limit:
        raise _refuse(
            f"Tệp BPMN quá lớn ({len(data)} byte; tối đa {limit} byte, "
            "đặt bằng MOTCUA_MAX_DIAGRAM_BYTES)."
        )
    data = as_utf8(data)
    # lxml reads by the declared encoding: a file declared as, say, ISO-8859-1 is fine while it
    # is plain ASCII, but its UTF-8 letters would be read as other characters.
    declared = _DECLARED_ENCODING.match(data)
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8") and not data.isascii():
        raise _refuse(
            f"Tệp BPMN khai báo bảng mã {declared.group(1).decode()} nhưng có chữ ngoài ASCII: "
            'hãy lưu tệp với encoding="UTF-8".'
        )
    # Refused before parsing so that no entity machinery runs at all; the text is UTF-8 by
    # now, so a byte search cannot be dodged with another encoding.
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
