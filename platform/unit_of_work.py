"""One unit of work per action, committed at its boundary (DESIGN.md, "Shape").

An action — a request that changes something, a command of the CLI, a round of the worker, a
step of a benchmark — is one transaction. Its boundary commits once after the act and rolls back
on any error, as Indico's request handler does (``RH.process``): services never commit; they add
to the session, flush when they need an id or want a race reported, and raise. Mail (and every
later outbound message) is a row of an outbox written in that same transaction; the worker sends
it after the commit, so nothing leaves for an act that was rolled back.

The boundaries:

- requests: ``install(app)`` wraps every view. A request with a safe method (GET, HEAD,
  OPTIONS) commits nothing, unless its view keeps a record of being read (``records_reads``:
  the public lookup counts wrong tries); any other commits after its view returns, unless the
  act was refused (an exception left the view, or the view answered a refusal through
  ``refusal``), in which case it rolls back;
- the CLI, the worker, the benchmarks and the tests: ``with unit_of_work(): …``.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from motcua.errors import Conflict, MotcuaError
from motcua.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_REFUSED = "motcua_act_refused"


def _lost_race() -> Conflict:
    return Conflict(
        _l("Dữ liệu vừa được người khác cập nhật; vui lòng tải lại trang rồi làm lại."),
        code="conflict",
    )


def commit() -> None:
    """Commit the session; a lost race on a row (a stale version, a duplicate key) becomes
    Conflict, with everything rolled back."""
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        raise _lost_race() from exc


def flush(conflict: Conflict | None = None) -> None:
    """Flush inside a service so that a race shows now, as ``conflict`` (or a generic
    Conflict). The boundary then rolls the whole act back."""
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError) as exc:
        raise (conflict or _lost_race()) from exc


@contextmanager
def unit_of_work() -> Iterator[None]:
    """The boundary of an action outside a request: commit after the block, roll back if it
    raises (and re-raise)."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    commit()


@dataclass
class Refusal:
    """What ``refusal`` caught: the error the act was refused with, or None."""

    error: MotcuaError | None = None

    def __bool__(self) -> bool:
        return self.error is not None


@contextmanager
def refusal(*kinds: type[MotcuaError]) -> Iterator[Refusal]:
    """In a view that answers a refusal itself (the form again with its errors, a message on
    the next page): catch it, and keep nothing of the act.

        with refusal(Invalid) as refused:
            dossier = intake.receive(…)
        if refused:
            return render_template(…, errors=refused.error.details), 422

    The act is rolled back at once, so that the page that says why shows things as they were
    and holds no lock while it renders; the request then commits nothing.
    """
    found = Refusal()
    caught = kinds or (MotcuaError,)
    try:
        yield found
    except caught as exc:
        db.session.rollback()
        setattr(g, _REFUSED, True)  # and the request's boundary commits nothing
        found.error = exc


def records_reads(view):
    """Mark a view whose reading is itself kept (a count, a log entry): committed on GET too."""
    view.motcua_records_reads = True
    return view


def install(app: Flask) -> None:
    """Make each view of the app one unit of work (see the module docstring)."""
    for endpoint, view in list(app.view_functions.items()):
        app.view_functions[endpoint] = _boundary(view)


def _boundary(view):
    @wraps(view)
    def act(*args, **kwargs):
        if request.method in SAFE_METHODS and not getattr(view, "motcua_records_reads", False):
            return view(*args, **kwargs)  # the session is rolled back when it is removed
        try:
            response = view(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise
        if g.get(_REFUSED):
            db.session.rollback()
        else:
            commit()
        return response

    return act
