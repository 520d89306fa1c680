"""A procedure's diagrams: the step configurator of a unit, versions and their differences,
and the audit log of configuration changes."""

from decimal import Decimal, InvalidOperation

from flask import Response, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from motcua import engine
from motcua.admin import bp
from motcua.errors import Forbidden, Invalid, as_json
from motcua.extensions import db
from motcua.models import Procedure, Unit, UnitLevel
from motcua.services import audit, configurator, diagrams, org, processes
from motcua.unit_of_work import refusal
from motcua.web.auth import login_required

# Units that receive dossiers and so may have their own variant of a procedure.
RECEIVING_LEVELS = (UnitLevel.DEPARTMENT, UnitLevel.DISTRICT, UnitLevel.COMMUNE)
KIND_LABELS = {
    "added": _l("Bước mới thêm"),
    "removed": _l("Bước đã bỏ"),
    "changed": _l("Đã sửa"),
    "unchanged": _l("Giữ nguyên"),
}
FIELD_LABELS = {
    "name": _l("Tên bước"),
    "handler": _l("Người xử lý"),
    "timeLimit": _l("Thời hạn"),
    "form": _l("Biểu mẫu"),
    "lane": _l("Làn"),
}


def _units_for(user) -> list[Unit]:
    managed = org.administered_unit_ids(user)
    query = select(Unit).where(Unit.level.in_(RECEIVING_LEVELS)).order_by(Unit.code)
    if managed is not None:
        query = query.where(Unit.id.in_(managed))
    return list(db.session.scalars(query))


@bp.get("/procedures")
@login_required
def procedures():
    units = _units_for(g.user)
    if not units and not org.is_system_admin(g.user):
        raise Forbidden(_("Chỉ quản trị đơn vị cấu hình được quy trình."), code="forbidden")
    rows = []
    for procedure in db.session.scalars(select(Procedure).order_by(Procedure.code)):
        template = processes.newest_version(procedure, None)
        variants = []
        for unit in units:
            version = processes.newest_version(procedure, unit)
            draft = diagrams.draft_of(procedure, unit)
            based_on = draft.template_version if draft else (version and version.template_version)
            variants.append(
                {
                    "unit": unit,
                    "version": version,
                    "draft": draft,
                    "behind": template is not None
                    and (version is not None or draft is not None)
                    and (based_on is None or based_on.id != template.id),
                }
            )
        rows.append({"procedure": procedure, "template": template, "variants": variants})
    return render_template("admin/procedures/list.html", rows=rows, units=units)


def _unit(unit_code: str) -> Unit:
    unit = org.unit_by_code(unit_code)
    org.require_unit_admin(g.user, unit)
    return unit


def _handler_parts(text: str) -> dict:
    """The configurator's widgets for a handler: mode, role, where (relative/absolute), users."""
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


def _table_from_form(config: configurator.Configuration) -> tuple[dict, dict]:
    """The steps' handlers and time limits, and the lanes' names, as the form sent them."""
    form = request.form
    steps = {}
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
        steps[row.id] = {"handler": handler, "timeLimit": time_limit}
    lanes = {lane.id: form[f"lane-{lane.id}"] for lane in config.lanes if f"lane-{lane.id}" in form}
    return steps, lanes


def _where_choices(unit: Unit, config: configurator.Configuration) -> list[tuple[str, str]]:
    """Where a role may sit: the unit itself, a unit below it, or (kept as the template set
    it) an interconnected unit elsewhere."""
    choices = [("", _("%(unit)s (đơn vị tiếp nhận)", unit=unit.name))]
    for child in sorted(unit.children, key=lambda u: u.code):
        if child.code.startswith(unit.code + "."):
            choices.append(("." + child.code[len(unit.code) + 1 :], child.name))
    for row in config.rows:
        where = _handler_parts(row.handler)["where"]
        if where and not where.startswith(".") and where not in dict(choices):
            choices.append((where, _("%(code)s (liên thông, giữ theo mẫu)", code=where)))
    return choices


def _render_configurator(config, *, entered=None, errors=None, status=200):
    errors = errors or []
    field_errors = {(e.get("element"), e.get("field")): e["message"] for e in errors}
    values = {}
    for row in config.rows:
        handler = (entered or {}).get(row.id, {}).get("handler", row.handler)
        time_limit = (entered or {}).get(row.id, {}).get("timeLimit", row.time_limit)
        values[row.id] = {"handler": _handler_parts(handler), "time": _time_parts(time_limit)}
        if time_limit and not values[row.id]["time"]["amount"]:
            values[row.id]["time"] = {"amount": time_limit, "unit": "d"}
    return (
        render_template(
            "admin/procedures/configure.html",
            config=config,
            values=values,
            errors=errors,
            field_errors=field_errors,
            roles=diagrams.STEP_ROLES,
            role_labels=diagrams.ROLE_LABELS,
            where_choices=_where_choices(config.unit, config),
        ),
        status,
    )


@bp.get("/procedures/<code>/units/<unit_code>")
@login_required
def configure(code, unit_code):
    procedure, unit = diagrams.procedure_by_code(code), _unit(unit_code)
    return _render_configurator(configurator.configuration(procedure, unit, g.user))


