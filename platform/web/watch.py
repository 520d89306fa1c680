"""The overdue watch for supervisors, leaders and system admins: steps and dossiers that are
late or due within one working day, by unit and officer (rules in motcua.services.watch)."""

from flask import g, render_template, request
from flask_babel import lazy_gettext as _l

from motcua.errors import Invalid
from motcua.services import watch as service
from motcua.services import watch_lists
from motcua.unit_of_work import refusal
from motcua.web import bp
from motcua.web.auth import login_required

KIND_LABELS = {
    "": _l("Tất cả"),
    "overdue": _l("Quá hạn"),
    "due_soon": _l("Đến hạn trong một ngày làm việc"),
    "apology": _l("Cần xin lỗi, hẹn lại"),
}
SECTION_LABELS = {
    "steps_overdue": _l("Bước xử lý quá hạn"),
    "steps_due_soon": _l("Bước xử lý đến hạn trong một ngày làm việc"),
    "apology_due": _l("Sắp đến ngày hẹn trả — cần xin lỗi và hẹn lại trước hạn"),
    "rescheduled_due_soon": _l("Sắp đến ngày hẹn lại — đã xin lỗi, không được hẹn lại lần nữa"),
    "late_without_apology": _l("Quá ngày hẹn trả, chưa có phiếu xin lỗi"),
    "late_after_reschedule": _l("Quá cả ngày hẹn lại"),
}
SECTION_SHORT = {
    "steps_overdue": _l("Bước quá hạn"),
    "steps_due_soon": _l("Bước sắp đến hạn"),
    "apology_due": _l("Cần xin lỗi"),
    "rescheduled_due_soon": _l("Sắp đến hẹn lại"),
    "late_without_apology": _l("Quá hẹn, chưa xin lỗi"),
    "late_after_reschedule": _l("Quá hẹn lại"),
}


@bp.get("/watch")
@login_required
def watch():
    unit, kind = request.args.get("unit", ""), request.args.get("kind", "")
    errors, status = {}, 200
    with refusal(Invalid) as refused:
        view = service.watch(g.user, unit_code=unit, kind=kind)
    if refused:
        # A bad filter: say so next to it and show the whole reach unfiltered.
        errors, status = refused.error.details or {}, refused.error.status
        view = service.watch(g.user)
    return render_template(
        "watch/watch.html",
        view=view,
        errors=errors,
        asked={"unit": unit, "kind": kind},
        kind_labels=KIND_LABELS,
        section_labels=SECTION_LABELS,
        section_short=SECTION_SHORT,
        step_sections=watch_lists.STEP_SECTIONS,
    ), status
