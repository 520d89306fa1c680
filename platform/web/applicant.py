"""The applicant's own pages (no sign-in), opened by the signed link of a lookup or a mail
(motcua.services.applicant_access): the result files to download (motcua.services
.results_online), and the answer to a request for papers (motcua.services.applicant_papers).
The national portal downloads a result file by the link signed for it."""

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from motcua.errors import Invalid, StorageUnavailable
from motcua.services import applicant_papers, intake, results_online, timeline
from motcua.unit_of_work import records_reads, refusal
from motcua.web import bp
from motcua.web.dossier import content_disposition


@bp.get("/applicant/<token>/results")
def applicant_results(token):
    return render_template("applicant/results.html", results=results_online.for_applicant(token))


@bp.get("/applicant/<token>/results/<int:attachment_id>")
@records_reads  # each download is an event of the dossier
def applicant_result_file(token, attachment_id):
    return _download(*results_online.open_for_applicant(token, attachment_id))


@bp.get("/applicant/results/<token>")
@records_reads  # each download is an event of the dossier
def portal_result_file(token):
    return _download(*results_online.open_for_portal(token))


@bp.route("/applicant/<token>/papers", methods=["GET", "POST"])
def applicant_papers_page(token):
    if request.method == "GET":
        return _papers_page(token, errors={})
    with refusal(Invalid, StorageUnavailable) as refused:
        applicant_papers.answer(
            token, intake.paper_files(request.files), request.form.get("note", "")
        )
    if refused:
        exc = refused.error
        return _papers_page(token, errors=exc.details or {"": exc.message}, message=exc.message), (
            exc.status
        )
    flash(_("Đã gửi giấy tờ bổ sung; bộ phận một cửa sẽ kiểm tra và báo cho bạn."), "success")
    return redirect(url_for("web.applicant_papers_page", token=token), 303)


def _papers_page(token, **context):
    return render_template("applicant/papers.html", asked=applicant_papers.asked(token), **context)


def _download(attachment, stream):
    """The file as an attachment under its own name; never shown in the page (a result is
    the applicant's to keep), never sniffed."""
    response = send_file(
        stream,
        mimetype=timeline.safe_media_type(attachment.media_type),
        etag=attachment.sha256,
        last_modified=attachment.uploaded_at,
        max_age=0,
    )
    response.headers["Content-Disposition"] = content_disposition(
        "attachment", attachment.file_name
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.app_template_global("online_answer")
def online_answer(dossier):
    """The applicant's latest online answer to the dossier's open request, for the officer's
    pages (None when there is none)."""
    return applicant_papers.answer_of(dossier)
