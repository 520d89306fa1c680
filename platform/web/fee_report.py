"""The fee report page (/reports/fees): fees collected and the 766 index's 3.5 and 3.6, for a
unit and a period chosen as on the statistics page (motcua.services.fee_report)."""

from flask import g, render_template, request

from motcua.errors import Invalid
from motcua.services import fee_report, reports
from motcua.services import report_periods as periods
from motcua.unit_of_work import refusal
from motcua.vocabulary import PaymentMethod
from motcua.web import bp
from motcua.web.auth import login_required

# The statistics page's chooser: the same values, the same periods offered.
from motcua.web.reports import chosen_report, period_choices, report_period


@bp.get("/reports/fees")
@login_required
def fee_reports():
    """Raises Forbidden (the error page) for officers who may not see reports."""
    units = reports.units_in_reach(g.user)
    chosen = chosen_report(request.args)
    report, errors = None, {}
    with refusal(Invalid) as refused:
        report = fee_report.fee_report(g.user, chosen["unit"], report_period(chosen))
    if refused:
        errors = dict(refused.error.details or {}) or {"period": refused.error.message}
    else:
        period = report.period
        chosen.update(unit=report.unit.code, kind=period.kind, key=period.key)
        if period.kind == "custom":
            chosen.update({"from": period.start.isoformat(), "to": period.last_day.isoformat()})
    page = render_template(
        "reports/fees.html",
        report=report,
        units=units,
        chosen=chosen,
        errors=errors,
        methods=list(PaymentMethod),
        formulas=fee_report.FORMULAS,
        period_choices=period_choices(periods.today_local(), report.period if report else None),
    )
    return page, 422 if refused else 200
