"""Officer accounts: the first system administrator, and the administration of officers by
system administrators (everyone) and unit administrators (their own subtree).

Usernames are kept exactly as given: no case folding, no trimming; `Nguyen.VanA` and
`nguyen.vana` are two officers. Accounts are never deleted, only deactivated.
"""

import math
import re
import secrets
import unicodedata
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from motcua.errors import Conflict, Forbidden, Invalid, NotFound
from motcua.extensions import db
from motcua.models import Role, Task, TaskStatus, Unit, UnitLevel, User, UserRole
from motcua.services import audit, auth, org, units
from motcua.vocabulary import in_sentence, in_vietnamese

MIN_PASSWORD = 10
USERNAME_MAX = 150
NAME_MAX = 255
EMAIL_MAX = 255
PER_PAGE = 25
# What a unit administrator may hand out, and only in units of their own subtree.
GRANTABLE_BY_UNIT_ADMIN = frozenset(
    {Role.RECEPTIONIST, Role.SPECIALIST, Role.LEADER, Role.UNIT_ADMIN}
)
ADMIN_ROLES = frozenset({Role.UNIT_ADMIN, Role.SYSTEM_ADMIN})
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Temporary passwords: no look-alike characters (0/O, 1/l/I), to be read out or copied by hand.
_PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def create_system_admin(
    username: str, unit_code: str, password: str, province_name: str | None = None
) -> User:
    """Create a system administrator in a unit.

    On an empty database, ``province_name`` creates the root unit (the province) first.
    Raises Invalid (weak password), Conflict (username taken) or NotFound (no such unit).
    """
    if len(password) < MIN_PASSWORD:
        raise Invalid(
            _l("Mật khẩu phải có ít nhất %(n)s ký tự.", n=MIN_PASSWORD),
            code="weak_password",
        )
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(
            _l("Tên đăng nhập %(username)s đã có.", username=username), code="username_taken"
        )
    if province_name and db.session.scalar(select(Unit.id).limit(1)) is None:
        db.session.add(Unit(code=unit_code, name=province_name, level=UnitLevel.PROVINCE))
        db.session.flush()
    unit = org.unit_by_code(unit_code)
    user = User(
        username=username,
        display_name=username,
        unit=unit,
        password_hash=auth.hash_password(password),
        active=True,
    )
    user.roles = [UserRole(unit=unit, role=Role.SYSTEM_ADMIN)]
    db.session.add(user)
    return user


# ---- checks shared by the forms and the CSV import ------------------------------------------


def username_problem(username: str) -> str | None:
    """Why a username cannot be used as it is (None: it can). It is never altered."""
    if not username or username.isspace():
        return _l("Hãy nhập tên đăng nhập.")
    if len(username) > USERNAME_MAX:
        return _l("Tên đăng nhập dài quá %(n)s ký tự.", n=USERNAME_MAX)
    if any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in username):
        return _l("Tên đăng nhập không được chứa khoảng trắng hay ký tự điều khiển.")
    return None


def username_taken(username: str) -> bool:
    """Exactly this username (case and all) belongs to an officer."""
    return db.session.scalar(select(User.id).where(User.username == username)) is not None


def email_problem(email: str) -> str | None:
    if not email:
        return None
    if len(email) > EMAIL_MAX or not EMAIL.fullmatch(email):
        return _l("Địa chỉ email không hợp lệ.")
    return None


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return _l("Mật khẩu phải có ít nhất %(n)s ký tự.", n=MIN_PASSWORD)
    return None


def generate_password(length: int = 12) -> str:
    """A random temporary password, shown once to the administrator who made it."""
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(max(length, MIN_PASSWORD)))


def grant_problem(actor: User, managed: set[int] | None, role: Role, unit: Unit) -> str | None:
    """Why the actor may not hand out (or take back) this role in this unit; None if they may."""
    if managed is None:
        return None
    if role not in GRANTABLE_BY_UNIT_ADMIN:
        return _l(
            "Bạn không được cấp vai trò %(role)s (%(value)s).",
            role=in_sentence(role.label),
            value=role.value,
        )
    if unit.id not in managed:
        return _l("Đơn vị %(code)s ngoài phạm vi bạn quản trị.", code=unit.code)
    return None


