"""Bare SpiffWorkflow, the ceilings of the engine benchmark.

The loop every action of ours does, done the plain way: deserialize the whole workflow (spec
included) → complete the first ready user task → run engine steps → serialize; once in memory,
and once keeping each workflow's state in a row of the benchmark's database, one transaction a
step (lock and read the row, run, update it, commit), which is the least our service can do.

Each step is completed with the data the service loop gives it (its form's example data,
approving), so that every loop walks the same path. It uses SpiffWorkflow's own Python script
engine: run it only on our own trusted diagrams.
"""

import time
from collections.abc import Callable

import sqlalchemy as sa
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.mixins import UserTaskMixin
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from motcua.engine.bpmnxml import executable_process, parse_xml
from motcua.engine.conventions import FORM
from motcua.services import formdata

from bench.common import DatabaseClock

STATES = sa.Table(
    "bench_workflow_states",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("state", sa.Text, nullable=False),
)


class Diagram:
    """A diagram parsed by SpiffWorkflow, with the data that completes each of its steps."""

    def __init__(self, xml: bytes | str):
        root = parse_xml(xml)
        process_id = executable_process(root).get("id")
        parser = SpiffBpmnParser(validator=VALIDATOR)
        parser.add_bpmn_xml(root)
        self.spec = parser.get_spec(process_id)
        self.subprocess_specs = parser.get_subprocess_specs(process_id)
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        self.data = {}  # user task id -> its data, as the service loop makes it
        for process in (self.spec, *self.subprocess_specs.values()):
            for task_spec in process.task_specs.values():
                if isinstance(task_spec, UserTaskMixin):
                    properties = (getattr(task_spec, "extensions", None) or {}).get(
                        "properties", {}
                    )
                    self.data[task_spec.bpmn_id] = formdata.example_data(
                        properties.get(FORM), decision="approve"
                    )

    def start(self) -> str:
        """A new workflow's state, run up to its first step."""
        workflow = BpmnWorkflow(self.spec, self.subprocess_specs)
        workflow.do_engine_steps()
        return self.serializer.serialize_json(workflow)

    def complete_step(self, state: str) -> tuple[str, bool]:
        """Complete the first ready step of the workflow in ``state``. Returns its new state and
        whether it has ended. Raises RuntimeError if no step is ready."""
        workflow = self.serializer.deserialize_json(state)
        task = workflow.get_next_task(state=TaskState.READY, manual=True)
        if task is None:
            raise RuntimeError("bare SpiffWorkflow: a running workflow with no step ready")
        task.data.update(self.data[task.task_spec.bpmn_id])
        task.run()
        workflow.do_engine_steps()
        return self.serializer.serialize_json(workflow), workflow.completed


def walk(workflows: int, complete_step: Callable[[int], bool]) -> tuple[int, float]:
    """Complete every step of ``workflows`` workflows, one step of each a round as the service
    loop does; ``complete_step(i)`` completes one of the i-th and says whether it has ended.
    Returns (completions, seconds spent in ``complete_step``)."""
    completions, seconds, pending = 0, 0.0, list(range(workflows))
    while pending:
        still = []
        for i in pending:
            started = time.perf_counter()
            ended = complete_step(i)
            seconds += time.perf_counter() - started
            completions += 1
            if not ended:
                still.append(i)
        pending = still
    return completions, seconds


def in_memory(diagram: Diagram, workflows: int) -> tuple[int, float]:
    """Walk ``workflows`` workflows to their end, their states kept in memory. Returns
    (completions, seconds)."""
    states = [diagram.start() for _ in range(workflows)]

    def complete_step(i: int) -> bool:
        states[i], ended = diagram.complete_step(states[i])
        return ended

    return walk(workflows, complete_step)


def in_database(diagram: Diagram, workflows: int, url: str) -> tuple[int, float, DatabaseClock]:
    """Walk ``workflows`` workflows to their end, each state in a row of a table of its own in
    the database at ``url``, one transaction a step. Returns (completions, seconds, the clock
    of the database's round trips)."""
    engine = sa.create_engine(url)
    try:
        STATES.create(engine)
        with engine.begin() as conn:
            conn.execute(
                STATES.insert(), [{"id": i, "state": diagram.start()} for i in range(workflows)]
            )
        clock = DatabaseClock(engine)

        def complete_step(i: int) -> bool:
            with engine.begin() as conn:
                row = STATES.c.id == i
                state = conn.scalar(sa.select(STATES.c.state).where(row).with_for_update())
                state, ended = diagram.complete_step(state)
                conn.execute(STATES.update().where(row).values(state=state))
            return ended

        clock.counting = True
        completions, seconds = walk(workflows, complete_step)
        clock.counting = False
    finally:
        engine.dispose()
    return completions, seconds, clock
