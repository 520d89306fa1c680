"""Importing the procedure catalogue from the national database's exports (CSV or Excel).

`parse_import` reads a file and decides, row by row, what importing it would do (a dry run that
changes nothing); `apply_import` reads it again and applies exactly the accepted rows in one
transaction, with one audit entry. Between the two the file waits in the content-addressed
storage (`stage_import`, `load_staged`): it is never trusted to come back from the browser.

The file: CSV (UTF-8 with or without BOM; comma, semicolon or tab, whichever yields a header
row) or Excel .xlsx (the first sheet), at most 5 MB and 5,000 rows. The layout is the one of the
lists the national database (Cơ sở dữ liệu quốc gia về TTHC, csdl.dichvucong.gov.vn) and the
provincial portals export, as far as we could learn it without a real export at hand — it is
NOT verified against one. The header row is looked for in the first 15 rows (exports put a
title such as "DANH SÁCH THỦ TỤC HÀNH CHÍNH" above it) and its cells are matched ignoring case,
spacing, punctuation and diacritics:

    required  "Mã thủ tục" (or "Mã TTHC"), "Tên thủ tục" (or "Tên TTHC", "Thủ tục hành chính"),
              "Cấp thực hiện", "Lĩnh vực", "Thời hạn giải quyết" (or "Thời gian giải quyết")
    optional  "STT", "Phí, lệ phí" (or separate "Phí" and "Lệ phí"), "Thành phần hồ sơ",
              "Mức độ" (or "Mức độ DVC", "Dịch vụ công", "Mức độ cung cấp dịch vụ công trực
              tuyến"); other columns are ignored.

Values are read as the national database writes them:

- code: 1.001612; a portal's code with its agency suffix (1.001612.000.00.00.H42) counts as its
  national part; Excel cells holding the code as a number (2.00081) get their six digits back.
- level: "Cấp Tỉnh" / "Cấp Huyện" / "Cấp Xã", or "Tỉnh", "Huyện", "Xã". A cell naming several
  levels ("Cấp Huyện, Cấp Xã") keeps an existing entry's level when it is one of them and is
  skipped otherwise: an entry has one level here.
- limit: the first of "N ngày" ("15 ngày làm việc", "03 ngày", "0,5 ngày"), "N giờ làm việc" (N/8
  days) or "Trong ngày"; else a bare number. "Trong ngày" (same-day service) is 0.5 working day:
  the appointment falls four office hours after receipt, so what is received in the afternoon
  is due the next morning, as desks do.
- online level: "Toàn trình", "DVC trực tuyến toàn trình", "Mức độ 4" → full; "Một phần",
  "Mức độ 3" → partial; anything else → none.
- documents: one per line; a cell without line breaks is split at ";". Bullets and numbering
  ("- ", "1. ") are dropped.

Rows: an existing code is updated, a new one added. An optional column missing from the file
leaves existing entries' values alone (new ones get no fees, no documents, not online). Rows
without code and name (blank rows, group headings) are ignored; the others are reported with
their row number as a spreadsheet shows it.
"""

import csv
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from motcua.errors import Conflict, Invalid
from motcua.extensions import db
from motcua.models import OnlineLevel, Procedure, ProcedureLevel, User
from motcua.services import audit, storage
from motcua.services.catalogue import (
    FIELDS,
    MAX_LIMIT_DAYS,
    check_lengths,
    diff,
    flush_change,
    fold,
    normalise_code,
    require_editor,
    split_documents,
)
from motcua.vocabulary import in_vietnamese

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_UNPACKED = 100 * 1024 * 1024  # an .xlsx is a zip: refuse one that inflates beyond this
HEADER_ROWS = 15
MAX_COLUMNS = 60