def covers(managed: set[int] | None, user: User) -> bool:
    """Whether the actor could have granted every role the user holds: only then may they set
    the user's password or lock the account (else a unit admin could take over, say, a
    supervisor's account by resetting its password)."""
    if managed is None:
        return True
    return all(r.role in GRANTABLE_BY_UNIT_ADMIN and r.unit_id in managed for r in user.roles)


def parse_role(text: str) -> Role | None:
    return next((r for r in Role if r.value == text), None)


# ---- reading --------------------------------------------------------------------------------


@dataclass
class UserPage:
    items: list[User]
    total: int
    page: int
    per_page: int
    filters: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def search(
    actor: User,
    *,
    q: str = "",
    unit_code: str = "",
    role: str = "",
    active: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> UserPage:
    """The officers the actor administers, by username.

    `q` matches the username or the display name; `unit_code` keeps the officers of that unit
    (their own unit, or a role held there); `role` keeps those holding the role (in that unit
    when one is given); `active` is "1", "0" or "" (all). Raises Forbidden, NotFound (a unit
    outside the actor's subtree).
    """
    managed = units.require_people_admin(actor)
    query = select(User)
    if managed is not None:
        query = query.where(User.unit_id.in_(managed))
    q = (q or "").strip()
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                User.username.ilike(pattern, escape="\\"),
                User.display_name.ilike(pattern, escape="\\"),
            )
        )
    role_value = parse_role(role)
    unit = units.get_visible(actor, unit_code) if unit_code else None
    has_role = UserRole.user_id == User.id
    if unit is not None and role_value is not None:
        query = query.where(
            exists().where(has_role, UserRole.unit_id == unit.id, UserRole.role == role_value)
        )
    elif unit is not None:
        query = query.where(
            or_(User.unit_id == unit.id, exists().where(has_role, UserRole.unit_id == unit.id))
        )
    elif role_value is not None:
        query = query.where(exists().where(has_role, UserRole.role == role_value))
    if active in ("0", "1"):
        query = query.where(User.active.is_(active == "1"))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    per_page = min(max(per_page, 1), 200)
    page = min(max(page, 1), max(1, math.ceil(total / per_page)))
    items = list(
        db.session.scalars(
            query.options(joinedload(User.unit), selectinload(User.roles).joinedload(UserRole.unit))
            .order_by(User.username)
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).unique()
    )
    filters = {
        "q": q,
        "unit": unit.code if unit else "",
        "role": role_value.value if role_value else "",
        "active": active if active in ("0", "1") else "",
    }
    return UserPage(items, total, page, per_page, filters)


def get_user(actor: User, user_id: int) -> User:
    """An officer whose own unit the actor administers; NotFound otherwise."""
    managed = units.require_people_admin(actor)
    user = db.session.get(User, user_id)
    if user is None or (managed is not None and user.unit_id not in managed):
        raise NotFound(
            _l("Không có cán bộ này trong các đơn vị bạn quản trị."), code="user_not_found"
        )
    return user


def claimed_open_tasks(user: User) -> int:
    """How many steps the officer has taken and not finished (a leader reassigns them)."""
    return db.session.scalar(
        select(func.count(Task.id)).where(
            Task.assignee_id == user.id, Task.status == TaskStatus.CLAIMED
        )
    )


# ---- changing -------------------------------------------------------------------------------


def _unit_in_scope(managed: set[int] | None, code: str) -> tuple[Unit | None, str | None]:
    code = (code or "").strip()
    if not code:
        return None, _l("Hãy chọn đơn vị.")
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        return None, _l("Không có đơn vị mã %(code)s.", code=code)
    if managed is not None and unit.id not in managed:
        return None, _l("Đơn vị %(code)s ngoài phạm vi bạn quản trị.", code=code)
    return unit, None


