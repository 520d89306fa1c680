"""The project's rules for diagrams, beyond what BPMN and SpiffWorkflow require."""

from collections.abc import Callable
from decimal import Decimal

from .bpmnxml import (
    NSMAP,
    SUBPROCESSES,
    all_flow_nodes,
    children,
    executable_process,
    extension_text,
    local,
    parse_xml,
    properties,
)
from .conventions import (
    DOSSIER_STATUS,
    END_EVENT_PROPERTIES,
    END_STATUSES,
    FORM,
    HANDLER,
    PRODUCES_RESULT,
    REQUIRES_FEES_PAID,
    RETURNS_RESULT,
    SIGNS_RESULT,
    TIME_LIMIT,
    USER_TASK_PROPERTIES,
    WAITS_FOR_APPLICANT,
    Handler,
    form_name_problem,
    parse_flag,
    parse_handler,
    parse_time_limit,
)
from .errors import DiagramError, Problem, clip, describe
from .graph import automatic_cycle, flow_graph, longest_path, predicted_tasks
from .parse import MAX_PREDICTED_TASKS, Diagram, load_diagram
from .scripting import ScriptError, compile_expression, compile_script

SUPPORTED = (
    "startEvent, endEvent, userTask, scriptTask, exclusiveGateway, parallelGateway, "
    "inclusiveGateway, subProcess, intermediateThrowEvent (sự kiện mốc, không kèm định nghĩa)"
)
# Elements the engine would run but the platform cannot drive: nobody works a manualTask or a
# plain task, nothing sends or receives messages, nothing fires timers.
UNSUPPORTED = frozenset(
    """task manualTask serviceTask sendTask receiveTask businessRuleTask callActivity
    transaction adHocSubProcess eventBasedGateway complexGateway intermediateCatchEvent
    boundaryEvent""".split()
)
LOOPS = ("multiInstanceLoopCharacteristics", "standardLoopCharacteristics")


def lint(
    diagram: Diagram,
    *,
    resolve_handler: Callable[[Handler], str | None] | None = None,
    legal_limit_days: float | Decimal | None = None,
    hours_per_day: float = 7.5,
) -> list[Problem]:
    """Every problem of the diagram against the project's conventions (empty: fine).

    `resolve_handler(handler)` returns None when the handler names existing officers, else a
    message; `legal_limit_days` bounds the sum of time limits along the longest path.
    """
    problems = []
    for node in all_flow_nodes(diagram.process):
        problems += _node_problems(node, resolve_handler)
    problems += _condition_problems(diagram.process)
    problems += _graph_problems(diagram.process)
    if legal_limit_days is not None:
        # Numbers from the database may be Decimal; days are compared as floats.
        problems += _limit_problems(diagram, float(legal_limit_days), float(hours_per_day))
    return problems


def check_diagram(xml: bytes | str, **lint_kwargs) -> Diagram:
    """load_diagram and lint; raises DiagramError listing every problem.

    Elements the platform cannot run are reported first, before SpiffWorkflow's parser sees
    the file: its own complaints about them (in English, about timers or operators) would
    hide the real reason.
    """
    diagram = _loaded(xml)
    unsupported = _unsupported(diagram.process)
    if unsupported:
        raise DiagramError(unsupported)
    problems = lint(diagram, **lint_kwargs)
    if problems:
        raise DiagramError(problems)
    return diagram


def _loaded(xml: bytes | str) -> Diagram:
    """load_diagram; when SpiffWorkflow cannot read the file, the elements we do not run, if
    any, are the reason given."""
    try:
        return load_diagram(xml)
    except DiagramError as failed:
        try:
            unsupported = _unsupported(executable_process(parse_xml(xml)))
        except DiagramError:
            raise failed from None
        raise (DiagramError(unsupported) if unsupported else failed) from None


