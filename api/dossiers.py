from flask import g, request

from motcua.api import bp, serialize
from motcua.api.auth import login_required
from motcua.api.serialize import json_body
from motcua.errors import Invalid
from motcua.services import dossiers, intake


@bp.post("/dossiers")
@login_required
def receive_dossier():
    body = json_body()
    applicant = intake.parse_applicant(body.get("applicant"))
    dossier = intake.receive(
        g.user,
        str(body.get("procedure_code", "")),
        str(body.get("unit_code", "")),
        applicant,
        str(body.get("channel", "direct")),
    )
    return serialize.dossier_summary(dossier), 201


@bp.get("/dossiers/<code>")
@login_required
def get_dossier(code):
    dossier = dossiers.get(g.user, code)
    return serialize.dossier(
        dossier,
        dossiers.tasks_of(dossier),
        dossiers.attachments_of(dossier),
        dossiers.events_of(dossier),
    )


@bp.post("/dossiers/<code>/attachments")
@login_required
def add_attachment(code):
    upload = request.files.get("file")
    if upload is None:
        raise Invalid(
            "Thiếu tệp (trường file).",
            code="invalid_file",
            details={"file": "Trường này là bắt buộc."},
        )
    attachment = dossiers.add_attachment(
        g.user,
        code,
        file_name=upload.filename or "",
        stream=upload.stream,
        kind=request.form.get("kind", "component"),
        media_type=upload.mimetype if upload.mimetype != "application/octet-stream" else None,
    )
    return serialize.attachment(attachment), 201
