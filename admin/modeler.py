"""The BPMN modeler for the provincial templates (issue 4).

Analysts (and system admins) draw a procedure's template in the browser (bpmn-js, built by
`npm ci` into admin/static/build/) and set each step's handler, time limit, form and result
flag in the properties panel. The page talks JSON to the routes below: save the draft, open a
.bpmn file (checked on the server: no DTD, no entities, size-bounded), publish. Every rule is in
`motcua.services.diagrams`; errors come back as {"error": {"code", "message", "details"}}.
"""

from functools import wraps
from pathlib import Path

from flask import Response, g, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf

from motcua.admin import bp
from motcua.errors import Invalid, as_json
from motcua.services import catalogue, diagrams, org, processes
from motcua.unit_of_work import refusal
from motcua.web.auth import login_required
from motcua.web.dossier import content_disposition
from motcua.web.filters import local_datetime

BUNDLE = Path(__file__).resolve().parent / "static" / "build" / "modeler.js"
XML_TYPES = ("application/xml", "text/xml")

# The modeler's own texts (main.js, properties.js); {name} marks a value filled in there.
STRINGS = {
    "handlingGroup": _l("Xử lý"),
    "handlerMode": _l("Người xử lý"),
    "modeRole": _l("Vai trò trong đơn vị"),
    "modeUsers": _l("Cán bộ cụ thể"),
    "role": _l("Vai trò"),
    "chooseRole": _l("— chọn vai trò —"),
    "unit": _l("Đơn vị"),
    "unitHelp": _l(
        "Để trống: đơn vị tiếp nhận hồ sơ. «.TCKH»: phòng, xã trực thuộc đơn vị của hồ sơ "
        "(dấu chấm ở đầu). «VPDKDD»: một đơn vị cố định (bước liên thông)."
    ),
    "unitInvalid": _l(
        "Mã đơn vị gồm chữ in hoa và số, các phần cách nhau bởi dấu chấm (ví dụ .TCKH, VPDKDD)."
    ),
    "roleFirst": _l("Chọn vai trò trước khi ghi đơn vị."),
    "users": _l("Tên đăng nhập của cán bộ"),
    "usersHelp": _l("Cách nhau bởi dấu phẩy, ví dụ clo.cv.tckh1, clo.cv.tckh2."),
    "usersInvalid": _l("Tên đăng nhập không có khoảng trắng; các tên cách nhau bởi dấu phẩy."),
    "timeLimit": _l("Thời hạn"),
    "timeLimitHelp": _l("Một số dương, ví dụ 4 hoặc 0.5."),
    "amountInvalid": _l("Thời hạn phải là một số dương, ví dụ 4 hoặc 0.5."),
    "timeUnit": _l("Đơn vị thời hạn"),
    "hours": _l("giờ làm việc"),
    "days": _l("ngày làm việc"),
    "form": _l("Biểu mẫu"),
    "noForm": _l("— không có —"),
    "returnsResult": _l("Trả kết quả cho công dân"),
    "returnsResultHelp": _l("Bước này giao kết quả cho người nộp hồ sơ."),
    "waitsForApplicant": _l("Chờ người nộp bổ sung hồ sơ"),
    "waitsForApplicantHelp": _l(
        "Bước trước nó ghi lý do (reason) và giấy tờ cần bổ sung (items); trong khi chờ, "
        "thời hạn giải quyết dừng lại; hoàn thành bước này là đã nhận đủ giấy tờ bổ sung."
    ),
    "resultGroup": _l("Kết quả hồ sơ"),
    "dossierStatus": _l("Kết quả hồ sơ"),
    "statusDefault": _l("— mặc định: đã trả kết quả —"),
    "statusReturned": _l("Đã trả kết quả"),
    "statusRefused": _l("Từ chối giải quyết"),
    "draftSaved": _l("Bản nháp: lưu lúc {time}"),
    "noDraft": _l("Không có bản nháp"),
    "publishedVersion": _l("Đang ban hành: phiên bản {n} ({time})"),
    "problemCount": _l("Sơ đồ có {n} lỗi"),
    "networkError": _l("Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại."),
    "signedOut": _l("Phiên đăng nhập đã hết. Hãy đăng nhập lại (mở trang trong thẻ mới)."),
    "serverError": _l("Máy chủ không xử lý được yêu cầu (mã {status}). Tải lại trang rồi thử lại."),
    "loadFailed": _l("Không hiển thị được sơ đồ: {error}"),
    "importWarnings": _l("Một số phần của tệp không đọc được và sẽ mất khi lưu lại: {warnings}"),
    "confirmNew": _l("Thay sơ đồ đang soạn bằng một sơ đồ mới? Những thay đổi chưa lưu sẽ mất."),
    "newStarted": _l("Đã tạo sơ đồ mới (chưa lưu)."),
    "confirmImport": _l("Tệp mở ra sẽ thay bản nháp hiện tại. Tiếp tục?"),
    "imported": _l("Đã mở tệp {name} và lưu thành bản nháp."),
    "savedClean": _l("Đã lưu nháp. Sơ đồ không có lỗi, có thể ban hành."),
    "savedWithProblems": _l("Đã lưu nháp. Sơ đồ còn lỗi: sửa các lỗi bên dưới trước khi ban hành."),
    "confirmPublish": _l(
        "Ban hành sơ đồ này thành phiên bản mới? Hồ sơ tiếp nhận từ nay theo phiên bản mới; "
        "hồ sơ đang giải quyết giữ phiên bản cũ."
    ),
    "cannotPublish": _l("Sơ đồ còn lỗi nên chưa ban hành được: sửa các lỗi bên dưới rồi lưu lại."),
    "published": _l("Đã ban hành phiên bản {n}."),
    "confirmDiscard": _l("Bỏ bản nháp và quay về phiên bản đang ban hành?"),
}

