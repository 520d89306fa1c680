"""The workflow engine: the only code that imports SpiffWorkflow or parses BPMN XML.

load_diagram / check_diagram / lint   read and check a diagram (DiagramError, Problem)
WorkflowRun                           run one dossier's workflow (WorkflowError)
dry_run                               run a diagram end to end for analysts
steps_of                              a published spec's steps by id
parse_handler / parse_time_limit      the step properties' syntax
parse_xml                             the hardened XML parse alone (refuses DTDs, entities)
as_utf8                               a file's bytes as the UTF-8 that is stored (from UTF-16…)
set_step_properties / lanes           a unit's variant: new step properties and lane names
longest_path_days                     the time limits along the longest path
"""

from .bpmnxml import as_utf8, parse_xml
from .conventions import (
    END_STATUSES,
    ROLES,
    Handler,
    TimeLimit,
    parse_handler,
    parse_time_limit,
)
from .errors import DiagramError, Problem, WorkflowError
from .lint import check_diagram, lint, longest_path_days
from .parse import Diagram, load_diagram
from .runner import WorkflowRun, dry_run, steps_of
from .scripting import ScriptError
from .steps import ReadyStep, Step
from .variants import Lane, lanes, set_step_properties

__all__ = [
    "END_STATUSES",
    "ROLES",
    "Diagram",
    "DiagramError",
    "Handler",
    "Lane",
    "Problem",
    "ReadyStep",
    "ScriptError",
    "Step",
    "TimeLimit",
    "WorkflowError",
    "WorkflowRun",
    "as_utf8",
    "check_diagram",
    "dry_run",
    "lanes",
    "lint",
    "load_diagram",
    "longest_path_days",
    "parse_handler",
    "parse_time_limit",
    "parse_xml",
    "set_step_properties",
    "steps_of",
]
