"""The public lookup page (tra cứu hồ sơ): no sign-in; a code and the applicant's id number or
phone show where the dossier stands."""

from flask import render_template, request

from motcua.errors import Invalid
from motcua.services import lookup as lookup_service
from motcua.unit_of_work import refusal
from motcua.web import bp


@bp.route("/lookup", methods=["GET", "POST"])
def lookup():
    if request.method == "GET":
        return render_template("lookup.html", result=None, errors={}, message=None)
    # POST, not GET: the id number stays out of addresses, histories and server logs.
    with refusal(Invalid) as refused:
        found = lookup_service.lookup(
            request.form.get("code", ""),
            request.form.get("secret", ""),
            request.remote_addr or "",
        )
    exc = refused.error if refused else found.refused
    if exc is None:
        return render_template("lookup.html", result=found.result, errors={}, message=None)
    page = render_template(
        "lookup.html", result=None, errors=exc.details or {}, message=exc.message
    )
    if isinstance(exc, lookup_service.TooManyAttempts):
        return page, 429, {"Retry-After": str(exc.retry_after)}
    return page, exc.status
