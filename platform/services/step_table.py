"""The configurator's table as the page shows and posts it: each step's handler as widgets (a
role, where it sits, or named officers) and its time limit as an amount and a unit, and back
into the properties' text (``handler``, ``timeLimit``). See motcua.services.configurator."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from motcua import engine
from motcua.services.configurator import Configuration


@dataclass
class Table:
    """The table as posted: step id → {"handler", "timeLimit"} text, and lane id → name."""

    steps: dict[str, dict[str, str]] = field(default_factory=dict)
    lanes: dict[str, str] = field(default_factory=dict)


def read(config: Configuration, form) -> Table:
    """The steps' handlers and time limits, and the lanes' names, from the posted form (a
    mapping with ``getlist``: ``h-<step>-mode|role|where|users``, ``t-<step>-amount|unit``,
    ``lane-<lane>``). A step whose widgets were not sent keeps its handler."""
    table = Table()
    for row in config.rows:
        mode = form.get(f"h-{row.id}-mode")
        if mode == "users":
            handler = "user:" + ",".join(form.getlist(f"h-{row.id}-users"))
        elif mode == "role":
            role, where = form.get(f"h-{row.id}-role", ""), form.get(f"h-{row.id}-where", "")
            handler = f"{role}@{where}" if where else role
        else:
            handler = row.handler
        amount = form.get(f"t-{row.id}-amount", "").strip()
        time_limit = f"{_plain(amount)}{form.get(f't-{row.id}-unit', 'd')}" if amount else ""
        table.steps[row.id] = {"handler": handler, "timeLimit": time_limit}
    for lane in config.lanes:
        if f"lane-{lane.id}" in form:
            table.lanes[lane.id] = form[f"lane-{lane.id}"]
    return table


def values(config: Configuration, entered: Table | None = None) -> dict[str, dict]:
    """Each step's widgets as the page shows them: what was entered, else what is saved."""
    shown = {}
    for row in config.rows:
        typed = entered.steps.get(row.id, {}) if entered else {}
        handler = typed.get("handler", row.handler)
        time_limit = typed.get("timeLimit", row.time_limit)
        shown[row.id] = {"handler": handler_parts(handler), "time": _time_parts(time_limit)}
        if time_limit and not shown[row.id]["time"]["amount"]:
            shown[row.id]["time"] = {"amount": time_limit, "unit": "d"}
    return shown


def handler_parts(text: str) -> dict:
    """A handler as the widgets show it: mode, role, where (relative/absolute), users."""
    try:
        handler = engine.parse_handler(text)
    except ValueError:
        return {"mode": "role", "role": "", "where": "", "users": []}
    if handler.kind == "users":
        return {"mode": "users", "role": "", "where": "", "users": list(handler.usernames)}
    where = ""
    if handler.unit_code:
        where = ("." if handler.relative else "") + handler.unit_code
    return {"mode": "role", "role": handler.role, "where": where, "users": []}


def where_choices(config: Configuration) -> list[tuple[str, str]]:
    """Where a role may sit: the unit itself, a unit below it, or (kept as the template set
    it) an interconnected unit elsewhere."""
    unit = config.unit
    choices = [("", _("%(unit)s (đơn vị tiếp nhận)", unit=unit.name))]
    for child in sorted(unit.children, key=lambda u: u.code):
        if child.code.startswith(unit.code + "."):
            choices.append(("." + child.code[len(unit.code) + 1 :], child.name))
    for row in config.rows:
        where = handler_parts(row.handler)["where"]
        if where and not where.startswith(".") and where not in dict(choices):
            choices.append((where, _("%(code)s (liên thông, giữ theo mẫu)", code=where)))
    return choices


def _time_parts(text: str) -> dict:
    try:
        limit = engine.parse_time_limit(text)
    except ValueError:
        return {"amount": "", "unit": "d"}
    return {"amount": _plain(limit.amount), "unit": limit.unit}


def _plain(amount) -> str:
    """2.0 → "2", 0.50 → "0.5"; text that is no number is kept for the error message."""
    try:
        number = Decimal(str(amount).strip().replace(",", "."))
    except InvalidOperation:
        return str(amount).strip()
    return format(number.normalize(), "f")