@bp.post("/procedures/<code>/units/<unit_code>")
@login_required
def configure_save(code, unit_code):
    procedure, unit = diagrams.procedure_by_code(code), _unit(unit_code)
    config = configurator.configuration(procedure, unit, g.user)
    steps, lanes = _table_from_form(config)
    publish = request.form.get("action") == "publish"
    with refusal(Invalid) as refused:
        saved = configurator.configure(procedure, unit, g.user, steps, lanes, publish=publish)
    if refused:
        exc = refused.error
        return _render_configurator(
            config, entered=steps, errors=exc.details or [{"message": exc.message}], status=422
        )
    if saved.not_published is not None:  # kept as a draft, with what stops publishing it
        exc = saved.not_published
        return _render_configurator(
            saved.config, errors=exc.details or [{"message": exc.message}], status=422
        )
    if not publish:
        flash(_("Đã lưu bản nháp."), "ok")
        return redirect(url_for("admin.configure", code=code, unit_code=unit_code))
    version = saved.version
    flash(
        _(
            "Đã ban hành phiên bản %(n)d: hồ sơ tiếp nhận từ nay dùng cấu hình này; hồ sơ "
            "đang giải quyết giữ phiên bản cũ.",
            n=version.version,
        ),
        "ok",
    )
    return redirect(url_for("admin.configure", code=code, unit_code=unit_code))


@bp.post("/procedures/<code>/units/<unit_code>/check")
@login_required
def configure_check(code, unit_code):
    """The total along the longest path and the problems of the table as typed (not saved)."""
    procedure, unit = diagrams.procedure_by_code(code), _unit(unit_code)
    config = configurator.configuration(procedure, unit, g.user)
    steps, lanes = _table_from_form(config)
    with refusal(Invalid) as refused:
        return jsonify(configurator.preview(procedure, unit, g.user, steps, lanes))
    body, _status = as_json(refused.error)
    return jsonify(body), 422


@bp.post("/procedures/<code>/units/<unit_code>/rebase")
@login_required
def configure_rebase(code, unit_code):
    procedure, unit = diagrams.procedure_by_code(code), _unit(unit_code)
    config = configurator.rebase(procedure, unit, g.user)
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
    procedure, unit = diagrams.procedure_by_code(code), _unit(unit_code)
    diagrams.discard_draft(procedure, unit, g.user)
    flash(_("Đã bỏ bản nháp."), "ok")
    return redirect(url_for("admin.configure", code=code, unit_code=unit_code))


# --- versions -------------------------------------------------------------------------------


def _may_read(unit: Unit | None) -> None:
    """Templates: analysts, unit admins and system admins; a variant: its unit admins."""
    if unit is None:
        if not (org.is_analyst(g.user) or org.administered_unit_ids(g.user) != set()):
            raise Forbidden(_("Bạn không xem được quy trình mẫu."), code="forbidden")
    else:
        org.require_unit_admin(g.user, unit)


@bp.get("/procedures/<code>/versions")
@login_required
def versions(code):
    procedure = diagrams.procedure_by_code(code)
    unit_code = request.args.get("unit") or None
    unit = org.unit_by_code(unit_code) if unit_code else None
    _may_read(unit)
    listed = diagrams.versions(procedure, unit)
    return render_template(
        "admin/procedures/versions.html",
        procedure=procedure,
        unit=unit,
        versions=listed,
        units=_units_for(g.user) if org.administered_unit_ids(g.user) != set() else [],
    )


@bp.get("/procedures/<code>/versions/<int:version_id>.bpmn")
@login_required
def version_xml(code, version_id):
    procedure = diagrams.procedure_by_code(code)
    version = diagrams.version_by_id(version_id, procedure)
    _may_read(version.unit)
    return Response(version.bpmn_xml, mimetype="application/xml")


@bp.get("/procedures/<code>/diff")
@login_required
def diff(code):
    procedure = diagrams.procedure_by_code(code)
    try:
        old_id, new_id = int(request.args["a"]), int(request.args["b"])
    except (KeyError, ValueError):
        raise Invalid(_("Chọn hai phiên bản để so sánh."), code="invalid") from None
    old = diagrams.version_by_id(old_id, procedure)
    new = diagrams.version_by_id(new_id, procedure)
    _may_read(old.unit)
    _may_read(new.unit)
    if old.created_at > new.created_at:
        old, new = new, old
    changes = diagrams.diff(old, new)
    markers = {
        "old": {c.step_id: f"diff-{c.kind}" for c in changes if c.kind in ("removed", "changed")},
        "new": {c.step_id: f"diff-{c.kind}" for c in changes if c.kind in ("added", "changed")},
    }
    return render_template(
        "admin/procedures/diff.html",
        procedure=procedure,
        old=old,
        new=new,
        changes=changes,
        markers=markers,
        kind_labels=KIND_LABELS,
        field_labels=FIELD_LABELS,
    )


# --- the audit log --------------------------------------------------------------------------


@bp.get("/audit")
@login_required
def audit_log():
    managed = org.administered_unit_ids(g.user)
    if managed == set() and not org.is_analyst(g.user):
        raise Forbidden(_("Bạn không xem được nhật ký thay đổi."), code="forbidden")
    if managed == set():  # an analyst: the templates' changes
        entries = audit.entries(templates_only=True)
    elif managed is not None:
        entries = audit.entries(unit_ids=managed)
    else:
        entries = audit.entries(
            target_type=request.args.get("type") or None,
            target_key=request.args.get("key") or None,
        )
    return render_template("admin/audit.html", entries=entries)
