"""Statistics for the provincial dashboard: the figures of the report page as JSON, and the
frozen reports (báo cáo đã chốt), kept as they were sent.

GET /api/v1/reports/statistics?unit=CLO&from=2026-10-15&to=2026-11-14[&group=field]
  ``from`` and ``to`` are local days, both included (as the form prints them); or, instead of
  them, ``kind=week|month|quarter|six_months|nine_months|year`` and
  ``period=2026-W47|2026-11|2026-Q4|2026-6M|2026-9M|2026`` (the latest one over without
  ``period``; 6 and 9 months run from the start of the report year). ``unit`` defaults to
  the highest unit in the caller's reach.
POST /api/v1/reports/snapshots {"unit", "from", "to" | "kind", "period", "group", "note"}
  freezes that report (the same parameters, in a JSON body): 201 with the frozen report and
  its figures, Location its URL.
GET /api/v1/reports/snapshots[?unit=CLO]
  the frozen reports the caller may see (of the unit and the units below it), newest first,
  without their figures.
GET /api/v1/reports/snapshots/<id>
  one frozen report with its figures (the JSON of /reports/statistics as it was).
GET /api/v1/reports/snapshots/<id>.xlsx | .pdf
  its stored files, byte for byte.
"""

from flask import Response, g, request, url_for

from motcua.api import bp
from motcua.api.auth import login_required
from motcua.api.serialize import iso, json_body
from motcua.errors import Invalid
from motcua.services import report_counts, reports
from motcua.services import report_periods as periods
from motcua.services import report_snapshots as snapshots


def period_of(args) -> periods.Period:
    if args.get("kind"):
        return periods.parse_period(str(args["kind"]), str(args.get("period") or ""))
    if "from" not in args and "to" not in args:
        raise Invalid(
            "Cần khoảng thời gian: from và to (YYYY-MM-DD), hoặc kind và period.",
            code="invalid_dates",
            details={"from": "Cần nhập ngày.", "to": "Cần nhập ngày."},
        )
    return periods.parse_period(
        "custom", "", str(args.get("from") or ""), str(args.get("to") or "")
    )


@bp.get("/reports/statistics")
@login_required
def report_statistics():
    args = request.args
    report = report_counts.statistics(
        g.user, args.get("unit"), period_of(args), args.get("group", "field")
    )
    return reports.as_json(report)


def _snapshot(frozen: snapshots.Frozen, figures: bool = False) -> dict:
    s = frozen.snapshot
    body = {
        "id": s.id,
        "url": url_for("api.get_report_snapshot", snapshot_id=s.id),
        "unit": s.figures["unit"],
        "period": {
            "kind": s.period_kind,
            "key": s.period_key,
            "from": s.period_start.isoformat(),
            "to": frozen.period.last_day.isoformat(),
        },
        "group": s.group_by,
        "note": s.note,
        "created_by": {
            "username": s.created_by.username,
            "display_name": s.created_by.display_name,
        },
        "created_at": iso(s.created_at),
        "version": frozen.version,
        "versions": frozen.versions,
        "latest": frozen.latest,
        "files": {
            fmt: {
                "sha256": getattr(s, f"{fmt}_sha256"),
                "size": getattr(s, f"{fmt}_size"),
                "url": url_for("api.get_report_snapshot_file", snapshot_id=s.id, fmt=fmt),
            }
            for fmt in snapshots.FORMATS
        },
    }
    if figures:
        body["figures"] = s.figures
    return body


@bp.post("/reports/snapshots")
@login_required
def freeze_report():
    body = json_body()
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        raise Invalid("Ghi chú phải là chuỗi.", code="invalid_note", details={"note": "Chuỗi."})
    group = body.get("group", "field")
    unit = body.get("unit")
    frozen = snapshots.freeze(
        g.user,
        unit if isinstance(unit, str) else None,
        period_of(body),
        group if isinstance(group, str) else "",
        note,
    )
    result = _snapshot(snapshots.snapshot(g.user, frozen.id), figures=True)
    return result, 201, {"Location": result["url"]}


@bp.get("/reports/snapshots")
@login_required
def list_report_snapshots():
    return {
        "snapshots": [_snapshot(f) for f in snapshots.snapshots(g.user, request.args.get("unit"))]
    }


@bp.get("/reports/snapshots/<int:snapshot_id>")
@login_required
def get_report_snapshot(snapshot_id):
    return _snapshot(snapshots.snapshot(g.user, snapshot_id), figures=True)


@bp.get("/reports/snapshots/<int:snapshot_id>.<any(xlsx, pdf):fmt>")
@login_required
def get_report_snapshot_file(snapshot_id, fmt):
    found, data = snapshots.open_file(g.user, snapshot_id, fmt)
    response = Response(data, mimetype=snapshots.FORMATS[fmt])
    response.headers["ETag"] = f'"{getattr(found, f"{fmt}_sha256")}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
