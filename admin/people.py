"""Units and users: the unit tree, officers' accounts and roles, and importing officers from CSV.

System administrators manage everything; unit administrators the officers of their own subtree
(the services decide: motcua.services.units, accounts, user_import).
"""

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from motcua.admin import bp
from motcua.errors import Invalid
from motcua.models import Role
from motcua.services import account_rules, account_search, accounts, org, user_import
from motcua.services import units as unit_service
from motcua.unit_of_work import refusal
from motcua.web.auth import login_required

IMPORT_ACTIONS = {
    user_import.CREATE: _l("Thêm mới"),
    user_import.UPDATE: _l("Cập nhật"),
    user_import.SKIP: _l("Bỏ qua"),
}
_IMPORT_KEY = "people_import"  # the staged file's sha256, in the signed session cookie


def _grantable() -> list[Role]:
    """The roles the signed-in administrator may hand out (the services check again)."""
    if org.is_system_admin(g.user):
        return list(Role)
    return [r for r in Role if r in account_rules.GRANTABLE_BY_UNIT_ADMIN]


def _no_store(page, status: int = 200):
    """A page that shows a password: never kept by a cache or the browser's history."""
    return page, status, {"Cache-Control": "no-store"}


def _page_number() -> int:
    try:
        return int(request.args.get("page", 1))
    except ValueError:
        return 1


# ---- units -----------------------------------------------------------------------------------


def _units_page(values=None, errors=None, status=200):
    rows = unit_service.tree(g.user)
    page = render_template(
        "admin/people/units.html",
        rows=rows,
        may_edit=org.is_system_admin(g.user),
        child_levels=unit_service.CHILD_LEVELS,
        values=values or {},
        errors=errors or {},
    )
    return page, status


@bp.get("/units")
@login_required
def units():
    return _units_page()


@bp.post("/units")
@login_required
def unit_create():
    form = request.form
    with refusal(Invalid) as refused:
        unit = unit_service.create_unit(
            g.user,
            form.get("parent", ""),
            form.get("code", ""),
            form.get("name", ""),
            form.get("level", ""),
            form.get("identifier", ""),
        )
    if refused:
        exc = refused.error
        return _units_page(form, exc.details or {"": exc.message}, 422)
    flash(_("Đã tạo đơn vị %(code)s.", code=unit.code), "success")
    return redirect(url_for("admin.units") + f"#unit-{unit.code}")


@bp.route("/units/<code>", methods=["GET", "POST"])
@login_required
def unit_edit(code):
    unit = unit_service.get_visible(g.user, code)
    if request.method == "GET":
        return render_template(
            "admin/people/unit.html",
            unit=unit,
            values={"name": unit.name, "fee_account": unit.fee_account or ""},
            errors={},
            may_edit=org.is_system_admin(g.user),
        )
    with refusal(Invalid) as refused:
        unit_service.update_unit(
            g.user, code, request.form.get("name", ""), request.form.get("fee_account")
        )
    if refused:
        exc = refused.error
        page = render_template(
            "admin/people/unit.html",
            unit=unit,
            values=request.form,
            errors=exc.details or {"": exc.message},
            may_edit=True,
        )
        return page, 422
    flash(_("Đã lưu đơn vị %(code)s.", code=code), "success")
    return redirect(url_for("admin.units") + f"#unit-{code}")


# ---- users -----------------------------------------------------------------------------------


@bp.get("/users")
@login_required
def users():
    args = request.args
    view = account_search.search(
        g.user,
        q=args.get("q", ""),
        unit_code=args.get("unit", ""),
        role=args.get("role", ""),
        active=args.get("active", ""),
        page=_page_number(),
    )

    def page_url(number):
        return url_for("admin.users", **{**view.filters, "page": number})

    return render_template(
        "admin/people/users.html",
        view=view,
        unit_rows=unit_service.choices(g.user),
        page_url=page_url,
        roles=list(Role),
    )


def _user_form(template, status=200, **context):
    page = render_template(
        template,
        unit_rows=unit_service.choices(g.user),
        grantable=_grantable(),
        **context,
    )
    return page, status


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def user_new():
    unit_service.require_people_admin(g.user)
    if request.method == "GET":
        return _user_form("admin/people/user_new.html", values={}, errors={}, checked=set())
    form = request.form
    checked = form.getlist("roles")
    with refusal(Invalid) as refused:
        user, temporary = accounts.create_user(
            g.user,
            form.get("username", ""),
            form.get("display_name", ""),
            form.get("email", ""),
            form.get("unit", ""),
            form.get("password", ""),
            checked,
        )
    if refused:
        exc = refused.error
        return _user_form(
            "admin/people/user_new.html",
            422,
            values=form,
            checked=set(checked),
            errors=exc.details or {"": exc.message},
            message=exc.message,
        )
    page = render_template(
        "admin/people/password.html", user=user, password=temporary, created=True
    )
    return _no_store(page)


