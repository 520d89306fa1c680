"""Reading a catalogue file for the import (motcua.services.catalogue_import): its filled rows,
its header row and the column of each value it holds.

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
"""

import csv
import io
import re
import unicodedata
import zipfile

import openpyxl
from flask_babel import lazy_gettext as _l

from motcua.errors import Invalid
from motcua.folding import fold

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
    "ly do mot phan": "partial_online_reason",
    "ly do chi cung cap mot phan truc tuyen": "partial_online_reason",
    "ly do khong cung cap toan trinh": "partial_online_reason",
    # One fee line a line, as the admin's form writes them (motcua.services.fee_lines).
    "cac khoan phi le phi": "fee_lines",
    "khoan phi le phi": "fee_lines",
    "phi le phi tung khoan": "fee_lines",
}
REQUIRED = {
    "code": "Mã thủ tục",
    "name": "Tên thủ tục",
    "level": "Cấp thực hiện",
    "field": "Lĩnh vực",
    "legal_limit_days": "Thời hạn giải quyết",
}


def _key(cell) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(str(cell or ""))).split())


def _filled(numbered) -> list[tuple[int, list]]:
    """The rows that hold something, with their row numbers as a spreadsheet shows them."""
    return [(number, list(row)) for number, row in numbered if any(cell_text(c) for c in row)]


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
            if any(cell_text(c) for c in row):
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


def read_rows(data: bytes, filename: str) -> tuple[list[tuple[int, list]], int, dict[str, int]]:
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


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()
