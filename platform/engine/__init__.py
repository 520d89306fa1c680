"""The workflow engine: the only code that imports SpiffWorkflow or parses BPMN XML.

load_diagram / check_diagram / lint   read and check a diagram (DiagramError, Problem)
WorkflowRun                           run one dossier's workflow (WorkflowError)
dry_run                               run a diagram end to end for analysts
parse_handler / parse_time_limit      the step properties' syntax
"""

from .conventions import (
    END_STATUSES,
    ROLES,
    Handler,
    TimeLimit,
    parse_handler,
    parse_time_limit,
)
from .errors import DiagramError, Problem, WorkflowError
from .lint import check_diagram, lint
from .parse import Diagram, load_diagram
from .runner import WorkflowRun, dry_run
from .scripting import ScriptError
from .steps import ReadyStep, Step
from .variants import set_step_properties

__all__ = [
    "END_STATUSES",
    "ROLES",
    "Diagram",
    "DiagramError",
    "Handler",
    "Problem",
    "ReadyStep",
    "ScriptError",
    "Step",
    "TimeLimit",
    "WorkflowError",
    "WorkflowRun",
    "check_diagram",
    "dry_run",
    "lint",
    "load_diagram",
    "parse_handler",
    "parse_time_limit",
    "set_step_properties",
]
