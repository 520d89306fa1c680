"""Officer pages of the one-stop desk: receive a dossier, print its receipt (the stored form 01),
return results."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from motcua.errors import Invalid, StorageUnavailable
from motcua.models import DossierStatus
from motcua.services import desk, intake, online_desk, receipts
from motcua.unit_of_work import refusal
from motcua.vocabulary import Channel, ReturnMethod
from motcua.web import bp
from motcua.web import fees as web_fees
from motcua.web.auth import login_required

APPLICANT_FIELDS = ("name", "id_number", "phone", "email", "address")


@bp.get("/desk/receive")
@login_required
def desk_receive():
    query = request.args.get("q", "").strip()
    procedures = desk.find_procedures(g.user, query)
    return render_template("desk/receive.html", procedures=procedures, query=query)


@bp.route("/desk/receive/<procedure_code>", methods=["GET", "POST"])
@login_required
def desk_receive_procedure(procedure_code):
    """Receive a dossier. If the form is refused, the files chosen are stored and held for it
    by a signed hidden field (``desk.held_token``), so that a refused form loses no file: held
    server-side rather than only checked in the page, since a check in the page cannot catch
    every refusal (an unknown ID number format, an empty file) and a browser never refills a
    file input."""
    if request.method == "GET":
        form = desk.intake_form(g.user, procedure_code)
        return _intake_page(form, values={}, errors={}, checked=set(), held=[])
    checked = {_index(key, "complete-") for key in request.form if key.startswith("complete-")}
    dropped = frozenset(int(n) for n in request.form.getlist("drop") if n.isdigit())
    held = desk.held_papers(g.user, procedure_code, request.form.get("held", ""), dropped)
    chosen = intake.paper_files(request.files)
    check = intake.Check(
        complete=bool(request.form.get("complete")),
        checked=frozenset(checked),
        note=request.form.get("note", ""),
        supplement=(
            (request.form.get("reason", ""), request.form.get("items", ""))
            if request.form.get("action") == "supplement"
            else None
        ),
        not_needed={
            _index(key, "why-"): text for key, text in request.form.items() if key[:4] == "why-"
        },
    )
    with refusal(Invalid, StorageUnavailable) as refused:
        dossier = intake.receive(
            g.user,
            procedure_code,
            request.form.get("unit", ""),
            {f: request.form.get(f"applicant.{f}") for f in APPLICANT_FIELDS},
            request.form.get("channel", Channel.DIRECT),
            desk.opened(held) + chosen,
            check,
            request.form.get("competent_unit") or None,
            web_fees.at_receipt(request.form),
        )
    if refused:
        exc = refused.error
        if not isinstance(exc, StorageUnavailable):  # else nothing can be held: chosen again
            held += desk.hold_papers(g.user, procedure_code, chosen)
        page = _intake_page(
            desk.intake_form(g.user, procedure_code),
            values=request.form,
            errors=exc.details or {"": exc.message},
            message=exc.message,
            checked=checked,
            held=held,
        )
        return page, exc.status
    if dossier.status == DossierStatus.WAITING_APPLICANT:
        # The paper the applicant takes home is form 02, stored as the request was made.
        slip = desk.supplement_slip(g.user, dossier.code)
        return redirect(url_for("web.dossier_file", code=dossier.code, attachment_id=slip.id), 303)
    flash(_("Đã tiếp nhận hồ sơ %(code)s.", code=dossier.code), "success")
    return redirect(url_for("web.desk_receipt", code=dossier.code))


def _intake_page(form, *, held, **context):
    return render_template(
        "desk/intake.html",
        form=form,
        held=list(enumerate(held)),
        held_token=desk.held_token(g.user, form.procedure.code, held) if held else "",
        **context,
    )


@bp.get("/desk/receipts/<code>")
@login_required
def desk_receipt(code):
    """The receipt's page: its button prints the stored form 01 (reading it issues nothing)."""
    return render_template("desk/receipt.html", receipt=receipts.receipt_view(g.user, code))