# bpmn-js's own texts (palette, context pad, properties panel) in the page's language.
BPMN_JS = {
    "Activate hand tool": _l("Công cụ kéo sơ đồ"),
    "Activate lasso tool": _l("Công cụ chọn vùng"),
    "Activate create/remove space tool": _l("Công cụ thêm/bớt khoảng trống"),
    "Activate global connect tool": _l("Công cụ nối"),
    "Create start event": _l("Thêm sự kiện bắt đầu"),
    "Create intermediate/boundary event": _l("Thêm sự kiện trung gian"),
    "Create end event": _l("Thêm sự kiện kết thúc"),
    "Create gateway": _l("Thêm cổng rẽ nhánh"),
    "Create task": _l("Thêm bước"),
    "Create data object reference": _l("Thêm đối tượng dữ liệu"),
    "Create data store reference": _l("Thêm kho dữ liệu"),
    "Create expanded sub-process": _l("Thêm quy trình con"),
    "Create pool/participant": _l("Thêm bể (đơn vị tham gia)"),
    "Create group": _l("Thêm nhóm"),
    "Append end event": _l("Nối sự kiện kết thúc"),
    "Append gateway": _l("Nối cổng rẽ nhánh"),
    "Append task": _l("Nối bước"),
    "Append intermediate/boundary event": _l("Nối sự kiện trung gian"),
    "Add text annotation": _l("Thêm ghi chú"),
    "Add lane above": _l("Thêm làn phía trên"),
    "Add lane below": _l("Thêm làn phía dưới"),
    "Divide into two lanes": _l("Chia thành hai làn"),
    "Divide into three lanes": _l("Chia thành ba làn"),
    "Change element": _l("Đổi loại phần tử"),
    "Delete": _l("Xóa"),
    "Connect to other element": _l("Nối tới phần tử khác"),
    "Connect using association": _l("Nối bằng liên kết"),
    "General": _l("Chung"),
    "Name": _l("Tên"),
    "ID": _l("Mã (ID)"),
    "Documentation": _l("Mô tả"),
    "Element documentation": _l("Mô tả phần tử"),
    "Process documentation": _l("Mô tả quy trình"),
    "Executable": _l("Chạy được"),
    "Process name": _l("Tên quy trình"),
    "Process ID": _l("Mã quy trình"),
    "Select an element to edit its properties.": _l("Chọn một phần tử để sửa thuộc tính."),
    "Multiple elements are selected. Select a single element to edit its properties.": _l(
        "Đang chọn nhiều phần tử. Chọn một phần tử để sửa thuộc tính."
    ),
    "User Task": _l("Bước xử lý (User Task)"),
    "User task": _l("Bước xử lý (User task)"),
    "Start Event": _l("Sự kiện bắt đầu"),
    "End Event": _l("Sự kiện kết thúc"),
    "Exclusive Gateway": _l("Cổng rẽ nhánh"),
    "Sequence Flow": _l("Luồng"),
    "Lane": _l("Làn"),
    "Participant": _l("Đơn vị tham gia"),
    "Process": _l("Quy trình"),
    "Task": _l("Bước"),
}


