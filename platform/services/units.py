"""The tree of units of a two-level province (Decree 118/2025/NĐ-CP art. 1.1): the province →
its departments (→ offices), its service centre (→ branches, receiving points) and its communes,
wards and special zones (→ offices). Districts are history: no new ones.

System administrators create and rename units; unit administrators see their own subtree.
"""

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from motcua.errors import Forbidden, Invalid, NotFound
from motcua.extensions import db
from motcua.models import Role, Unit, UnitLevel, User
from motcua.services import audit, org

# As the diagrams' handlers write them (engine.conventions): upper-case letters and digits,
# parts separated by dots.
UNIT_CODE = re.compile(r"[A-Z0-9]+(?:\.[A-Z0-9]+)*")
CODE_MAX = 32
FEE_ACCOUNT_MAX = 1000
NAME_MAX = 255

# Which levels a unit of a level may have below it.
CHILD_LEVELS = {
    UnitLevel.PROVINCE: (
        UnitLevel.DEPARTMENT,
        UnitLevel.CENTRE,
        UnitLevel.COMMUNE,
    ),
    UnitLevel.DEPARTMENT: (UnitLevel.OFFICE,),
    UnitLevel.CENTRE: (UnitLevel.BRANCH,),
    UnitLevel.BRANCH: (),
    UnitLevel.COMMUNE: (UnitLevel.OFFICE,),
    UnitLevel.OFFICE: (),
    UnitLevel.DISTRICT: (),  # history: no new districts, nothing new below one
}
# The official identifier code (mã định danh, TT 10/2016/TT-BTTTT): groups of digits and
# upper-case letters separated by dots, e.g. 000.00.12.H30 or H30.22.
IDENTIFIER = re.compile(r"[0-9A-Z]{2,4}(?:\.[0-9A-Z]{2,4}){0,4}")


@dataclass
class TreeRow:
    unit: Unit
    depth: int
    active_users: int


def require_people_admin(actor: User) -> set[int] | None:
    """The units whose officers the actor administers (None: all); Forbidden for anyone who is
    neither a system administrator nor a unit administrator."""
    if not org.is_system_admin(actor) and not any(r.role == Role.UNIT_ADMIN for r in actor.roles):
        raise Forbidden(
            _l("Chỉ quản trị hệ thống và quản trị đơn vị quản lý được đơn vị và cán bộ."),
            code="forbidden",
        )
    return org.administered_unit_ids(actor)


def tree(actor: User) -> list[TreeRow]:
    """The units the actor administers, depth first, each with its number of active officers
    (officers whose own unit it is). Raises Forbidden."""
    managed = require_people_admin(actor)
    # Siblings: departments before districts, offices before communes, then by code.
    order = {level: n for n, level in enumerate(UnitLevel)}
    units = sorted(db.session.scalars(select(Unit)), key=lambda u: (order[u.level], u.code))
    counts = dict(
        db.session.execute(
            select(User.unit_id, func.count(User.id))
            .where(User.active.is_(True))
            .group_by(User.unit_id)
        ).all()
    )
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    if managed is None:
        roots = children.get(None, [])
    else:
        # The top of each administered subtree: a managed unit whose parent is not managed.
        roots = [u for u in units if u.id in managed and u.parent_id not in managed]
    rows: list[TreeRow] = []

    def walk(unit: Unit, depth: int) -> None:
        rows.append(TreeRow(unit, depth, counts.get(unit.id, 0)))
        for child in children.get(unit.id, []):
            walk(child, depth + 1)

    for root in roots:
        walk(root, 0)
    return rows


def choices(actor: User) -> list[TreeRow]:
    """The units the actor may put officers in, in tree order (for the forms' select lists)."""
    return tree(actor)


