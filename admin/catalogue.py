"""The procedure catalogue: list, search, create, edit, import (issue 4).

Everyone who sees the catalogue (system admins, analysts, unit admins) may search it and open
an entry; only system admins add, edit and import — the service checks it on every request.
"""

from decimal import Decimal

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from motcua.admin import bp
from motcua.errors import Conflict, Invalid, NotFound, StorageUnavailable
from motcua.models import OnlineLevel, ProcedureLevel
from motcua.services import (
    catalogue,
    catalogue_file,
    catalogue_import,
    catalogue_import_plan,
    catalogue_search,
    paper_templates,
)
from motcua.unit_of_work import refusal
from motcua.web.auth import login_required

FILTER_ARGS = ("q", "field", "level")
# The staged import file of this session: its storage key, name and the preview's fingerprint.
STAGED = "catalogue_import"


def days(value) -> str:
    """A number of days as written in Vietnamese: 15, 0,5."""
    return format(Decimal(value).normalize(), "f").replace(".", ",")


def shown(name: str, value) -> str:
    """A changed value as the report shows it."""
    if value is None:
        return ""
    if name == "level":
        return str(ProcedureLevel.label_of(value))
    if name == "online_level":
        return str(OnlineLevel.label_of(value))
    if name == "legal_limit_days":
        return days(value)
    return str(value)


def _render(template: str, status: int = 200, **context):
    context.update(
        field_labels=catalogue.FIELD_LABELS,
        days=days,
        shown=shown,
    )
    return render_template(f"admin/catalogue/{template}", **context), status


@bp.get("/catalogue", endpoint="catalogue")
@login_required
def catalogue_list():
    try:
        page = int(request.args.get("page", 1))
    except ValueError:
        page = 1
    view = catalogue_search.search(
        g.user, page=page, **{name: request.args.get(name, "") for name in FILTER_ARGS}
    )
    args = {k: v for k, v in view.filters.items() if v}

    def page_url(number: int) -> str:
        return url_for("admin.catalogue", page=number, **args)

    return _render("list.html", view=view, page_url=page_url, can_edit=catalogue.can_edit(g.user))


def _form_page(procedure=None, values=None, errors=None, message=None, status=200):
    return _render(
        "form.html",
        status,
        procedure=procedure,
        values=values or {},
        errors=errors or {},
        message=message,
        fields=catalogue.fields(),
        versions=catalogue.version_count(procedure) if procedure else 0,
        history=catalogue.history(procedure) if procedure else [],
        templates=paper_templates.current([procedure])[procedure.id] if procedure else {},
    )


@bp.route("/catalogue/new", methods=["GET", "POST"])
@login_required
def catalogue_new():
    catalogue.require_editor(g.user)
    if request.method == "GET":
        return _form_page(values={"online_level": "none"})
    with refusal(Invalid, Conflict) as refused:
        procedure = catalogue.create(g.user, request.form.to_dict())
    if refused:
        exc = refused.error
        return _form_page(
            values=request.form, errors=exc.details, message=exc.message, status=exc.status
        )
    flash(_("Đã thêm thủ tục %(code)s.", code=procedure.code), "success")
    return redirect(url_for("admin.catalogue_edit", code=procedure.code))


@bp.get("/catalogue/<code>")
@login_required
def catalogue_view(code):
    procedure = catalogue.get(g.user, code)
    if catalogue.can_edit(g.user):
        return redirect(url_for("admin.catalogue_edit", code=procedure.code))
    return _render(
        "view.html",
        procedure=procedure,
        versions=catalogue.version_count(procedure),
        history=catalogue.history(procedure),
    )


@bp.route("/catalogue/<code>/edit", methods=["GET", "POST"])
@login_required
def catalogue_edit(code):
    catalogue.require_editor(g.user)
    procedure = catalogue.get(g.user, code)
    if request.method == "GET":
        return _form_page(procedure, _values(procedure))
    with refusal(Invalid, Conflict) as refused:
        procedure, changes = catalogue.update(g.user, code, request.form.to_dict())
    if refused:
        exc = refused.error
        return _form_page(procedure, request.form, exc.details, exc.message, status=exc.status)
    if changes:
        flash(_("Đã lưu thủ tục %(code)s.", code=procedure.code), "success")
    else:
        flash(_("Không có thay đổi nào để lưu."), "info")
    return redirect(url_for("admin.catalogue_edit", code=procedure.code))


@bp.post("/catalogue/<code>/papers/<int:paper_index>/template")
@login_required
def catalogue_paper_template(code, paper_index):
    """Attach a paper's template (mẫu đơn, tờ khai); the one it replaces stays on record."""
    upload = request.files.get("file")
    with refusal(Invalid, NotFound, StorageUnavailable) as refused:
        template = paper_templates.attach(
            g.user, code, paper_index, upload.filename if upload else "", upload and upload.stream
        )
    if refused:
        exc = refused.error
        procedure = catalogue.get(g.user, code)
        return _form_page(
            procedure,
            _values(procedure),
            {f"template-{paper_index}": exc.message},
            exc.message,
            status=exc.status,
        )
    flash(_("Đã đính kèm mẫu %(name)s.", name=template.file_name), "success")
    return redirect(url_for("admin.catalogue_edit", code=code))


def _values(procedure) -> dict:
    return {
        "code": procedure.code,
        "name": procedure.name,
        "field": procedure.field,
        "level": procedure.level.value,
        "legal_limit_days": days(procedure.legal_limit_days),
        "fees": procedure.fees,
        "required_documents": "\n".join(procedure.required_documents or []),
        "online_level": procedure.online_level.value,
        "partial_online_reason": procedure.partial_online_reason,
    }


@bp.route("/catalogue/import", methods=["GET", "POST"])
@login_required
def catalogue_import_page():
    """GET: the upload form. POST: check the uploaded file and show what importing would do."""
    catalogue.require_editor(g.user)
    if request.method == "GET":
        return _render("import.html", plan=None, message=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _render("import.html", 422, plan=None, message=_("Chọn tệp cần nhập."))
    data = upload.stream.read(catalogue_file.MAX_BYTES + 1)
    with refusal(Invalid) as refused:
        plan = catalogue_import_plan.parse_import(data, upload.filename)
    if refused:
        exc = refused.error
        return _render("import.html", 422, plan=None, message=exc.message)
    key = catalogue_import.stage_import(data)
    session[STAGED] = {"key": key, "sha256": plan.sha256, "filename": upload.filename}
    return _render("import.html", plan=plan, message=None)


@bp.post("/catalogue/import/confirm")
@login_required
def catalogue_import_confirm():
    """Apply the file checked in the preview; it comes from the storage, not the browser."""
    catalogue.require_editor(g.user)
    staged = session.get(STAGED)
    if not staged or request.form.get("sha256") != staged["sha256"]:
        return _render(
            "import.html",
            409,
            plan=None,
            message=_("Không còn tệp đã kiểm tra (hoặc đã nhập rồi); hãy tải tệp lên lại."),
        )
    with refusal(Invalid, Conflict) as refused:
        data = catalogue_import.load_staged(staged["key"])
        plan = catalogue_import.apply_import(
            g.user, data, staged["filename"], expected=request.form.get("fingerprint", "")
        )
    if isinstance(refused.error, Conflict):
        plan = catalogue_import_plan.parse_import(data, staged["filename"])
        return _render("import.html", 409, plan=plan, message=refused.error.message)
    if refused:
        session.pop(STAGED, None)
        return _render("import.html", 422, plan=None, message=refused.error.message)
    session.pop(STAGED, None)
    return _render("import.html", plan=plan, message=None)