# Header cells, folded (see _key), to the value they hold.
_ALIASES = {
    "stt": "stt",
    "ma thu tuc": "code",
    "ma tthc": "code",
    "ma so tthc": "code",
    "ma thu tuc hanh chinh": "code",
    "ten thu tuc": "name",
    "ten tthc": "name",
    "ten thu tuc hanh chinh": "name",
    "thu tuc hanh chinh": "name",
    "cap thuc hien": "level",
    "linh vuc": "field",
    "thoi han giai quyet": "legal_limit_days",
    "thoi gian giai quyet": "legal_limit_days",
    "phi le phi": "fees",
    "phi": "fee",
    "le phi": "charge",
    "thanh phan ho so": "required_documents",
    "muc do": "online_level",
    "muc do dvc": "online_level",
    "muc do dvctt": "online_level",
    "dich vu cong": "online_level",
    "dich vu cong truc tuyen": "online_level",
    "muc do dich vu cong truc tuyen": "online_level",
    "muc do cung cap dich vu cong truc tuyen": "online_level",
}
REQUIRED = {
    "code": "Mã thủ tục",
    "name": "Tên thủ tục",
    "level": "Cấp thực hiện",
    "field": "Lĩnh vực",
    "legal_limit_days": "Thời hạn giải quyết",
}
_LEVEL_WORDS = {
    "tinh": ProcedureLevel.PROVINCE,
    "huyen": ProcedureLevel.DISTRICT,
    "xa": ProcedureLevel.COMMUNE,
}
_NUMBER = r"(\d+(?:[.,]\d+)?)"

CREATE, UPDATE, SKIP = "create", "update", "skip"


@dataclass
class ImportRow:
    """What importing one row does: create, update or skip (with the reasons)."""

    row: int
    code: str
    name: str
    action: str
    reasons: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    changes: dict = field(default_factory=dict)  # update: {field: {"old": …, "new": …}}
    procedure: Procedure | None = field(default=None, repr=False, compare=False)

    @property
    def label(self) -> str:
        if self.action == CREATE:
            return "Thêm mới"
        if self.action == UPDATE:
            return "Cập nhật"
        return "Bỏ qua: " + "; ".join(self.reasons)


@dataclass
class ImportPlan:
    filename: str
    sha256: str
    columns: list[str]
    rows: list[ImportRow]
    applied: bool = False

    @property
    def accepted(self) -> list[ImportRow]:
        return [r for r in self.rows if r.action != SKIP]

    @property
    def counts(self) -> dict[str, int]:
        return {a: sum(r.action == a for r in self.rows) for a in (CREATE, UPDATE, SKIP)}

    @property
    def fingerprint(self) -> str:
        """What applying would do; the confirmation must see the same as the preview."""
        plan = [(r.row, r.code, r.action, r.changes) for r in self.rows]
        return hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()


# --- reading the file ------------------------------------------------------------------------


def _key(cell) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(str(cell or ""))).split())


def _filled(numbered) -> list[tuple[int, list]]:
    """The rows that hold something, with their row numbers as a spreadsheet shows them."""
    return [(number, list(row)) for number, row in numbered if any(_text(c) for c in row)]


def _header(rows: list[tuple[int, list]]) -> tuple[int, dict[str, int]] | None:
    """The header's index among the rows and the column of each known value, if found."""
    for index, (_number, row) in enumerate(rows[:HEADER_ROWS]):
        columns = {}
        for position, cell in enumerate(row):
            name = _ALIASES.get(_key(cell))
            if name and name not in columns:
                columns[name] = position
        if "code" in columns:
            return index, columns
    return None


def _csv_rows(data: bytes) -> list[tuple[int, list]]:
    if b"\x00" in data:
        raise Invalid(_l("Tệp .csv này không phải tệp văn bản."), code="import_unreadable")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(
            _l(
                "Tệp CSV không ở bảng mã UTF-8. Trong Excel, hãy lưu lại với kiểu «CSV UTF-8 "
                "(Comma delimited)»."
            ),
            code="import_encoding",
        ) from exc
    best, best_score = [], -1
    for delimiter in (",", ";", "\t"):
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            rows = _filled(enumerate(reader, start=1))
        except csv.Error as exc:
            raise Invalid(_l("Tệp CSV hỏng: %(exc)s.", exc=exc), code="import_unreadable") from exc
        found = _header(rows)
        score = len(found[1]) if found else 0
        if score > best_score:
            best, best_score = rows, score
    return best


