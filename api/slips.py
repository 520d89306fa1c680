"""The slips of a dossier (forms 01–06 of Circular 03/2025/TT-VPCP, stored as attachments of kind
``slip``; a slip issued before keeps its 01/2018 number in ``form``).

POST /api/v1/dossiers/<code>/slips {"form": "01"|"06"}
  issues a new receipt or control slip and stores it: 201 with the slip, Location its PDF;
  409 ``receipt_not_due`` for a receipt of a dossier waiting for papers asked at receipt.
GET /api/v1/dossiers/<code>/slips
  the slips stored, oldest first; reading never issues one.
GET /api/v1/dossiers/<code>/slips/<id>
  the stored PDF, byte for byte.
"""

from flask import Response, g, url_for

from motcua.api import bp, serialize
from motcua.api.auth import login_required
from motcua.api.serialize import json_body
from motcua.services import slips


def _slip(code: str, attachment) -> dict:
    return {
        **serialize.attachment(attachment),
        "form": attachment.file_name[:2],
        "url": url_for("api.get_slip", code=code, attachment_id=attachment.id),
    }


@bp.post("/dossiers/<code>/slips")
@login_required
def issue_slip(code):
    form = json_body().get("form")
    attachment = slips.issue_on_demand(g.user, code, form if isinstance(form, str) else "")
    body = _slip(code, attachment)
    return body, 201, {"Location": body["url"]}


@bp.get("/dossiers/<code>/slips")
@login_required
def list_slips(code):
    _, issued = slips.issued(g.user, code)
    return {"slips": [_slip(code, a) for a in issued]}


@bp.get("/dossiers/<code>/slips/<int:attachment_id>")
@login_required
def get_slip(code, attachment_id):
    attachment, stream = slips.open_issued(g.user, code, attachment_id)
    with stream:
        data = stream.read()
    response = Response(data, mimetype="application/pdf")
    response.headers["ETag"] = f'"{attachment.sha256}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
