"""The engine's own errors. Messages are Vietnamese: they are shown to analysts and officers."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a diagram, naming the element it is about (None: the whole file)."""

    element_id: str | None
    message: str


class DiagramError(Exception):
    """A diagram that cannot be used; `problems` lists every reason found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(p.message for p in self.problems))


class WorkflowError(Exception):
    """A running workflow that cannot go on (a condition or script failed, a step is unknown).

    After it is raised the WorkflowRun is in an undefined state: discard it, do not dump it.
    """

    def __init__(self, message: str, element_id: str | None = None):
        self.element_id = element_id
        super().__init__(message)


def describe(element_id: str | None, name: str | None = None) -> str:
    """How messages name an element: its id, and its name when it has one."""
    if name and name.strip() and name.strip() != element_id:
        return f"{element_id} «{' '.join(name.split())}»"
    return str(element_id)
