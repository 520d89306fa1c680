from flask import g, request

from motcua.api import bp, serialize
from motcua.api.auth import login_required
from motcua.api.serialize import json_body
from motcua.errors import Invalid
from motcua.forms import load_form
from motcua.services import org, processing, task_list


def _int_arg(name: str, default: int) -> int:
    try:
        return int(request.args.get(name, default))
    except ValueError as exc:
        raise Invalid(f"{name} phải là số nguyên.", code="invalid_paging") from exc


@bp.get("/tasks")
@login_required
def list_tasks():
    page = task_list.list_tasks(
        g.user,
        scope=request.args.get("scope", "mine"),
        status=request.args.get("status", "open"),
        page=_int_arg("page", 1),
        per_page=_int_arg("per_page", 50),
    )
    return {
        "items": [serialize.task(t) for t in page.items],
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
    }


@bp.get("/tasks/<int:task_id>")
@login_required
def get_task(task_id):
    task = processing.get_task(g.user, task_id)
    data = serialize.task(task, candidates=[c.user for c in task.candidates])
    data["form_definition"] = load_form(task.form) if task.form else None
    data["may_work"] = org.may_work(g.user, task)
    return data


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def claim_task(task_id):
    return serialize.task(processing.claim(g.user, task_id))


@bp.post("/tasks/<int:task_id>/release")
@login_required
def release_task(task_id):
    return serialize.task(processing.release(g.user, task_id))


@bp.post("/tasks/<int:task_id>/complete")
@login_required
def complete_task(task_id):
    data = json_body().get("data", {})
    if not isinstance(data, dict):
        raise Invalid("data phải là một đối tượng JSON.", code="invalid_form")
    return serialize.task(processing.complete(g.user, task_id, data))


@bp.post("/tasks/<int:task_id>/send-back")
@login_required
def send_back_task(task_id):
    reason = json_body().get("reason", "")
    return serialize.task(processing.send_back(g.user, task_id, str(reason)))
