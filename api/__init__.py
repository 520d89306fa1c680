"""The JSON API under /api/v1."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")


from motcua.api import (  # noqa: E402,F401  (routes register themselves on bp)
    auth,
    calendar,
    dossiers,
    errors,
    fee_report,
    fees,
    lookup,
    online,
    openapi,
    portal,
    procedures,
    reports,
    slips,
    tasks,
)
