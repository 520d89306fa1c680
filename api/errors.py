"""Errors as JSON: {"error": {"code", "message", "details"?}}, in one place."""

from flask import jsonify, request
from werkzeug.exceptions import HTTPException

from motcua.api import bp
from motcua.errors import MotcuaError, as_json, error_body


def error_response(status: int, code: str, message: str, details=None):
    return jsonify(error_body(code, message, details)), status


@bp.errorhandler(MotcuaError)
def _motcua_error(exc: MotcuaError):
    body, status = as_json(exc)
    return jsonify(body), status


# Registered on the app: a path that matches no route never reaches the blueprint's handlers.
@bp.app_errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    if not request.path.startswith(bp.url_prefix + "/"):
        return exc
    code = (exc.name or "error").lower().replace(" ", "_")
    return error_response(exc.code or 500, code, exc.description or exc.name)
