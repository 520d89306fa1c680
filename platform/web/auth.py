"""Signing officers in and out of the pages (a session cookie; CSRF on every form)."""

import time
from functools import wraps

from flask import abort, g, redirect, render_template, request, session, url_for

from motcua.errors import Unauthorized
from motcua.services import auth, security_log, two_factor
from motcua.unit_of_work import refusal
from motcua.vocabulary import SecurityEventKind
from motcua.web import bp
from motcua.web.redirects import local_target

# What an officer must do before anything else, and the pages that let them do it: change a
# temporary password, then set up an administrator's second factor.
FIRST_THINGS = frozenset({"web.own_password", "web.own_two_factor"})
PENDING_FOR = 300  # seconds between the right password and its code


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
        if request.endpoint not in FIRST_THINGS:
            if g.user.must_change_password:
                return redirect(url_for("web.own_password"))
            if two_factor.must_enrol(g.user):
                return redirect(url_for("web.own_two_factor"))
        return view(*args, **kwargs)

    return wrapper


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        attempt = auth.sign_in(request.form.get("username", ""), request.form.get("password", ""))
        if attempt.refused:
            error = attempt.refused.message
        elif attempt.needs_code:
            lang = session.get("lang")
            session.clear()
            session["pending"] = {
                "uid": attempt.user.id,
                "at": time.time(),
                "next": local_target(request.args.get("next"), ""),
            }
            if lang:
                session["lang"] = lang
            return redirect(url_for("web.login_code"))
        else:
            return _signed_in(attempt.user, request.args.get("next"))
    return render_template("login.html", error=error), 401 if error else 200


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The second step for an account with a second factor: the code of the authenticator."""
    pending = session.get("pending") or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_FOR:
        session.pop("pending", None)
        return redirect(url_for("web.login"))
    error = None
    if request.method == "POST":
        attempt = auth.confirm_code(pending["uid"], request.form.get("code", ""))
        if attempt.refused:
            error = attempt.refused.message
            if attempt.refused.code == "locked":
                session.pop("pending", None)
        else:
            return _signed_in(attempt.user, pending.get("next"))
    return render_template("login_code.html", error=error), 401 if error else 200


def _signed_in(user, target: str | None):
    lang = session.get("lang")
    session.clear()  # a new session on sign-in: no fixation
    session.permanent = True
    session["uid"], session["sv"] = user.id, user.session_version
    if lang:
        session["lang"] = lang
    if user.must_change_password:
        return redirect(url_for("web.own_password"))
    if two_factor.must_enrol(user):
        return redirect(url_for("web.own_two_factor"))
    return redirect(local_target(target, url_for("web.home")))


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


@bp.post("/language/<lang>")
def language(lang):
    if lang not in ("vi", "en"):
        abort(404)
    session["lang"] = lang
    return redirect(local_target(request.form.get("next"), "/"))
