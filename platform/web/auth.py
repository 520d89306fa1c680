"""Signing officers in and out of the pages (a session cookie; CSRF on every form)."""

from functools import wraps

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from motcua.errors import Invalid, Unauthorized
from motcua.services import auth, security_log
from motcua.unit_of_work import refusal
from motcua.vocabulary import SecurityEventKind
from motcua.web import bp
from motcua.web.redirects import local_target

# What an officer with a temporary password may still open: the page to change it.
PASSWORD_FIRST = frozenset({"web.own_password"})


def login_required(view):
    """The page needs a signed-in, active officer (g.user); others go to the login page."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        user_id = session.get("uid")
        if user_id is None:
            return redirect(url_for("web.login", next=request.full_path))
        with refusal(Unauthorized) as refused:
            g.user = auth.active_user(user_id, session.get("sv"))
        if refused:
            session.clear()
            return redirect(url_for("web.login"))
        if g.user.must_change_password and request.endpoint not in PASSWORD_FIRST:
            return redirect(url_for("web.own_password"))
        return view(*args, **kwargs)

    return wrapper


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        attempt = auth.sign_in(request.form.get("username", ""), request.form.get("password", ""))
        if attempt.refused:
            error = attempt.refused.message
        else:
            user = attempt.user
            lang = session.get("lang")
            session.clear()  # a new session on sign-in: no fixation
            session.permanent = True
            session["uid"], session["sv"] = user.id, user.session_version
            if lang:
                session["lang"] = lang
            if user.must_change_password:
                return redirect(url_for("web.own_password"))
            return redirect(local_target(request.args.get("next"), url_for("web.home")))
    return render_template("login.html", error=error), 401 if error else 200


@bp.post("/logout")
def logout():
    """Sign out here and everywhere: every session and API token of the officer ends."""
    with refusal(Unauthorized) as refused:
        user = auth.active_user(session.get("uid"), session.get("sv"))
    if not refused:
        auth.revoke_sessions(user)
        security_log.record(SecurityEventKind.SIGNED_OUT, user=user)
    session.clear()
    return redirect(url_for("web.login"))


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


@bp.post("/language/<lang>")
def language(lang):
    if lang not in ("vi", "en"):
        abort(404)
    session["lang"] = lang
    return redirect(local_target(request.form.get("next"), "/"))
