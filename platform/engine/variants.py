"""Unit variants: the same diagram with other handlers and time limits on its user tasks.

The change is made on the XML tree so that everything else in the file (layout, comments,
documentation) stays as the analyst wrote it.
"""

from lxml import etree

from .bpmnxml import NSMAP, SPIFF_NS, children, executable_process, local, parse_xml
from .conventions import USER_TASK_PROPERTIES
from .errors import DiagramError, Problem


def set_step_properties(xml: bytes | str, changes: dict[str, dict[str, str | None]]) -> bytes:
    """The diagram with `changes[step_id][property] = value` applied to its user tasks
    (a value of None removes the property). Raises DiagramError for an unknown step or
    property; the result is not linted (call check_diagram on it)."""
    root = parse_xml(xml)
    process = executable_process(root)
    tasks = {el.get("id"): el for el in process.iter(f"{{{NSMAP['bpmn']}}}userTask")}
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
    if problems:
        raise DiagramError(problems)
    for step_id, values in changes.items():
        for name, value in values.items():
            _set(tasks[step_id], name, value)
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def _set(task, name: str, value: str | None) -> None:
    props = task.xpath(
        "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property[@name=$n]",
        namespaces=NSMAP,
        n=name,
    )
    if value is None:
        for prop in props:
            prop.getparent().remove(prop)
        return
    if props:
        props[0].set("value", value)
        for extra in props[1:]:
            extra.getparent().remove(extra)
        return
    container = _properties_element(task)
    etree.SubElement(container, f"{{{SPIFF_NS}}}property", name=name, value=value)


def _properties_element(task):
    extensions = children(task, "extensionElements")
    if extensions:
        extension = extensions[0]
    else:
        extension = etree.Element(f"{{{NSMAP['bpmn']}}}extensionElements")
        # BPMN wants extensionElements right after any documentation.
        docs = [i for i, child in enumerate(task) if local(child) == "documentation"]
        task.insert(docs[-1] + 1 if docs else 0, extension)
    found = [c for c in extension if c.tag == f"{{{SPIFF_NS}}}properties"]
    if found:
        return found[0]
    return etree.SubElement(
        extension, f"{{{SPIFF_NS}}}properties", nsmap={"spiffworkflow": SPIFF_NS}
    )
