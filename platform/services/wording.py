"""Codes in words, for the officers' pages: a step's time limit ("1.5d" → "1,5 ngày làm việc"),
its handler ("specialist@.KTHT" → "Chuyên viên — Phòng Kinh tế và Hạ tầng", "user:a,b" → the
officers' names), a role's label, a unit's name for its code, an officer's name for their
username.

The codes stay what the diagrams, the modeler and the API speak (motcua.engine.conventions
says how they are written); only what an officer reads changes. A value that is not one we can
read (a handler an older diagram wrote, an unknown code) is shown as it is: a page never fails
on a word.

Names are read once per action (``names()``, one per app context): ``Names.prepare`` reads the
units and the officers that a whole page names in at most two queries, so that a list of steps
or events costs no query per row. A name asked for without being prepared is read then (a
query for that one), which is right but slower: pages prepare what their lists name.
"""

from collections.abc import Iterable
from decimal import Decimal

from flask import g
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from motcua.engine import Handler, parse_handler, parse_time_limit
from motcua.extensions import db
from motcua.models import Task, Unit, User
from motcua.vocabulary import EventKind, Role

_IN_CONTEXT = "motcua_names"


def time_limit_words(text: str | None) -> str:
    """A ``timeLimit`` in words: "4h" → "4 giờ làm việc", "1.5d" → "1,5 ngày làm việc" (the
    number as the reader's language writes it); anything else as it is."""
    try:
        limit = parse_time_limit(text or "")
    except ValueError:
        return text or ""
    amount = _number(limit.amount)
    if limit.unit == "h":
        return _("1 giờ làm việc") if limit.amount == 1 else _("%(n)s giờ làm việc", n=amount)
    return _("1 ngày làm việc") if limit.amount == 1 else _("%(n)s ngày làm việc", n=amount)


def _number(amount: Decimal) -> str:
    # Babel drops the trailing zeros ("2.0" → "2") and writes the decimal comma in Vietnamese.
    return format_decimal(amount, format="#,##0.###")


def role_label(value) -> str:
    """A role's label for its value ("receptionist" → "Cán bộ một cửa"); unknown as it is."""
    return str(Role.label_of(value)) if value else ""


class Names:
    """Unit names by code and officers' names by username, read for a page at once."""

    def __init__(self):
        self.units: dict[str, str] = {}
        self.officers: dict[str, str] = {}
        self._asked_units: set[str] = set()
        self._asked_officers: set[str] = set()

    def prepare(
        self,
        *,
        unit_codes: Iterable[str] = (),
        usernames: Iterable[str] = (),
        handlers: Iterable = (),
        unit=None,
        events: Iterable = (),
    ) -> None:
        """Read the names not read yet that the codes, the usernames, the handlers (text,
        Handler or Task; relative ones of ``unit``, a Unit or its code) and the events (their
        data: officers reassigned, units handed to) name: at most two queries."""
        codes, names = {c for c in unit_codes if c}, {n for n in usernames if n}
        base = _code_of(unit)
        for item in handlers:
            handler = _handler_of(item)
            if handler is None:
                continue
            if handler.kind == "users":
                names |= set(handler.usernames)
            elif not isinstance(item, Task) and (code := _unit_code(handler, base)):
                codes.add(code)
        for event in events:
            event_codes, event_names = _named_in(event)
            codes |= event_codes
            names |= event_names
        self._read_units(codes - self._asked_units)
        self._read_officers(names - self._asked_officers)

    def unit_name(self, code: str | None) -> str:
        """The unit's name, or the code itself when there is no such unit."""
        if not code:
            return ""
        self._read_units({code} - self._asked_units)
        return self.units.get(code, code)

    def officer_name(self, username: str | None) -> str:
        """The officer's display name, or the username itself when there is no such officer."""
        if not username:
            return ""
        self._read_officers({username} - self._asked_officers)
        return self.officers.get(username, username)

    def _read_units(self, codes: set[str]) -> None:
        if codes:
            self._asked_units |= codes
            query = select(Unit.code, Unit.name).where(Unit.code.in_(sorted(codes)))
            self.units.update(dict(db.session.execute(query).tuples().all()))

    def _read_officers(self, usernames: set[str]) -> None:
        if usernames:
            self._asked_officers |= usernames
            query = select(User.username, User.display_name).where(
                User.username.in_(sorted(usernames))
            )
            self.officers.update(dict(db.session.execute(query).tuples().all()))


def names() -> Names:
    """The action's Names (one per app context)."""
    found = g.get(_IN_CONTEXT)
    if found is None:
        found = Names()
        setattr(g, _IN_CONTEXT, found)
    return found


def handler_words(value, unit=None) -> str:
    """Who works a step, in words: the role's label and the unit's name ("Chuyên viên — Phòng
    Kinh tế"), or the named officers' names. ``value`` is a handler as the diagram writes it
    (text or Handler), its unit found from ``unit`` (the dossier's unit, or the variant's: a
    Unit or its code) for a relative or a plain role; or a Task, whose unit is the one whose
    inbox has it. A handler that cannot be read is shown as it is."""
    handler = _handler_of(value)
    if handler is None:
        return value.handler if isinstance(value, Task) else str(value or "")
    found = names()
    if handler.kind == "users":
        who = ", ".join(found.officer_name(name) for name in handler.usernames)
        where = value.unit.name if isinstance(value, Task) else None
    else:
        who = role_label(handler.role)
        if isinstance(value, Task):
            where = value.unit.name
        elif code := _unit_code(handler, _code_of(unit)):
            where = found.unit_name(code)
        elif handler.relative:
            # A provincial template: the sub-unit is known only in a unit's variant.
            where = _("đơn vị trực thuộc %(code)s", code=handler.unit_code)
        else:
            where = None
    return _("%(who)s — %(where)s", who=who, where=where) if where else who


def _handler_of(value) -> Handler | None:
    if isinstance(value, Handler):
        return value
    text = value.handler if isinstance(value, Task) else value
    try:
        return parse_handler(text or "")
    except ValueError:
        return None


def _code_of(unit) -> str | None:
    return getattr(unit, "code", unit) or None


def _unit_code(handler: Handler, base: str | None) -> str | None:
    """The code of the unit a role handler names, if it can be told: a relative one needs the
    base unit; a plain role is the base unit's, but the desk's (a plain receptionist) is the
    centre that received the dossier, told only by the task."""
    if handler.relative:
        return f"{base}.{handler.unit_code}" if base else None
    if handler.unit_code:
        return handler.unit_code
    if handler.role == Role.RECEPTIONIST:
        return None
    return base


def _named_in(event) -> tuple[set[str], set[str]]:
    """The unit codes and usernames an event's data names (motcua.services.processing,
    workflow, reorganisation write them)."""
    data = event.data if isinstance(event.data, dict) else {}
    kind = event.kind
    if kind == EventKind.REASSIGNED:
        return set(), {v for k in ("from", "to") if isinstance(v := data.get(k), str)}
    if kind in (EventKind.HANDED_OVER, EventKind.REHOMED):
        return {v for k in ("from", "to") if isinstance(v := data.get(k), str)}, set()
    if kind == EventKind.STEP_COMPLETED and isinstance(data.get("to_units"), list):
        return {c for c in data["to_units"] if isinstance(c, str)}, set()
    return set(), set()
