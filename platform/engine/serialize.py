"""Storing specs and workflow states as JSON.

A process version's spec (the parsed diagram, subprocesses included) is serialized once, when
the version is stored; a dossier stores only its workflow state, without the spec. Restoring a
state looks the spec up in an in-process cache, so a restore does not re-read the spec JSON.
"""

import json
from dataclasses import dataclass
from functools import lru_cache
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.specs.mixins import EndEventMixin, UserTaskMixin
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .conventions import (
    DEFAULT_END_STATUS,
    DOSSIER_STATUS,
    FORM,
    HANDLER,
    PRODUCES_RESULT,
    REQUIRES_FEES_PAID,
    RETURNS_RESULT,
    SIGNS_RESULT,
    TIME_LIMIT,
    WAITS_FOR_APPLICANT,
    parse_flag,
)
from .scripting import SafeScriptEngine
from .steps import Step

SPEC_FORMAT = "motcua-spec/1"
SPEC_CACHE_SIZE = 128


class _StateConverter(BpmnWorkflowConverter):
    """SpiffWorkflow's workflow converter, minus the specs (they are stored once per version)."""

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_serializer() -> BpmnWorkflowSerializer:
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    _StateConverter(BpmnWorkflow, registry)  # replaces the default BpmnWorkflow converter
    return BpmnWorkflowSerializer(registry)


_SERIALIZER = _make_serializer()
SCRIPT_ENGINE = SafeScriptEngine()


@dataclass(frozen=True)
class SpecBundle:
    """A deserialized spec with what the runner looks up on every action."""

    spec: object
    subprocess_specs: dict
    steps: dict[str, Step]  # user task id -> Step
    end_statuses: dict[str, str]  # end event id -> dossier status


def serialize_spec(spec, subprocess_specs: dict) -> str:
    registry = _SERIALIZER.registry
    return json.dumps(
        {
            "format": SPEC_FORMAT,
            "serializer_version": _SERIALIZER.VERSION,
            "spec": registry.convert(spec),
            "subprocess_specs": {name: registry.convert(s) for name, s in subprocess_specs.items()},
        },
        ensure_ascii=False,
    )


@lru_cache(maxsize=SPEC_CACHE_SIZE)
def load_spec(spec_json: str) -> SpecBundle:
    """The deserialized spec; cached by the JSON text, so each version is read once."""
    dct = json.loads(spec_json)
    if dct.get("format") != SPEC_FORMAT:
        raise ValueError("Đặc tả quy trình không đúng định dạng (cần tạo lại từ tệp BPMN).")
    registry = _SERIALIZER.registry
    spec = registry.restore(dct["spec"])
    subprocess_specs = {k: registry.restore(v) for k, v in dct["subprocess_specs"].items()}
    return make_bundle(spec, subprocess_specs)


def make_bundle(spec, subprocess_specs: dict) -> SpecBundle:
    steps, end_statuses = {}, {}
    for process in (spec, *subprocess_specs.values()):
        for task_spec in process.task_specs.values():
            properties = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
            if isinstance(task_spec, UserTaskMixin):
                steps[task_spec.bpmn_id] = step_of(task_spec, properties)
            elif isinstance(task_spec, EndEventMixin):
                status = properties.get(DOSSIER_STATUS) or DEFAULT_END_STATUS
                end_statuses[task_spec.bpmn_id] = status
    return SpecBundle(spec, subprocess_specs, steps, end_statuses)


def step_of(task_spec, properties: dict) -> Step:
    return Step(
        id=task_spec.bpmn_id,
        name=task_spec.bpmn_name or task_spec.bpmn_id,
        lane=task_spec.lane,
        handler=properties.get(HANDLER),
        time_limit=properties.get(TIME_LIMIT),
        form=properties.get(FORM) or None,
        returns_result=parse_flag(properties.get(RETURNS_RESULT)),
        waits_for_applicant=parse_flag(properties.get(WAITS_FOR_APPLICANT)),
        produces_result=parse_flag(properties.get(PRODUCES_RESULT)),
        requires_fees_paid=parse_flag(properties.get(REQUIRES_FEES_PAID)),
        signs_result=parse_flag(properties.get(SIGNS_RESULT)),
    )


def new_workflow(bundle: SpecBundle) -> BpmnWorkflow:
    return BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=SCRIPT_ENGINE)


def dump_state(workflow: BpmnWorkflow) -> str:
    return _SERIALIZER.serialize_json(workflow)


def restore_state(bundle: SpecBundle, state: str) -> BpmnWorkflow:
    dct = json.loads(state)
    _SERIALIZER.migrate(dct)
    workflow = _SERIALIZER.from_dict(
        dct, spec=bundle.spec, subprocess_specs=bundle.subprocess_specs
    )
    workflow.script_engine = SCRIPT_ENGINE
    return workflow