def create_user(
    actor: User,
    username: str,
    display_name: str,
    email: str,
    unit_code: str,
    password: str = "",
    roles: list[str] | tuple[str, ...] = (),
) -> tuple[User, str | None]:
    """Create an officer in a unit, with roles in that unit.

    The username is stored exactly as given. An empty `password` gets a generated temporary
    one, returned (the only time it is ever seen); else None. Raises Forbidden, or Invalid
    with `details` per form field (nothing is stored then).
    """
    managed = units.require_people_admin(actor)
    display_name, email = (display_name or "").strip(), (email or "").strip()
    errors: dict[str, str] = {}
    problem = username_problem(username)
    if problem:
        errors["username"] = problem
    elif username_taken(username):
        errors["username"] = _l("Tên đăng nhập %(username)s đã có.", username=username)
    if not display_name:
        errors["display_name"] = _l("Hãy nhập họ và tên.")
    elif len(display_name) > NAME_MAX:
        errors["display_name"] = _l("Họ và tên dài quá %(n)s ký tự.", n=NAME_MAX)
    if problem := email_problem(email):
        errors["email"] = problem
    unit, problem = _unit_in_scope(managed, unit_code)
    if problem:
        errors["unit"] = problem
    if password and (problem := password_problem(password)):
        errors["password"] = problem
    role_values = []
    for text in dict.fromkeys(roles):
        role = parse_role(text)
        if role is None:
            errors["roles"] = _l("Không có vai trò %(text)s.", text=text)
        elif unit is not None and (problem := grant_problem(actor, managed, role, unit)):
            errors["roles"] = problem
        else:
            role_values.append(role)
    if errors:
        raise Invalid(_l("Thông tin cán bộ chưa hợp lệ."), code="invalid_user", details=errors)
    user, temporary = add_user(username, display_name, email, unit, password, role_values)
    audit.record(
        actor,
        "user.create",
        "user",
        username,
        f"Tạo tài khoản {username} ({display_name}) tại {unit.code}.",
        unit=unit,
        data=account_data(user) | {"temporary_password": temporary is not None},
    )
    return user, temporary


def add_user(username, display_name, email, unit, password, roles) -> tuple[User, str | None]:
    temporary = None if password else generate_password()
    user = User(
        username=username,
        display_name=display_name,
        email=email or None,
        unit=unit,
        password_hash=auth.hash_password(password or temporary),
        active=True,
    )
    user.roles = [UserRole(unit=unit, role=role) for role in roles]
    db.session.add(user)
    db.session.flush()
    return user, temporary


def account_data(user: User) -> dict:
    return {
        "display_name": user.display_name,
        "email": user.email,
        "unit": user.unit.code,
        "roles": sorted(f"{r.role.value}@{r.unit.code}" for r in user.roles),
    }


def _require_covers(managed: set[int] | None, user: User) -> None:
    if not covers(managed, user):
        raise Forbidden(
            _l(
                "Cán bộ %(username)s giữ vai trò ngoài phạm vi bạn quản trị; chỉ quản trị hệ "
                "thống làm được việc này.",
                username=user.username,
            ),
            code="forbidden",
        )


def update_user(actor: User, user_id: int, display_name: str, email: str, unit_code: str) -> User:
    """Change an officer's display name, email and unit (roles are granted separately).

    Raises NotFound, Forbidden, or Invalid with `details` per field (nothing changed then).
    """
    managed = units.require_people_admin(actor)
    user = get_user(actor, user_id)
    _require_covers(managed, user)
    display_name, email = (display_name or "").strip(), (email or "").strip()
    errors: dict[str, str] = {}
    if not display_name:
        errors["display_name"] = _l("Hãy nhập họ và tên.")
    elif len(display_name) > NAME_MAX:
        errors["display_name"] = _l("Họ và tên dài quá %(n)s ký tự.", n=NAME_MAX)
    if problem := email_problem(email):
        errors["email"] = problem
    unit, problem = _unit_in_scope(managed, unit_code)
    if problem:
        errors["unit"] = problem
    if errors:
        raise Invalid(_l("Thông tin cán bộ chưa hợp lệ."), code="invalid_user", details=errors)
    changes = apply_fields(user, display_name, email or None, unit)
    if changes:
        audit.record(
            actor,
            "user.update",
            "user",
            user.username,
            f"Sửa tài khoản {user.username}: " + ", ".join(changes) + ".",
            unit=user.unit,
            data=changes,
        )
    return user


def apply_fields(user: User, display_name: str, email: str | None, unit: Unit) -> dict:
    """Set the fields; return {field: [old, new]} of those that changed."""
    changes = {}
    if display_name != user.display_name:
        changes["display_name"] = [user.display_name, display_name]
        user.display_name = display_name
    if email != user.email:
        changes["email"] = [user.email, email]
        user.email = email
    if unit.id != user.unit_id:
        changes["unit"] = [user.unit.code, unit.code]
        user.unit = unit
    return changes


