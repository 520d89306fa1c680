"""Unit variants: the template's diagram with other handlers and time limits on its user tasks
and other names on its lanes.

The file is edited as text, never re-serialized: it is the analyst's (or another tool's), and
everything we do not own — layout, documentation, comments, other tools' extensions, quoting,
namespace declarations, line endings — must survive byte for byte. lxml reads the tree; expat,
run over the same bytes, tells where each node starts; the new text is spliced in there.
"""

import re
import xml.parsers.expat
from dataclasses import dataclass

from .bpmnxml import BPMN_NS, NSMAP, SPIFF_NS, as_utf8, children, parse_xml
from .conventions import USER_TASK_PROPERTIES
from .errors import DiagramError, Problem


@dataclass(frozen=True)
class Lane:
    """A lane of the diagram and the user tasks (steps) it holds, in the file's order."""

    id: str
    name: str | None
    step_ids: tuple[str, ...]


def lanes(xml: bytes | str) -> list[Lane]:
    """Every lane with an id, in any process of the file (nested lanes included)."""
    return lanes_of(parse_xml(xml))


def lanes_of(root) -> list[Lane]:
    """``lanes`` of a parsed file (its bpmn:definitions element)."""
    steps = {task.get("id") for task in root.iter(f"{{{BPMN_NS}}}userTask")}
    found = []
    for lane in root.iter(f"{{{BPMN_NS}}}lane"):
        refs = [(ref.text or "").strip() for ref in children(lane, "flowNodeRef")]
        if lane.get("id"):
            found.append(
                Lane(lane.get("id"), lane.get("name"), tuple(r for r in refs if r in steps))
            )
    return found


def set_step_properties(
    xml: bytes | str,
    changes: dict[str, dict[str, str | None]],
    lane_names: dict[str, str] | None = None,
) -> bytes:
    """The diagram with `changes[step_id][property] = value` applied to its user tasks (a value
    of None removes the property) and `lane_names[lane_id]` given to its lanes. Steps may be in
    any process of the file. Only those attributes and elements change; every other byte is
    kept. Raises DiagramError for an unknown step, property or lane; the result is not linted
    (call check_diagram on it)."""
    root = parse_xml(xml)
    data = as_utf8(xml)  # the text spliced is the one parsed: UTF-8 (a UTF-16 file's, decoded)
    tasks = {el.get("id"): el for el in root.iter(f"{{{BPMN_NS}}}userTask")}
    lanes_by_id = {el.get("id"): el for el in root.iter(f"{{{BPMN_NS}}}lane")}
    lane_names = lane_names or {}
    problems = [
        Problem(step_id, f"Không có bước (userTask) {step_id} trong sơ đồ.")
        for step_id in changes
        if step_id not in tasks
    ]
    problems += [
        Problem(step_id, f"Bước {step_id}: thuộc tính «{name}» không được hỗ trợ.")
        for step_id, values in changes.items()
        for name in values
        if name not in USER_TASK_PROPERTIES
    ]
    problems += [
        Problem(lane_id, f"Không có làn (lane) {lane_id} trong sơ đồ.")
        for lane_id in lane_names
        if lane_id not in lanes_by_id
    ]
    if problems:
        raise DiagramError(problems)
    source = _Source(data, root)
    edits = []
    for step_id, values in changes.items():
        edits += _step_edits(source, tasks[step_id], values)
    for lane_id, name in lane_names.items():
        edits.append(source.set_attribute(lanes_by_id[lane_id], "name", name))
    return source.apply(edits)


def _step_edits(source, task, values) -> list:
    edits, added = [], []
    props = task.xpath(
        "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property",
        namespaces=NSMAP,
    )
    for name, value in values.items():
        found = [prop for prop in props if prop.get("name") == name]
        if value is None:
            edits += [source.remove(prop) for prop in found]
        elif found:
            # A property given twice keeps its first element: the engine would read either.
            edits.append(source.set_attribute(found[0], "value", value))
            edits += [source.remove(prop) for prop in found[1:]]
        else:
            added.append((name, value))
    if added:
        edits.append(_add_properties(source, task, added))
    return edits


