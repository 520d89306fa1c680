"""One dossier's workflow in memory: start or restore, complete or send back steps, dump.

Every call into SpiffWorkflow is wrapped: whatever it raises on a diagram (its own errors, a
script's, a TypeError from an expression that gave None, a RecursionError) becomes a
WorkflowError naming the element, which the services answer as a refusal — never a crash.
"""

from copy import deepcopy
from uuid import UUID

from SpiffWorkflow.bpmn.specs.mixins import EndEventMixin, UserTaskMixin
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from .bpmnxml import local
from .errors import DiagramError, Problem, WorkflowError, clip, describe
from .lint import runnable
from .scripting import ScriptError, plain_value
from .serialize import SpecBundle, dump_state, load_spec, new_workflow, restore_state
from .steps import ReadyStep, Step

# Engine steps (gateways, scripts) run by one action before we call it a loop: a diagram whose
# conditions send it round without reaching a person would otherwise spin until SpiffWorkflow's
# task iterator (max_depth=1000) silently stops finding the READY tasks deep in the tree.
MAX_ENGINE_STEPS = 200
# SpiffWorkflow finds the waiting steps by walking its task tree at most 1 000 deep, and every
# step run adds one level (a loop sent round again too): past that a dossier would silently
# have no step left. It is refused before, with the reason.
MAX_TREE_DEPTH = 900