def runnable(xml: bytes | str) -> Diagram:
    """load_diagram, refusing (DiagramError) what the engine cannot run for a dossier: the
    element kinds of check_diagram's first round, loops on an element, an element without an
    outgoing flow, a loop that never waits for anyone. The properties are not asked for: this
    is what a dry run needs before it starts."""
    diagram = _loaded(xml)
    problems = _unsupported(diagram.process) + _graph_problems(diagram.process, unreached=False)
    if problems:
        raise DiagramError(problems)
    return diagram


def _unsupported(process) -> list[Problem]:
    return [p for node in all_flow_nodes(process) for p in _kind_problems(node)]


def _kind_problems(node) -> list[Problem]:
    """The element itself is something the platform cannot run (a service task, a timer…)."""
    kind, node_id = local(node), node.get("id")
    label = describe(node_id, node.get("name"))
    definitions = [c for c in node if local(c).endswith("EventDefinition")]
    if any(local(d) == "timerEventDefinition" for d in definitions):
        # With or without its expression: nothing fires a dossier's timers.
        message = (
            f"Sự kiện hẹn giờ {label} ({kind}, timer) không được hỗ trợ: hệ thống không chạy "
            "hẹn giờ; thời hạn của một bước ghi bằng thuộc tính timeLimit của bước đó."
        )
    elif kind in UNSUPPORTED and node.get("triggeredByEvent") != "true":
        message = f"Phần tử {label} ({kind}) không được hỗ trợ; chỉ dùng {SUPPORTED}."
    elif kind == "intermediateThrowEvent" and definitions:
        message = f"Sự kiện trung gian {label} chỉ được là sự kiện mốc (không kèm message, timer…)."
    elif kind == "startEvent" and definitions:
        message = f"Sự kiện bắt đầu {label} phải là sự kiện thường (không có message, timer…)."
    elif kind == "endEvent" and any(local(d) != "terminateEventDefinition" for d in definitions):
        message = f"Sự kiện kết thúc {label} chỉ được là sự kiện thường hoặc terminate."
    elif node.get("triggeredByEvent") == "true":
        message = f"Tiến trình con theo sự kiện {label} không được hỗ trợ."
    else:
        message = None
    problems = [Problem(node_id, message)] if message else []
    if any(local(c) in LOOPS for c in node):
        # One step of a dossier is one task in the inbox with one handler and one due time
        # (its time limit); a multi-instance or looping step would be several at once.
        problems.append(
            Problem(
                node_id,
                f"Phần tử {label} lặp nhiều lần (multi-instance hoặc loop) không được hỗ trợ: "
                "mỗi bước của hồ sơ chạy một lần, một người xử lý, một thời hạn; muốn làm lại "
                "một bước, hãy vẽ luồng quay lại qua cổng rẽ nhánh.",
            )
        )
    if any(local(c) == "ioSpecification" for c in node):
        problems.append(
            Problem(
                node_id,
                f"Phần tử {label}: dữ liệu vào/ra khai báo (ioSpecification) không được hỗ "
                "trợ; các bước dùng chung dữ liệu của hồ sơ.",
            )
        )
    return problems


def _node_problems(node, resolve_handler) -> list[Problem]:
    kind, node_id = local(node), node.get("id")
    label = describe(node_id, node.get("name"))
    problems = _kind_problems(node)

    if kind == "userTask":
        problems += _user_task_problems(node, label, resolve_handler)
    elif kind == "endEvent":
        problems += _end_event_problems(node, label)
    if kind == "scriptTask":
        script = "".join(s.text or "" for s in children(node, "script"))
        problems += _script_problems(node_id, f"Script task {label}", script)
    for name in ("preScript", "postScript"):
        text = extension_text(node, name)
        if text and text.strip():
            problems += _script_problems(node_id, f"{name} của {label}", text)
    return problems


