from functools import wraps

from flask import g, request

from motcua.api import bp
from motcua.api.errors import error_response
from motcua.api.serialize import json_body
from motcua.errors import Unauthorized
from motcua.services import auth


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("Cần đăng nhập (Authorization: Bearer <token>).", code="no_token")
        g.user = auth.user_from_token(token.strip())
        return view(*args, **kwargs)

    return wrapper


@bp.post("/auth/token")
def token():
    body = json_body()
    attempt = auth.sign_in(str(body.get("username", "")), str(body.get("password", "")))
    if attempt.refused:  # answered, not raised: the attempt is kept (the lockout counts it)
        refused = attempt.refused
        return error_response(refused.status, refused.code, refused.message)
    return {"token": auth.issue_token(attempt.user), "username": attempt.user.username}