@bp.post("/desk/receipts/<code>")
@login_required
def desk_print_receipt(code):
    """Print the receipt: the stored form-01 PDF, issued and stored first if there is none,
    shown as the stored file (POST-redirect-GET), so the applicant gets the paper on record."""
    attachment = receipts.print_receipt(g.user, code)
    return redirect(url_for("web.dossier_file", code=code, attachment_id=attachment.id), 303)


@bp.get("/desk/results")
@login_required
def desk_results():
    return render_template("desk/results.html", tasks=desk.results_to_return(g.user))


@bp.route("/desk/results/<code>", methods=["GET", "POST"])
@login_required
def desk_result(code):
    if request.method == "GET":
        step = desk.return_step(g.user, code)
        values = {"returned_to": step.dossier.applicant_name, "method": ReturnMethod.AT_DESK}
        return render_template("desk/result.html", step=step, values=values, errors={})
    files = [
        (upload.filename, upload.stream)
        for upload in request.files.getlist("result")
        if upload.filename
    ]
    with refusal(Invalid) as refused:
        desk.return_result(
            g.user,
            code,
            returned_to=request.form.get("returned_to", ""),
            method=request.form.get("method", ReturnMethod.AT_DESK),
            note=request.form.get("note", ""),
            files=files,
        )
    if refused:
        exc = refused.error
        page = render_template(
            "desk/result.html",
            step=desk.return_step(g.user, code),
            values=request.form,
            errors=exc.details or {"result": exc.message},
            message=exc.message,
        )
        return page, 422
    flash(_("Đã trả kết quả hồ sơ %(code)s.", code=code), "success")
    return redirect(url_for("web.desk_results"))


@bp.get("/desk/online")
@login_required
def desk_online():
    """The online queue: dossiers submitted online, waiting for this desk's check."""
    return render_template("desk/online_queue.html", dossiers=online_desk.queue(g.user))


@bp.route("/desk/online/<code>", methods=["GET", "POST"])
@login_required
def desk_online_check(code):
    """Check an online dossier: accept it, ask for papers (form 02) or refuse it (form 03)."""
    if request.method == "GET":
        return _online_page(code, values={}, errors={})
    action = request.form.get("action", "")
    with refusal(Invalid) as refused:
        if action == "refuse":
            dossier = online_desk.refuse(g.user, code, request.form.get("refusal", ""))
        else:
            check = intake.Check(
                complete=bool(request.form.get("complete")),
                note=request.form.get("note", ""),
                supplement=(
                    (request.form.get("reason", ""), request.form.get("items", ""))
                    if action == "supplement"
                    else None
                ),
                not_needed={
                    _index(key, "why-"): text
                    for key, text in request.form.items()
                    if key[:4] == "why-"
                },
            )
            dossier = online_desk.accept(g.user, code, check)
    if refused:
        exc = refused.error
        page = _online_page(
            code, values=request.form, errors=exc.details or {"": exc.message}, message=exc.message
        )
        return page, exc.status
    if dossier.status == DossierStatus.RECEIVED or dossier.status == DossierStatus.PROCESSING:
        flash(_("Đã tiếp nhận hồ sơ %(code)s.", code=dossier.code), "success")
        return redirect(url_for("web.desk_receipt", code=dossier.code), 303)
    if dossier.status == DossierStatus.WAITING_APPLICANT:
        flash(_("Đã gửi yêu cầu bổ sung hồ sơ %(code)s.", code=dossier.code), "success")
    else:
        flash(_("Đã từ chối tiếp nhận hồ sơ %(code)s.", code=dossier.code), "success")
    return redirect(url_for("web.desk_online"), 303)


def _online_page(code, **context):
    dossier, files = online_desk.submitted(g.user, code)
    papers = dossier.procedure.required_documents or []
    return render_template(
        "desk/online_check.html",
        dossier=dossier,
        papers=list(zip(papers, online_desk.files_by_paper(dossier, files), strict=True)),
        **context,
    )


def _index(key: str, prefix: str) -> int:
    """The paper's number in a field name such as ``complete-2`` (-1, refused later, if none)."""
    number = key.removeprefix(prefix)
    return int(number) if number.isdigit() and len(number) < 4 else -1
