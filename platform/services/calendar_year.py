"""The province's working calendar of a year as admins see it: the national holidays and worked
days and the province's own exceptions (calendar_days), month by month.

Who: a system admin adds, changes and removes the province's days (motcua.services.calendar_days);
unit admins and supervisors see the calendar read-only (their deadlines depend on it).
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from motcua.errors import Forbidden, Invalid
from motcua.extensions import db
from motcua.models import CalendarDay, CalendarDayKind, Role, User
from motcua.services import deadlines, org
from motcua.workcalendar import WorkCalendar

VIEWER_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.UNIT_ADMIN, Role.SUPERVISOR})
EDIT_YEARS_AROUND = 5  # a province day may be set this many years before or after this year
VIEW_YEARS_AROUND = 10


@dataclass(frozen=True)
class ProvinceDay:
    day: date
    kind: CalendarDayKind
    note: str
    created_at: datetime
    created_by: User | None


@dataclass(frozen=True)
class Cell:
    """One day of the month grid (days of the neighbouring months have `in_month` False)."""

    day: date
    in_month: bool
    weekend: bool
    holiday: str | None
    national_worked: bool
    province: ProvinceDay | None
    today: bool


@dataclass(frozen=True)
class Month:
    number: int
    weeks: list[list[Cell]]
    entries: list[Cell]  # the days worth a line in the list: holidays, swaps, province days


@dataclass(frozen=True)
class YearView:
    year: int
    years: range  # the years one may look at
    edit_range: tuple[date, date]
    months: list[Month]
    working_days: int
    may_edit: bool


def may_view(user: User) -> bool:
    return any(r.role in VIEWER_ROLES for r in user.roles)


def may_edit(user: User) -> bool:
    return org.is_system_admin(user)


def _require_viewer(user: User) -> None:
    if not may_view(user):
        raise Forbidden(
            _l("Chỉ quản trị hệ thống, quản trị đơn vị và cán bộ giám sát xem được lịch làm việc."),
            code="forbidden",
        )


def _today(cal: WorkCalendar) -> date:
    return datetime.now(cal.tz).date()


def edit_range(cal: WorkCalendar) -> tuple[date, date]:
    """The first and last day a province day may be set on: whole years around this one."""
    year = _today(cal).year
    return date(year - EDIT_YEARS_AROUND, 1, 1), date(year + EDIT_YEARS_AROUND, 12, 31)


def fmt(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def year_view(actor: User, year: int | str | None = None) -> YearView:
    """The calendar of a year (default: this year) as the actor may see it.

    Raises Forbidden for an officer who is not a system admin, unit admin or supervisor, and
    Invalid for a year that is not a number within ten years of this one.
    """
    _require_viewer(actor)
    cal = deadlines.calendar()
    today = _today(cal)
    years = range(today.year - VIEW_YEARS_AROUND, today.year + VIEW_YEARS_AROUND + 1)
    if year in (None, ""):
        year = today.year
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = None
    if year not in years:
        raise Invalid(
            _l(
                "Năm phải là một số từ %(first)s đến %(last)s.",
                first=years.start,
                last=years.stop - 1,
            ),
            code="invalid_year",
        )
    province = _province_days(year)
    holidays = cal.holidays_in(year)
    worked = cal.national_working_days_in(year)

    def cell(day: date, month: int) -> Cell:
        return Cell(
            day=day,
            in_month=day.month == month,
            weekend=day.weekday() >= 5,
            holiday=holidays.get(day),
            national_worked=day in worked,
            province=province.get(day),
            today=day == today,
        )

    months = []
    for number in range(1, 13):
        weeks = [
            [cell(day, number) for day in week]
            for week in calendar.Calendar().monthdatescalendar(year, number)
        ]
        entries = [
            c
            for week in weeks
            for c in week
            if c.in_month and (c.holiday or c.national_worked or c.province)
        ]
        months.append(Month(number=number, weeks=weeks, entries=entries))
    first, last = date(year, 1, 1), date(year, 12, 31)
    working_days = sum(
        cal.is_working_day(first + timedelta(days=n)) for n in range((last - first).days + 1)
    )
    return YearView(
        year=year,
        years=years,
        edit_range=edit_range(cal),
        months=months,
        working_days=working_days,
        may_edit=may_edit(actor),
    )


def _province_days(year: int) -> dict[date, ProvinceDay]:
    rows = db.session.execute(
        select(CalendarDay, User)
        .outerjoin(User, User.id == CalendarDay.created_by_id)
        .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)
    )
    return {
        row.day: ProvinceDay(
            day=row.day,
            kind=CalendarDayKind(row.kind),
            note=row.note,
            created_at=row.created_at,
            created_by=user,
        )
        for row, user in rows
    }
