"""The officer's own account: their password, and their second factor (required of
administrators, optional for others)."""

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from motcua.errors import Invalid
from motcua.services import auth, two_factor
from motcua.unit_of_work import refusal
from motcua.web import bp
from motcua.web.auth import login_required


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def own_password():
    """The officer's own password: changed here, and must be at the first sign-in with a
    temporary one. The other sessions and tokens end; this one goes on."""
    errors = {}
    if request.method == "POST":
        with refusal(Invalid) as refused:
            auth.change_password(
                g.user,
                request.form.get("current", ""),
                request.form.get("new", ""),
                request.form.get("repeated", ""),
            )
        if not refused:
            session["sv"] = g.user.session_version
            flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc."), "success")
            return redirect(url_for("web.home"))
        errors = refused.error.details
    page = render_template("account_password.html", errors=errors)
    return page, 422 if errors else 200


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def own_two_factor():
    """Set up the second factor: scan the code, type what the app shows. The secret offered
    waits in the session until it is proven, so a reload does not change it."""
    if two_factor.enabled(g.user):
        return render_template("account_two_factor.html", enabled=True)
    secret = session.setdefault("totp_offer", two_factor.new_secret())
    errors = {}
    if request.method == "POST":
        with refusal(Invalid) as refused:
            two_factor.enrol(g.user, secret, request.form.get("code", ""))
        if not refused:
            session.pop("totp_offer", None)
            flash(_("Đã bật xác thực hai lớp."), "success")
            return redirect(url_for("web.home"))
        errors = refused.error.details
    page = render_template(
        "account_two_factor.html",
        enabled=False,
        secret=secret,
        qr_code=two_factor.qr_code(g.user, secret),
        required=two_factor.required(g.user),
        errors=errors,
    )
    return page, 422 if errors else 200
