"""The national portal's push of the dossiers submitted there (MOTCUA_PORTAL_INBOUND=push):
POST /api/v1/portal/dossiers, the portal's envelope ``{madonvi, data: [record, …]}``.

Authentication: the shared secret MOTCUA_PORTAL_INBOUND_TOKEN as a bearer token, compared in
constant time (the portal's own mechanism is not in the sources [U]; a secret set on both sides
is the simplest that a proxy can also check). The answers are in the portal's style, with our
one error shape beside: ``{"error_code": "0", "message", "data": [{MaHoSo, TrangThai,
SoBienNhan, LyDo}]}`` once every record is kept (a record that could not be made a dossier yet
waits on the admin's page: it is ours to fix, not the portal's to resend), or ``{"error_code":
"<HTTP status>", "message", "error": {…}}`` when nothing was kept.
"""

import hmac
from functools import wraps

from flask import current_app, jsonify, request
from flask_babel import lazy_gettext as _l

from motcua.api import bp
from motcua.errors import Invalid, MotcuaError, NotFound, Unauthorized, as_json
from motcua.services import portal_inbound
from motcua.unit_of_work import commit, refusal


def portal_token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        config = current_app.config
        if portal_inbound.mechanism(config) != portal_inbound.PUSH:
            return _portal_error(
                NotFound(
                    _l("Không nhận hồ sơ đẩy từ Cổng (MOTCUA_PORTAL_INBOUND)."),
                    code="portal_push_off",
                )
            )
        expected = str(config.get("PORTAL_INBOUND_TOKEN") or "")
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        given = token.strip() if scheme.lower() == "bearer" else ""
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            return _portal_error(
                Unauthorized(
                    _l("Sai mã xác thực của Cổng (Authorization: Bearer)."), code="portal_token"
                )
            )
        return view(*args, **kwargs)

    wrapper.motcua_login_required = True  # a bearer token (motcua.api.openapi)
    return wrapper


@bp.post("/portal/dossiers")
@portal_token_required
def portal_dossiers():
    """Take the dossiers the portal pushes: each kept as it came, then made a dossier in the
    receiving desk's online queue; a resend of a MaHoSo changes nothing and succeeds."""
    with refusal(Invalid) as refused:
        kept = portal_inbound.keep_pushed(request.get_json(silent=True))
    if refused:
        return _portal_error(refused.error)
    commit()  # kept before anything is made of them: an import that fails loses nothing
    done = portal_inbound.import_each([row.id for row in kept])
    return portal_inbound.answer(done)


def _portal_error(exc: MotcuaError):
    body, status = as_json(exc)
    return jsonify({"error_code": str(status), "message": str(exc.message), **body}), status
