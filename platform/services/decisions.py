"""What an officer decided at a step: the fields of its form, labelled and worded as the form
shows them (an option's title, not its code), for the timeline, the task page and the API."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from motcua.forms import load_form
from motcua.models import Task, TaskStatus
from motcua.vocabulary import Outcome

# Decisions of a form that return the dossier to an earlier step (the diagram's gateway reads
# them); the task page then offers no second send-back control.
SEND_BACK_DECISIONS = (Outcome.SEND_BACK.value,)


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    value: object  # as stored in the step's data
    text: str  # the value in words


def decision_of(task: Task) -> list[Field]:
    """The fields a done step was completed with, in the form's order; empty for a step not
    done, without a form, or completed with no data."""
    if task.status != TaskStatus.DONE or not task.form or not task.data:
        return []
    try:
        form = load_form(task.form)
    except KeyError:  # a form since removed: its data is still shown, unlabelled
        form = {"schema": {"properties": {name: {} for name in task.data}}}
    props = form["schema"].get("properties", {})
    ui = form.get("ui", {})
    fields = []
    for name in form.get("order") or props:
        value = task.data.get(name)
        if name not in props or value is None or value == "":
            continue
        hint = ui.get(name, {})
        fields.append(Field(name, hint.get("label") or name, value, _text(value, hint)))
    return fields


def _text(value, hint: dict) -> str:
    if hint.get("widget") == "file":  # the value is the attachment's id
        return str(_l("Tệp số %(id)s", id=value))
    if isinstance(value, bool):
        # "Chưa", not "Không": that msgid already means "none" (a level of online service).
        return str(_l("Có") if value else _l("Chưa"))
    options = hint.get("options") or {}
    return str(options.get(str(value), value))


def offers_send_back(form: dict | None) -> bool:
    """Whether the step's form itself has a decision that returns the dossier."""
    if not form:
        return False
    choices = form["schema"].get("properties", {}).get("decision", {}).get("enum") or ()
    return any(choice in SEND_BACK_DECISIONS for choice in choices)


# The supplement request's own fields (motcua.services.exceptional_paths): a second request's
# reason goes with the first's, shown when the decision asks for the papers.
_WITH_ITEMS = ("repeat_reason",)


def shown_when(form: dict | None) -> dict[str, dict[str, list]]:
    """The form's fields that matter only for some decisions: field -> {the deciding field:
    the values that ask for it}, read from the schema's ``if``/``then`` (a reason required
    when the decision is to send back, say). The page hides the others until then."""
    if not form:
        return {}
    props = form["schema"].get("properties", {})
    shown = {}
    for rule in form["schema"].get("allOf") or ():
        condition = (rule.get("if") or {}).get("properties") or {}
        if len(condition) != 1:
            continue
        [(name, test)] = condition.items()
        values = [test["const"]] if "const" in test else list(test.get("enum") or ())
        if name not in props or not values:
            continue
        then = rule.get("then") or {}
        for field in [*(then.get("properties") or {}), *then.get("required", ())]:
            if field in props and field != name:
                shown[field] = {name: values}
    if "items" in shown:
        shown.update({f: shown["items"] for f in _WITH_ITEMS if f in props})
    return shown
