"""A procedure's diagrams: the step configurator of a unit, versions and their differences,
and the audit log of configuration changes."""

from flask import Response, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from motcua.admin import bp
from motcua.errors import Invalid, as_json
from motcua.services import (
    audit,
    configurator,
    diagram_versions,
    diagrams,
    offers,
    procedure_list,
    step_table,
)
from motcua.unit_of_work import refusal
from motcua.web.auth import login_required

FIELD_LABELS = {
    "name": _l("Tên bước"),
    "handler": _l("Người xử lý"),
    "timeLimit": _l("Thời hạn"),
    "form": _l("Biểu mẫu"),
    "lane": _l("Làn"),
}


@bp.get("/procedures")
@login_required
def procedures():
    rows, units = procedure_list.overview(g.user)
    return render_template("admin/procedures/list.html", rows=rows, units=units)


def _render_configurator(config, *, entered=None, errors=None, status=200):
    errors = errors or []
    field_errors = {(e.get("element"), e.get("field")): e["message"] for e in errors}
    return (
        render_template(
            "admin/procedures/configure.html",
            config=config,
            values=step_table.values(config, entered),
            errors=errors,
            field_errors=field_errors,
            roles=diagrams.STEP_ROLES,
            where_choices=step_table.where_choices(config),
        ),
        status,
    )


def _problems(exc) -> list[dict]:
    return exc.details or [{"message": exc.message}]


@bp.post("/procedures/<code>/units/<unit_code>/offer")
@login_required
def offer(code, unit_code):
    """The unit starts or stops deciding the procedure."""
    with refusal(Invalid) as refused:
        if request.form.get("offered") == "1":
            offers.offer(g.user, unit_code, code)
        else:
            offers.withdraw(g.user, unit_code, code)
    if refused:
        exc = refused.error
        problems = "; ".join(p["message"] for p in exc.details or [] if isinstance(p, dict))
        flash(f"{exc.message} {problems}".strip(), "error")
    elif request.form.get("offered") == "1":
        flash(_("%(unit)s đã nhận giải quyết thủ tục %(code)s.", unit=unit_code, code=code))
    else:
        flash(_("%(unit)s đã thôi giải quyết thủ tục %(code)s.", unit=unit_code, code=code))
    return redirect(url_for("admin.procedures") + f"#{code}")


@bp.get("/procedures/<code>/units/<unit_code>")
@login_required
def configure(code, unit_code):
    return _render_configurator(configurator.configuration(g.user, code, unit_code))


@bp.post("/procedures/<code>/units/<unit_code>")
@login_required
def configure_save(code, unit_code):
    config = configurator.configuration(g.user, code, unit_code)
    table = step_table.read(config, request.form)
    publish = request.form.get("action") == "publish"
    with refusal(Invalid) as refused:
        saved = configurator.configure(config, table, publish=publish)
    if refused:
        return _render_configurator(
            config, entered=table, errors=_problems(refused.error), status=422
        )
    if saved.not_published is not None:  # kept as a draft, with what stops publishing it
        return _render_configurator(saved.config, errors=_problems(saved.not_published), status=422)
    if not publish:
        flash(_("Đã lưu bản nháp."), "ok")
    else:
        flash(
            _(
                "Đã ban hành phiên bản %(n)d: hồ sơ tiếp nhận từ nay dùng cấu hình này; hồ sơ "
                "đang giải quyết giữ phiên bản cũ.",
                n=saved.version.version,
            ),
            "ok",
        )
    return redirect(url_for("admin.configure", code=code, unit_code=unit_code))


@bp.post("/procedures/<code>/units/<unit_code>/check")
@login_required
def configure_check(code, unit_code):
    """The total along the longest path and the problems of the table as typed (not saved)."""
    config = configurator.configuration(g.user, code, unit_code)
    with refusal(Invalid) as refused:
        return jsonify(configurator.preview(config, step_table.read(config, request.form)))
    body, _status = as_json(refused.error)
    return jsonify(body), 422


@bp.post("/procedures/<code>/units/<unit_code>/rebase")
@login_required
def configure_rebase(code, unit_code):
    config = configurator.rebase(configurator.configuration(g.user, code, unit_code))
    new = sum(row.is_new for row in config.rows)
    flash(
        _(
            "Đã cập nhật theo quy trình mẫu phiên bản %(v)d. %(n)d bước mới cần cấu hình.",
            v=config.template.version,
            n=new,
        ),
        "ok",
    )
    return redirect(url_for("admin.configure", code=code, unit_code=unit_code))


@bp.post("/procedures/<code>/units/<unit_code>/discard")
@login_required
def configure_discard(code, unit_code):
    configurator.discard(configurator.configuration(g.user, code, unit_code))
    flash(_("Đã bỏ bản nháp."), "ok")
    return redirect(url_for("admin.configure", code=code, unit_code=unit_code))


# --- versions -------------------------------------------------------------------------------


@bp.get("/procedures/<code>/versions")
@login_required
def versions(code):
    listed = diagram_versions.version_list(g.user, code, request.args.get("unit"))
    return render_template(
        "admin/procedures/versions.html",
        procedure=listed.procedure,
        unit=listed.unit,
        versions=listed.versions,
        units=procedure_list.variant_units(g.user),
    )


@bp.get("/procedures/<code>/versions/<int:version_id>.bpmn")
@login_required
def version_xml(code, version_id):
    version = diagram_versions.readable_version(g.user, code, version_id)
    return Response(version.bpmn_xml, mimetype="application/xml")


@bp.get("/procedures/<code>/diff")
@login_required
def diff(code):
    compared = diagram_versions.compare(g.user, code, request.args.get("a"), request.args.get("b"))
    return render_template(
        "admin/procedures/diff.html",
        procedure=compared.old.procedure,
        old=compared.old,
        new=compared.new,
        changes=compared.changes,
        markers=compared.markers,
        field_labels=FIELD_LABELS,
    )


# --- the audit log --------------------------------------------------------------------------


@bp.get("/audit")
@login_required
def audit_log():
    entries = audit.entries_for(
        g.user, target_type=request.args.get("type"), target_key=request.args.get("key")
    )
    return render_template("admin/audit.html", entries=entries)
