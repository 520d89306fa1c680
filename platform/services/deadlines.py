"""The working calendar as the application sees it: national rules plus the province's days.

Rule for a dossier received outside office hours or on a day off
----------------------------------------------------------------
The time limit of a dossier (and of each step) is counted in working time, and counting starts
at the receipt time if that falls inside an office period of a working day; otherwise it starts
at the beginning of the next office period, which is on the next working day when the receipt
is after the last period of the day or on a weekend, a public holiday or a declared day off.
A dossier received at 12:00 is counted from 13:30 the same day; at 18:00, on a Saturday or on a
holiday, from 07:30 of the next working day. A limit of N working days is N × the office hours
of one day (7.5 h by default), so a dossier received on Monday at 10:00 with a 3-day limit is
due on Thursday at 10:00 if no day off lies between.

Legal basis (the dates and titles of the decrees were checked in public sources; the wording of
the cited articles could NOT be verified from the sources at hand, so it is given from
knowledge of the texts and should be checked against the official gazette before it is quoted
to a user):

- Decree 118/2025/NĐ-CP on the one-stop and interconnected one-stop mechanism (in force
  1 July 2025, replacing Decree 61/2018/NĐ-CP), as amended by Decree 309/2026/NĐ-CP, art. 17.3:
  the time limit runs from the moment the dossier is received complete and correct, as printed
  on the receipt ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả", form 01 of Circular
  03/2025/TT-VPCP), in the procedure's working days; for a dossier received outside the
  competent unit's area, from when the competent unit receives it (LAW.md "Receipt and the
  clock", [V]).
- Decree 45/2020/NĐ-CP of 8 April 2020 on carrying out administrative procedures in the
  electronic environment: an electronic dossier submitted outside working hours, or on a day
  off or holiday, is taken as received, and its time limit counted, from the next working day.
  The same principle is written out, for example, in the General Department of Customs' rules
  for its online service (Decision 2988/QĐ-TCHQ of 2018, art. 7(5)): a dossier stored outside
  working hours is received at the first working hour of the next working day.
- Labour Code 2019 (Law 45/2019/QH14), art. 112: the public holidays (verified against the
  published text); art. 111(3): a holiday falling on a weekly day off gives a compensatory day
  on the next working day. Which days these are is computed in `motcua.workcalendar`.

Overdue (quá hạn)
-----------------
A step or a dossier is overdue when the moment it is judged at — its completion, or now while
it is open — is strictly after its due time: due at 17:00 and done at 17:00 is on time, done a
microsecond later is late. ``is_overdue`` is the rule and ``overdue`` its SQL form; every page,
mail, list and API answer asks them.

Hand-over from the desk after the cut-off hour
-----------------------------------------------
The desk hands a dossier to the next step the same working day, or at the start of the next
working day when it was received after 15:00 (Decree 118/2025/NĐ-CP art. 18.2 as amended by
Decree 309/2026/NĐ-CP, [V]; the hour is the setting HANDOVER_CUTOFF). ``desk_hand_over`` gives
that moment; the first processing step's clock starts then (motcua.services.workflow). The
dossier's own time limit and the appointment on the receipt do not move: they run from the
receipt of the complete dossier (art. 17.3, [V]); only the internal clock does.

Caching
-------
`calendar_for` keeps one built `WorkCalendar` per (office hours, time zone) and rebuilds it when
the content of the calendar_days table changes. The fingerprint is the table's (day, kind) pairs
themselves: a count plus max(created_at) would miss an admin changing the kind or the date of
an existing row, and a version counter would rely on every writer remembering to bump it. The
table holds a few dozen rows per year, so reading those two columns per call is cheap, and
building a calendar is cheap too (the national holidays are cached per year in the module).
`calendar()` reads them once per app context (one request, one command), so that an action
opening steps, moving deadlines and rendering its page asks the database once.
"""

import functools
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from motcua.errors import Invalid
from motcua.extensions import db
from motcua.models.calendar_day import CalendarDay
from motcua.vocabulary import CalendarDayKind
from motcua.workcalendar import WorkCalendar

_Rows = tuple[tuple, ...]

_cache: dict[tuple[str, str], tuple[_Rows, WorkCalendar]] = {}
_IN_CONTEXT = "motcua_calendar"

# The years a moment of ours may fall in: no dossier is older, and a day cannot be added to or
# taken from the ends of Python's dates (years 1 and 9999), where calendars overflow.
YEARS = range(2000, 2101)


def require_plausible(moment: datetime | date, field: str) -> None:
    """Raise Invalid (``invalid_moment``, the field in ``details``) for a moment outside YEARS."""
    if moment.year not in YEARS:
        raise Invalid(
            _l("Thời điểm ngoài khoảng cho phép."),
            code="invalid_moment",
            details={
                field: _l("Trong các năm %(first)s–%(last)s.", first=YEARS[0], last=YEARS[-1])
            },
        )


