from functools import wraps

from flask import g, request

from motcua.api import bp
from motcua.api.errors import error_response
from motcua.api.serialize import json_body
from motcua.errors import Unauthorized
from motcua.services import auth, security_log, two_factor
from motcua.vocabulary import SecurityEventKind


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("Cần đăng nhập (Authorization: Bearer <token>).", code="no_token")
        g.user = auth.user_from_token(token.strip())
        return view(*args, **kwargs)

    wrapper.motcua_login_required = True  # the OpenAPI document's security (motcua.api.openapi)
    return wrapper


@bp.post("/auth/token")
def token():
    body = json_body()
    attempt = auth.sign_in(str(body.get("username", "")), str(body.get("password", "")))
    if attempt.needs_code:
        if not body.get("code"):
            return error_response(
                401, "two_factor_required", "Tài khoản bật xác thực hai lớp: gửi kèm code."
            )
        attempt = auth.confirm_code(attempt.user.id, str(body["code"]))
    if attempt.refused:  # answered, not raised: the attempt is kept (the lockout counts it)
        refused = attempt.refused
        return error_response(refused.status, refused.code, refused.message)
    if two_factor.must_enrol(attempt.user):
        return error_response(
            403,
            "two_factor_enrolment_required",
            "Tài khoản quản trị phải bật xác thực hai lớp (trang Xác thực hai lớp) trước.",
        )
    if attempt.user.must_change_password:
        return error_response(
            403,
            "password_change_required",
            "Mật khẩu tạm phải được đổi trước (trang Đổi mật khẩu) rồi mới lấy mã truy cập.",
        )
    return {"token": auth.issue_token(attempt.user), "username": attempt.user.username}


@bp.post("/auth/logout")
@login_required
def logout():
    """End every session and token of the caller (this token included)."""
    auth.revoke_sessions(g.user)
    security_log.record(SecurityEventKind.SIGNED_OUT, user=g.user)
    return {"signed_out": True}