def _xlsx_rows(data: bytes) -> list[tuple[int, list]]:
    unreadable = Invalid(
        _l("Không đọc được tệp Excel; hãy mở và lưu lại dưới dạng .xlsx."), code="import_unreadable"
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise unreadable from exc
    if unpacked > MAX_UNPACKED:
        raise Invalid(_l("Tệp Excel quá lớn khi giải nén."), code="import_too_large")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file; all mean the same
        raise unreadable from exc
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # exports often state wrong dimensions; read what is there
        rows = []
        # Only the filled rows are kept: sheets often carry thousands of formatted empty ones.
        for number, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), 1):
            if any(_text(c) for c in row):
                rows.append((number, list(row)))
                if len(rows) > MAX_ROWS + HEADER_ROWS:
                    raise _too_many()
        return rows
    finally:
        book.close()


def _too_many() -> Invalid:
    return Invalid(
        _l(
            "Tệp có hơn %(n)s dòng; hãy chia thành nhiều tệp.",
            n=f"{MAX_ROWS:,}".replace(",", "."),
        ),
        code="import_too_large",
    )


def _read(data: bytes, filename: str) -> tuple[list[tuple[int, list]], int, dict[str, int]]:
    name = (filename or "").strip().lower()
    if not data:
        raise Invalid(_l("Tệp rỗng."), code="import_empty")
    if len(data) > MAX_BYTES:
        raise Invalid(_l("Tệp lớn hơn 5 MB."), code="import_too_large")
    if name.endswith(".csv") and not data.startswith(b"PK\x03\x04"):
        rows = _csv_rows(data)
    elif name.endswith((".xlsx", ".csv")):  # an Excel file saved under .csv is read as one
        rows = _xlsx_rows(data)
    elif name.endswith(".xls"):
        raise Invalid(
            _l(
                "Tệp .xls (Excel 97–2003) chưa được hỗ trợ; hãy lưu lại thành .xlsx hoặc CSV UTF-8."
            ),
            code="import_type",
        )
    else:
        raise Invalid(_l("Chỉ nhập được tệp .csv hoặc .xlsx."), code="import_type")
    found = _header(rows)
    if found is None:
        raise Invalid(
            _l(
                "Không tìm thấy dòng tiêu đề: %(n)s dòng đầu của tệp không có cột "
                "«Mã thủ tục» (hoặc «Mã TTHC»).",
                n=HEADER_ROWS,
            ),
            code="import_no_header",
        )
    index, columns = found
    missing = [label for key, label in REQUIRED.items() if key not in columns]
    if missing:
        raise Invalid(
            _l(
                "Tệp thiếu cột bắt buộc: %(columns)s.",
                columns=", ".join(f"«{m}»" for m in missing),
            ),
            code="import_missing_columns",
            details={"missing": missing},
        )
    if len(rows) - index - 1 > MAX_ROWS:
        raise _too_many()
    return rows, index, columns


# --- reading the values ----------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def _code_text(value) -> str:
    if isinstance(value, float):  # Excel keeps "2.000810" as the number 2.00081
        return f"{value:.6f}"
    return _text(value)


def _level(text: str, existing: Procedure | None) -> tuple[ProcedureLevel | None, str | None]:
    if not text:
        return None, "thiếu cấp thực hiện"
    words = set(re.findall(r"[a-z]+", fold(text)))
    found = {level for word, level in _LEVEL_WORDS.items() if word in words}
    if len(found) == 1:
        return found.pop(), None
    if len(found) > 1:
        if existing is not None and existing.level in found:
            return existing.level, None
        return None, f"cấp thực hiện «{text}» gồm nhiều cấp; mỗi thủ tục chỉ ghi một cấp"
    return None, f"cấp thực hiện «{text}» không rõ (cần Cấp tỉnh, Cấp huyện hoặc Cấp xã)"


