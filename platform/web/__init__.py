"""Officer pages: server-rendered (Jinja2), Vietnamese first, working without a build step."""

from flask import Blueprint

from motcua.services import signature_check

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/web",
)

from motcua.web import (  # noqa: E402,F401  (routes register themselves on bp)
    account,
    applicant,
    auth,
    desk,
    dossier,
    dossier_actions,
    fee_report,
    fees,
    filters,
    inbox,
    lookup,
    online,
    pages,
    payments,
    reports,
    search,
    slips,
    watch,
)

# A PDF's signature verdict beside the file (dossier/_signature.html).
bp.add_app_template_global(signature_check.shown, "signature_of")
