"""The engine's own errors. Messages are Vietnamese: they are shown to analysts and officers.

Diagrams are untrusted: a name can be a megabyte long and a file can have thousands of
problems. Every message names elements by at most NAME_CHARS characters, a message is at most
MESSAGE_CHARS long, and a DiagramError keeps the first MAX_PROBLEMS problems and says how many
more there were — so a check's answer stays a few tens of kilobytes whatever the file.
"""

from dataclasses import dataclass

NAME_CHARS = 80
ID_CHARS = 200
MESSAGE_CHARS = 1000
MAX_PROBLEMS = 50


def clip(text, limit: int = NAME_CHARS) -> str:
    """`text` on one line (runs of white space as one space), cut to `limit` characters with
    «…» when longer."""
    text = str(text)
    head = " ".join(text[: 4 * limit].split())  # a megabyte is not split to keep 80 characters
    if len(head) <= limit and len(text) <= 4 * limit:
        return head
    return head[: limit - 1].rstrip() + "…"


def cut(text: str, limit: int = MESSAGE_CHARS) -> str:
    """`text` as it is, or its first `limit` characters with «…» when longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a diagram, naming the element it is about (None: the whole file)."""

    element_id: str | None
    message: str

    def __post_init__(self):
        # The last guard: whatever a message quotes from the file, it stays short.
        if self.element_id is not None and len(self.element_id) > ID_CHARS:
            object.__setattr__(self, "element_id", cut(self.element_id, ID_CHARS))
        object.__setattr__(self, "message", cut(self.message))


class DiagramError(Exception):
    """A diagram that cannot be used; `problems` lists every reason found (the first
    MAX_PROBLEMS of them, then one saying how many more there are)."""

    def __init__(self, problems: list[Problem]):
        self.problems = bounded(list(problems))
        super().__init__("\n".join(p.message for p in self.problems))


def bounded(problems: list[Problem]) -> list[Problem]:
    if len(problems) <= MAX_PROBLEMS + 1:
        return problems
    if problems[-1].element_id is None and problems[-1].message.startswith(_MORE_PREFIX):
        return problems  # already bounded (a DiagramError made from another's problems)
    more = len(problems) - MAX_PROBLEMS
    return problems[:MAX_PROBLEMS] + [
        Problem(None, f"{_MORE_PREFIX}{more} lỗi khác (chỉ liệt kê {MAX_PROBLEMS} lỗi đầu).")
    ]


_MORE_PREFIX = "… và "


class WorkflowError(Exception):
    """A running workflow that cannot go on (a condition or script failed, a step is unknown).

    After it is raised the WorkflowRun is in an undefined state: discard it, do not dump it.
    """

    def __init__(self, message: str, element_id: str | None = None):
        self.element_id = element_id
        super().__init__(cut(message))


def describe(element_id: str | None, name: str | None = None) -> str:
    """How messages name an element: its id, and its name when it has one (both shortened)."""
    shown = clip(element_id, NAME_CHARS) if element_id is not None else str(element_id)
    if name and name.strip() and name.strip() != element_id:
        return f"{shown} «{clip(name)}»"
    return shown