def _add_properties(source, task, added):
    """One insertion holding every new property, in the innermost container that exists."""
    extension = next(iter(children(task, "extensionElements")), None)
    container = None
    if extension is not None:
        container = next((c for c in extension if c.tag == f"{{{SPIFF_NS}}}properties"), None)
    if container is not None:
        prefix = source.prefix(container)
        return source.append(container, [_property(source, prefix, n, v) for n, v in added])
    prefix, declaration = _spiff_prefix(extension if extension is not None else task)
    props = (
        b"<" + prefix + b"properties" + declaration + b">",
        [_property(source, prefix, n, v) for n, v in added],
        b"</" + prefix + b"properties>",
    )
    if extension is not None:
        return source.append(extension, [props])
    bpmn = source.prefix(task)
    extension = (b"<" + bpmn + b"extensionElements>", [props], b"</" + bpmn + b"extensionElements>")
    # Where the old tree edit put it: right after the documentation, as the BPMN schema wants.
    nodes = list(task)
    docs = [i for i, c in enumerate(nodes) if c.tag == f"{{{BPMN_NS}}}documentation"]
    position = docs[-1] + 1 if docs else 0
    if position < len(nodes):
        return source.insert_before(nodes[position], [extension])
    return source.append(task, [extension])


def _spiff_prefix(element) -> tuple[bytes, bytes]:
    """The prefix to write SpiffWorkflow's elements with, and the declaration it needs (if the
    namespace is not already in scope under some prefix)."""
    prefixes = sorted(p for p, uri in element.nsmap.items() if uri == SPIFF_NS and p)
    if prefixes:
        chosen = "spiffworkflow" if "spiffworkflow" in prefixes else prefixes[0]
        return chosen.encode() + b":", b""
    return b"spiffworkflow:", f' xmlns:spiffworkflow="{SPIFF_NS}"'.encode()


def _property(source, prefix: bytes, name: str, value: str) -> bytes:
    name, value = source.escape(name), source.escape(value)
    return b'<%sproperty name="%s" value="%s"/>' % (prefix, name, value)


_DECLARED_ENCODING = re.compile(
    rb"""(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']"""
)
_START_TAG = re.compile(rb"""<([^\s/>]+)(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(/?)>""")
_ATTRIBUTE = re.compile(rb"""\s+([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')""")


@dataclass(frozen=True)
class _Span:
    start: int  # the "<" of the start tag (of the comment, of the processing instruction)
    open_end: int  # just after the start tag
    close: int  # the "<" of the end tag; open_end for an empty element (<x/>)
    end: int  # just after the node


