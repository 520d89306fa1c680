"""The working calendar: the year's holidays and the province's own days (issue 4)."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from motcua.admin import bp
from motcua.errors import Invalid
from motcua.models import CalendarDayKind
from motcua.services import calendar_days as service
from motcua.services import calendar_year
from motcua.unit_of_work import refusal
from motcua.web.auth import login_required

WEEKDAY_HEADERS = (_l("T2"), _l("T3"), _l("T4"), _l("T5"), _l("T6"), _l("T7"), _l("CN"))


def _render(year, *, status=200, errors=None, values=None, error_day=None, message=None):
    return render_template(
        "admin/calendar/year.html",
        view=calendar_year.year_view(g.user, year),
        weekday_headers=WEEKDAY_HEADERS,
        errors=errors or {},
        values=values or {},
        error_day=error_day,
        message=message,
    ), status


def _done(change: service.Change, text: str):
    if change.recounted:
        text += " " + _(
            "%(n)s bước đang mở đã được tính lại hạn; ngày hẹn trả của hồ sơ không đổi.",
            n=change.tasks_recomputed,
        )
    flash(text, "success")
    return redirect(url_for("admin.calendar", year=change.day.year))


@bp.get("/calendar")
@login_required
def calendar():
    return _render(request.args.get("year"))


@bp.post("/calendar/days")
@login_required
def calendar_add():
    form = request.form
    with refusal(Invalid) as refused:
        change = service.add_day(
            g.user, form.get("day", ""), form.get("kind", ""), form.get("note", "")
        )
    if refused:
        exc = refused.error
        # Back to the year the form was on, with the messages next to the fields.
        return _render(
            form.get("year"), status=422, errors=exc.details, values=form, message=exc.message
        )
    day = calendar_year.fmt(change.day)
    if change.kind == CalendarDayKind.DAY_OFF:
        return _done(change, _("Đã thêm ngày nghỉ của tỉnh %(day)s.", day=day))
    return _done(change, _("Đã thêm ngày làm việc bù %(day)s.", day=day))


@bp.post("/calendar/days/<day>/update")
@login_required
def calendar_update(day: str):
    form = request.form
    with refusal(Invalid) as refused:
        change = service.update_day(g.user, day, form.get("note", ""))
    if refused:
        exc = refused.error
        return _render(
            day[:4],
            status=422,
            errors=exc.details,
            values=form,
            error_day=day,
            message=exc.message,
        )
    if not change.changed:
        flash(_("Không có gì thay đổi."))
        return redirect(url_for("admin.calendar", year=change.day.year))
    return _done(change, _("Đã sửa ngày %(day)s.", day=calendar_year.fmt(change.day)))


@bp.post("/calendar/days/<day>/remove")
@login_required
def calendar_remove(day: str):
    change = service.remove_day(g.user, day)
    text = _("Đã xóa ngày %(day)s khỏi lịch của tỉnh.", day=calendar_year.fmt(change.day))
    return _done(change, text)