def create_unit(
    actor: User, parent_code: str, code: str, name: str, level: str, identifier: str = ""
) -> Unit:
    """Create a unit under a parent (system administrators only).

    The code is upper-case letters and digits in dot-separated parts; below a department, a
    centre or a commune it starts with the parent's code and a dot (`CLO.KT`), so that handlers
    like `specialist@.KT` find it. ``identifier`` is the official identifier code (mã định danh),
    unique when given. No unit goes under a retired one. Raises
    Forbidden, or Invalid with `details` per form field.
    """
    org.require_system_admin(actor)
    code, name = (code or "").strip(), (name or "").strip()
    errors: dict[str, str] = {}
    parent = db.session.scalar(select(Unit).where(Unit.code == (parent_code or "").strip()))
    identifier = (identifier or "").strip().upper() or None
    if parent is None:
        errors["parent"] = _l("Hãy chọn đơn vị cấp trên.")
    elif parent.retired:
        errors["parent"] = _l("Đơn vị %(name)s đã giải thể.", name=parent.name)
    unit_level = next((lv for lv in UnitLevel if lv.value == level), None)
    if unit_level is None:
        errors["level"] = _l("Hãy chọn cấp của đơn vị.")
    elif unit_level == UnitLevel.DISTRICT:
        errors["level"] = _l(
            "Từ 01/7/2025 không còn cấp huyện (Nghị định 118/2025/NĐ-CP): không tạo đơn vị "
            "cấp huyện mới."
        )
    elif parent is not None and unit_level not in CHILD_LEVELS[parent.level]:
        allowed = CHILD_LEVELS[parent.level]
        errors["level"] = (
            _l("Đơn vị %(name)s không có đơn vị trực thuộc cấp này.", name=parent.name)
            if allowed
            else _l("Đơn vị %(name)s không có đơn vị trực thuộc.", name=parent.name)
        )
    code_error = _code_problem(code, parent)
    if code_error:
        errors["code"] = code_error
    if name_error := _name_problem(name):
        errors["name"] = name_error
    if identifier_error := _identifier_problem(identifier):
        errors["identifier"] = identifier_error
    if errors:
        raise Invalid(_l("Thông tin đơn vị chưa hợp lệ."), code="invalid_unit", details=errors)
    unit = Unit(code=code, name=name, level=unit_level, parent=parent, identifier=identifier)
    db.session.add(unit)
    db.session.flush()
    audit.record(
        actor,
        "unit.create",
        "unit",
        code,
        f"Tạo đơn vị {code} — {name} thuộc {parent.code}.",
        unit=unit,
        data={
            "parent": parent.code,
            "name": name,
            "level": unit_level.value,
            "identifier": identifier,
        },
    )
    return unit


def _identifier_problem(identifier: str | None, unit: Unit | None = None) -> str | None:
    if identifier is None:
        return None
    if not IDENTIFIER.fullmatch(identifier):
        return _l("Mã định danh gồm các nhóm chữ số, chữ in hoa cách nhau bởi dấu chấm.")
    holder = db.session.scalar(select(Unit).where(Unit.identifier == identifier))
    if holder is not None and holder is not unit:
        return _l("Mã định danh %(code)s đã có.", code=identifier)
    return None


def _code_problem(code: str, parent: Unit | None) -> str | None:
    if not code:
        return _l("Hãy nhập mã đơn vị.")
    if len(code) > CODE_MAX:
        return _l("Mã đơn vị dài quá %(n)s ký tự.", n=CODE_MAX)
    if not UNIT_CODE.fullmatch(code):
        return _l(
            "Mã đơn vị chỉ gồm chữ in hoa không dấu và chữ số, các phần cách nhau bởi dấu "
            "chấm (ví dụ CLO.TNMT)."
        )
    if parent is not None and parent.level != UnitLevel.PROVINCE:
        prefix = f"{parent.code}."
        if not code.startswith(prefix):
            return _l(
                "Mã đơn vị trực thuộc %(parent)s phải bắt đầu bằng «%(prefix)s».",
                parent=parent.code,
                prefix=prefix,
            )
    if db.session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
        return _l("Mã đơn vị %(code)s đã có.", code=code)
    return None


def _name_problem(name: str) -> str | None:
    if not name:
        return _l("Hãy nhập tên đơn vị.")
    if len(name) > NAME_MAX:
        return _l("Tên đơn vị dài quá %(n)s ký tự.", n=NAME_MAX)
    return None


def update_unit(actor: User, code: str, name: str, fee_account: str | None = None) -> Unit:
    """Give a unit a new name, and the bank account it publishes for fees (seed 002: a body
    publishes its account and how it confirms a transfer; shown on the applicant's fees page),
    system administrators only; its code never changes, since diagrams and handlers refer to
    it. ``fee_account`` None leaves the account as it is. Raises Forbidden, NotFound or
    Invalid."""
    org.require_system_admin(actor)
    unit = org.unit_by_code(code)
    name = (name or "").strip()
    errors = {}
    if message := _name_problem(name):
        errors["name"] = message
    account = unit.fee_account if fee_account is None else fee_account.strip() or None
    if account and len(account) > FEE_ACCOUNT_MAX:
        errors["fee_account"] = _l("Tài khoản nhận phí dài quá %(n)s ký tự.", n=FEE_ACCOUNT_MAX)
    if errors:
        raise Invalid(next(iter(errors.values())), code="invalid_unit", details=errors)
    changes = {}
    if name != unit.name:
        changes["name"] = [unit.name, name]
        unit.name = name
    if account != unit.fee_account:
        changes["fee_account"] = [unit.fee_account, account]
        unit.fee_account = account
    if changes:
        said = {"name": "tên", "fee_account": "tài khoản nhận phí"}
        audit.record(
            actor,
            "unit.update",
            "unit",
            unit.code,
            f"Sửa {', '.join(said[k] for k in changes)} của đơn vị {unit.code}.",
            unit=unit,
            data=changes,
        )
    return unit


def get_visible(actor: User, code: str) -> Unit:
    """A unit the actor administers; NotFound otherwise (or Forbidden for non-admins)."""
    managed = require_people_admin(actor)
    unit = org.unit_by_code(code)
    if managed is not None and unit.id not in managed:
        raise NotFound(_l("Không có đơn vị mã %(code)s.", code=code), code="unit_not_found")
    return unit
