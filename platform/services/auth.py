"""Passwords and API tokens."""

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from motcua.errors import Invalid, Unauthorized
from motcua.extensions import db
from motcua.models import User, utcnow
from motcua.services import account_rules, security_log, two_factor
from motcua.vocabulary import SecurityEventKind


def hash_password(password: str) -> str:
    """A new hash of the password, with the app's PASSWORD_HASH_METHOD (scrypt by default)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _dummy_hash(method: str) -> str:
    """Compared against when the username is unknown, so that a wrong username costs as long
    as a wrong password and does not reveal which accounts exist. Made on first use with the
    app's method (not at import: the app decides the method)."""
    return generate_password_hash("not a password", method=method)


MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


@dataclass(frozen=True)
class SignIn:
    """The outcome of an attempt to sign in: the user, or why not (an Unauthorized); with
    ``needs_code`` the password was right and the second factor is still to come."""

    user: User | None
    refused: Unauthorized | None = None
    needs_code: bool = False


def sign_in(username: str, password: str) -> SignIn:
    """Try the credentials. An attempt is an act of its own, kept whatever its outcome: after
    MAX_FAILED_LOGINS wrong passwords (or second-factor codes) in a row the account is locked
    for LOCKOUT (code ``locked``), whatever password is given; a complete sign-in resets the
    count. So the refusal is returned (``bad_credentials``, ``locked``), not raised: the
    boundary keeps the count. An account with a second factor is signed in by
    ``confirm_code`` after this.

    The account's row is locked for the attempt (SELECT … FOR UPDATE; SQLite's transactions
    are serialised already), so that parallel tries are counted one after the other: the
    lock holds at MAX_FAILED_LOGINS however many come at once."""
    user = db.session.scalar(select(User).where(User.username == username).with_for_update())
    if user is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password or "")
        security_log.record(SecurityEventKind.SIGN_IN_FAILED, username=username)
        return SignIn(None, _bad_credentials())
    now = utcnow()
    if refused := _locked(user, now):
        return SignIn(None, refused)
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return SignIn(None, _failed(user, now, _bad_credentials()))
    if two_factor.enabled(user):
        return SignIn(user, needs_code=True)
    return SignIn(_signed_in(user))


def confirm_code(user_id: int, code: str) -> SignIn:
    """The second step of signing in to an account with a second factor (its password right
    a moment ago): the authenticator's code. Counted as ``sign_in`` counts passwords."""
    user = db.session.scalar(select(User).where(User.id == user_id).with_for_update())
    if user is None or not user.active:
        return SignIn(None, _bad_credentials())
    now = utcnow()
    if refused := _locked(user, now):
        return SignIn(None, refused)
    if not two_factor.check(user, code):
        wrong = Unauthorized(_l("Mã xác thực không đúng hoặc đã hết hạn."), code="bad_code")
        return SignIn(None, _failed(user, now, wrong, why="code"))
    return SignIn(_signed_in(user))


def _locked(user: User, now) -> Unauthorized | None:
    if not (user.locked_until and user.locked_until > now):
        return None
    minutes = int((user.locked_until - now).total_seconds() // 60) + 1
    security_log.record(SecurityEventKind.SIGN_IN_FAILED, user=user, why="locked")
    return Unauthorized(
        _l(
            "Tài khoản tạm khóa do đăng nhập sai nhiều lần; vui lòng thử lại sau %(minutes)s phút.",
            minutes=minutes,
        ),
        code="locked",
    )


def _failed(user: User, now, refusal: Unauthorized, **why) -> Unauthorized:
    user.failed_logins += 1
    security_log.record(SecurityEventKind.SIGN_IN_FAILED, user=user, **why)
    if user.failed_logins >= MAX_FAILED_LOGINS:
        user.failed_logins, user.locked_until = 0, now + LOCKOUT
        security_log.record(
            SecurityEventKind.LOCKED, user=user, until=user.locked_until.isoformat()
        )
    return refusal


def _signed_in(user: User) -> User:
    if user.failed_logins or user.locked_until:
        user.failed_logins, user.locked_until = 0, None
    security_log.record(SecurityEventKind.SIGNED_IN, user=user)
    return user


def _bad_credentials() -> Unauthorized:
    return Unauthorized(_l("Tên đăng nhập hoặc mật khẩu không đúng."), code="bad_credentials")


def active_user(user_id, session_version) -> User:
    """The active user of a session or token still of the user's ``session_version``; raise
    Unauthorized if gone, deactivated, or revoked since (``session_revoked``)."""
    # With its roles, which nearly every page and call asks for: one query.
    user = (
        db.session.get(User, user_id, options=[joinedload(User.roles)])
        if isinstance(user_id, int)
        else None
    )
    if user is None or not user.active:
        raise Unauthorized(_l("Tài khoản không còn hoạt động."), code="inactive_user")
    if session_version != user.session_version:
        raise Unauthorized(
            _l("Phiên làm việc đã kết thúc; vui lòng đăng nhập lại."), code="session_revoked"
        )
    return user


def revoke_sessions(user: User) -> None:
    """End every session and API token of the user at once: each carries the user's session
    version, which moves on. Done on signing out, when a password is set or reset, when a role
    is granted or taken back, on deactivation."""
    user.session_version = (user.session_version or 1) + 1


def change_password(user: User, current: str, new: str, repeated: str) -> None:
    """The officer sets their own password (a temporary one must be changed at the next
    sign-in); every other session and token of theirs ends. Raises Invalid with the faulty
    fields: current, new, repeated."""
    errors = {}
    if not check_password_hash(user.password_hash, current or ""):
        errors["current"] = _l("Mật khẩu hiện tại không đúng.")
    if problem := account_rules.password_problem(new or ""):
        errors["new"] = problem
    elif new == current:
        errors["new"] = _l("Mật khẩu mới phải khác mật khẩu hiện tại.")
    if new != repeated:
        errors["repeated"] = _l("Hai lần nhập mật khẩu mới không khớp.")
    if errors:
        raise Invalid(_l("Chưa đổi được mật khẩu."), code="invalid_password", details=errors)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    revoke_sessions(user)
    security_log.record(SecurityEventKind.PASSWORD_CHANGED, user=user)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="api-token")


def issue_token(user: User) -> str:
    return _serializer().dumps({"uid": user.id, "sv": user.session_version})


def user_from_token(token: str) -> User:
    """The active user a token was issued to; raise Unauthorized if it is bad or expired."""
    try:
        payload = _serializer().loads(token, max_age=current_app.config["TOKEN_MAX_AGE"])
    except SignatureExpired as exc:
        raise Unauthorized(_l("Phiên làm việc đã hết hạn."), code="token_expired") from exc
    except BadSignature as exc:
        raise Unauthorized(_l("Mã truy cập không hợp lệ."), code="bad_token") from exc
    return active_user(payload.get("uid"), payload.get("sv"))
