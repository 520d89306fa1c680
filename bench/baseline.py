"""Bare SpiffWorkflow, as the ceiling for the engine benchmark (`python -m bench engine`).

The loop every action of ours does, done the plain way: deserialize the whole workflow (spec
included) → complete the first ready user task → run engine steps → serialize. It uses
SpiffWorkflow's own Python script engine, so run it only on our own trusted diagrams.
"""

import time

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from motcua.engine.bpmnxml import executable_process, parse_xml


def completion_loop(
    xml: bytes | str, completions: int, data: dict | None = None
) -> tuple[int, float]:
    """Complete `completions` user tasks on bare SpiffWorkflow, starting new workflows as
    they end. Returns (completions, seconds spent in the deserialize → run → serialize loop).
    """
    root = parse_xml(xml)
    process_id = executable_process(root).get("id")
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_xml(root)
    spec = parser.get_spec(process_id)
    subprocess_specs = parser.get_subprocess_specs(process_id)
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    data = {"decision": "approve"} if data is None else data

    def fresh() -> str:
        workflow = BpmnWorkflow(spec, subprocess_specs)
        workflow.do_engine_steps()
        return serializer.serialize_json(workflow)

    state, done, seconds = fresh(), 0, 0.0
    while done < completions:
        started = time.perf_counter()
        workflow = serializer.deserialize_json(state)
        task = workflow.get_next_task(state=TaskState.READY, manual=True)
        if task is None:
            seconds += time.perf_counter() - started
            state = fresh()
            continue
        task.data.update(data)
        task.run()
        workflow.do_engine_steps()
        state = serializer.serialize_json(workflow)
        seconds += time.perf_counter() - started
        done += 1
        if workflow.completed:
            state = fresh()
    return done, seconds
