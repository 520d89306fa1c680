"""The public lookup: where a dossier stands, for whoever holds its code and the applicant's
id number or phone. No sign-in."""

from flask import request

from motcua.api import bp
from motcua.api.errors import error_response
from motcua.api.serialize import iso
from motcua.services import lookup


@bp.get("/lookup")
def lookup_dossier():
    try:
        found = lookup.lookup(
            request.args.get("code", ""), request.args.get("secret", ""), request.remote_addr or ""
        )
    except lookup.TooManyAttempts as exc:
        response = error_response(exc.status, exc.code, exc.message)
        return (*response, {"Retry-After": str(exc.retry_after)})
    return {
        "code": found.code,
        "status": found.status.value,
        "stage": found.stage,
        "received_at": iso(found.received_at),
        "appointment_at": iso(found.appointment_at),
    }