def _user_task_problems(node, label, resolve_handler) -> list[Problem]:
    node_id, found, problems = node.get("id"), {}, []

    def report(message):
        problems.append(Problem(node_id, f"Bước {label}: {message}"))

    for name, value in properties(node):
        if name in found:
            report(f"thuộc tính «{clip(name)}» được khai báo hai lần.")
        elif name not in USER_TASK_PROPERTIES:
            report(
                f"thuộc tính «{clip(name)}» không được hỗ trợ "
                f"(chỉ dùng {', '.join(USER_TASK_PROPERTIES)})."
            )
        found[name] = value
    for name, parse in ((HANDLER, parse_handler), (TIME_LIMIT, parse_time_limit)):
        if not (found.get(name) or "").strip():
            what = "người xử lý" if name == HANDLER else "thời hạn"
            report(f"thiếu thuộc tính {name} ({what}).")
            continue
        try:
            parsed = parse(found[name])
        except ValueError as exc:
            report(str(exc))
            continue
        if name == HANDLER and resolve_handler is not None:
            why = resolve_handler(parsed)
            if why:
                report(f"người xử lý «{clip(found[name])}» không dùng được: {clip(why, 300)}")
    if FORM in found and (why := form_name_problem(found[FORM])):
        report(why)
    for flag in (
        RETURNS_RESULT,
        PRODUCES_RESULT,
        WAITS_FOR_APPLICANT,
        REQUIRES_FEES_PAID,
        SIGNS_RESULT,
    ):
        if flag in found and found[flag].strip().lower() not in ("true", "false"):
            report(f"{flag} phải là «true» hoặc «false», không phải «{clip(found[flag])}».")
    if all(
        (found.get(flag) or "").strip().lower() == "true"
        for flag in (RETURNS_RESULT, WAITS_FOR_APPLICANT)
    ):
        report(
            "một bước không thể vừa trả kết quả vừa chờ người nộp bổ sung hồ sơ "
            "(returnsResult và waitsForApplicant)."
        )
    return problems


def _end_event_problems(node, label) -> list[Problem]:
    problems = []
    for name, value in properties(node):
        if name not in END_EVENT_PROPERTIES:
            message = f"thuộc tính «{clip(name)}» không được hỗ trợ (chỉ dùng {DOSSIER_STATUS})."
        elif value not in END_STATUSES:
            message = (
                f"{DOSSIER_STATUS} phải là {' hoặc '.join(END_STATUSES)}, "
                f"không phải «{clip(value)}»."
            )
        else:
            continue
        problems.append(Problem(node.get("id"), f"Sự kiện kết thúc {label}: {message}"))
    return problems


def _script_problems(element_id, where, script) -> list[Problem]:
    try:
        compile_script(script)
    except ScriptError as exc:
        return [Problem(element_id, f"{where}: {clip(exc, 300)}")]
    return []


def _condition_problems(process) -> list[Problem]:
    problems = []
    for flow in process.iter(f"{{{NSMAP['bpmn']}}}sequenceFlow"):
        for condition in children(flow, "conditionExpression"):
            try:
                compile_expression(condition.text or "")
            except ScriptError as exc:
                label = describe(flow.get("id"), flow.get("name"))
                problems.append(
                    Problem(
                        flow.get("id"),
                        f"Điều kiện của luồng {label} (từ {clip(flow.get('sourceRef'))}): "
                        f"{clip(exc, 300)}",
                    )
                )
    return problems


def _containers(process):
    yield process
    for node in all_flow_nodes(process):
        if local(node) in SUBPROCESSES:
            yield node


