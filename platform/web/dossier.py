"""Officer pages: one dossier (its steps and their timing, events, files), its files and diagram,
and the bpmn-js viewer served from node_modules (installed by `npm ci`, never copied in)."""

import re
import unicodedata
from pathlib import Path
from urllib.parse import quote

from flask import Response, g, render_template, send_file, send_from_directory
from flask_babel import gettext as _

import motcua.web
from motcua.services import exceptional_paths, security_log, slips, timeline
from motcua.unit_of_work import records_reads
from motcua.vocabulary import SecurityEventKind
from motcua.web import bp
from motcua.web.auth import login_required

VIEWER_BUNDLE = "bpmn-navigated-viewer.production.min.js"


def bpmn_js_dir() -> Path:
    """bpmn-js's prebuilt files, from the node_modules folder at the repo root."""
    return Path(motcua.web.__file__).resolve().parents[2] / "node_modules" / "bpmn-js" / "dist"


@bp.app_template_filter("working_time")
def working_time(hours: float | None) -> str:
    """Working hours as "2 giờ 30 phút" (rounded to the minute)."""
    if hours is None:
        return ""
    minutes = round(abs(hours) * 60)
    if minutes == 0:
        return _("dưới 1 phút")
    h, m = divmod(minutes, 60)
    if not h:
        return _("%(m)d phút", m=m)
    if not m:
        return _("%(h)d giờ", h=h)
    return _("%(h)d giờ %(m)d phút", h=h, m=m)


@bp.app_template_filter("file_size")
def file_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    for unit in ("KB", "MB"):
        size /= 1024
        if size < 1024:
            return f"{size:.1f} {unit}".replace(".", ",")
    return f"{size / 1024:.1f} GB".replace(".", ",")


@bp.get("/dossiers/<code>")
@login_required
@records_reads  # who opened which dossier: the security log
def dossier(code):
    data = timeline.view(g.user, code)
    security_log.record(SecurityEventKind.DOSSIER_OPENED, user=g.user, dossier_code=code)
    return render_template(
        "dossier/dossier.html",
        view=data,
        viewer_available=(bpmn_js_dir() / VIEWER_BUNDLE).is_file(),
        actions=exceptional_paths.allowed_actions(g.user, data.dossier),
        receipt_due=slips.receipt_due(data.dossier),
    )


@bp.get("/dossiers/<code>/files/<int:attachment_id>")
@login_required
def dossier_file(code, attachment_id):
    attachment, stream = timeline.open_attachment(g.user, code, attachment_id)
    media_type = timeline.safe_media_type(attachment.media_type)
    inline = timeline.shows_inline(media_type)
    response = send_file(
        stream,
        mimetype=media_type,
        etag=attachment.sha256,
        last_modified=attachment.uploaded_at,
        max_age=0,
    )
    response.headers["Content-Disposition"] = content_disposition(
        "inline" if inline else "attachment", attachment.file_name
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/dossiers/<code>/diagram.bpmn")
@login_required
def dossier_diagram(code):
    response = Response(timeline.diagram(g.user, code), mimetype="application/xml")
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Diagrams are untrusted input: opened directly, the XML may not run anything.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/vendor/bpmn-js/<path:filename>")
def vendor_bpmn_js(filename):
    # send_from_directory joins safely: "..", absolute paths and the like give 404.
    return send_from_directory(bpmn_js_dir(), filename)


_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._()\- ]+")


def content_disposition(disposition: str, file_name: str) -> str:
    """A Content-Disposition value with an ASCII fallback name and the real name per RFC 5987
    (filename*=UTF-8''…), so that Vietnamese names arrive intact and nothing can break out of
    the header."""
    simple = unicodedata.normalize("NFKD", file_name.replace("đ", "d").replace("Đ", "D"))
    simple = _UNSAFE_ASCII.sub("_", simple.encode("ascii", "ignore").decode("ascii")).strip()
    if not simple.strip("._ "):
        simple = "tep"
    encoded = quote(file_name, safe="!#$&+-.^_`|~")
    return f"{disposition}; filename=\"{simple}\"; filename*=UTF-8''{encoded}"
