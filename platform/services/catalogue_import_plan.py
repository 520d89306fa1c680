"""What importing a catalogue file would do, row by row (`parse_import`, a dry run that changes
nothing): each row's values read and checked, and whether it adds an entry, updates one or is
skipped (with the reasons).

Values are read as the national database writes them:

- code: 1.001612; a portal's code with its agency suffix (1.001612.000.00.00.H42) counts as its
  national part; Excel cells holding the code as a number (2.00081) get their six digits back.
- level: "Cấp Tỉnh" / "Cấp Xã", or "Tỉnh", "Xã". "Cấp Huyện" alone is refused (no districts
  since 1 July 2025, Decree 118/2025/NĐ-CP); beside another level it is dropped, as the
  national database still lists it on procedures that moved ("Cấp Huyện, Cấp Xã" → commune).
  A cell naming the province and the commune keeps an existing entry's level when it is one of
  them and is skipped otherwise: an entry has one level here.
- limit: the first of "N ngày" ("15 ngày làm việc", "03 ngày", "0,5 ngày"), "N giờ làm việc" (N/8
  days) or "Trong ngày"; else a bare number. "Trong ngày" (same-day service) is 0.5 working day:
  the appointment falls four office hours after receipt, so what is received in the afternoon
  is due the next morning, as desks do.
- online level: "Toàn trình", "DVC trực tuyến toàn trình", "Mức độ 4" → full; "Một phần",
  "Mức độ 3" → partial; anything else → none.
- documents: one per line; a cell without line breaks is split at ";". Bullets and numbering
  ("- ", "1. ") are dropped.
- the reason a service is only partly online ("Lý do chỉ cung cấp một phần trực tuyến", an
  optional column; Decree 224/2026/NĐ-CP has it published): a row that makes an entry partly
  online needs one, or it is skipped; an entry partly online already keeps its own when the
  row gives none; other levels keep none.
- fee lines ("Các khoản phí, lệ phí", optional): one a line, as the admin's form writes them
  (``mã | tên | phí or lệ phí | số tiền or "theo từng trường hợp"``, motcua.services.fee_lines);
  the entry's lines become those (dossiers keep the fees they were given); a wrong line skips
  the row.

Rows: an existing code is updated, a new one added. An optional column missing from the file
leaves existing entries' values alone (new ones get no fees, no documents, not online). Rows
without code and name (blank rows, group headings) are ignored; the others are reported with
their row number as a spreadsheet shows it.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import force_locale
from sqlalchemy import select

from motcua.errors import Invalid
from motcua.extensions import db
from motcua.folding import fold
from motcua.models import FeeLine, OnlineLevel, Procedure, ProcedureLevel
from motcua.services import fee_lines
from motcua.services.catalogue import (
    MAX_LIMIT_DAYS,
    check_lengths,
    check_partial_reason,
    diff,
    normalise_code,
    split_documents,
)
from motcua.services.catalogue_file import cell_text, read_rows
from motcua.vocabulary import in_vietnamese

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


def _code_text(value) -> str:
    if isinstance(value, float):  # Excel keeps "2.000810" as the number 2.00081
        return f"{value:.6f}"
    return cell_text(value)


def _level(text: str, existing: Procedure | None) -> tuple[ProcedureLevel | None, str | None]:
    if not text:
        return None, "thiếu cấp thực hiện"
    words = set(re.findall(r"[a-z]+", fold(text)))
    found = {level for word, level in _LEVEL_WORDS.items() if word in words}
    if found == {ProcedureLevel.DISTRICT}:
        return None, (
            f"cấp thực hiện «{text}»: từ 01/7/2025 không còn cấp huyện "
            "(Nghị định 118/2025/NĐ-CP), ghi Cấp tỉnh hoặc Cấp xã"
        )
    found.discard(ProcedureLevel.DISTRICT)  # "Cấp Huyện, Cấp Xã": the commune's now
    if len(found) == 1:
        return found.pop(), None
    if len(found) > 1:
        if existing is not None and existing.level in found:
            return existing.level, None
        return None, f"cấp thực hiện «{text}» gồm nhiều cấp; mỗi thủ tục chỉ ghi một cấp"
    return None, f"cấp thực hiện «{text}» không rõ (cần Cấp tỉnh hoặc Cấp xã)"


def _limit(value) -> tuple[Decimal | None, str | None]:
    text = cell_text(value)
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
        return cell_text(self.raw(name))


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
    _partial_reason(cell, existing, values, result.reasons)
    if "fee_lines" in cell.columns:
        _fee_lines(cell("fee_lines"), values, result.reasons)
    errors = {}
    check_lengths(values, errors)
    # The reasons are kept in the audit log: in Vietnamese, whatever the officer reads.
    result.reasons += [in_vietnamese(m).rstrip(".").lower() for m in errors.values()]
    result.values = values
    return result


def _partial_reason(cell: _Cells, existing: Procedure | None, values: dict, reasons) -> None:
    """The reason a partly online row publishes (checked as the form does it,
    catalogue.check_partial_reason): the file's, or else the entry's. A row that makes an
    entry partly online without one is skipped; an entry partly online already keeps its own
    (the national database's exports have no such column)."""
    level = values.get("online_level", existing.online_level if existing else OnlineLevel.NONE)
    kept = existing.partial_online_reason if existing else ""
    checked = {
        "online_level": level,
        "partial_online_reason": " ".join(cell("partial_online_reason").split()) or kept,
    }
    errors = {}
    check_partial_reason(checked, errors)
    if errors and not (existing is not None and existing.online_level == OnlineLevel.PARTIAL):
        reasons.append("thiếu lý do chỉ cung cấp một phần trực tuyến (Nghị định 224/2026/NĐ-CP)")
    elif existing is None or checked["partial_online_reason"] != kept:
        values["partial_online_reason"] = checked["partial_online_reason"]


def _fee_lines(text: str, values: dict, reasons: list) -> None:
    """The row's fee lines, one a line in the cell, written as the admin writes them
    (motcua.services.fee_lines); a wrong line skips the row, with the reason in Vietnamese."""
    with force_locale("vi"):
        try:
            values["fee_lines"] = fee_lines.parse(text)
        except Invalid as exc:
            reasons.append(f"phí, lệ phí: {exc.details['fee_lines'].rstrip('.').lower()}")


def fee_lines_text(rows: list[dict]) -> str:
    """Fee lines read from a file, as the admin's form writes them (to compare and show)."""
    return fee_lines.as_text([FeeLine(**row) for row in rows])


def parse_import(file_bytes: bytes, filename: str) -> ImportPlan:
    """What importing the file would do, row by row; changes nothing.

    Raises Invalid for a file that cannot be imported at all: not CSV or XLSX, empty, over
    5 MB or 5,000 rows, unreadable, no header row, required columns missing
    (details["missing"]).
    """
    rows, header, columns = read_rows(file_bytes, filename)
    existing = {p.code: p for p in db.session.scalars(select(Procedure))}
    # The entries' fee lines as text, read at once, when the file has the column.
    lines: dict[int, list[FeeLine]] = {}
    if "fee_lines" in columns:
        for line in db.session.scalars(select(FeeLine).order_by(FeeLine.position)):
            lines.setdefault(line.procedure_id, []).append(line)
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
        _decide(result, lines)
        results.append(result)
    return ImportPlan(
        filename=filename,
        sha256=hashlib.sha256(file_bytes).hexdigest(),
        columns=sorted(columns),
        rows=results,
    )


def _decide(result: ImportRow, lines: dict[int, list[FeeLine]]) -> None:
    if result.reasons:
        return
    if result.procedure is None:
        defaults = {"fees": "", "required_documents": [], "online_level": OnlineLevel.NONE}
        result.values = {**defaults, **result.values}
        result.action = CREATE
        return
    result.changes = diff(result.procedure, result.values)
    if "fee_lines" in result.values:
        old = fee_lines.as_text(lines.get(result.procedure.id, []))
        new = fee_lines_text(result.values["fee_lines"])
        if old != new:
            result.changes["fee_lines"] = {"old": old, "new": new}
    if result.changes:
        result.action = UPDATE
    else:
        result.reasons.append("không có thay đổi")
