"""Importing officers from a CSV file: a dry run that changes nothing, then the same file
checked again and its accepted rows applied in one transaction.

Columns: username, display_name, email, unit_code, roles, and optionally password. UTF-8 with
or without a byte-order mark; comma or semicolon separated. `roles` is a list like
`specialist@CLO.TCKH; leader@CLO.TCKH`, a bare role meaning the row's unit. Usernames are taken
exactly as they are in the file. An existing username is updated: its name, email and unit when
given, and the roles added to those it has (none taken away).

Between the preview and the confirmation the file waits in a staging folder of its own, by its
sha256; it is removed once applied, since it may hold passwords.
"""

import csv
import hashlib
import io
import re
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from motcua.errors import Invalid, NotFound
from motcua.extensions import db
from motcua.models import Unit, User, UserRole
from motcua.services import account_rules, accounts, audit, org, storage, units
from motcua.vocabulary import in_vietnamese

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
STAGED_FOR = timedelta(days=1)
COLUMNS = ("username", "display_name", "email", "unit_code", "roles")
OPTIONAL = ("password",)
CREATE, UPDATE, SKIP = "create", "update", "skip"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_ROLE_SEPARATORS = re.compile(r"[;,|]")


@dataclass
class RowResult:
    line: int  # the row's number in the file, the header being row 1
    username: str
    action: str  # CREATE, UPDATE or SKIP
    reason: str = ""  # why it is skipped
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    password: str | None = None  # a generated temporary password, once applied
    # What applying the row does (kept out of the page).
    unit: Unit | None = None
    user: User | None = None
    display_name: str = ""
    email: str | None = None
    new_password: str = ""
    roles: list = field(default_factory=list)  # (Unit, Role) to add


@dataclass
class ImportReport:
    rows: list[RowResult]
    ignored_columns: list[str]
    sha256: str = ""

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def accepted(self) -> int:
        return self.count(CREATE) + self.count(UPDATE)


def _staging() -> Path:
    """Where uploaded files wait for their confirmation: apart from the dossiers' files, since
    a file may hold passwords and is removed once applied (or after STAGED_FOR unconfirmed)."""
    return Path(current_app.config["STORAGE_DIR"]) / "imports"


def _staged_path(sha256: str) -> Path:
    return _staging() / sha256[:2] / sha256[2:4] / sha256


def stage(stream: BinaryIO) -> str:
    """Keep an uploaded file until it is confirmed; return its sha256. Files left unconfirmed
    for longer than STAGED_FOR are removed. Raises Invalid (empty or too large)."""
    data = stream.read(MAX_BYTES + 1)
    if not data:
        raise Invalid(
            _l("Hãy chọn tệp CSV."), code="empty_file", details={"file": _l("Hãy chọn tệp CSV.")}
        )
    if len(data) > MAX_BYTES:
        message = _l("Tệp lớn quá %(n)s MB.", n=MAX_BYTES // (1024 * 1024))
        raise Invalid(message, code="file_too_large", details={"file": message})
    _remove_stale()
    sha256, _size, _key = storage.store(_staging(), io.BytesIO(data))
    return sha256


def _remove_stale() -> None:
    cutoff = time.time() - STAGED_FOR.total_seconds()
    for path in _staging().glob("*/*/*"):
        if _SHA256.fullmatch(path.name) and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def discard(sha256: str) -> None:
    """Remove a staged file (once its rows are applied)."""
    if _SHA256.fullmatch(sha256 or ""):
        _staged_path(sha256).unlink(missing_ok=True)


def load(sha256: str) -> bytes:
    """The bytes of a staged file, checked against its hash. Raises NotFound."""
    gone = NotFound(_l("Không có tệp nhập này; hãy tải tệp lên lại."), code="import_not_found")
    if not _SHA256.fullmatch(sha256 or ""):
        raise gone
    try:
        data = _staged_path(sha256).read_bytes()
    except FileNotFoundError as exc:
        raise gone from exc
    if hashlib.sha256(data).hexdigest() != sha256:
        raise gone
    return data


def read_rows(data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]], list[str]]:
    """The header, the rows as (row number, {column: cell}) and the ignored columns.

    Raises Invalid when the file is not UTF-8 CSV with the needed columns."""

    def bad(message) -> Invalid:
        return Invalid(message, code="bad_csv", details={"file": message})

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise bad(_l("Tệp không phải văn bản UTF-8; hãy lưu lại dưới dạng CSV UTF-8.")) from exc
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise bad(_l("Tệp CSV hỏng: %(exc)s.", exc=exc)) from exc
    numbered = [
        (n, cells) for n, cells in enumerate(records, start=1) if any(c.strip() for c in cells)
    ]
    if not numbered:
        raise bad(_l("Tệp không có dữ liệu."))
    header_line, header_cells = numbered[0]
    header = [c.strip().lower() for c in header_cells]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise bad(
            _l(
                "Tệp thiếu cột: %(missing)s. Các cột cần có: %(columns)s.",
                missing=", ".join(missing),
                columns=", ".join(COLUMNS),
            )
        )
    if len(set(header)) != len(header):
        raise bad(_l("Tệp có cột trùng tên."))
    rows = []
    for n, cells in numbered[1:]:
        row = {name: cells[i] if i < len(cells) else "" for i, name in enumerate(header)}
        if any(c.strip() for c in cells[len(header) :]):
            row["__extra__"] = "1"
        rows.append((n, row))
    if not rows:
        raise bad(_l("Tệp chỉ có dòng tiêu đề, không có cán bộ nào."))
    if len(rows) > MAX_ROWS:
        raise bad(_l("Tệp có quá %(n)s dòng; hãy chia thành nhiều tệp.", n=MAX_ROWS))
    ignored = [c for c in header if c not in COLUMNS + OPTIONAL and c]
    return header, rows, ignored