def json_errors(view):
    """Errors of our own as JSON, in the API's shape: {"error": {"code", "message", "details"}}."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        with refusal() as refused:
            return view(*args, **kwargs)
        body, status = as_json(refused.error)
        return jsonify(body), status

    return wrapper


@bp.get("/modeler")
@login_required
def modeler_index():
    org.require_analyst(g.user)
    rows = [
        {
            "procedure": procedure,
            "version": processes.newest_version(procedure, None),
            "draft": diagrams.draft_of(procedure, None),
        }
        for procedure in catalogue.procedures()
    ]
    return render_template("admin/modeler/index.html", rows=rows)


@bp.get("/modeler/options.json")
@login_required
@json_errors
def modeler_options():
    org.require_analyst(g.user)
    return jsonify(diagrams.modeler_options())


@bp.get("/procedures/<code>/modeler")
@login_required
def modeler(code):
    org.require_analyst(g.user)
    procedure = processes.procedure_by_code(code)
    copy = diagrams.working_copy(procedure, None, g.user)
    return render_template(
        "admin/modeler/edit.html",
        procedure=procedure,
        copy=copy,
        config=_page_config(procedure, copy),
        bundle_ready=BUNDLE.is_file(),
    )


def _page_config(procedure, copy: diagrams.WorkingCopy) -> dict:
    """What main.js needs, rendered into the page as JSON."""
    urls = {
        name: url_for(f"admin.modeler_{name}", code=procedure.code)
        for name in ("diagram", "draft", "import", "publish", "discard")
    }
    return {
        "code": procedure.code,
        "fileName": f"{procedure.code}.bpmn",
        "csrfToken": generate_csrf(),
        "hasDraft": copy.draft is not None,
        "problems": copy.problems,
        "newXml": diagrams.new_diagram(procedure),
        "urls": urls,
        "options": diagrams.modeler_options(),
        "strings": {key: str(text) for key, text in STRINGS.items()},
        "translations": {key: str(text) for key, text in BPMN_JS.items()},
    }


@bp.get("/procedures/<code>/modeler/diagram.bpmn")
@login_required
def modeler_diagram(code):
    """The working copy's XML: the draft, else the published template, else a new diagram."""
    org.require_analyst(g.user)
    procedure = processes.procedure_by_code(code)
    copy = diagrams.working_copy(procedure, None, g.user)
    response = Response(copy.xml, mimetype="application/xml")
    response.headers["X-Content-Type-Options"] = "nosniff"
    # The XML is the analysts' input: opened directly, it may not run anything.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-cache"
    if request.args.get("download"):
        response.headers["Content-Disposition"] = content_disposition(
            "attachment", f"{procedure.code}.bpmn"
        )
    return response


@bp.post("/procedures/<code>/modeler/draft")
@login_required
@json_errors
def modeler_draft(code):
    """Save the posted XML (the request body) as the template's draft, problems and all."""
    org.require_analyst(g.user)
    procedure = processes.procedure_by_code(code)
    if request.mimetype not in XML_TYPES:
        raise Invalid(_("Gửi sơ đồ dưới dạng XML (Content-Type: application/xml)."), code="not_xml")
    draft = diagrams.save_draft(procedure, None, request.get_data(), g.user)
    return jsonify(_saved(draft))


@bp.post("/procedures/<code>/modeler/import")
@login_required
@json_errors
def modeler_import(code):
    """A .bpmn file from the analyst's computer, checked and stored as the draft."""
    org.require_analyst(g.user)
    procedure = processes.procedure_by_code(code)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid(_("Chọn một tệp .bpmn để mở."), code="no_file")
    draft = diagrams.save_draft(procedure, None, upload.read(), g.user)
    return jsonify({"xml": draft.bpmn_xml, **_saved(draft)})


@bp.post("/procedures/<code>/modeler/publish")
@login_required
@json_errors
def modeler_publish(code):
    org.require_analyst(g.user)
    procedure = processes.procedure_by_code(code)
    version = diagrams.publish(procedure, None, g.user)
    return jsonify(
        {
            "version": version.version,
            "published_at": version.published_at.isoformat(),
            "published_at_text": local_datetime(version.published_at),
        }
    )


@bp.post("/procedures/<code>/modeler/discard")
@login_required
@json_errors
def modeler_discard(code):
    org.require_analyst(g.user)
    procedure = processes.procedure_by_code(code)
    diagrams.discard_draft(procedure, None, g.user)
    return jsonify({"discarded": True})


def _saved(draft) -> dict:
    return {
        "problems": draft.problems,
        "saved_at": draft.updated_at.isoformat(),
        "saved_at_text": local_datetime(draft.updated_at),
    }
