"""Errors as JSON: {"error": {"code", "message", "details"?}}, in one place."""

from flask import jsonify, request
from werkzeug.exceptions import HTTPException

from motcua.api import bp
from motcua.errors import MotcuaError


def error_response(status: int, code: str, message: str, details=None):
    body = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return jsonify({"error": body}), status


@bp.errorhandler(MotcuaError)
def _motcua_error(exc: MotcuaError):
    return error_response(exc.status, exc.code, exc.message, exc.details)


# Registered on the app: a path that matches no route never reaches the blueprint's handlers.
@bp.app_errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    if not request.path.startswith(bp.url_prefix + "/"):
        return exc
    code = (exc.name or "error").lower().replace(" ", "_")
    return error_response(exc.code or 500, code, exc.description or exc.name)
