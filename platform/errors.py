"""Errors of our own; mapped to HTTP in one place (motcua.api.errors / the web error pages), and
given as JSON in one shape: {"error": {"code", "message", "details"?}}."""


class MotcuaError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details=None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class Invalid(MotcuaError):
    status = 422
    code = "invalid"


class NotFound(MotcuaError):
    status = 404
    code = "not_found"


class Forbidden(MotcuaError):
    status = 403
    code = "forbidden"


class Unauthorized(MotcuaError):
    status = 401
    code = "unauthorized"


class Conflict(MotcuaError):
    status = 409
    code = "conflict"


def error_body(code: str, message, details=None) -> dict:
    """The JSON of an error, wherever JSON is answered (the API, the modeler, the configurator's
    live check)."""
    body = {"code": code, "message": str(message)}
    if details is not None:
        body["details"] = details
    return {"error": body}


def as_json(error: MotcuaError) -> tuple[dict, int]:
    return error_body(error.code, error.message, error.details), error.status