def _reason(message) -> str:
    """A service message as a reason in the report: "Bỏ qua: không có …" (in Vietnamese, like
    the rest of the report: the audit log keeps it)."""
    message = in_vietnamese(message).rstrip(".")
    return message[:1].lower() + message[1:]


class _Context:
    """What the rows are checked against, looked up once per file."""

    def __init__(self, actor: User):
        self.actor = actor
        self.managed = units.require_people_admin(actor)
        self.units = {u.code: u for u in db.session.scalars(select(Unit))}
        self.seen: dict[str, int] = {}

    def user(self, username: str) -> User | None:
        return db.session.scalar(select(User).where(User.username == username))

    def unit(self, code: str) -> tuple[Unit | None, str | None]:
        unit = self.units.get(code)
        if unit is None:
            return None, f"không có đơn vị mã {code}"
        if self.managed is not None and unit.id not in self.managed:
            return None, f"đơn vị {code} ngoài phạm vi bạn quản trị"
        return unit, None


def _check_row(ctx: _Context, line: int, cells: dict[str, str]) -> RowResult:
    username = cells.get("username", "")
    result = RowResult(line=line, username=username, action=SKIP)
    skip = _skip_reason(ctx, result, cells)
    if skip:
        result.action, result.reason = SKIP, skip
        result.roles = []
    return result


def _skip_reason(ctx: _Context, result: RowResult, cells: dict[str, str]) -> str | None:
    username = result.username
    if "__extra__" in cells:
        return "dòng có nhiều ô hơn số cột của tiêu đề"
    if not username.strip():
        return "thiếu tên đăng nhập"
    if problem := account_rules.username_problem(username):
        return _reason(problem)
    if username in ctx.seen:
        return f"tên đăng nhập trùng với dòng {ctx.seen[username]}"
    ctx.seen[username] = result.line
    display_name = cells.get("display_name", "").strip()
    email = cells.get("email", "").strip()
    unit_code = cells.get("unit_code", "").strip()
    password = cells.get("password", "")
    existing = ctx.user(username)
    if existing is not None and ctx.managed is not None and existing.unit_id not in ctx.managed:
        return f"cán bộ {username} thuộc đơn vị ngoài phạm vi bạn quản trị"
    if not display_name and existing is None:
        return "thiếu họ và tên"
    if len(display_name) > account_rules.NAME_MAX:
        return f"họ và tên dài quá {account_rules.NAME_MAX} ký tự"
    if account_rules.email_problem(email):
        return f"email «{email}» không hợp lệ"
    unit = existing.unit if existing is not None and not unit_code else None
    if unit is None:
        if not unit_code:
            return "thiếu mã đơn vị"
        unit, problem = ctx.unit(unit_code)
        if problem:
            return problem
    roles, problem = _roles(ctx, cells.get("roles", ""), unit)
    if problem:
        return problem
    if existing is None:
        if password and (problem := account_rules.password_problem(password)):
            return _reason(problem)
        result.action, result.unit, result.display_name = CREATE, unit, display_name
        result.email, result.new_password, result.roles = email or None, password, roles
        result.changes = [f"{role.value}@{u.code}" for u, role in roles]
        if not password:
            result.notes.append("mật khẩu tạm được tạo khi nhập")
        return None
    return _plan_update(ctx, result, existing, display_name, email, unit, roles, password)


