"""Two-factor sign-in: a time-based one-time code (TOTP, RFC 6238, with pyotp) from an
authenticator app, asked after the password. Required of system and unit administrators, who
can grant roles and reset passwords (issue 14); optional for every other officer.

A code is good for its 30-second step and the one on each side (clocks drift); each step is
taken once, so a code seen over a shoulder cannot be used again. Wrong codes count towards the
lockout as wrong passwords do (motcua.services.auth). The secret is kept on the account: it
must be, to check codes; a lost phone is reset by the operator (`motcua reset-two-factor`).
"""

import pyotp
import segno
from flask import current_app
from flask_babel import lazy_gettext as _l

from motcua.errors import Invalid
from motcua.models import Role, User, utcnow
from motcua.services import security_log
from motcua.vocabulary import SecurityEventKind

REQUIRED_FOR = frozenset({Role.SYSTEM_ADMIN, Role.UNIT_ADMIN})
ISSUER = "Một cửa điện tử"
STEP = 30  # seconds, the authenticator apps' default


def required(user: User) -> bool:
    """Whether the officer must have a second factor: an administrator, unless the setting
    TWO_FACTOR_FOR_ADMINS is off (the laptop demo, the tests of other things)."""
    if not current_app.config["TWO_FACTOR_FOR_ADMINS"]:
        return False
    return any(r.role in REQUIRED_FOR for r in user.roles)


def enabled(user: User) -> bool:
    return bool(user.totp_secret)


def must_enrol(user: User) -> bool:
    """An administrator without a second factor yet: they set it up before anything else."""
    return required(user) and not enabled(user)


def new_secret() -> str:
    return pyotp.random_base32()


def qr_code(user: User, secret: str) -> str:
    """The secret as the QR code an authenticator app scans (a data: URI of an SVG)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_data_uri(scale=4)


def check(user: User, code: str, secret: str | None = None) -> bool:
    """Whether ``code`` is the account's (or ``secret``'s) code of now or of a step beside it,
    not taken before; a good code takes its step."""
    secret = secret or user.totp_secret
    code = "".join((code or "").split())
    if not secret or not code.isdigit() or len(code) != 6:
        return False
    totp, now = pyotp.TOTP(secret), utcnow()
    current = int(now.timestamp()) // STEP
    for step in (current - 1, current, current + 1):
        if step > (user.totp_last_step or 0) and totp.at(step * STEP) == code:
            user.totp_last_step = step
            return True
    return False


def enrol(user: User, secret: str, code: str) -> None:
    """Turn the second factor on with the secret the officer's app now holds, proven by a code
    from it. Raises Invalid (``bad_code``)."""
    if not check(user, code, secret):
        raise Invalid(
            _l("Mã xác thực không đúng hoặc đã hết hạn."),
            code="bad_code",
            details={"code": _l("Nhập mã 6 chữ số đang hiện trên ứng dụng xác thực.")},
        )
    user.totp_secret = secret
    security_log.record(SecurityEventKind.TWO_FACTOR_ENABLED, user=user)


def reset(user: User) -> None:
    """The operator's reset, for a lost phone: the officer sets the factor up again at the next
    sign-in (an administrator must)."""
    user.totp_secret, user.totp_last_step = None, None
    security_log.record(SecurityEventKind.TWO_FACTOR_RESET, user=user)
