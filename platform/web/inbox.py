"""Officer pages: the task inbox and the page of one task (its dossier, files, history, form)."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from motcua.errors import Conflict, Invalid
from motcua.services import inbox as service
from motcua.services import processing, taskpage
from motcua.unit_of_work import refusal
from motcua.web import bp
from motcua.web.auth import login_required
from motcua.web.redirects import local_target

TAB_LABELS = {
    "mine": _l("Của tôi"),
    "unit": _l("Chờ nhận xử lý"),
    "done": _l("Đã xử lý"),
    "overdue": _l("Quá hạn trong đơn vị"),
}
SORT_LABELS = {
    "due": _l("Hạn xử lý"),
    "received": _l("Ngày nhận"),
    "completed": _l("Ngày hoàn thành"),
}
FILTER_ARGS = ("procedure", "status", "due_before", "q", "sort")


def _page_number() -> int:
    try:
        return int(request.args.get("page", 1))
    except ValueError:
        return 1


def _back(default: str) -> str:
    """The page to return to after an action: the form's ``next`` if it is a path of this
    site."""
    return local_target(request.form.get("next"), default)


@bp.get("/inbox")
@login_required
def inbox():
    tab = request.args.get("tab", "mine")
    view = service.inbox(
        g.user,
        tab=tab,
        page=_page_number(),
        **{name: request.args.get(name, "") for name in FILTER_ARGS},
    )
    args = {k: v for k, v in request.args.items() if k in FILTER_ARGS and v}

    def page_url(number: int) -> str:
        return url_for("web.inbox", tab=view.tab, page=number, **args)

    return render_template(
        "inbox/list.html",
        view=view,
        tab_labels=TAB_LABELS,
        sort_labels=SORT_LABELS,
        page_url=page_url,
    )


def _task_page(task_id: int, status: int = 200, **context):
    page = taskpage.task_page(g.user, task_id)
    context.setdefault("section", None)
    context.setdefault("errors", {})
    context.setdefault("message", None)
    context.setdefault("values", None)
    return render_template(
        "inbox/task.html",
        page=page,
        upload_rows=taskpage.UPLOAD_ROWS,
        **context,
    ), status


def _refused(task_id: int, section: str, exc: Invalid | Conflict, values=None):
    """The task page again, saying why the action was refused: field errors next to the
    fields (422), or a conflict's message (409)."""
    if isinstance(exc, Conflict):
        return _task_page(task_id, exc.status, message=exc.message)
    return _task_page(
        task_id,
        exc.status,
        section=section,
        errors=exc.details or {},
        message=exc.message,
        values=values,
    )


@bp.get("/tasks/<int:task_id>")
@login_required
def task(task_id):
    return _task_page(task_id)


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def claim_task(task_id):
    with refusal(Conflict) as refused:
        processing.claim(g.user, task_id)
    if refused:
        flash(refused.error.message, "error")
    else:
        flash(_("Đã nhận xử lý công việc."))
    return redirect(_back(url_for("web.task", task_id=task_id)))


@bp.post("/tasks/<int:task_id>/release")
@login_required
def release_task(task_id):
    with refusal(Conflict) as refused:
        processing.release(g.user, task_id)
    if refused:
        flash(refused.error.message, "error")
    else:
        flash(_("Đã trả công việc về hộp chung của đơn vị."))
    return redirect(_back(url_for("web.inbox")))


@bp.post("/tasks/<int:task_id>/reassign")
@login_required
def reassign_task(task_id):
    with refusal(Invalid, Conflict) as refused:
        task = processing.reassign(
            g.user, task_id, request.form.get("assignee", ""), request.form.get("reason", "")
        )
    if refused:
        return _refused(task_id, "reassign", refused.error, request.form)
    flash(_("Đã giao công việc cho %(name)s.", name=task.assignee.display_name))
    return redirect(url_for("web.task", task_id=task_id))


@bp.post("/tasks/<int:task_id>/complete")
@login_required
def complete_task(task_id):
    uploads = {
        name: taskpage.Upload(f.filename, f.stream)
        for name, f in request.files.items()
        if f and f.filename
    }
    with refusal(Invalid, Conflict) as refused:
        task = taskpage.complete(g.user, task_id, request.form, uploads)
    if refused:
        return _refused(task_id, "complete", refused.error, request.form)
    if processing.claimed_on_completing(task):
        flash(_("Bạn đã nhận xử lý bước «%(step)s» khi hoàn thành.", step=task.step_name))
    flash(
        _(
            "Đã hoàn thành bước «%(step)s» của hồ sơ %(code)s.",
            step=task.step_name,
            code=task.dossier.code,
        )
    )
    if task.waits_for_applicant:
        # The missing papers came: the applicant takes home the receipt with the new date.
        return redirect(url_for("web.desk_receipt", code=task.dossier.code))
    return redirect(url_for("web.inbox"))


@bp.post("/tasks/<int:task_id>/send-back")
@login_required
def send_back_task(task_id):
    with refusal(Invalid, Conflict) as refused:
        task = processing.send_back(g.user, task_id, request.form.get("reason", ""))
    if refused:
        return _refused(task_id, "send_back", refused.error, request.form)
    flash(_("Đã trả hồ sơ %(code)s về bước trước.", code=task.dossier.code))
    return redirect(url_for("web.inbox"))


@bp.post("/tasks/<int:task_id>/files")
@login_required
def attach_file(task_id):
    # One row per file input, in the page's order: its file, kind and paper side by side.
    files, kinds = request.files.getlist("file"), request.form.getlist("kind")
    papers = request.form.getlist("paper")
    rows = [
        taskpage.FileChoice(
            taskpage.Upload(f.filename, f.stream) if f and f.filename else None,
            kinds[i] if i < len(kinds) else "working",
            papers[i] if i < len(papers) else "",
        )
        for i, f in enumerate(files)
    ]
    with refusal(Invalid, Conflict) as refused:
        attached = taskpage.attach(g.user, task_id, rows)
    if refused:
        return _refused(task_id, "files", refused.error, request.form)
    flash(
        _(
            "Đã đính kèm %(n)s tệp: %(names)s.",
            n=len(attached),
            names=", ".join(a.file_name for a in attached),
        )
    )
    return redirect(url_for("web.task", task_id=task_id))