def grant_role(actor: User, user_id: int, unit_code: str, role: str) -> User:
    """Give an officer a role in a unit. Raises NotFound, Invalid (with `details`)."""
    managed = units.require_people_admin(actor)
    user = get_user(actor, user_id)
    unit, problem = _unit_in_scope(managed, unit_code)
    role_value = parse_role(role)
    errors = {}
    if problem:
        errors["grant_unit"] = problem
    if role_value is None:
        errors["grant_role"] = _l("Hãy chọn vai trò.")
    elif unit is not None and (problem := grant_problem(actor, managed, role_value, unit)):
        errors["grant_role"] = problem
    elif unit is not None and (unit.id, role_value) in org.role_pairs(user):
        errors["grant_role"] = _l("Cán bộ đã có vai trò này tại %(code)s.", code=unit.code)
    if errors:
        raise Invalid(next(iter(errors.values())), code="invalid_role", details=errors)
    user.roles.append(UserRole(unit=unit, role=role_value))
    audit.record(
        actor,
        "user.role_grant",
        "user",
        user.username,
        f"Cấp vai trò {in_vietnamese(role_value.label).lower()} ({role_value.value}) "
        f"tại {unit.code} cho {user.username}.",
        unit=unit,
        data={"role": role_value.value, "unit": unit.code},
    )
    return user


def revoke_role(actor: User, user_id: int, role_id: int) -> User:
    """Take a role back from an officer. An administrator cannot take back their own
    administrator role. Raises NotFound, Forbidden."""
    managed = units.require_people_admin(actor)
    user = get_user(actor, user_id)
    held = next((r for r in user.roles if r.id == role_id), None)
    if held is None:
        raise NotFound(_l("Cán bộ không giữ vai trò này."), code="role_not_found")
    if problem := grant_problem(actor, managed, held.role, held.unit):
        raise Forbidden(problem, code="forbidden")
    if user.id == actor.id and held.role in ADMIN_ROLES:
        raise Forbidden(_l("Bạn không thể tự bỏ vai trò quản trị của mình."), code="forbidden")
    unit, role = held.unit, held.role
    user.roles.remove(held)
    audit.record(
        actor,
        "user.role_revoke",
        "user",
        user.username,
        f"Bỏ vai trò {in_vietnamese(role.label).lower()} ({role.value}) tại {unit.code} "
        f"của {user.username}.",
        unit=unit,
        data={"role": role.value, "unit": unit.code},
    )
    return user


def deactivate(actor: User, user_id: int) -> tuple[User, int]:
    """Lock an officer's account: they can no longer sign in, and their sessions and tokens stop
    working. Their steps stay as they are; returns the number they had taken and not finished,
    for a leader to reassign. Raises NotFound, Forbidden (oneself, or roles out of reach)."""
    managed = units.require_people_admin(actor)
    user = get_user(actor, user_id)
    if user.id == actor.id:
        raise Forbidden(_l("Bạn không thể tự khóa tài khoản của mình."), code="forbidden")
    _require_covers(managed, user)
    claimed = claimed_open_tasks(user)
    if user.active:
        user.active = False
        audit.record(
            actor,
            "user.deactivate",
            "user",
            user.username,
            f"Khóa tài khoản {user.username} ({claimed} công việc đang nhận xử lý).",
            unit=user.unit,
            data={"claimed_open_tasks": claimed},
        )
    return user, claimed


def reactivate(actor: User, user_id: int) -> User:
    """Unlock a deactivated account. Raises NotFound, Forbidden."""
    managed = units.require_people_admin(actor)
    user = get_user(actor, user_id)
    _require_covers(managed, user)
    if not user.active:
        user.active = True
        user.failed_logins, user.locked_until = 0, None
        audit.record(
            actor,
            "user.reactivate",
            "user",
            user.username,
            f"Mở lại tài khoản {user.username}.",
            unit=user.unit,
        )
    return user


def reset_password(actor: User, user_id: int) -> tuple[User, str]:
    """Give an officer a new generated password, returned once (never stored in clear nor
    logged); clears a lockout. Raises NotFound, Forbidden."""
    managed = units.require_people_admin(actor)
    user = get_user(actor, user_id)
    _require_covers(managed, user)
    password = generate_password()
    user.password_hash = auth.hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    audit.record(
        actor,
        "user.password_reset",
        "user",
        user.username,
        f"Đặt lại mật khẩu của {user.username}.",
        unit=user.unit,
    )
    return user, password
