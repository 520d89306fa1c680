"""Signing officers in and out of the pages (a session cookie; CSRF on every form)."""

from functools import wraps

from flask import abort, g, redirect, render_template, request, session, url_for

from motcua.errors import Unauthorized
from motcua.services import auth
from motcua.unit_of_work import refusal
from motcua.web import bp
from motcua.web.redirects import local_target


def login_required(view):
    """The page needs a signed-in, active officer (g.user); others go to the login page."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        user_id = session.get("uid")
        if user_id is None:
            return redirect(url_for("web.login", next=request.full_path))
        with refusal(Unauthorized) as refused:
            g.user = auth.active_user(user_id)
        if refused:
            session.clear()
            return redirect(url_for("web.login"))
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
            session["uid"] = user.id
            if lang:
                session["lang"] = lang
            return redirect(local_target(request.args.get("next"), url_for("web.home")))
    return render_template("login.html", error=error), 401 if error else 200


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("web.login"))


@bp.post("/language/<lang>")
def language(lang):
    if lang not in ("vi", "en"):
        abort(404)
    session["lang"] = lang
    return redirect(local_target(request.form.get("next"), "/"))
