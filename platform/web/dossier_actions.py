"""Officer pages: the exceptional paths of a whole dossier (apology, withdrawal, stop, pause),
posted from its page; the rules are in motcua.services.exceptional_paths and apologies."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from motcua.errors import Conflict, Invalid
from motcua.services import apologies, exceptional_paths
from motcua.unit_of_work import refusal
from motcua.web import bp
from motcua.web.auth import login_required


def _back(code: str):
    return redirect(url_for("web.dossier", code=code) + "#ngoai-le")


def _run(code: str, action, done: str):
    """Take the action; its error (in the officer's language) or `done` is shown on the dossier
    page."""
    with refusal(Invalid, Conflict) as refused:
        action()
    if refused:
        exc = refused.error
        details = exc.details if isinstance(exc.details, dict) else {}
        flash(" ".join([exc.message, *[str(v) for v in details.values()]]), "error")
    else:
        flash(done, "ok")
    return _back(code)


@bp.post("/dossiers/<code>/apology")
@login_required
def dossier_apologize(code):
    def act():
        apologies.apologize(g.user, code, request.form.get("reason"), _local(request.form))

    return _run(code, act, _("Đã xin lỗi và hẹn lại ngày trả kết quả."))


@bp.post("/dossiers/<code>/withdraw")
@login_required
def dossier_withdraw(code):
    return _run(
        code,
        lambda: exceptional_paths.withdraw(g.user, code, request.form.get("reason")),
        _("Đã rút hồ sơ theo đề nghị của người nộp."),
    )


@bp.post("/dossiers/<code>/stop")
@login_required
def dossier_stop(code):
    return _run(
        code,
        lambda: exceptional_paths.stop(g.user, code, request.form.get("reason")),
        _("Đã dừng giải quyết hồ sơ; người nộp nhận thông báo (mẫu 05)."),
    )


@bp.post("/dossiers/<code>/pause")
@login_required
def dossier_pause(code):
    return _run(
        code,
        lambda: exceptional_paths.pause(g.user, code, request.form.get("reason")),
        _("Đã tạm dừng giải quyết hồ sơ."),
    )


@bp.post("/dossiers/<code>/resume")
@login_required
def dossier_resume(code):
    return _run(
        code,
        lambda: exceptional_paths.resume(g.user, code, request.form.get("note")),
        _("Đã tiếp tục giải quyết hồ sơ."),
    )


def _local(form) -> datetime:
    """The new appointment typed as a local date and time."""
    try:
        day = datetime.strptime(
            f"{form.get('date', '')} {form.get('time') or '16:30'}", "%Y-%m-%d %H:%M"
        )
    except ValueError:
        raise Invalid(
            _("Ngày hẹn mới không hợp lệ."),
            code="invalid_appointment",
            details={"new_appointment": _("Chọn ngày và giờ hẹn mới.")},
        ) from None
    return day.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))
