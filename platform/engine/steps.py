"""Human steps (BPMN user tasks) as the rest of the platform sees them."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """A user task of a diagram, with its properties as written (raw text; lint checks them)."""

    id: str
    name: str  # the task's name, or its id when it has none
    lane: str | None
    handler: str | None
    time_limit: str | None
    form: str | None
    returns_result: bool
    waits_for_applicant: bool = False
    produces_result: bool = False  # its officer files the result (engine.conventions)
    requires_fees_paid: bool = False  # not completed while a fee is unsettled (conventions)
    signs_result: bool = False  # its officer signs the result files (engine.conventions)


@dataclass(frozen=True)
class ReadyStep:
    """A user task waiting for an officer in a running workflow."""

    engine_task_id: str  # the SpiffWorkflow task's UUID, as text
    step: Step
