"""The landing page and the pages' error handling."""

from flask import g, redirect, render_template, url_for
from flask_babel import get_locale

from motcua.errors import MotcuaError
from motcua.web import bp, navigation
from motcua.web.auth import login_required


def nav_links() -> list[tuple[str, str]]:
    """The signed-in officer's menu: (endpoint, label) in the menu's order."""
    return [(e.endpoint, e.label) for e in navigation.entries_for(g.get("user"))]


@bp.app_context_processor
def _page_globals():
    return {"nav_links": nav_links, "get_locale": get_locale}


@bp.get("/")
@login_required
def home():
    return redirect(url_for(navigation.HOME))


@bp.app_errorhandler(MotcuaError)
def motcua_error(exc: MotcuaError):
    """Errors of our own on pages: a page in the officer's language with the status (the API's
    own handler answers its calls in JSON first)."""
    return render_template("error.html", error=exc, user=g.get("user")), exc.status
