"""What no request may carry, refused before any view reads it: a NUL character (no text of
ours holds one, PostgreSQL refuses it in text, and it cuts names short in other programs), or
a JSON body nested too deep for the parser, both 400 ``invalid_input``; an id in the path past
the range of our ids, 404. The usual error: JSON on the API, a page elsewhere; nothing is read
or changed."""

from flask import Flask, request
from flask_babel import lazy_gettext as _l

from motcua.errors import MotcuaError, NotFound


class BadInput(MotcuaError):
    code = "invalid_input"


# Row ids are INTEGER columns: a number in a URL past their range names nothing (and SQLite
# cannot even bind one past 64 bits), so it is not found before any view reads it.
MAX_ID = 2**31 - 1


def install(app: Flask) -> None:
    app.url_value_preprocessor(refuse_ids_out_of_range)
    app.before_request(refuse_bad_input)


def refuse_ids_out_of_range(endpoint, values) -> None:
    for name, value in (values or {}).items():
        if isinstance(value, int) and value > MAX_ID:
            raise NotFound(
                _l("Không có mục mang số %(number)s.", number=value),
                code="not_found",
                details={name: _l("Số quá lớn.")},
            )


def refuse_bad_input() -> None:
    for where, text in _texts():
        if "\x00" in text:
            raise BadInput(
                _l("Dữ liệu gửi lên có ký tự không hợp lệ (NUL)."),
                details={where: _l("Bỏ ký tự NUL.")},
            )


def _texts():
    """(where, text) for every text of the request: its path, query, form fields, file names
    and the strings of a JSON body."""
    yield "path", request.path
    for key, value in request.args.items(multi=True):
        yield key, key
        yield key, value
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        # A part without a name is listed under None (Werkzeug): its name is "".
        for key, value in request.form.items(multi=True):
            yield key or "", key or ""
            yield key or "", value
        for key, upload in request.files.items(multi=True):
            yield key or "", key or ""
            yield key or "", upload.filename or ""
    if request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:
            raise BadInput(_l("Nội dung JSON lồng nhau quá sâu.")) from None
        yield from _json_texts(body)


def _json_texts(body):
    stack = [("body", body)]  # a loop, not recursion: the body may be deep
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            yield where, value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield where, key
                stack.append((key, item))
        elif isinstance(value, list):
            stack.extend((where, item) for item in value)
