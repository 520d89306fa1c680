"""The officers' search over every dossier they may see, finished ones included (issue 13, item
6): by code (or the provisional code of its form 02), the applicant's name, ID number or phone,
without regard to accents or case, filtered by status, procedure and day of receipt, newest
received first, paged.

What an officer may see is the rule of ``org.require_dossier_visible``: the dossiers their units
(and the units below those they lead or supervise, and those their units succeeded) decide or
received, and those whose steps their units handle; a system admin, or a supervisor of the whole
province, sees all. A dossier is found when each word of the query, folded
(motcua.folding), is a part of its ``search_text``: "Binh" finds "Trần Văn Bình", "0003"
finds the code ending in 0003, "0912 345" the phone 0912345678.

How it stays fast on a million dossiers (PostgreSQL, ``python -m bench search``): each word is a
``LIKE '%…%'`` on search_text, answered by its trigram index (ix_dossiers_search_text_trgm); the
dossiers an officer may see are an OR of indexes (the unit, the receiving unit, and the ids of
the dossiers the unit's steps handle, read first from ix_tasks_unit_dossier), which PostgreSQL
ANDs with the words' bitmap. The matches are read up to COUNT_LIMIT + 1 (ids only): when they
are fewer, the page is cut from them; when more, the page says "more than" and asks for a
narrower search, and the page's query walks ix_dossiers_received_at from the newest, which finds
fifty of a common word soon, instead of reading every match of a word half the province shares.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import contains_eager, load_only

from motcua.errors import Invalid
from motcua.extensions import db
from motcua.folding import fold
from motcua.models import Dossier, DossierStatus, Procedure, Task, Unit, User
from motcua.services import org

PER_PAGE, MAX_PER_PAGE = 50, 200
COUNT_LIMIT = 1000
HANDLED_AS_LIST = 20_000
MAX_QUERY = 255


@dataclass(frozen=True)
class Filters:
    q: str = ""
    status: DossierStatus | None = None
    procedure: str = ""  # a catalogue code
    received_from: date | None = None  # received on or after this local day
    received_to: date | None = None  # received on or before this local day

    @property
    def any(self) -> bool:
        return bool(
            self.q or self.status or self.procedure or self.received_from or self.received_to
        )


@dataclass
class Results:
    rows: list[Dossier]  # with their procedure loaded, newest received first
    total: int  # the matches, counted up to COUNT_LIMIT
    page: int
    per_page: int
    filters: Filters = field(default_factory=Filters)
    procedures: list[tuple[str, str]] = field(default_factory=list)  # (code, name)

    @property
    def counted(self) -> int:
        """The total as it may be said: at most COUNT_LIMIT."""
        return min(self.total, COUNT_LIMIT)

    @property
    def more(self) -> bool:
        """More than COUNT_LIMIT match: ``total`` says "at least"."""
        return self.total > COUNT_LIMIT

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.counted / self.per_page))


def words(q: str) -> list[str]:
    """The folded words of a query, each once, in their order."""
    return list(dict.fromkeys(fold(q).split()))


def parse_filters(*, q="", status="", procedure="", received_from="", received_to="") -> Filters:
    """Filters from a query string; Invalid (code ``invalid_filter``) with a message per bad
    field."""
    q, status, procedure = (q or "").strip(), (status or "").strip(), (procedure or "").strip()
    errors = {}
    if len(q) > MAX_QUERY:
        errors["q"] = _l("Giá trị quá dài.")
    if status and status not in {s.value for s in DossierStatus}:
        errors["status"] = _l("Không có trạng thái này.")
    days = {}
    for name, text in (("received_from", received_from), ("received_to", received_to)):
        days[name] = None
        if text and text.strip():
            try:
                days[name] = date.fromisoformat(text.strip())
            except ValueError:
                errors[name] = _l("Ngày không hợp lệ (năm-tháng-ngày).")
    first, last = days["received_from"], days["received_to"]
    if first and last and first > last:
        errors["received_to"] = _l("Ngày cuối không được trước ngày đầu.")
    if errors:
        raise Invalid(_l("Điều kiện tìm kiếm chưa hợp lệ."), code="invalid_filter", details=errors)
    return Filters(
        q=q,
        status=DossierStatus(status) if status else None,
        procedure=procedure,
        received_from=first,
        received_to=last,
    )


def search(actor: User, *, page: int = 1, per_page: int = PER_PAGE, **filters: str) -> Results:
    """One page of the dossiers the actor may see that match ``filters`` (the query string's
    values: q, status, procedure, received_from, received_to; see ``parse_filters``). Raises
    Invalid for a bad filter or a procedure not in the catalogue. Reads, never writes."""
    parsed = parse_filters(**filters)
    procedures = _procedures()
    conditions = _conditions(parsed, {code: pid for pid, code, _ in procedures})
    seen = _visible(actor)
    if seen is not None:
        conditions.append(seen)
    # The matches themselves (id and day of receipt), up to one past COUNT_LIMIT, in no order:
    # the planner takes the cheapest way to them, and when they are few the page is cut from
    # them here, so that no plan walks the whole table from the newest looking for a rare word.
    matched = db.session.execute(
        select(Dossier.id, Dossier.received_at).where(*conditions).limit(COUNT_LIMIT + 1)
    ).all()
    total = len(matched)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    pages = max(1, math.ceil(min(total, COUNT_LIMIT) / per_page))
    page = min(max(page, 1), pages)
    query = (
        select(Dossier)
        .join(Dossier.procedure)
        .options(
            load_only(
                Dossier.code,
                Dossier.provisional_code,
                Dossier.applicant_name,
                Dossier.status,
                Dossier.received_at,
                Dossier.appointment_at,
                Dossier.finished_at,
                Dossier.returned_at,
                Dossier.unit_id,
                Dossier.receiving_unit_id,
            ),
            contains_eager(Dossier.procedure).load_only(Procedure.code, Procedure.name),
        )
        .order_by(Dossier.received_at.desc(), Dossier.id.desc())
    )
    if total <= COUNT_LIMIT:
        newest = sorted(matched, key=lambda m: (m.received_at, m.id), reverse=True)
        ids = [m.id for m in newest[(page - 1) * per_page : page * per_page]]
        rows = db.session.scalars(query.where(Dossier.id.in_(ids))) if ids else []
    else:
        # Many match: walking from the newest finds a page of them soon.
        rows = db.session.scalars(
            query.where(*conditions).limit(per_page).offset((page - 1) * per_page)
        )
    return Results(
        rows=list(rows),
        total=total,
        page=page,
        per_page=per_page,
        filters=parsed,
        procedures=[(code, name) for _, code, name in procedures],
    )


def procedure_choices() -> list[tuple[str, str]]:
    """(code, name) of the catalogue's procedures, for the filter."""
    return [(code, name) for _, code, name in _procedures()]


