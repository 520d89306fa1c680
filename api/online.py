"""The online submission for a third-party front end (no sign-in): the catalogue's facts, and
the form's two acts — send the applicant's fields and a file per paper (the code is mailed),
then confirm with the code — with the form's own rules and limits (motcua.services.online)."""

from dataclasses import fields

from flask import request, url_for

from motcua.api import bp, serialize
from motcua.api.errors import error_response
from motcua.errors import Invalid
from motcua.services import intake, links, online, online_files

# The form's fields, "applicant.<name>" as the form's page names them.
APPLICANT_FIELDS = tuple(f.name for f in fields(intake.Applicant))


@bp.get("/online/procedures")
def online_procedures():
    """Every procedure of the catalogue: its online level (and the published reason for a
    partly online one), where it is decided, its papers with their templates to download."""
    return {"items": [_offered(entry) for entry in online.public_catalogue()]}


def _offered(entry: online.Offered) -> dict:
    procedure = entry.procedure
    return {
        **serialize.procedure(procedure),
        "partial_online_reason": procedure.partial_online_reason,
        "online": entry.online,
        "units": [{"code": u.code, "name": u.name} for u in entry.units],
        "papers": [
            {
                "index": index,
                "name": paper,
                "optional": online_files.optional(paper),
                "template": _template(procedure.code, index, entry.templates.get(index)),
            }
            for index, paper in enumerate(entry.papers)
        ],
    }


def _template(code: str, index: int, template) -> dict | None:
    if template is None:
        return None
    return {
        "file_name": template.file_name,
        "media_type": template.media_type,
        "size": template.size,
        "sha256": template.sha256,
        "url": links.public_url(
            url_for("web.online_paper_template", procedure_code=code, paper_index=index)
        ),
    }


@bp.post("/online/procedures/<procedure_code>/submissions")
def start_submission(procedure_code):
    """Send a submission (multipart: ``unit``, ``applicant.name``, ``applicant.id_number``,
    ``applicant.email``, ``applicant.phone``, ``applicant.address``, and the files of each
    paper in parts ``doc-<n>``, n its place in the list): the code goes to the applicant's
    e-mail; confirm it with the token answered here within ``expires_in`` seconds."""
    pending = online.start(
        procedure_code,
        request.form.get("unit", ""),
        {f: request.form.get(f"applicant.{f}") for f in APPLICANT_FIELDS},
        intake.paper_files(request.files),
    )
    return {
        "token": pending.token,
        "email": pending.email,
        "expires_in": online.code_seconds(),
    }, 202


@bp.post("/online/submissions/confirm")
def confirm_submission():
    """Confirm a submission with the mailed code ({"token", "code"}): the dossier, submitted
    and waiting for the desk's check. A wrong code is counted (and kept) as on the form."""
    body = serialize.json_body()
    token, code = body.get("token"), body.get("code")
    if not isinstance(token, str) or not isinstance(code, str):
        raise Invalid(
            "token và code phải là chuỗi.",
            code="invalid_json",
            details={"token": "Chuỗi token đã nhận.", "code": "Mã xác nhận trong thư."},
        )
    confirmed = online.confirm(token, code)
    if (exc := confirmed.refused) is not None:  # answered, not raised: the count is kept
        return error_response(exc.status, exc.code, exc.message, exc.details)
    dossier = confirmed.dossier
    return {
        **serialize.dossier_summary(dossier),
        "lookup_url": links.public_url(url_for("web.lookup", code=dossier.code)),
    }, 201
