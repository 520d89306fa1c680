import json
from datetime import datetime

from flask import g, request
from flask_babel import lazy_gettext as _l

from motcua.api import bp, serialize
from motcua.api.auth import login_required
from motcua.api.serialize import json_body
from motcua.errors import Invalid
from motcua.services import (
    apologies,
    dossier_search,
    dossiers,
    exceptional_paths,
    intake,
    security_log,
)
from motcua.unit_of_work import records_reads
from motcua.vocabulary import SecurityEventKind

SEARCH_ARGS = ("q", "status", "procedure", "received_from", "received_to")


@bp.post("/dossiers")
@login_required
def receive_dossier():
    """Receive a dossier: a JSON body, or multipart with that JSON in the part ``dossier`` and
    the papers' files in parts ``doc-<n>`` (n: the paper's place in the procedure's list), as
    the desk's page sends them. With ``complete`` (or ``supplement``) the desk's check step is
    done in the same act, as at the desk: then each paper has a file or, in ``not_needed``
    ({"<n>": "why"}), the reason this applicant need not give it."""
    if request.mimetype == "multipart/form-data":
        try:
            body = json.loads(request.form.get("dossier", ""))
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise Invalid(
                "Phần dossier phải là một đối tượng JSON.",
                code="invalid_json",
                details={"dossier": "Đối tượng JSON của hồ sơ."},
            )
        files = intake.paper_files(request.files)
    else:
        body, files = json_body(), []
    dossier = intake.receive(
        g.user,
        str(body.get("procedure_code", "")),
        str(body.get("unit_code", "")),
        body.get("applicant"),
        str(body.get("channel", "direct")),
        files,
        _check(body),
        str(body.get("competent_unit_code") or "") or None,
    )
    return serialize.dossier_summary(dossier), 201


def _check(body: dict) -> intake.Check | None:
    """The desk's check as the call states it; None when it states none (the check step then
    stays with the receiving officer)."""
    supplement = body.get("supplement")
    if "complete" not in body and supplement is None:
        return None
    checked = body.get("checked") or []
    if not isinstance(checked, list) or not all(isinstance(i, int) for i in checked):
        raise Invalid(
            "checked phải là danh sách số thứ tự giấy tờ.",
            code="invalid_intake",
            details={"checked": "Ví dụ [0, 1]."},
        )
    if supplement is not None and not isinstance(supplement, dict):
        raise Invalid(
            "supplement phải là đối tượng {reason, items}.",
            code="invalid_intake",
            details={"supplement": "Đối tượng {reason, items}."},
        )
    not_needed = body.get("not_needed") or {}
    try:
        not_needed = {int(index): str(why) for index, why in dict(not_needed).items()}
    except (TypeError, ValueError):
        raise Invalid(
            "not_needed phải là đối tượng {số thứ tự giấy tờ: lý do không cần}.",
            code="invalid_intake",
            details={"not_needed": 'Ví dụ {"1": "Không có người giám hộ"}.'},
        ) from None
    return intake.Check(
        complete=body.get("complete") is True,
        checked=frozenset(checked),
        not_needed=not_needed,
        note=_text(body, "note"),
        supplement=(_text(supplement, "reason"), _text(supplement, "items"))
        if supplement
        else None,
    )


@bp.get("/dossiers")
@login_required
def search_dossiers():
    """The dossiers the officer may see, finished ones included, newest received first:
    ``q`` (words of the code, applicant's name, ID number or phone, accents and case aside),
    ``status``, ``procedure`` (a catalogue code), ``received_from``/``received_to`` (local
    days, YYYY-MM-DD), ``page``, ``per_page`` (at most 200). ``total`` counts up to
    ``total_limit``; ``more`` says that more than that match."""
    found = dossier_search.search(
        g.user,
        page=_positive_arg("page", 1),
        per_page=_positive_arg("per_page", dossier_search.PER_PAGE),
        **{name: request.args.get(name, "") for name in SEARCH_ARGS},
    )
    return {
        "items": [
            {
                **serialize.dossier_summary(d),
                "provisional_code": d.provisional_code,
                "procedure": {"code": d.procedure.code, "name": d.procedure.name},
                "applicant": {"name": d.applicant_name},
                "finished_at": serialize.iso(d.finished_at),
                "returned_at": serialize.iso(d.returned_at),
            }
            for d in found.rows
        ],
        "total": found.counted,
        "total_limit": dossier_search.COUNT_LIMIT,
        "more": found.more,
        "page": found.page,
        "per_page": found.per_page,
        "pages": found.pages,
    }


def _positive_arg(name: str, default: int) -> int:
    text = request.args.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise Invalid(
            _l("%(name)s phải là số nguyên dương.", name=name),
            code="invalid_paging",
            details={name: _l("Một số nguyên từ 1 trở lên.")},
        )
    return int(text)


@bp.get("/dossiers/<code>")
@login_required
@records_reads  # who opened which dossier: the security log
def get_dossier(code):
    dossier = dossiers.get(g.user, code)
    security_log.record(SecurityEventKind.DOSSIER_OPENED, user=g.user, dossier_code=code)
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
    apology = apologies.apologize(g.user, code, _text(body, "reason"), new_appointment)
    return serialize.dossier_summary(apology.dossier), 201


@bp.post("/dossiers/<code>/withdraw")
@login_required
def withdraw(code):
    return serialize.dossier_summary(
        exceptional_paths.withdraw(g.user, code, _text(json_body(), "reason"))
    )


@bp.post("/dossiers/<code>/stop")
@login_required
def stop(code):
    return serialize.dossier_summary(
        exceptional_paths.stop(g.user, code, _text(json_body(), "reason"))
    )


@bp.post("/dossiers/<code>/pause")
@login_required
def pause(code):
    return serialize.dossier_summary(
        exceptional_paths.pause(g.user, code, _text(json_body(), "reason"))
    )


@bp.post("/dossiers/<code>/resume")
@login_required
def resume(code):
    return serialize.dossier_summary(
        exceptional_paths.resume(g.user, code, _text(json_body(), "note"))
    )


def _text(body: dict, name: str) -> str:
    value = body.get(name, "")
    return value if isinstance(value, str) else ""