def _edit_page(user, status=200, values=None, errors=None, message=None, grant=None):
    managed = org.administered_unit_ids(g.user)
    values = values or {
        "display_name": user.display_name,
        "email": user.email or "",
        "unit": user.unit.code,
    }
    return _user_form(
        "admin/people/user_edit.html",
        status,
        user=user,
        values=values,
        errors=errors or {},
        message=message,
        grant=grant or {},
        claimed=account_search.claimed_open_tasks(user),
        covered=account_rules.covers(managed, user),
        revocable={
            r.id
            for r in user.roles
            if account_rules.grant_problem(g.user, managed, r.role, r.unit) is None
            and not (user.id == g.user.id and r.role in account_rules.ADMIN_ROLES)
        },
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def user_edit(user_id):
    user = account_search.get_user(g.user, user_id)
    if request.method == "GET":
        return _edit_page(user)
    form = request.form
    with refusal(Invalid) as refused:
        accounts.update_user(
            g.user,
            user_id,
            form.get("display_name", ""),
            form.get("email", ""),
            form.get("unit", ""),
        )
    if refused:
        exc = refused.error
        return _edit_page(user, 422, values=form, errors=exc.details, message=exc.message)
    flash(_("Đã lưu thông tin cán bộ %(username)s.", username=user.username), "success")
    return redirect(url_for("admin.user_edit", user_id=user_id))


@bp.post("/users/<int:user_id>/roles")
@login_required
def user_grant_role(user_id):
    user = account_search.get_user(g.user, user_id)
    with refusal(Invalid) as refused:
        accounts.grant_role(
            g.user, user_id, request.form.get("grant_unit", ""), request.form.get("grant_role", "")
        )
    if refused:
        exc = refused.error
        return _edit_page(user, 422, errors=exc.details, message=exc.message, grant=request.form)
    flash(_("Đã cấp vai trò cho %(username)s.", username=user.username), "success")
    return redirect(url_for("admin.user_edit", user_id=user_id) + "#roles")


@bp.post("/users/<int:user_id>/roles/<int:role_id>/revoke")
@login_required
def user_revoke_role(user_id, role_id):
    user = accounts.revoke_role(g.user, user_id, role_id)
    flash(_("Đã bỏ vai trò của %(username)s.", username=user.username), "success")
    return redirect(url_for("admin.user_edit", user_id=user_id) + "#roles")


@bp.post("/users/<int:user_id>/deactivate")
@login_required
def user_deactivate(user_id):
    user, claimed = accounts.deactivate(g.user, user_id)
    flash(_("Đã khóa tài khoản %(username)s.", username=user.username), "success")
    if claimed:
        flash(
            _(
                "Cán bộ này còn %(count)s công việc đang nhận xử lý; lãnh đạo đơn vị cần giao "
                "lại cho người khác.",
                count=claimed,
            ),
            "error",
        )
    return redirect(url_for("admin.user_edit", user_id=user_id))


@bp.post("/users/<int:user_id>/reactivate")
@login_required
def user_reactivate(user_id):
    user = accounts.reactivate(g.user, user_id)
    flash(_("Đã mở lại tài khoản %(username)s.", username=user.username), "success")
    return redirect(url_for("admin.user_edit", user_id=user_id))


@bp.post("/users/<int:user_id>/password")
@login_required
def user_reset_password(user_id):
    user, password = accounts.reset_password(g.user, user_id)
    page = render_template("admin/people/password.html", user=user, password=password)
    return _no_store(page)


# ---- import ----------------------------------------------------------------------------------


def _import_form(status=200, errors=None):
    page = render_template(
        "admin/people/import.html", errors=errors or {}, columns=user_import.COLUMNS
    )
    return page, status


@bp.route("/users/import", methods=["GET", "POST"])
@login_required
def users_import():
    unit_service.require_people_admin(g.user)
    if request.method == "GET":
        return _import_form()
    upload = request.files.get("file")
    with refusal(Invalid) as refused:
        if upload is None or not upload.filename:
            raise Invalid(_("Hãy chọn tệp CSV."), details={"file": _("Hãy chọn tệp CSV.")})
        sha256 = user_import.stage(upload.stream)
        report = user_import.preview(g.user, user_import.load(sha256))
    if refused:
        exc = refused.error
        return _import_form(422, exc.details or {"file": exc.message})
    session[_IMPORT_KEY] = sha256
    return render_template(
        "admin/people/import_preview.html", report=report, actions=IMPORT_ACTIONS
    )


@bp.post("/users/import/confirm")
@login_required
def users_import_confirm():
    unit_service.require_people_admin(g.user)
    sha256 = request.form.get("file", "")
    # Only the file this administrator previewed in this session: never a hash sent by hand.
    if not sha256 or session.get(_IMPORT_KEY) != sha256:
        return _import_form(
            422, {"file": _("Phiên xem trước đã hết; hãy tải tệp lên và xem trước lại.")}
        )
    with refusal(Invalid) as refused:
        report = user_import.apply(g.user, user_import.load(sha256))
    if refused:
        exc = refused.error
        return _import_form(422, exc.details or {"file": exc.message})
    session.pop(_IMPORT_KEY, None)
    page = render_template("admin/people/import_result.html", report=report, actions=IMPORT_ACTIONS)
    return _no_store(page)