class WorkflowRun:
    """A dossier's workflow. Errors: WorkflowError (the diagram cannot go on), ValueError
    (send_back with no previous step). After a WorkflowError, discard the run."""

    def __init__(self, bundle: SpecBundle, workflow):
        self._bundle = bundle
        self._workflow = workflow
        self._on_done = None  # dry_run's hook: called with each finished task

    @classmethod
    def start(cls, spec: str) -> "WorkflowRun":
        """A new workflow from a stored spec, run up to its first human step(s)."""
        bundle = _bundle(spec)
        try:
            workflow = new_workflow(bundle)
        except Exception as exc:  # SpiffWorkflow predicts the whole tree here, recursively
            raise _translate(exc) from exc
        run = cls(bundle, workflow)
        run._advance()
        return run

    @classmethod
    def restore(cls, spec: str, state: str) -> "WorkflowRun":
        bundle = _bundle(spec)
        try:
            workflow = restore_state(bundle, state)
        except Exception as exc:  # a state we cannot read: report it, whatever the cause
            raise WorkflowError(
                f"Không đọc được trạng thái quy trình của hồ sơ: {type(exc).__name__}: {exc}"
            ) from exc
        return cls(bundle, workflow)

    def dump(self) -> str:
        """The workflow state as JSON, without the spec."""
        return dump_state(self._workflow)

    def ready_steps(self) -> list[ReadyStep]:
        return [
            ReadyStep(str(task.id), self._bundle.steps[task.task_spec.bpmn_id])
            for task in self._workflow.get_tasks(state=TaskState.READY, manual=True)
            if isinstance(task.task_spec, UserTaskMixin)
        ]

    def complete(self, engine_task_id: str, data: dict) -> None:
        """Merge `data` into the step's data, complete it and run on to the next human step(s)."""
        task = self._ready_task(engine_task_id)
        if task.depth >= MAX_TREE_DEPTH:
            raise WorkflowError(
                f"Hồ sơ đã đi qua {task.depth} bước nối tiếp (tối đa {MAX_TREE_DEPTH}), thường "
                "do một vòng quay lại lặp quá nhiều lần: bộ máy quy trình không theo tiếp được.",
                element_id=task.task_spec.bpmn_id,
            )
        try:
            task.data.update(_checked(data))
        except ScriptError as exc:
            raise WorkflowError(f"Dữ liệu của bước không lưu được: {exc}") from exc
        try:
            task.run()
        except Exception as exc:
            raise _translate(exc) from exc
        self._done(task)
        self._advance()

    def send_back(self, engine_task_id: str) -> Step:
        """Return the dossier to the user task completed just before this one on its branch.

        That task is READY again, with the data as it is now (nothing entered is lost).
        Raises ValueError when there is no previous step.
        """
        task = self._ready_task(engine_task_id)
        previous = _previous_user_task(task)
        if previous is None:
            step = self._bundle.steps[task.task_spec.bpmn_id]
            raise ValueError(
                f"Bước {describe(step.id, step.name)} là bước đầu tiên: "
                "không có bước trước để trả lại."
            )
        data = deepcopy(task.data)
        try:
            self._workflow.reset_from_task_id(previous.id, data=deepcopy(data))
        except Exception as exc:
            raise _translate(exc) from exc
        # The reset merges the parent task's data into the dict given, in place (older values
        # win, lists get de-duplicated): set it again so the step sees the data as it is now.
        previous.data = data
        self._advance()
        return self._bundle.steps[previous.task_spec.bpmn_id]

    @property
    def is_completed(self) -> bool:
        return bool(self._workflow.completed)

    @property
    def end_status(self) -> str | None:
        """'returned' or 'refused', from the end event reached; None while running."""
        if not self.is_completed:
            return None
        ends = [
            task
            for task in self._workflow.get_tasks(
                state=TaskState.COMPLETED, spec_class=EndEventMixin, skip_subprocesses=True
            )
            if task.workflow is self._workflow
        ]
        if not ends:
            return None
        last = max(ends, key=lambda task: task.last_state_change)
        return self._bundle.end_statuses.get(last.task_spec.bpmn_id)

    @property
    def data(self) -> dict:
        """A copy of the workflow data: the data the waiting steps see, or the final data."""
        workflow = self._workflow
        if workflow.completed:
            return deepcopy(workflow.data)
        merged = {}
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        for task in ready or [t for t in (workflow.last_task,) if t is not None]:
            merged.update(task.data)
        return deepcopy(merged)

    def _ready_task(self, engine_task_id: str):
        try:
            task = self._workflow.get_task_from_id(UUID(str(engine_task_id)))
        except (ValueError, SpiffWorkflowException):
            task = None
        if task is None or not isinstance(task.task_spec, UserTaskMixin):
            raise WorkflowError(f"Không có bước {engine_task_id} trong quy trình của hồ sơ.")
        if task.state != TaskState.READY:
            spec = task.task_spec
            raise WorkflowError(
                f"Bước {describe(spec.bpmn_id, spec.bpmn_name)} không còn chờ xử lý "
                f"(trạng thái {TaskState.get_name(task.state)}).",
                element_id=spec.bpmn_id,
            )
        return task

    def _advance(self) -> None:
        """Run gateways and scripts until the workflow waits for people or ends."""
        count = 0

        def done(task):
            nonlocal count
            count += 1
            if count > MAX_ENGINE_STEPS:
                element_id = getattr(task.task_spec, "bpmn_id", None)
                raise WorkflowError(
                    f"Quy trình chạy quá {MAX_ENGINE_STEPS} bước tự động mà không dừng ở bước "
                    f"nào của cán bộ (vòng lặp qua {element_id or task.task_spec.name}?).",
                    element_id=element_id,
                )
            self._done(task)

        try:
            self._workflow.do_engine_steps(did_complete_task=done)
        except Exception as exc:
            raise _translate(exc) from exc

    def _done(self, task) -> None:
        if self._on_done is not None:
            self._on_done(task)


def steps_of(spec: str) -> dict[str, Step]:
    """The user tasks of a serialized spec by id, as written (read once per spec)."""
    return _bundle(spec).steps


def _bundle(spec: str) -> SpecBundle:
    try:
        return load_spec(spec)
    except Exception as exc:
        raise WorkflowError(
            f"Không đọc được đặc tả quy trình: {type(exc).__name__}: {exc}"
        ) from exc


def _checked(data: dict) -> dict:
    """A deep copy of JSON-like step data; SpiffWorkflow's serializer would take a dict with a
    "typename" key for one of its own objects, so such keys are refused."""
    value = plain_value(data, "dữ liệu")
    if not isinstance(value, dict):
        raise ScriptError("Dữ liệu của bước phải là một từ điển.")
    _refuse_typename(value)
    return value


