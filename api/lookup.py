"""The public lookup: where a dossier stands, for whoever holds its code and the applicant's
id number or phone. No sign-in."""

from flask import request

from motcua.api import bp
from motcua.api.errors import error_response
from motcua.api.serialize import iso
from motcua.services import lookup
from motcua.unit_of_work import records_reads


@bp.get("/lookup")
@records_reads  # a wrong try is counted
def lookup_dossier():
    answer = lookup.lookup(
        request.args.get("code", ""), request.args.get("secret", ""), request.remote_addr or ""
    )
    if (exc := answer.refused) is not None:  # answered, not raised: the count is kept
        response = error_response(exc.status, exc.code, exc.message)
        if isinstance(exc, lookup.TooManyAttempts):
            return (*response, {"Retry-After": str(exc.retry_after)})
        return response
    found = answer.result
    # appointment_at is null while the clock is stopped (waiting for papers, paused): the
    # appointment moves when it runs again.
    return {
        "code": found.code,
        "procedure": {"code": found.procedure_code, "name": found.procedure},
        "status": found.status.value,
        "status_label": str(found.status.label),
        "summary": found.summary,
        "stage": found.stage,
        "received_at": iso(found.received_at),
        "appointment_at": iso(found.appointment_at),
        "missing_papers": found.missing_papers,
        "supplement_requested_at": iso(found.supplement_requested_at),
        "returned_at": iso(found.returned_at),
        "finished_at": iso(found.finished_at),
    }
