"""The fee report as JSON (motcua.services.fee_report): fees collected by method and the 766
index's 3.5 and 3.6, each with its formula.

GET /api/v1/reports/fees?unit=CLO&from=2026-10-15&to=2026-11-14
  or ``kind`` and ``period`` instead of ``from`` and ``to``, as /api/v1/reports/statistics.
"""

from flask import g, request

from motcua.api import bp
from motcua.api.auth import login_required
from motcua.api.reports import period_of  # the statistics' own reading of the period
from motcua.services import fee_report as service


@bp.get("/reports/fees")
@login_required
def fee_report():
    """Fees collected in the period, dossiers paid online (3.6), procedures payable online
    (3.5), of the unit and the units below it."""
    args = request.args
    return service.as_json(service.fee_report(g.user, args.get("unit"), period_of(args)))
