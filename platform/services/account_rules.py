"""The rules of officer accounts, checked by the forms and by the CSV import alike: what a
username, an email address and a password must be, which roles a unit administrator may hand out
and where, and the temporary passwords.

Usernames are kept exactly as given: no case folding, no trimming; `Nguyen.VanA` and
`nguyen.vana` are two officers.
"""

import re
import secrets
import unicodedata

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Role, Unit, User
from motcua.vocabulary import in_sentence

MIN_PASSWORD = 10
USERNAME_MAX = 150
NAME_MAX = 255
EMAIL_MAX = 255
# What a unit administrator may hand out, and only in units of their own subtree.
GRANTABLE_BY_UNIT_ADMIN = frozenset(
    {Role.RECEPTIONIST, Role.SPECIALIST, Role.LEADER, Role.UNIT_ADMIN}
)
ADMIN_ROLES = frozenset({Role.UNIT_ADMIN, Role.SYSTEM_ADMIN})
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Temporary passwords: no look-alike characters (0/O, 1/l/I), to be read out or copied by hand.
_PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


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