def _graph_problems(process, unreached: bool = True) -> list[Problem]:
    """The paths' problems; `unreached`: elements no path reaches too (they never run, so a
    dry run does not mind them)."""
    problems = []
    for container in _containers(process):
        graph = flow_graph(container)
        for node_id, node in graph.nodes.items():
            if unreached and node_id not in graph.reachable and local(node) != "boundaryEvent":
                problems.append(
                    Problem(
                        node_id,
                        f"Phần tử {describe(node_id, node.get('name'))} không nối được từ sự "
                        "kiện bắt đầu nên sẽ không bao giờ chạy.",
                    )
                )
        outgoing = {f.get("sourceRef") for f in children(container, "sequenceFlow")}
        for node_id, node in graph.nodes.items():
            if local(node) != "endEvent" and node_id not in outgoing:
                problems.append(
                    Problem(
                        node_id,
                        f"Phần tử {describe(node_id, node.get('name'))} không có luồng đi ra: "
                        "hồ sơ đến đây sẽ dừng mà không kết thúc (nối nó tới bước sau hoặc "
                        "tới một sự kiện kết thúc).",
                    )
                )
        count, split = predicted_tasks(container)
        if count > MAX_PREDICTED_TASKS:
            problems.append(
                Problem(
                    split,
                    f"Các nhánh song song từ cổng {describe(split, _name_of(graph, split))} "
                    "nhân bản phần sau của quy trình: bộ máy quy trình phải dựng khoảng "
                    f"{count} bước dự kiến cho mỗi hồ sơ (tối đa {MAX_PREDICTED_TASKS}); hãy "
                    "gộp các nhánh song song sớm hơn hoặc bớt các cổng song song nối tiếp.",
                )
            )
        cycle = automatic_cycle(container, _waits_for_people)
        if cycle:
            shown = [clip(i, 40) for i in cycle[:10]] + (["…"] if len(cycle) > 10 else [])
            problems.append(
                Problem(
                    cycle[0],
                    f"Vòng lặp {' → '.join(shown)} → {clip(cycle[0], 40)} không có bước nào "
                    "của cán bộ: quy trình sẽ chạy mãi không dừng.",
                )
            )
    return problems


def _name_of(graph, node_id):
    node = graph.nodes.get(node_id)
    return node.get("name") if node is not None else None


def _waits_for_people(node) -> bool:
    if local(node) in SUBPROCESSES:
        return any(local(n) == "userTask" for n in all_flow_nodes(node))
    return local(node) == "userTask"


def longest_path_days(diagram: Diagram, hours_per_day: float = 7.5) -> tuple[float, list[str]]:
    """The sum of the steps' time limits, in working days, along the diagram's longest path
    (send-backs left out), and the user task ids on that path. Steps that wait for the
    applicant weigh nothing: the dossier's clock stands still while they are open."""

    def waits(node) -> bool:
        return parse_flag(dict(properties(node)).get(WAITS_FOR_APPLICANT))

    def days(node):
        if local(node) != "userTask" or waits(node):
            return 0.0
        value = dict(properties(node)).get(TIME_LIMIT)
        try:
            return parse_time_limit(value).days(hours_per_day)
        except ValueError:
            return 0.0  # reported on its own

    total, path = longest_path(diagram.process, days)
    steps = [_by_id(diagram.process, i) for i in path]
    return total, [n.get("id") for n in steps if local(n) == "userTask" and not waits(n)]


def _limit_problems(diagram, legal_limit_days, hours_per_day) -> list[Problem]:
    total, path = longest_path_days(diagram, hours_per_day)
    if total <= legal_limit_days + 1e-9:
        return []
    shown = [clip(i, 40) for i in path[:12]] + ([f"… ({len(path)} bước)"] if len(path) > 12 else [])
    steps = " → ".join(shown)
    return [
        Problem(
            diagram.process_id,
            f"Tổng thời hạn các bước trên đường dài nhất ({steps}) là {_number(total)} ngày "
            f"làm việc, vượt thời hạn giải quyết theo quy định {_number(legal_limit_days)} ngày"
            f" (tính {_number(hours_per_day)} giờ làm việc một ngày).",
        )
    ]


def _by_id(process, element_id):
    found = process.xpath(".//*[@id=$i]", i=element_id)
    return found[0] if found else None


def _number(value: float) -> str:
    """Vietnamese number format: a decimal comma, at most two decimals."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")
