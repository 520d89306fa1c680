"""Reorganising units (sáp nhập, chia tách, giải thể): the preview, then the act.

The preview is a GET that changes nothing (motcua.services.reorganisation.plan); applying posts
the same choices and the service plans again before it acts."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from motcua.admin import bp
from motcua.errors import Invalid
from motcua.services import org, reorganisation
from motcua.services import units as unit_service
from motcua.unit_of_work import refusal
from motcua.web.auth import login_required


def _choices(values) -> tuple[list[str], list[str], dict[str, str], dict[str, str]]:
    maps = {"office": {}, "officer": {}}
    for key in values:
        kind, _sep, name = key.partition(".")
        if kind in maps and name and values.get(key):
            maps[kind][name] = values.get(key)
    return values.getlist("source"), values.getlist("successor"), maps["office"], maps["officer"]


def _page(values, plan=None, error=None, status=200):
    org.require_system_admin(g.user)
    units = [row for row in unit_service.tree(g.user) if not row.unit.retired]
    return (
        render_template(
            "admin/people/reorganise.html",
            units=units,
            values=values,
            chosen_sources=values.getlist("source"),
            chosen_successors=values.getlist("successor"),
            plan=plan,
            error=error,
            outcomes=reorganisation.OUTCOME_LABELS,
        ),
        status,
    )


@bp.get("/units/reorganise")
@login_required
def reorganise():
    """The form and, once units are chosen, the preview of what the act would do."""
    values = request.args
    if not values.get("source"):
        return _page(values)
    with refusal(Invalid) as refused:
        plan = reorganisation.plan(g.user, *_choices(values))
    if refused:
        return _page(values, error=refused.error, status=422)
    return _page(values, plan)


@bp.post("/units/reorganise")
@login_required
def reorganise_apply():
    values = request.form
    with refusal(Invalid) as refused:
        plan = reorganisation.apply(g.user, *_choices(values))
    if refused:
        return _page(values, error=refused.error, status=422)
    flash(
        _(
            "Đã sắp xếp đơn vị: %(sources)s → %(successors)s; %(officers)d cán bộ đã chuyển.",
            sources=", ".join(u.code for u in plan.sources),
            successors=", ".join(u.code for u in plan.successors),
            officers=plan.officers,
        ),
        "success",
    )
    return redirect(url_for("admin.units") + f"#unit-{plan.successors[0].code}")
