"""The security log for system administrators: sign-ins, failures, lockouts, sign-outs,
passwords reset or changed, dossiers opened (motcua.services.security_log)."""

from flask import g, render_template, request

from motcua.admin import bp
from motcua.services import security_log
from motcua.web.auth import login_required


@bp.get("/security-log", endpoint="security_log")
@login_required
def security_log_page():
    username = request.args.get("username", "").strip()
    page = request.args.get("page", 1, type=int) or 1
    entries = security_log.entries(g.user, username=username, page=page)
    html = render_template(
        "admin/security.html",
        entries=entries,
        username=username,
        page=page,
        per_page=security_log.PER_PAGE,
    )
    return html, 200, {"Cache-Control": "no-store"}
