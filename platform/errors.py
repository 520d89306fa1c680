"""Errors of our own; mapped to HTTP in one place (motcua.api.errors / the web error pages)."""


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