def _refuse_typename(value) -> None:
    if isinstance(value, dict):
        if "typename" in value:
            raise ScriptError("Dữ liệu không được có trường tên «typename».")
        for item in value.values():
            _refuse_typename(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_typename(item)


def _previous_user_task(task):
    top = task.workflow.top_workflow
    current = task.parent
    while current is not None:
        if isinstance(current.task_spec, UserTaskMixin) and current.state == TaskState.COMPLETED:
            return current
        parent = current.parent
        if parent is None and current.workflow is not top:
            # Leaving a subprocess: carry on from the task that runs it.
            parent = top.get_task_from_id(current.workflow.parent_task_id)
        current = parent
    return None


def _translate(exc: Exception) -> WorkflowError:
    if isinstance(exc, WorkflowError):
        return exc
    spec = getattr(exc, "task_spec", None)
    element_id = getattr(spec, "bpmn_id", None)
    cause = exc
    while cause is not None and not isinstance(cause, ScriptError):
        cause = cause.__cause__ or cause.__context__
    if cause is not None or isinstance(exc, SpiffWorkflowException):
        detail = clip(cause if cause is not None else exc, 300)
    elif isinstance(exc, RecursionError):
        detail = "sơ đồ lồng hoặc nối quá sâu để chạy (RecursionError)"
    else:  # not a diagram error SpiffWorkflow foresaw: say what it was
        detail = clip(f"{type(exc).__name__}: {exc}", 300)
    where = f" ở {describe(element_id, spec.bpmn_name)}" if element_id else ""
    return WorkflowError(f"Quy trình không chạy tiếp được{where}: {detail}", element_id)


def dry_run(xml: bytes | str, data: dict | None = None, max_steps: int = 500) -> list[str]:
    """Run a diagram to its end in a throwaway engine, completing every user task with `data`.

    Returns the path taken, one line per element ("userTask tiep_nhan — Tiếp nhận hồ sơ"),
    ending with the end event. Raises DiagramError on a bad diagram, a failing condition or
    script, a workflow stuck waiting for something other than people, or more than
    `max_steps` elements run (a loop).
    """
    diagram = runnable(xml)
    kinds = {el.get("id"): el for el in diagram.process.iter() if el.get("id")}
    bundle = _bundle(diagram.spec)
    lines = []

    def record(task):
        element = kinds.get(getattr(task.task_spec, "bpmn_id", None))
        if element is None or element is diagram.process:
            return
        line = f"{local(element)} {element.get('id')}"
        if element.get("name"):
            line += f" — {clip(element.get('name'), 200)}"
        if task.task_spec.bpmn_id in bundle.end_statuses:
            line += f" [{bundle.end_statuses[task.task_spec.bpmn_id]}]"
        lines.append(line)
        if len(lines) > max_steps:
            raise WorkflowError(
                f"Quy trình chạy quá {max_steps} bước mà chưa kết thúc: có thể bị lặp vô hạn "
                "với dữ liệu đã cho (xem điều kiện ở các cổng rẽ nhánh)."
            )

    try:
        run = WorkflowRun(bundle, new_workflow(bundle))
        run._on_done = record
        run._advance()
        while not run.is_completed:
            ready = run.ready_steps()
            if not ready:
                raise WorkflowError(
                    "Quy trình dừng lại mà không có bước nào chờ cán bộ xử lý "
                    "(đang chờ một sự kiện không được hỗ trợ)."
                )
            run.complete(ready[0].engine_task_id, dict(data or {}))
    except WorkflowError as exc:
        raise DiagramError([Problem(exc.element_id, str(exc))]) from exc
    except Exception as exc:  # new_workflow: SpiffWorkflow predicts the whole tree there
        failed = _translate(exc)
        raise DiagramError([Problem(failed.element_id, str(failed))]) from exc
    return lines
