"""Officer accounts as administrators change them: the first system administrator, and
creating, editing, granting and taking back roles, locking, unlocking and resetting the password
of officers, by system administrators (everyone) and unit administrators (their own subtree).

Accounts are never deleted, only deactivated. The rules they are checked by are in
motcua.services.account_rules; finding them, in motcua.services.account_search.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from motcua.errors import Conflict, Forbidden, Invalid, NotFound
from motcua.extensions import db
from motcua.models import Role, Unit, UnitLevel, User, UserRole
from motcua.services import audit, auth, org, security_log, units
from motcua.services.account_rules import (
    ADMIN_ROLES,
    MIN_PASSWORD,
    NAME_MAX,
    covers,
    email_problem,
    generate_password,
    grant_problem,
    parse_role,
    password_problem,
    username_problem,
    username_taken,
)
from motcua.services.account_search import claimed_open_tasks, get_user
from motcua.vocabulary import SecurityEventKind, in_vietnamese


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
        must_change_password=True,  # set by an administrator, who knows it
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


# Separation of duties: a role one holds is always given by someone else, so that no
# administrator makes themselves, say, the leader who signs a result; every grant is audited.
SELF_GRANT = _l("Không ai tự cấp vai trò cho mình: hãy nhờ một quản trị khác cấp.")


def grant_role(actor: User, user_id: int, unit_code: str, role: str) -> User:
    """Give an officer (not oneself) a role in a unit. Raises NotFound, Forbidden
    (``self_grant``), Invalid (with `details`)."""
    managed = units.require_people_admin(actor)
    user = get_user(actor, user_id)
    if user.id == actor.id:
        raise Forbidden(SELF_GRANT, code="self_grant")
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
        errors["grant_role"] = _l("Cán bộ đã có vai trò này tại %(unit)s.", unit=unit.name)
    if errors:
        raise Invalid(next(iter(errors.values())), code="invalid_role", details=errors)
    user.roles.append(UserRole(unit=unit, role=role_value))
    auth.revoke_sessions(user)  # what the officer may do changed: they sign in again
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
    auth.revoke_sessions(user)
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
        auth.revoke_sessions(user)
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
    logged), to be changed at their next sign-in; clears a lockout and ends their sessions.
    Raises NotFound, Forbidden."""
    managed = units.require_people_admin(actor)
    user = get_user(actor, user_id)
    _require_covers(managed, user)
    password = generate_password()
    user.password_hash = auth.hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    user.must_change_password = True  # the administrator knows it
    auth.revoke_sessions(user)
    security_log.record(SecurityEventKind.PASSWORD_RESET, user=user, by=actor.username)
    audit.record(
        actor,
        "user.password_reset",
        "user",
        user.username,
        f"Đặt lại mật khẩu của {user.username}.",
        unit=user.unit,
    )
    return user, password
