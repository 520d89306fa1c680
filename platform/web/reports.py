"""Statistics reports: the page with its table and chart, the same report as Excel and PDF, and
the frozen reports (báo cáo đã chốt): freezing the report shown, their list and their pages.

The figures come from motcua.services.report_counts (what they mean: motcua.services.reports),
the layout (words, header, chart, files) from motcua.services.report_files, the frozen reports
from motcua.services.report_snapshots; this module only chooses and shows them.
"""

import io
from datetime import date
from zoneinfo import ZoneInfo

from flask import (
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from motcua.errors import Invalid
from motcua.services import report_counts, report_workbook
from motcua.services import report_files as layout
from motcua.services import report_periods as periods
from motcua.services import report_snapshots as snapshots
from motcua.services import reports as service
from motcua.unit_of_work import refusal
from motcua.web import bp
from motcua.web.auth import login_required
from motcua.web.dossier import content_disposition

KIND_LABELS = {
    "week": _l("Tuần"),
    "month": _l("Tháng"),
    "quarter": _l("Quý"),
    "six_months": _l("6 tháng đầu năm"),
    "nine_months": _l("9 tháng đầu năm"),
    "year": _l("Năm"),
    "custom": _l("Tùy chọn khoảng ngày"),
}
GROUP_LABELS = layout.GROUP_LABELS
# How many periods of each kind the chooser offers.
RECENT = {"week": 26, "month": 24, "quarter": 8, "six_months": 3, "nine_months": 3, "year": 5}


# -- the chosen report -------------------------------------------------------------------------


def chosen_report(values=None) -> dict:
    """The form's values: period "month:2026-11" (kind and key) or "custom" with from and to."""
    values = request.args if values is None else values
    kind, _sep, key = values.get("period", "").partition(":")
    kind = kind or "month"
    if not key and kind in periods.KINDS and kind != "custom":
        # The period under way, not the last closed one: it is what an officer asks about
        # first, and a closed month may well be empty.
        key = periods.containing(kind, periods.today_local()).key
    return {
        "kind": kind,
        "key": key,
        "from": values.get("from", ""),
        "to": values.get("to", ""),
        "unit": values.get("unit", ""),
        "group": values.get("group", "field"),
    }


def report_period(chosen: dict) -> periods.Period:
    return periods.parse_period(chosen["kind"], chosen["key"], chosen["from"], chosen["to"])


def _report(chosen: dict, trend: bool) -> service.Report:
    return report_counts.statistics(
        g.user, chosen["unit"], report_period(chosen), chosen["group"], trend=trend
    )


def period_choices(
    today: date, chosen: periods.Period | None
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The recent periods of each kind, latest first, and the chosen one if it is older."""
    groups = []
    for kind, count in RECENT.items():
        offered = periods.recent(kind, today, count)
        if chosen is not None and chosen.kind == kind and chosen not in offered:
            offered.append(chosen)
        options = [
            (f"{kind}:{p.key}", f"{layout.period_label(p)} ({layout.range_label(p, short=True)})")
            for p in offered
        ]
        groups.append((str(KIND_LABELS[kind]), options))
    return groups


def _labels() -> dict:
    """The words the report templates share, and what a period not over yet adds to its name."""
    return {**layout.labels(), "so_far": _so_far}


def _so_far(report: service.Report) -> str:
    """ "(đến hôm nay)" after the name of a period still under way; a frozen one names its day."""
    if not report.partial:
        return ""
    day = report.as_of.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()
    if day == periods.today_local():
        return _("(đến hôm nay)")
    return _("(đến ngày %(day)s)", day=day.strftime("%d/%m/%Y"))


def _query(chosen: dict) -> dict:
    """The arguments that ask for the same report (for the download links and the freezing)."""
    query = {"unit": chosen["unit"], "group": chosen["group"]}
    if chosen["kind"] == "custom":
        query.update({"period": "custom", "from": chosen["from"], "to": chosen["to"]})
    else:
        query["period"] = f"{chosen['kind']}:{chosen['key']}"
    return query


def _page(chosen: dict, freeze_errors: dict | None = None, note: str = ""):
    """The report page for the chosen values; the form's errors and a 422 for bad ones."""
    units = service.units_in_reach(g.user)
    report, errors, status = None, {}, 200
    with refusal(Invalid) as refused:
        report = _report(chosen, trend=True)
    if refused:
        errors = dict(refused.error.details or {}) or {"period": refused.error.message}
        status = 422
    if report is not None:  # what was shown, defaults filled in, for the form and the files
        period = report.period
        chosen.update(unit=report.unit.code, kind=period.kind, key=period.key)
        if period.kind == "custom":
            chosen.update({"from": period.start.isoformat(), "to": period.last_day.isoformat()})
    if freeze_errors:
        status = 422
    return (
        render_template(
            "reports/statistics.html",
            report=report,
            units=units,
            chosen=chosen,
            errors=errors,
            freeze_errors=freeze_errors or {},
            note=note,
            period_choices=period_choices(periods.today_local(), report.period if report else None),
            group_labels=GROUP_LABELS,
            header=layout.header_rows(
                chosen["group"] if chosen["group"] in GROUP_LABELS else "field"
            ),
            chart=layout.chart(report.trend) if report else None,
            download=_query(chosen),
            labels=_labels(),
        ),
        status,
    )


@bp.get("/reports")
@login_required
def reports():
    """Raises Forbidden (rendered as the error page) for officers who may not see reports."""
    return _page(chosen_report())


@bp.get("/reports/statistics.xlsx")
@login_required
def reports_xlsx():
    report = _report(chosen_report(), trend=False)
    return send_file(
        io.BytesIO(report_workbook.workbook(report)),
        mimetype=snapshots.FORMATS["xlsx"],
        as_attachment=True,
        download_name=layout.file_name(report, "xlsx"),
    )


@bp.get("/reports/statistics.pdf")
@login_required
def reports_pdf():
    report = _report(chosen_report(), trend=True)
    return send_file(
        io.BytesIO(layout.pdf(report)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=layout.file_name(report, "pdf"),
    )


# -- frozen reports ----------------------------------------------------------------------------


@bp.post("/reports/snapshots")
@login_required
def freeze_report():
    """Freeze the report the form names, then show it (POST-redirect-GET: reloading the frozen
    report's page freezes nothing). Bad choices or note: the report page with the errors, 422."""
    chosen, note = chosen_report(request.form), request.form.get("note", "")
    with refusal(Invalid) as refused:
        frozen = snapshots.freeze(
            g.user, chosen["unit"], report_period(chosen), chosen["group"], note
        )
    if refused:
        details = dict(refused.error.details or {})
        if "note" in details:
            return _page(chosen, freeze_errors=details, note=note)
        return _page(chosen)  # shows the choices' errors, as the page itself does
    return redirect(url_for("web.report_snapshot", snapshot_id=frozen.id), 303)


@bp.get("/reports/snapshots")
@login_required
def report_snapshots():
    unit = request.args.get("unit", "").strip()
    return render_template(
        "reports/snapshots.html",
        frozen=snapshots.snapshots(g.user, unit or None),
        units=service.units_in_reach(g.user),
        unit=unit,
        group_labels=GROUP_LABELS,
        labels=layout.labels(),
    )


@bp.get("/reports/snapshots/<int:snapshot_id>")
@login_required
def report_snapshot(snapshot_id):
    frozen = snapshots.snapshot(g.user, snapshot_id)
    report = snapshots.as_report(frozen.snapshot)
    return render_template(
        "reports/snapshot.html",
        frozen=frozen,
        report=report,
        header=layout.header_rows(report.group),
        group_labels=GROUP_LABELS,
        labels=_labels(),
    )


@bp.get("/reports/snapshots/<int:snapshot_id>.<any(xlsx, pdf):fmt>")
@login_required
def report_snapshot_file(snapshot_id, fmt):
    found, data = snapshots.open_file(g.user, snapshot_id, fmt)
    response = Response(data, mimetype=snapshots.FORMATS[fmt])
    response.headers["Content-Disposition"] = content_disposition(
        "attachment", snapshots.file_name(found, fmt)
    )
    response.headers["ETag"] = f'"{getattr(found, f"{fmt}_sha256")}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
