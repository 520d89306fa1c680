"""The province's own online form, public (no sign-in): the catalogue of procedures, a page per
procedure that offers online service, and the submission confirmed by the e-mailed code
(motcua.services.online)."""

from flask import render_template, request, send_file

from motcua.errors import Invalid, StorageUnavailable
from motcua.services import intake, online, paper_templates
from motcua.unit_of_work import refusal
from motcua.web import bp
from motcua.web.dossier import content_disposition

APPLICANT_FIELDS = ("name", "id_number", "phone", "email", "address")


@bp.get("/online")
def online_catalogue():
    return render_template("online/catalogue.html", entries=online.public_catalogue())


@bp.route("/online/<procedure_code>", methods=["GET", "POST"])
def online_procedure(procedure_code):
    offered = online.service(procedure_code)
    if request.method == "GET":
        return render_template("online/procedure.html", offered=offered, values={}, errors={})
    with refusal(Invalid, StorageUnavailable) as refused:
        pending = online.start(
            procedure_code,
            request.form.get("unit", ""),
            {f: request.form.get(f"applicant.{f}") for f in APPLICANT_FIELDS},
            intake.paper_files(request.files),
        )
    if refused:
        exc = refused.error
        page = render_template(
            "online/procedure.html",
            offered=offered,
            values=request.form,
            errors=exc.details or {"": exc.message},
            message=exc.message,
        )
        return page, exc.status
    return render_template("online/confirm.html", offered=offered, pending=pending, errors={})


@bp.get("/online/<procedure_code>/papers/<int:paper_index>/template")
def online_paper_template(procedure_code, paper_index):
    """A paper's template to download (mẫu đơn, tờ khai): always a download, never shown."""
    found = paper_templates.download(procedure_code, paper_index)
    template = found.template
    response = send_file(
        found.stream,
        mimetype=template.media_type,
        etag=template.sha256,
        last_modified=template.uploaded_at,
        max_age=0,
    )
    response.headers["Content-Disposition"] = content_disposition("attachment", template.file_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/online/<procedure_code>/confirm")
def online_confirm(procedure_code):
    offered = online.service(procedure_code)
    token = request.form.get("token", "")
    # The answer, refused or not, is committed: a wrong code is counted (as the lookup's).
    confirmed = online.confirm(token, request.form.get("code", ""))
    exc = confirmed.refused
    if exc is None:
        return render_template("online/done.html", offered=offered, confirmed=confirmed)
    pending = online.Pending(token, request.form.get("email", ""))
    page = render_template(
        "online/confirm.html",
        offered=offered,
        pending=pending,
        errors=exc.details or {},
        message=exc.message,
        expired=exc.code in ("code_expired", "too_many_codes", "already_submitted"),
    )
    return page, exc.status
