"""The landing page and the pages' error handling."""

from flask import g, redirect, render_template, url_for
from flask_babel import get_locale

from motcua.errors import MotcuaError
from motcua.web import bp
from motcua.web.auth import login_required

# The menu: (endpoint, label, the roles that see it or None for every officer).
# Pages add themselves here; the pages themselves still check the roles on the server.
NAV = []


def nav_links():
    user = g.get("user")
    held = {r.role for r in user.roles} if user else set()
    return [(endpoint, label) for endpoint, label, roles in NAV if roles is None or held & roles]


@bp.app_context_processor
def _page_globals():
    return {"nav_links": nav_links, "get_locale": get_locale}


@bp.get("/")
@login_required
def home():
    return redirect(url_for(NAV[0][0]) if NAV else url_for("web.login"))


@bp.app_errorhandler(MotcuaError)
def motcua_error(exc: MotcuaError):
    """Errors of our own on pages: a Vietnamese page with the status (the API's own handler
    answers its calls in JSON first)."""
    return render_template("error.html", error=exc, user=g.get("user")), exc.status
