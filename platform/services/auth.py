"""Passwords and API tokens."""

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from motcua.errors import Unauthorized
from motcua.extensions import db
from motcua.models import User

# Compared against when the username is unknown, so that a wrong username costs as long as a
# wrong password and does not reveal which accounts exist.
_DUMMY_HASH = generate_password_hash("not a password")


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt, werkzeug's default


def authenticate(username: str, password: str) -> User:
    """Return the active user with these credentials; raise Unauthorized otherwise."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        raise Unauthorized("Tên đăng nhập hoặc mật khẩu không đúng.", code="bad_credentials")
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        raise Unauthorized("Tên đăng nhập hoặc mật khẩu không đúng.", code="bad_credentials")
    return user


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="api-token")


def issue_token(user: User) -> str:
    return _serializer().dumps({"uid": user.id})


def user_from_token(token: str) -> User:
    """The active user a token was issued to; raise Unauthorized if it is bad or expired."""
    try:
        payload = _serializer().loads(token, max_age=current_app.config["TOKEN_MAX_AGE"])
    except SignatureExpired as exc:
        raise Unauthorized("Phiên làm việc đã hết hạn.", code="token_expired") from exc
    except BadSignature as exc:
        raise Unauthorized("Mã truy cập không hợp lệ.", code="bad_token") from exc
    user = db.session.get(User, payload.get("uid"))
    if user is None or not user.active:
        raise Unauthorized("Tài khoản không còn hoạt động.", code="inactive_user")
    return user