def _rows(session: Session) -> _Rows:
    query = select(CalendarDay.day, CalendarDay.kind).order_by(CalendarDay.day)
    return tuple((day, CalendarDayKind(kind)) for day, kind in session.execute(query))


def _build(rows: _Rows, *, office_hours: str, tz: str) -> WorkCalendar:
    return WorkCalendar(
        office_hours=office_hours,
        tz=tz,
        days_off=[day for day, kind in rows if kind == CalendarDayKind.DAY_OFF],
        working_days=[day for day, kind in rows if kind == CalendarDayKind.WORKING_DAY],
    )


def load_calendar(session: Session, *, office_hours: str, tz: str) -> WorkCalendar:
    """Build the working calendar from the province's calendar days (always a fresh read).

    Raises ValueError if `office_hours` or `tz` is invalid.
    """
    return _build(_rows(session), office_hours=office_hours, tz=tz)


def calendar_for(session: Session, config: Mapping) -> WorkCalendar:
    """The working calendar for the app's OFFICE_HOURS and TIMEZONE, cached until its days change.

    Raises ValueError if the configured office hours or time zone are invalid.
    """
    key = (config["OFFICE_HOURS"], config["TIMEZONE"])
    rows = _rows(session)
    cached = _cache.get(key)
    if cached is not None and cached[0] == rows:
        return cached[1]
    calendar = _build(rows, office_hours=key[0], tz=key[1])
    # A race between two threads only builds the same calendar twice.
    _cache[key] = (rows, calendar)
    return calendar


def calendar() -> WorkCalendar:
    """The application's working calendar, read once per action (app context): the steps
    opened, the deadlines moved and the pages shown by one request count on the same days."""
    found = g.get(_IN_CONTEXT)
    if found is None:
        found = calendar_for(db.session, current_app.config)
        setattr(g, _IN_CONTEXT, found)
    return found


def forget_calendar() -> None:
    """After a change to the province's days: the next ``calendar()`` reads them again."""
    g.pop(_IN_CONTEXT, None)


def is_overdue(due_at: datetime, now: datetime, done_at: datetime | None = None) -> bool:
    """Whether a step or dossier due at ``due_at`` is overdue: done after it, or still open
    (``done_at`` None) and past it ``now``. Raises TypeError if naive and aware times mix."""
    return (done_at or now) > due_at


def overdue(due_at: ColumnElement, at: datetime | ColumnElement) -> ColumnElement[bool]:
    """``is_overdue`` in SQL: the ``due_at`` column is before ``at`` (now, for open steps and
    dossiers; a completion column, for finished ones). Negated (``~``), it reads "not yet"."""
    return due_at < at


def hours_per_day() -> float:
    """The office hours of one working day (they depend on the settings alone)."""
    return _office_day(current_app.config["OFFICE_HOURS"], current_app.config["TIMEZONE"])


@functools.lru_cache(maxsize=16)
def _office_day(office_hours: str, tz: str) -> float:
    return WorkCalendar(office_hours=office_hours, tz=tz).hours_per_day


def deadline(
    cal: WorkCalendar,
    start: datetime,
    *,
    days: float | Decimal | None = None,
    hours: float | Decimal | None = None,
) -> datetime:
    """When a time limit of `days` working days and/or `hours` working hours from `start` ends.

    Counting starts at the next office period if `start` is outside office hours or on a day
    off (see the module docstring). Raises ValueError if neither `days` nor `hours` is given,
    if either is negative, or if `start` is naive.
    """
    if days is None and hours is None:
        raise ValueError("A time limit needs days or hours.")
    return cal.add(start, days=days or 0, hours=hours or 0)


def working_deadline(
    start: datetime, *, days: float | Decimal | None = None, hours: float | Decimal | None = None
) -> datetime:
    """`deadline` on the application's calendar (its office hours and the province's days).
    Raises Invalid (``invalid_moment``) for a start outside YEARS."""
    require_plausible(start, "start")
    return deadline(calendar(), start, days=days, hours=hours)


def desk_hand_over(cal: WorkCalendar, received_at: datetime) -> datetime:
    """When the desk hands a dossier received at ``received_at`` to its next step (see the
    module): then, if it was received on a working day up to the cut-off hour (15:00 itself
    included), else the start of the next working day's first office period."""
    local = received_at.astimezone(cal.tz)
    cutoff = time.fromisoformat(current_app.config["HANDOVER_CUTOFF"])
    if cal.is_working_day(local.date()) and local.time() <= cutoff:
        return received_at
    midnight = datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=cal.tz)
    return cal.start_of_counting(midnight)