def _limit(value) -> tuple[Decimal | None, str | None]:
    text = _text(value)
    if not text:
        return None, "thiếu thời hạn giải quyết"
    folded = fold(text)
    found = []
    if m := re.search(_NUMBER + r"\s*ngay", folded):
        found.append((m.start(), Decimal(m.group(1).replace(",", "."))))
    if m := re.search(r"trong ngay", folded):
        found.append((m.start(), Decimal("0.5")))
    if m := re.search(_NUMBER + r"\s*gio lam viec", folded):
        found.append((m.start(), Decimal(m.group(1).replace(",", ".")) / 8))
    if not found and (m := re.fullmatch(_NUMBER, folded)):
        found.append((0, Decimal(m.group(1).replace(",", "."))))
    if not found:
        return None, f"không đọc được thời hạn giải quyết «{text}»"
    days = min(found, key=lambda f: f[0])[1].quantize(Decimal("0.01"), ROUND_HALF_UP)
    if days <= 0 or days > MAX_LIMIT_DAYS:
        return None, f"thời hạn giải quyết «{text}» không hợp lệ"
    return days, None


def _online(text: str) -> OnlineLevel:
    folded = " ".join(fold(text).split())
    if "toan trinh" in folded or re.fullmatch(r"(muc do )?4", folded) or "muc do 4" in folded:
        return OnlineLevel.FULL
    if "mot phan" in folded or re.fullmatch(r"(muc do )?3", folded) or "muc do 3" in folded:
        return OnlineLevel.PARTIAL
    return OnlineLevel.NONE


def _fees(cell) -> str:
    if "fees" in cell.columns:
        return cell("fees")
    parts = [("Phí", cell("fee")), ("Lệ phí", cell("charge"))]
    return "\n".join(f"{label}: {text}" for label, text in parts if text)


class _Cells:
    def __init__(self, row: list, columns: dict[str, int]):
        self.row, self.columns = row, columns

    def raw(self, name):
        position = self.columns.get(name)
        return self.row[position] if position is not None and position < len(self.row) else None

    def __call__(self, name) -> str:
        return _text(self.raw(name))


def _row(number: int, cell: _Cells, existing: Procedure | None) -> ImportRow:
    raw_code = _code_text(cell.raw("code"))
    code = normalise_code(raw_code)
    name = " ".join(cell("name").split())
    result = ImportRow(number, code or raw_code, name, SKIP, procedure=existing)
    if not raw_code:
        result.reasons.append("thiếu mã thủ tục")
    elif code is None:
        result.reasons.append(f"mã thủ tục «{raw_code}» không đúng dạng 1.001612")
    values = {"code": code or raw_code, "name": name, "field": " ".join(cell("field").split())}
    if not name:
        result.reasons.append("thiếu tên thủ tục")
    if not values["field"]:
        result.reasons.append("thiếu lĩnh vực")
    values["level"], problem = _level(cell("level"), existing)
    values["legal_limit_days"], limit_problem = _limit(cell.raw("legal_limit_days"))
    result.reasons += [p for p in (problem, limit_problem) if p]
    if {"fees", "fee", "charge"} & cell.columns.keys():
        values["fees"] = _fees(cell)
    if "required_documents" in cell.columns:
        values["required_documents"] = split_documents(
            cell("required_documents"), split_semicolons=True
        )
    if "online_level" in cell.columns:
        values["online_level"] = _online(cell("online_level"))
    errors = {}
    check_lengths(values, errors)
    # The reasons are kept in the audit log: in Vietnamese, whatever the officer reads.
    result.reasons += [in_vietnamese(m).rstrip(".").lower() for m in errors.values()]
    result.values = values
    return result


# --- the two steps ---------------------------------------------------------------------------


