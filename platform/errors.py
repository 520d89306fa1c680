"""Errors of our own; mapped to HTTP in one place (motcua.api.errors / the web error pages), and
given as JSON in one shape: {"error": {"code", "message", "details"?}}.

Services raise them with lazy messages (``_l("Không có hồ sơ %(code)s.", code=code)``): the
message and the field details are worded when they are read, in the reader's language, and read
as plain strings — safe to escape in a page, to flash, or to put in JSON.
"""

from flask_babel.speaklater import LazyString


class MotcuaError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message, *, code: str | None = None, details=None):
        super().__init__(message)
        self._message = message
        if code:
            self.code = code
        self._details = details

    @property
    def message(self) -> str:
        return str(self._message)

    @property
    def details(self):
        """The details (field → message, or a list of problems) with every message worded."""
        return plain(self._details)


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


class StorageUnavailable(MotcuaError):
    """The file storage cannot be written or read (read-only, full, failing): try again later;
    the act is refused whole."""

    status = 503
    code = "storage_unavailable"


def plain(value):
    """``value`` with every lazy message in it worded as a plain string (dicts and lists
    copied), so that it renders escaped and serialises as JSON."""
    if isinstance(value, LazyString):
        return str(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def error_body(code: str, message, details=None) -> dict:
    """The JSON of an error, wherever JSON is answered (the API, the modeler, the configurator's
    live check)."""
    body = {"code": code, "message": str(message)}
    if details is not None:
        body["details"] = plain(details)
    return {"error": body}


def as_json(error: MotcuaError) -> tuple[dict, int]:
    return error_body(error.code, error.message, error.details), error.status
