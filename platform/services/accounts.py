"""Officer accounts."""

from sqlalchemy import select

from motcua.errors import Conflict, Invalid
from motcua.extensions import db
from motcua.models import Role, User, UserRole
from motcua.services import auth, org

MIN_PASSWORD = 10


def create_system_admin(username: str, unit_code: str, password: str) -> User:
    """Create a system administrator. Raises Invalid (weak password) or Conflict (taken)."""
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.", code="weak_password")
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"Tên đăng nhập {username} đã có.", code="username_taken")
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
