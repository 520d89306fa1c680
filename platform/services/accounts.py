"""Officer accounts."""

from sqlalchemy import select

from motcua.errors import Conflict, Invalid
from motcua.extensions import db
from motcua.models import Role, Unit, UnitLevel, User, UserRole
from motcua.services import auth, org

MIN_PASSWORD = 10


def create_system_admin(
    username: str, unit_code: str, password: str, province_name: str | None = None
) -> User:
    """Create a system administrator in a unit.

    On an empty database, ``province_name`` creates the root unit (the province) first.
    Raises Invalid (weak password), Conflict (username taken) or NotFound (no such unit).
    """
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.", code="weak_password")
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"Tên đăng nhập {username} đã có.", code="username_taken")
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
    db.session.commit()
    return user
