"""Loading a diagram: hardened XML parse, then SpiffWorkflow's parser with XSD validation.

What a diagram's bytes give (its steps, its spec, or its problems) depends on nothing else, so
it is kept, by the bytes' hash, for the diagrams read lately: the configurator, the lint and
publishing all read the same few diagrams again and again within one request and the next.
A loaded Diagram is shared: read it, never change it.

SpiffWorkflow's parser follows the sequence flows recursively (two Python frames per element)
and so does its start of a workflow (one frame per element): a diagram of about 480 elements
in a row ends its parse in a RecursionError. So a file has at most MAX_FLOW_NODES flow
elements and subprocesses nest at most MAX_NESTING deep, checked before the parser runs,
which leaves room for the web request's own frames below it.
"""

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from .bpmnxml import (
    FLOW_NODES,
    NSMAP,
    SUBPROCESSES,
    as_utf8,
    executable_process,
    local,
    max_bpmn_bytes,
    owner_with_id,
    parse_xml,
    positions,
)
from .errors import DiagramError, Problem, clip, describe
from .graph import ordered_ids
from .serialize import make_bundle, serialize_spec
from .steps import Step
from .variants import Lane, lanes_of


@dataclass
class Diagram:
    """A parsed, valid diagram: what is stored for a process version and what lint reads."""

    process_id: str
    spec: str  # the serialized spec (subprocesses included), stored once per version
    steps: list[Step]  # user tasks along the main path from the start event
    xml: bytes
    process_name: str | None = None
    lanes: list[Lane] = field(default_factory=list)
    root: etree._Element = field(default=None, repr=False, compare=False)
    process: etree._Element = field(default=None, repr=False, compare=False)


class _LockedValidator:
    """SpiffWorkflow's XSD validator (built from the schema files it ships, nothing fetched),
    shared by threads; an lxml schema keeps its error log on itself, hence the lock."""

    _lock = threading.Lock()

    def validate(self, bpmn, filename=None):
        with self._lock:
            VALIDATOR.validate(bpmn, filename)


LOADED_KEPT = 128
MAX_FLOW_NODES = 300
MAX_NESTING = 10
# The tasks SpiffWorkflow's tree holds at once (graph.predicted_tasks): 1 000 is a state of
# about 400 KB saved with every action; 12 parallel splits in a row would be 90 MB.
MAX_PREDICTED_TASKS = 1000
_loaded: OrderedDict[bytes, Diagram | DiagramError] = OrderedDict()
_loaded_lock = threading.Lock()


def load_diagram(xml: bytes | str) -> Diagram:
    """Parse and validate a diagram. Raises DiagramError naming the element and the problem."""
    data = xml.encode("utf-8") if isinstance(xml, str) else bytes(xml)
    # The size limit is a setting: a file refused under one limit may pass under another.
    key = hashlib.sha256(data).digest() + str(max_bpmn_bytes()).encode()
    with _loaded_lock:
        found = _loaded.get(key)
        if found is not None:
            _loaded.move_to_end(key)
    if found is None:
        try:
            found = _load(data)
        except DiagramError as exc:
            found = exc
        with _loaded_lock:
            _loaded[key] = found
            while len(_loaded) > LOADED_KEPT:
                _loaded.popitem(last=False)
    if isinstance(found, DiagramError):
        raise DiagramError(list(found.problems))
    return found