def parse_import(file_bytes: bytes, filename: str) -> ImportPlan:
    """What importing the file would do, row by row; changes nothing.

    Raises Invalid for a file that cannot be imported at all: not CSV or XLSX, empty, over
    5 MB or 5,000 rows, unreadable, no header row, required columns missing
    (details["missing"]).
    """
    rows, header, columns = _read(file_bytes, filename)
    existing = {p.code: p for p in db.session.scalars(select(Procedure))}
    seen: dict[str, int] = {}
    results = []
    for number, row in rows[header + 1 :]:
        cell = _Cells(row, columns)
        if not _code_text(cell.raw("code")) and not cell("name"):
            continue  # a blank row or a group heading
        code = normalise_code(_code_text(cell.raw("code")))
        result = _row(number, cell, existing.get(code))
        if code in seen:
            result.reasons.append(f"trùng mã với dòng {seen[code]}")
        elif code:
            seen[code] = number
        _decide(result)
        results.append(result)
    return ImportPlan(
        filename=filename,
        sha256=hashlib.sha256(file_bytes).hexdigest(),
        columns=sorted(columns),
        rows=results,
    )


def _decide(result: ImportRow) -> None:
    if result.reasons:
        return
    if result.procedure is None:
        defaults = {"fees": "", "required_documents": [], "online_level": OnlineLevel.NONE}
        result.values = {**defaults, **result.values}
        result.action = CREATE
        return
    result.changes = diff(result.procedure, result.values)
    if result.changes:
        result.action = UPDATE
    else:
        result.reasons.append("không có thay đổi")


def apply_import(
    actor: User, file_bytes: bytes, filename: str, *, expected: str | None = None
) -> ImportPlan:
    """Read the file again and apply its accepted rows in one transaction with one audit entry
    (counts, the codes added, each updated code's changes, the rows skipped).

    `expected` is the preview's fingerprint: if the catalogue changed since, nothing is applied
    and Conflict is raised. Raises Forbidden, Invalid as `parse_import`, Conflict.
    """
    require_editor(actor)
    plan = parse_import(file_bytes, filename)
    if expected is not None and plan.fingerprint != expected:
        raise Conflict(
            _l(
                "Danh mục đã thay đổi từ lúc kiểm tra tệp; hãy xem lại kết quả kiểm tra mới "
                "rồi xác nhận lại."
            ),
            code="import_changed",
        )
    if not plan.accepted:
        return plan
    for row in plan.accepted:
        if row.action == CREATE:
            db.session.add(Procedure(**{name: row.values[name] for name in FIELDS}))
        else:
            for name in row.changes:
                setattr(row.procedure, name, row.values[name])
    counts = plan.counts
    audit.record(
        actor,
        "procedure.import",
        "catalogue_import",
        plan.sha256,
        f"Nhập danh mục từ tệp {filename}: {counts[CREATE]} thêm mới, {counts[UPDATE]} cập nhật, "
        f"{counts[SKIP]} bỏ qua",
        data={
            "file": filename,
            "sha256": plan.sha256,
            "counts": counts,
            "created": [r.code for r in plan.rows if r.action == CREATE],
            "updated": {r.code: r.changes for r in plan.rows if r.action == UPDATE},
            "skipped": [[r.row, r.code, "; ".join(r.reasons)] for r in plan.rows if r.reasons],
        },
    )
    flush_change()
    plan.applied = True
    return plan


def stage_import(file_bytes: bytes) -> str:
    """Keep the uploaded file until it is confirmed; returns its storage key."""
    _sha, _size, key = storage.store(current_app.config["STORAGE_DIR"], io.BytesIO(file_bytes))
    return key


def load_staged(key: str) -> bytes:
    """The staged file's bytes; Invalid if it is gone."""
    try:
        with storage.open_file(current_app.config["STORAGE_DIR"], key) as stream:
            return stream.read(MAX_BYTES + 1)
    except (FileNotFoundError, OSError) as exc:
        raise Invalid(
            _l("Không còn tệp đã kiểm tra; hãy tải tệp lên lại."), code="import_file_gone"
        ) from exc
