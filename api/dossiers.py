from datetime import datetime

from flask import g, request

from motcua.api import bp, serialize
from motcua.api.auth import login_required
from motcua.api.serialize import json_body
from motcua.errors import Invalid
from motcua.services import dossiers, exceptions, intake


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


# The exceptional paths that concern the whole dossier: each takes a written reason and answers
# with the dossier's summary. A supplement request is a step's outcome (POST /tasks/<id>/complete).


@bp.post("/dossiers/<code>/apology")
@login_required
def apologize(code):
    body = json_body()
    try:
        new_appointment = datetime.fromisoformat(_text(body, "new_appointment"))
    except ValueError:
        raise Invalid(
            "new_appointment phải là thời điểm ISO 8601 có múi giờ.",
            code="invalid_appointment",
            details={"new_appointment": "Ví dụ 2026-12-01T16:00:00+07:00."},
        ) from None
    apology = exceptions.apologize(g.user, code, _text(body, "reason"), new_appointment)
    return serialize.dossier_summary(apology.dossier), 201


@bp.post("/dossiers/<code>/withdraw")
@login_required
def withdraw(code):
    return serialize.dossier_summary(
        exceptions.withdraw(g.user, code, _text(json_body(), "reason"))
    )


@bp.post("/dossiers/<code>/pause")
@login_required
def pause(code):
    return serialize.dossier_summary(exceptions.pause(g.user, code, _text(json_body(), "reason")))


@bp.post("/dossiers/<code>/resume")
@login_required
def resume(code):
    return serialize.dossier_summary(exceptions.resume(g.user, code, _text(json_body(), "note")))


def _text(body: dict, name: str) -> str:
    value = body.get(name, "")
    return value if isinstance(value, str) else ""