def _procedures():
    return db.session.execute(
        select(Procedure.id, Procedure.code, Procedure.name).order_by(Procedure.code)
    ).all()


def matching(q: str) -> list:
    """The conditions that a dossier matches the query: each of its folded words a part of
    ``search_text`` (none for an empty query)."""
    return [Dossier.search_text.like(f"%{_escaped(word)}%", escape="/") for word in words(q)]


def _conditions(filters: Filters, by_code: dict[str, int]) -> list:
    conditions = matching(filters.q)
    if filters.status:
        conditions.append(Dossier.status == filters.status)
    if filters.procedure:
        if filters.procedure not in by_code:
            raise Invalid(
                _l("Không có thủ tục này."),
                code="invalid_filter",
                details={"procedure": _l("Không có thủ tục này.")},
            )
        conditions.append(Dossier.procedure_id == by_code[filters.procedure])
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    if filters.received_from:
        conditions.append(Dossier.received_at >= _midnight(filters.received_from, tz))
    if filters.received_to:
        after = filters.received_to + timedelta(days=1)
        conditions.append(Dossier.received_at < _midnight(after, tz))
    return conditions


def _escaped(word: str) -> str:
    """A word as a LIKE pattern's literal part: its % and _ are characters, not wildcards."""
    return word.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz)


def _visible(actor: User):
    """The condition of ``org.require_dossier_visible`` on the dossier table; None when the
    actor sees every unit's dossiers (no condition, so that the planner may read the newest)."""
    units = org.visible_unit_ids(actor)
    if units is None or len(units) >= db.session.scalar(select(func.count()).select_from(Unit)):
        return None
    ids = sorted(units)
    # The dossiers the units' steps handle, read first (ix_tasks_unit_dossier alone) and given
    # as a list: then each arm of the OR is an index, and PostgreSQL ANDs their bitmap with the
    # words' instead of reading each of a commune's dossiers. A unit that handles very many
    # keeps the subquery (a list that long would cost more to send than to join).
    handled = list(
        db.session.scalars(
            select(Task.dossier_id)
            .where(Task.unit_id.in_(ids))
            .distinct()
            .limit(HANDLED_AS_LIST + 1)
        )
    )
    if len(handled) > HANDLED_AS_LIST:
        by_steps = exists().where(Task.dossier_id == Dossier.id, Task.unit_id.in_(ids))
    else:
        by_steps = Dossier.id.in_(handled)
    return or_(Dossier.unit_id.in_(ids), Dossier.receiving_unit_id.in_(ids), by_steps)