class _Source:
    """The file's bytes and where each of its nodes lies in them."""

    def __init__(self, data: bytes, root):
        self.data = data
        self.newline = b"\r\n" if b"\r\n" in data else b"\n"
        # Files that declare another encoding (some tools write ISO-8859-1 over ASCII text)
        # get non-ASCII characters as references, which read the same in any encoding.
        declared = _DECLARED_ENCODING.match(data)
        name = declared.group(1).lower().replace(b"-", b"").replace(b"_", b"") if declared else b""
        self.ascii_only = name not in (b"", b"utf8")
        nodes, located = list(root.iter()), _locate(data)
        # Both parsers read the same bytes; if they ever disagree, editing would corrupt the file.
        tags = [node.tag if isinstance(node.tag, str) else None for node in nodes]
        if tags != [tag for tag, _ in located]:
            raise AssertionError("lxml and expat read the diagram's nodes differently")
        self.spans = {node: span for node, (_, span) in zip(nodes, located, strict=True)}

    def apply(self, edits) -> bytes:
        """The bytes with each (start, end, text) edit spliced in; edits may not overlap."""
        pieces, last = [], len(self.data)
        for start, end, text in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
            if end > last:
                raise AssertionError(f"overlapping edits at byte {start}")
            pieces += [self.data[end:last], text]
            last = start
        pieces.append(self.data[:last])
        return b"".join(reversed(pieces))

    def escape(self, value: str, quote: bytes = b'"') -> bytes:
        """An attribute value's text; newlines and tabs as references so parsers keep them."""
        text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        text = text.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
        text = text.replace('"', "&quot;") if quote == b'"' else text.replace("'", "&apos;")
        return text.encode("ascii", "xmlcharrefreplace") if self.ascii_only else text.encode()

    def prefix(self, element) -> bytes:
        """The prefix the element's tag is written with in the file ("bpmn:" or b"")."""
        name = _START_TAG.match(self.data, self.spans[element].start).group(1)
        return name[: name.index(b":") + 1] if b":" in name else b""

    def indent(self, pos: int) -> bytes | None:
        """The blanks before `pos` on its line, or None if something else precedes it there."""
        text = self.data[self.data.rfind(b"\n", 0, pos) + 1 : pos]
        return None if text.strip() else text

    def unit(self, element) -> bytes:
        """One level of indentation as the file writes it (two spaces when it cannot tell)."""
        for parent in [element, *element.iterancestors()]:
            outer = self.indent(self.spans[parent].start)
            first = next(iter(parent), None)
            if outer is None or first is None:
                continue
            inner = self.indent(self.spans[first].start)
            if inner is not None and len(inner) > len(outer) and inner.startswith(outer):
                return inner[len(outer) :]
        return b"  "

    def set_attribute(self, element, name: str, value: str):
        span = self.spans[element]
        tag = self.data[span.start : span.open_end]
        for match in _ATTRIBUTE.finditer(tag):
            if match.group(1) == name.encode():
                quote = match.group(2)[:1]
                start, end = span.start + match.start(2) + 1, span.start + match.end(2) - 1
                return start, end, self.escape(value, quote)
        at = span.start + len(tag.rstrip(b"/>").rstrip())
        return at, at, b" " + name.encode() + b'="' + self.escape(value) + b'"'

    def remove(self, element):
        """Removes the element with the blanks and the line break before it."""
        span, data = self.spans[element], self.data
        start = span.start
        while start and data[start - 1] in b" \t\r\n":
            start -= 1
        newline = data.rfind(b"\n", start, span.start)
        if newline >= 0:
            start = newline - 1 if data[newline - 1 : newline] == b"\r" else newline
        return start, span.end, b""

    def append(self, parent, nodes):
        """Inserts new nodes as the parent's last children, laid out like its other lines."""
        span, unit, newline = self.spans[parent], self.unit(parent), self.newline
        name = _START_TAG.match(self.data, span.start).group(1)
        if span.close == span.end:  # <x/> becomes <x>…</x>
            outer = self.indent(span.start)
            at = span.start + len(self.data[span.start : span.open_end - 2].rstrip())
            if outer is None:
                text = b">" + _render_all(nodes, b"", b"", b"") + b"</" + name + b">"
            else:
                inner = _render_all(nodes, outer + unit, unit, newline)
                text = b">" + newline + inner + outer + b"</" + name + b">"
            return at, span.end, text
        outer = self.indent(span.close)
        if outer is None:
            return span.close, span.close, _render_all(nodes, b"", b"", b"")
        last = parent[-1] if len(parent) else None
        indent = self.indent(self.spans[last].start) if last is not None else None
        at = span.close - len(outer)
        return at, at, _render_all(nodes, outer + unit if indent is None else indent, unit, newline)

    def insert_before(self, sibling, nodes):
        start = self.spans[sibling].start
        indent = self.indent(start)
        if indent is None:
            return start, start, _render_all(nodes, b"", b"", b"")
        text = _render_all(nodes, indent, self.unit(sibling.getparent()), self.newline)
        return start - len(indent), start - len(indent), text


def _render_all(nodes, indent: bytes, unit: bytes, newline: bytes) -> bytes:
    return b"".join(_render(node, indent, unit, newline) + newline for node in nodes)


def _render(node, indent: bytes, unit: bytes, newline: bytes) -> bytes:
    """A new node's text: bytes for a leaf, (start tag, children, end tag) for a parent."""
    if isinstance(node, bytes):
        return indent + node
    start, kids, end = node
    inner = b"".join(_render(kid, indent + unit, unit, newline) + newline for kid in kids)
    return indent + start + newline + inner + indent + end


def _locate(data: bytes) -> list[tuple[str | None, _Span]]:
    """Where each element, comment and processing instruction inside the root lies, in
    document order (that of lxml's iter()), with each element's tag as lxml writes it. The DTD
    and entities were refused by parse_xml, so expat here only reads plain elements."""
    found, open_ = [], []
    parser = xml.parsers.expat.ParserCreate(namespace_separator="}")

    def start(name, attrs):
        at = parser.CurrentByteIndex
        tag = _START_TAG.match(data, at)
        open_.append((len(found), tag.group(2) == b"/"))
        found.append(["{" + name if "}" in name else name, at, tag.end(), tag.end(), tag.end()])

    def end(name):
        index, empty = open_.pop()
        if not empty:
            at = parser.CurrentByteIndex
            found[index][3:] = [at, data.index(b">", at) + 1]

    def other(closing):
        def handler(*args):
            if open_:  # lxml's iter() sees only what lies inside the root
                at = parser.CurrentByteIndex
                end = data.index(closing, at) + len(closing)
                found.append([None, at, end, end, end])

        return handler

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CommentHandler = other(b"-->")
    parser.ProcessingInstructionHandler = other(b"?>")
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise DiagramError([Problem(None, f"Tệp BPMN không đọc được để sửa: {exc}")]) from None
    return [(tag, _Span(*span)) for tag, *span in found]
