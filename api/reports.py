"""Statistics for the provincial dashboard: the figures of the report page as JSON.

GET /api/v1/reports/statistics?unit=CLO&from=2026-10-15&to=2026-11-14[&group=field]
  ``from`` and ``to`` are local days, both included (as the form prints them); or, instead of
  them, ``kind=week|month|year&period=2026-W47|2026-11|2026`` (the latest one over without
  ``period``). ``unit`` defaults to the highest unit in the caller's reach.
"""

from flask import g, request

from motcua.api import bp
from motcua.api.auth import login_required
from motcua.api.serialize import iso
from motcua.errors import Invalid
from motcua.services import report_periods as periods
from motcua.services import reports


@bp.get("/reports/statistics")
@login_required
def report_statistics():
    args = request.args
    if args.get("kind"):
        period = periods.parse_period(args["kind"], args.get("period", ""))
    else:
        if "from" not in args and "to" not in args:
            raise Invalid(
                "Cần khoảng thời gian: from và to (YYYY-MM-DD), hoặc kind và period.",
                code="invalid_dates",
                details={"from": "Cần nhập ngày.", "to": "Cần nhập ngày."},
            )
        period = periods.parse_period("custom", "", args.get("from", ""), args.get("to", ""))
    report = reports.statistics(g.user, args.get("unit"), period, args.get("group", "field"))
    return {
        "unit": {"code": report.unit.code, "name": report.unit.name},
        "period": {
            "kind": report.period.kind,
            "key": report.period.key,
            "from": report.period.start.isoformat(),
            "to": report.period.last_day.isoformat(),
            "start_at": iso(report.start_at),
            "end_at": iso(report.end_at),
            "as_of": iso(report.as_of),
            "complete": not report.partial,
        },
        "group": report.group,
        "columns": list(reports.COLUMNS),
        "rows": [
            {"key": row.key, "label": row.label, **row.figures.as_dict()} for row in report.rows
        ],
        "total": report.total.as_dict(),
        "officers": [
            {
                "username": o.username,
                "display_name": o.display_name,
                "unit": o.unit_code,
                "completed": o.completed,
                "late": o.late,
                "average_hours": o.average_hours,
            }
            for o in report.officers
        ],
        "generated_at": iso(report.generated_at),
    }
