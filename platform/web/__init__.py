"""Officer pages: server-rendered (Jinja2), Vietnamese first, working without a build step."""

from flask import Blueprint

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/web",
)

from motcua.web import (  # noqa: E402,F401  (routes register themselves on bp)
    account,
    auth,
    desk,
    dossier,
    dossier_actions,
    filters,
    inbox,
    lookup,
    online,
    pages,
    reports,
    search,
    slips,
    watch,
)