def _roles(ctx: _Context, text: str, unit: Unit) -> tuple[list, str | None]:
    roles = []
    for item in (part.strip() for part in _ROLE_SEPARATORS.split(text or "")):
        if not item:
            continue
        name, at, code = item.partition("@")
        role = account_rules.parse_role(name.strip())
        if role is None:
            return [], f"không có vai trò «{name.strip()}»"
        role_unit = unit
        if at:
            if not code.strip():
                return [], f"vai trò «{item}» thiếu mã đơn vị sau @"
            role_unit, problem = ctx.unit(code.strip())
            if problem:
                return [], problem
        if problem := account_rules.grant_problem(ctx.actor, ctx.managed, role, role_unit):
            return [], _reason(problem)
        if (role_unit, role) not in roles:
            roles.append((role_unit, role))
    return roles, None


def _plan_update(ctx, result, user, display_name, email, unit, roles, password) -> str | None:
    changes = []
    if display_name and display_name != user.display_name:
        changes.append(f"họ và tên: {user.display_name} → {display_name}")
    if email and email != user.email:
        changes.append(f"email: {user.email or '—'} → {email}")
    if unit.id != user.unit_id:
        changes.append(f"đơn vị: {user.unit.code} → {unit.code}")
    if changes and not account_rules.covers(ctx.managed, user):
        return f"cán bộ {user.username} giữ vai trò ngoài phạm vi bạn quản trị"
    held = org.role_pairs(user)
    new_roles = [(u, role) for u, role in roles if (u.id, role) not in held]
    if new_roles and user.id == ctx.actor.id:
        return "không ai tự cấp vai trò cho mình: nhờ một quản trị khác cấp"
    changes += [f"thêm vai trò {role.value}@{u.code}" for u, role in new_roles]
    if not changes:
        return "không có thay đổi"
    result.action, result.user, result.unit, result.changes = UPDATE, user, unit, changes
    result.display_name = display_name or user.display_name
    result.email = email or user.email
    result.roles = new_roles
    if password:
        result.notes.append("mật khẩu trong tệp không áp dụng cho tài khoản đã có")
    if not user.active:
        result.notes.append("tài khoản đang khóa và vẫn khóa")
    return None


def preview(actor: User, data: bytes) -> ImportReport:
    """Check every row against the database as it is now; change nothing.

    Raises Forbidden, or Invalid when the file itself cannot be read."""
    ctx = _Context(actor)
    _header, rows, ignored = read_rows(data)
    report = ImportReport([_check_row(ctx, line, cells) for line, cells in rows], ignored)
    report.sha256 = hashlib.sha256(data).hexdigest()
    return report


def apply(actor: User, data: bytes) -> ImportReport:
    """Check the file again and apply exactly the rows accepted now, in one transaction, with
    an audit entry per officer and one for the import. New officers without a password in the
    file get a temporary one, in the returned report only."""
    report = preview(actor, data)
    for row in report.rows:
        if row.action == CREATE:
            user, row.password = accounts.add_user(
                row.username, row.display_name, row.email, row.unit, row.new_password, []
            )
            user.roles = [UserRole(unit=unit, role=role) for unit, role in row.roles]
            db.session.flush()
            audit.record(
                actor,
                "user.create",
                "user",
                user.username,
                f"Tạo tài khoản {user.username} ({user.display_name}) tại {row.unit.code} "
                "từ tệp nhập.",
                unit=row.unit,
                data=accounts.account_data(user) | {"import": report.sha256},
            )
        elif row.action == UPDATE:
            user = row.user
            changes = accounts.apply_fields(user, row.display_name, row.email, row.unit)
            for unit, role in row.roles:
                user.roles.append(UserRole(unit=unit, role=role))
            audit.record(
                actor,
                "user.update",
                "user",
                user.username,
                f"Cập nhật tài khoản {user.username} từ tệp nhập: " + "; ".join(row.changes) + ".",
                unit=user.unit,
                data=changes
                | {
                    "roles_added": [f"{role.value}@{unit.code}" for unit, role in row.roles],
                    "import": report.sha256,
                },
            )
    audit.record(
        actor,
        "user.import",
        "user_import",
        report.sha256,
        f"Nhập cán bộ từ tệp: {report.count(CREATE)} thêm mới, {report.count(UPDATE)} cập nhật, "
        f"{report.count(SKIP)} bỏ qua.",
        data={
            "created": [r.username for r in report.rows if r.action == CREATE],
            "updated": [r.username for r in report.rows if r.action == UPDATE],
            "skipped": [[r.line, r.username, r.reason] for r in report.rows if r.action == SKIP],
        },
    )
    discard(report.sha256)
    return report
