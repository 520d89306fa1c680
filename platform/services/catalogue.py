"""The procedure catalogue (danh mục thủ tục hành chính): search, create, edit and import.

Who may do what: system admins, analysts and unit admins see the catalogue; only system admins
create, edit and import entries (`require_viewer`, `require_editor`).

Codes are the national ones of the Cơ sở dữ liệu quốc gia về TTHC (csdl.dichvucong.gov.vn):
a digit, a dot and six digits (1.001612, 2.000815, 3.000181). The public-service portals add an
agency suffix to them ("1.001612.000.00.00.H42"); such a code is accepted and reduced to its
national part, since the catalogue holds one entry per national procedure.

Import from the national database's exports: `motcua.services.catalogue_import`.
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from motcua import unit_of_work
from motcua.errors import Conflict, Forbidden, Invalid
from motcua.extensions import db
from motcua.models import OnlineLevel, Procedure, ProcedureLevel, ProcessVersion, Role, User
from motcua.services import audit, processes
from motcua.vocabulary import in_vietnamese

VIEWER_ROLES = {Role.SYSTEM_ADMIN, Role.ANALYST, Role.UNIT_ADMIN}
FIELDS = (
    "code",
    "name",
    "field",
    "level",
    "legal_limit_days",
    "fees",
    "required_documents",
    "online_level",
    "partial_online_reason",
)
FIELD_LABELS = {
    "code": _l("Mã thủ tục"),
    "name": _l("Tên thủ tục"),
    "field": _l("Lĩnh vực"),
    "level": _l("Cấp thực hiện"),
    "legal_limit_days": _l("Thời hạn giải quyết"),
    "fees": _l("Phí, lệ phí"),
    "required_documents": _l("Thành phần hồ sơ"),
    "online_level": _l("Mức độ dịch vụ công trực tuyến"),
    "partial_online_reason": _l("Lý do chỉ cung cấp một phần trực tuyến"),
    # Not a column of the entry: its fee lines, from the import file (motcua.services.fee_lines).
    "fee_lines": _l("Các khoản phí, lệ phí"),
}
MAX_LIMIT_DAYS = Decimal("9999.99")  # Numeric(6, 2)
MAX_LENGTHS = {"code": 32, "name": 500, "field": 255, "fees": 5000, "partial_online_reason": 2000}
MAX_DOCUMENT_LENGTH = 1000

_CODE = re.compile(r"(\d\.\d{6})(\.\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})?")


def procedures() -> list[Procedure]:
    return list(db.session.scalars(select(Procedure).order_by(Procedure.code)))


# --- who may do what -------------------------------------------------------------------------


def can_view(actor: User) -> bool:
    return any(r.role in VIEWER_ROLES for r in actor.roles)


def can_edit(actor: User) -> bool:
    return any(r.role == Role.SYSTEM_ADMIN for r in actor.roles)


def require_viewer(actor: User) -> None:
    if not can_view(actor):
        raise Forbidden(
            _l(
                "Chỉ quản trị hệ thống, chuyên viên phân tích nghiệp vụ và quản trị đơn vị xem "
                "được danh mục thủ tục."
            ),
            code="forbidden",
        )


def require_editor(actor: User) -> None:
    if not can_edit(actor):
        raise Forbidden(
            _l("Chỉ quản trị hệ thống được thêm, sửa hoặc nhập danh mục thủ tục."), code="forbidden"
        )


def fields() -> list[str]:
    """The fields (lĩnh vực) in use, for filters and suggestions."""
    return list(db.session.scalars(select(Procedure.field).distinct().order_by(Procedure.field)))


def get(actor: User, code: str) -> Procedure:
    require_viewer(actor)
    return processes.procedure_by_code(code)


def version_count(procedure: Procedure) -> int:
    return db.session.scalar(
        select(func.count(ProcessVersion.id)).where(ProcessVersion.procedure_id == procedure.id)
    )


def history(procedure: Procedure, limit: int = 20):
    return audit.entries(target_type="procedure", target_key=procedure.code, limit=limit)


# --- create and edit -------------------------------------------------------------------------


def normalise_code(raw: str) -> str | None:
    """The national code of a code as typed or exported, or None if it is not one."""
    found = _CODE.fullmatch(unicodedata.normalize("NFC", raw).strip().upper())
    return found.group(1) if found else None


def _form_limit(raw: str) -> tuple[Decimal | None, str | None]:
    text = raw.strip().replace(",", ".")
    if not text:
        return None, _l("Nhập thời hạn giải quyết (số ngày làm việc).")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _l("Thời hạn là một số ngày làm việc, ví dụ 15 hoặc 0,5.")
    if not value.is_finite() or value <= 0:
        return None, _l("Thời hạn phải lớn hơn 0 ngày.")
    if value > MAX_LIMIT_DAYS:
        return None, _l("Thời hạn không được quá 9999 ngày.")
    if value != value.quantize(Decimal("0.01")):
        return None, _l("Thời hạn có tối đa 2 chữ số thập phân.")
    return value, None


def split_documents(text: str, *, split_semicolons: bool = False) -> list[str]:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    parts = text.split(";") if split_semicolons and "\n" not in text else text.split("\n")
    bullet = re.compile(r"^\s*(?:[-+*•–]|\d{1,2}[.)])\s+")
    return [doc for part in parts if (doc := bullet.sub("", part).strip())]


def check_lengths(values: dict, errors: dict) -> None:
    for name, limit in MAX_LENGTHS.items():
        if name not in errors and len(values.get(name) or "") > limit:
            errors[name] = _l(
                "%(field)s dài quá %(limit)s ký tự.", field=FIELD_LABELS[name], limit=limit
            )
    for doc in values.get("required_documents") or []:
        if len(doc) > MAX_DOCUMENT_LENGTH:
            errors["required_documents"] = _l(
                "Mỗi thành phần hồ sơ dài tối đa %(limit)s ký tự.",
                limit=MAX_DOCUMENT_LENGTH,
            )


def validate(form: dict) -> tuple[dict, dict]:
    """The entry's values from a form's strings, and the errors by field."""
    text = {name: unicodedata.normalize("NFC", str(form.get(name) or "")) for name in FIELDS}
    values, errors = {}, {}
    raw_code = text["code"].strip()
    values["code"] = normalise_code(raw_code) or raw_code
    if not raw_code:
        errors["code"] = _l("Nhập mã thủ tục.")
    elif normalise_code(raw_code) is None:
        errors["code"] = _l(
            "Mã thủ tục là mã trên Cơ sở dữ liệu quốc gia về TTHC, dạng 1.001612 (một chữ "
            "số, dấu chấm, sáu chữ số)."
        )
    for name, message in (("name", _l("Nhập tên thủ tục.")), ("field", _l("Nhập lĩnh vực."))):
        values[name] = " ".join(text[name].split())
        if not values[name]:
            errors[name] = message
    values["level"], level_error = _form_level(text["level"])
    if level_error:
        errors["level"] = level_error
    values["legal_limit_days"], limit_error = _form_limit(text["legal_limit_days"])
    if limit_error:
        errors["legal_limit_days"] = limit_error
    values["fees"] = text["fees"].strip()
    values["required_documents"] = split_documents(text["required_documents"])
    try:
        values["online_level"] = OnlineLevel(text["online_level"])
    except ValueError:
        errors["online_level"] = _l("Chọn mức độ dịch vụ công trực tuyến.")
    values["partial_online_reason"] = text["partial_online_reason"].strip()
    check_partial_reason(values, errors)
    check_lengths(values, errors)
    return values, errors


def check_partial_reason(values: dict, errors: dict) -> None:
    """A partly online service publishes why it is not full online, the default (Decree
    224/2026/NĐ-CP; LAW.md "online public services"); a reason stays only with that level."""
    if values.get("online_level") != OnlineLevel.PARTIAL:
        values["partial_online_reason"] = ""
    elif not values.get("partial_online_reason"):
        errors["partial_online_reason"] = _l(
            "Dịch vụ một phần trực tuyến phải công bố lý do không cung cấp toàn trình "
            "(Nghị định 224/2026/NĐ-CP)."
        )


def _form_level(text: str):
    """Only the province or the commune: "cấp huyện" procedures moved to one of them on 1 July
    2025 (Decree 118/2025/NĐ-CP; LAW.md "Two-level local government")."""
    if text == ProcedureLevel.DISTRICT.value:
        return ProcedureLevel.DISTRICT, _l(
            "Từ 01/7/2025 không còn cấp huyện (Nghị định 118/2025/NĐ-CP): "
            "chọn cấp tỉnh hoặc cấp xã."
        )
    try:
        return ProcedureLevel(text), None
    except ValueError:
        return None, _l("Chọn cấp thực hiện: cấp tỉnh hoặc cấp xã.")


def _json_value(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, ProcedureLevel | OnlineLevel):
        return value.value
    return value


def _same(a, b) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return a is not None and b is not None and Decimal(a) == Decimal(b)
    return a == b


def diff(procedure: Procedure, values: dict) -> dict:
    """{field: {"old": …, "new": …}} for the fields whose value differs (JSON-ready)."""
    return {
        name: {"old": _json_value(getattr(procedure, name)), "new": _json_value(values[name])}
        for name in FIELDS
        if name in values and not _same(getattr(procedure, name), values[name])
    }


def flush_change() -> None:
    """Flush the entry, so that a code another admin has just added shows as a conflict."""
    unit_of_work.flush(
        Conflict(
            _l("Mã thủ tục vừa được người khác thêm vào danh mục; hãy tải lại trang."),
            code="procedure_exists",
            details={"code": _l("Mã thủ tục đã có trong danh mục.")},
        )
    )


def _exists(code: str) -> Procedure | None:
    return db.session.scalar(select(Procedure).where(Procedure.code == code))


def _invalid(errors: dict) -> Invalid:
    return Invalid(
        _l("Thông tin thủ tục chưa hợp lệ; xem các lỗi bên dưới."),
        code="invalid_procedure",
        details=errors,
    )


def create(actor: User, form: dict) -> Procedure:
    """Add an entry from a form's strings; one unit of work with its audit entry.

    Raises Forbidden (not a system admin), Invalid (details: errors by field), Conflict (the
    code is taken, and nothing else is wrong).
    """
    require_editor(actor)
    values, errors = validate(form)
    taken = "code" not in errors and _exists(values["code"]) is not None
    if taken:
        errors["code"] = _l(
            "Mã %(code)s đã có trong danh mục; hãy sửa thủ tục đó.", code=values["code"]
        )
    if taken and len(errors) == 1:
        raise Conflict(
            _l("Mã thủ tục %(code)s đã có trong danh mục.", code=values["code"]),
            code="procedure_exists",
            details=errors,
        )
    if errors:
        raise _invalid(errors)
    procedure = Procedure(**values)
    db.session.add(procedure)
    audit.record(
        actor,
        "procedure.create",
        "procedure",
        procedure.code,
        f"Thêm thủ tục {procedure.code} — {procedure.name}",
        data={name: {"old": None, "new": _json_value(values[name])} for name in FIELDS},
    )
    flush_change()
    return procedure


def update(actor: User, code: str, form: dict) -> tuple[Procedure, dict]:
    """Change an entry from a form's strings; returns it and the changes (none: nothing is
    written). The code cannot change once the procedure has diagram versions.

    Raises Forbidden, NotFound, Invalid (details by field), Conflict (the new code is taken).
    """
    require_editor(actor)
    procedure = get(actor, code)
    values, errors = validate(form)
    taken = False
    if "code" not in errors and values["code"] != procedure.code:
        versions = version_count(procedure)
        if versions:
            errors["code"] = _l(
                "Không đổi được mã: thủ tục đã có %(versions)s phiên bản quy trình; các quy "
                "trình và hồ sơ đã gắn với mã này.",
                versions=versions,
            )
        elif _exists(values["code"]) is not None:
            taken = True
            errors["code"] = _l("Mã %(code)s đã có trong danh mục.", code=values["code"])
    if taken and len(errors) == 1:
        raise Conflict(
            _l("Mã thủ tục %(code)s đã có trong danh mục.", code=values["code"]),
            code="procedure_exists",
            details=errors,
        )
    if errors:
        raise _invalid(errors)
    changes = diff(procedure, values)
    if not changes:
        return procedure, {}
    old_code = procedure.code
    for name in changes:
        setattr(procedure, name, values[name])
    labels = ", ".join(in_vietnamese(FIELD_LABELS[name]).lower() for name in changes)
    audit.record(
        actor,
        "procedure.update",
        "procedure",
        old_code,
        f"Sửa thủ tục {old_code}: {labels}",
        data=changes,
    )
    flush_change()
    return procedure, changes
