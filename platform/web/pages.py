"""The landing page, the menu and its count, the favicon, and the pages' error handling."""

from flask import g, jsonify, redirect, render_template, request, send_from_directory, url_for
from flask_babel import get_locale

from motcua.errors import MotcuaError, as_json
from motcua.services import landing
from motcua.web import bp, navigation
from motcua.web.auth import login_required

API_PREFIX = "/api/v1"  # motcua.api's blueprint


def nav_groups():
    """The signed-in officer's menu: (group, entries) in the menu's order."""
    return navigation.groups_for(g.get("user"))


def inbox_badge():
    """The count beside the inbox in the menu (None: no badge), read once per request."""
    return landing.badge(g.get("user"))


@bp.app_context_processor
def _page_globals():
    return {
        "nav_groups": nav_groups,
        "inbox_badge": inbox_badge,
        "inbox_endpoint": navigation.INBOX,
        "get_locale": get_locale,
    }


@bp.get("/")
@login_required
def home():
    if landing.lands_on_inbox(g.user):
        return redirect(url_for(navigation.INBOX))
    menu = {entry.endpoint for entry in navigation.entries_for(g.user)}
    return render_template("home.html", view=landing.landing(g.user), menu=menu)


@bp.get("/favicon.ico")
def favicon():
    """The icon browsers and PDF viewers ask for at the site's root (the pages link the SVG):
    favicon.svg drawn at 16, 32 and 48 px into one .ico file."""
    return send_from_directory(
        bp.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400
    )


@bp.app_errorhandler(MotcuaError)
def motcua_error(exc: MotcuaError):
    """Errors of our own on pages: a page in the officer's language with the status (the API's
    own handler answers its calls in JSON first, and here those that match no route: the
    request guard refuses them before routing)."""
    if request.path.startswith(API_PREFIX + "/"):
        return jsonify(as_json(exc)[0]), exc.status
    return render_template("error.html", error=exc, user=g.get("user")), exc.status
