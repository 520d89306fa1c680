"""Printable slips (forms 01–07) as PDF: issue a new receipt or control slip of a dossier (a
POST that stores it, then the browser is sent to the stored file), list the slips a dossier was
given, print a unit's register as PDF or Excel (rules in motcua.services.slips and
motcua.services.register)."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Response, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from motcua.errors import Forbidden, Invalid
from motcua.services import register
from motcua.services import slips as service
from motcua.web import bp
from motcua.web.auth import login_required
from motcua.web.dossier import content_disposition

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _pdf(data: bytes, file_name: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition("inline", file_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/dossiers/<code>/slips")
@login_required
def issue_slip(code):
    """Issue a new receipt (01) or control slip (06) and store it with the dossier, then show
    the stored file (POST-redirect-GET: reloading the page shows it again, issues nothing)."""
    attachment = service.issue_on_demand(g.user, code, request.form.get("form", ""))
    return redirect(url_for("web.dossier_file", code=code, attachment_id=attachment.id), 303)


@bp.get("/dossiers/<code>/slips")
@login_required
def dossier_slips(code):
    dossier, issued = service.issued(g.user, code)
    return render_template(
        "slips/list.html", dossier=dossier, issued=issued, receipt_due=service.receipt_due(dossier)
    )


@bp.get("/registers")
@login_required
def registers():
    """Choose a unit and a period; the form sends the browser to the register's PDF, or to its
    Excel workbook (format=xlsx)."""
    units = register.register_units(g.user)
    if not units:
        raise Forbidden(
            _("Chỉ bộ phận một cửa, lãnh đạo và cơ quan giám sát in được sổ theo dõi hồ sơ."),
            code="forbidden",
        )
    asked = {k: request.args.get(k, "").strip() for k in ("unit", "from", "to")}
    if all(asked.values()):
        params = {"from": asked["from"], "to": asked["to"]}
        endpoint = (
            "web.register_xlsx" if request.args.get("format") == "xlsx" else "web.register_pdf"
        )
        return redirect(url_for(endpoint, unit_code=asked["unit"], **params))
    today = datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
    shown = {"unit": "", "from": today.replace(day=1).isoformat(), "to": today.isoformat()}
    shown.update({k: v for k, v in asked.items() if v})
    return render_template(
        "slips/registers.html",
        units=units,
        asked=shown,
        max_pdf_rows=register.MAX_REGISTER_PDF_ROWS,
    )


@bp.get("/registers/<unit_code>.pdf")
@login_required
def register_pdf(unit_code):
    start, end = _period()
    data = register.register_for(g.user, unit_code, start, end)
    return _pdf(data, f"{_register_name(unit_code, start, end)}.pdf")


@bp.get("/registers/<unit_code>.xlsx")
@login_required
def register_xlsx(unit_code):
    start, end = _period()
    data = register.register_for(g.user, unit_code, start, end, excel=True)
    response = Response(data, mimetype=XLSX)
    name = f"{_register_name(unit_code, start, end)}.xlsx"
    response.headers["Content-Disposition"] = content_disposition("attachment", name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _register_name(unit_code: str, start: date, end: date) -> str:
    return f"07-so-theo-doi-ho-so-{unit_code}-{start:%Y%m%d}-{end:%Y%m%d}"


def _period() -> tuple[date, date]:
    return _date("from", _("Từ ngày")), _date("to", _("Đến ngày"))


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(name: str, label: str) -> date:
    """A date of the query string as YYYY-MM-DD; Invalid (a 422 page) otherwise."""
    value = request.args.get(name, "").strip()
    if _DAY.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass  # 2026-02-30 and the like
    message = _("%(label)s phải là một ngày có thật, dạng YYYY-MM-DD.", label=label)
    raise Invalid(message, code="invalid_date", details={name: message})