def _load(data: bytes) -> Diagram:
    root = parse_xml(data)
    data = as_utf8(data)
    process = executable_process(root)
    problems = size_problems(root) or _property_problems(process)
    if problems:
        raise DiagramError(problems)
    parser = SpiffBpmnParser(validator=_LockedValidator())
    process_id = process.get("id")
    try:
        parser.add_bpmn_xml(root)
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except ValidationException as exc:
        if "RecursionError" in str(exc):
            raise DiagramError([_too_deep()]) from None
        raise DiagramError([_validation_problem(exc, root)]) from None
    except SpiffWorkflowException as exc:
        raise DiagramError([Problem(None, f"Sơ đồ không hợp lệ: {clip(exc, 300)}")]) from None
    except RecursionError:
        raise DiagramError([_too_deep()]) from None
    except Exception as exc:  # the parser on untrusted input: report, do not crash
        raise DiagramError(
            [Problem(None, f"Không đọc được sơ đồ: {type(exc).__name__}: {clip(exc, 300)}")]
        ) from None
    bundle = make_bundle(spec, subprocess_specs)
    order = ordered_ids(process, positions(root))
    steps = [bundle.steps[i] for i in order if i in bundle.steps]
    steps += [s for i, s in bundle.steps.items() if i not in set(order)]
    return Diagram(
        process_id=process_id,
        spec=serialize_spec(spec, subprocess_specs),
        steps=steps,
        xml=data,
        process_name=process.get("name"),
        lanes=lanes_of(root),
        root=root,
        process=process,
    )


def size_problems(root) -> list[Problem]:
    """The file is larger or deeper than the engine can read (MAX_FLOW_NODES, MAX_NESTING)."""
    count, deepest, deepest_id = 0, 0, None
    stack = [(root, 0)]
    while stack:  # iterative: the nesting is what is being measured
        element, depth = stack.pop()
        for child in element:
            kind = local(child)
            if kind in FLOW_NODES:
                count += 1
            inner = depth + (kind in SUBPROCESSES)
            if inner > deepest:
                deepest, deepest_id = inner, child.get("id")
            stack.append((child, inner))
    problems = []
    if count > MAX_FLOW_NODES:
        problems.append(
            Problem(
                None,
                f"Sơ đồ có {count} phần tử (sự kiện, bước, cổng, tiến trình con); tối đa "
                f"{MAX_FLOW_NODES} phần tử một tệp: hãy tách quy trình.",
            )
        )
    if deepest > MAX_NESTING:
        problems.append(
            Problem(
                deepest_id,
                f"Tiến trình con {clip(deepest_id)} lồng {deepest} tầng; "
                f"tối đa {MAX_NESTING} tầng.",
            )
        )
    return problems


def _too_deep() -> Problem:
    return Problem(
        None,
        "Sơ đồ có chuỗi bước nối tiếp quá dài để đọc được "
        f"(tối đa {MAX_FLOW_NODES} phần tử một tệp): hãy tách quy trình.",
    )


def _property_problems(process) -> list[Problem]:
    """Properties SpiffWorkflow's parser would trip over (it needs both name and value)."""
    problems = []
    for prop in process.iter(f"{{{NSMAP['spiffworkflow']}}}property"):
        if prop.get("name") is None or prop.get("value") is None:
            owner = owner_with_id(prop)
            problems.append(
                Problem(
                    owner.get("id") if owner is not None else None,
                    f"Phần tử {_name(owner)}: mỗi spiffworkflow:property phải có "
                    "cả thuộc tính name và value.",
                )
            )
    return problems


def _validation_problem(exc: ValidationException, root) -> Problem:
    detail = clip(exc.args[0] if exc.args else str(exc), 300)
    element_id, name = exc.id or None, exc.name or None
    line = exc.line_number if isinstance(exc.line_number, int) else None
    if element_id is None and line:
        # XSD errors come with a line only: name the element that starts on that line.
        for element in root.iter():
            if getattr(element, "sourceline", None) == line:
                owner = owner_with_id(element)
                if owner is not None:
                    element_id, name = owner.get("id"), owner.get("name")
                break
    where = f" tại phần tử {describe(element_id, name)}" if element_id else ""
    at_line = f" (dòng {line})" if line else ""
    return Problem(element_id, f"Sơ đồ không hợp lệ{where}{at_line}: {detail}")


def _name(element) -> str:
    if element is None:
        return "(không rõ)"
    return describe(element.get("id"), element.get("name"))
