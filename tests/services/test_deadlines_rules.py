"""The calendar service: built from the province's calendar days, cached until they change.

Runs on a private in-memory SQLite database holding only the calendar_days table.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from motcua.models.calendar_day import CalendarDay, CalendarDayKind
from motcua.services.deadlines import calendar_for, deadline, load_calendar
from motcua.workcalendar import WorkCalendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CONFIG = {"OFFICE_HOURS": "07:30-11:30,13:30-17:00", "TIMEZONE": "Asia/Ho_Chi_Minh"}
TUESDAY, SATURDAY = date(2026, 11, 17), date(2026, 11, 21)


@pytest.fixture
def session():
    engine = sa.create_engine("sqlite://")
    CalendarDay.__table__.create(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def test_load_calendar_applies_the_provinces_days(session):
    session.add_all(
        [
            CalendarDay(day=TUESDAY, kind=CalendarDayKind.DAY_OFF, note="nghỉ"),
            CalendarDay(day=SATURDAY, kind=CalendarDayKind.WORKING_DAY, note="làm bù"),
        ]
    )
    session.flush()
    cal = load_calendar(session, office_hours=CONFIG["OFFICE_HOURS"], tz=CONFIG["TIMEZONE"])
    assert not cal.is_working_day(TUESDAY)
    assert cal.is_working_day(SATURDAY)


def test_calendar_for_reuses_the_calendar_while_the_days_are_unchanged(session):
    assert calendar_for(session, CONFIG) is calendar_for(session, CONFIG)


def test_calendar_for_sees_a_day_added_edited_or_deleted(session):
    assert calendar_for(session, CONFIG).is_working_day(TUESDAY)

    row = CalendarDay(day=TUESDAY, kind=CalendarDayKind.DAY_OFF)
    session.add(row)
    session.flush()
    assert not calendar_for(session, CONFIG).is_working_day(TUESDAY)

    row.kind = CalendarDayKind.WORKING_DAY  # same count, same created_at
    session.flush()
    assert calendar_for(session, CONFIG).is_working_day(TUESDAY)

    row.day, row.kind = SATURDAY, CalendarDayKind.DAY_OFF
    session.flush()
    cal = calendar_for(session, CONFIG)
    assert cal.is_working_day(TUESDAY) and not cal.is_working_day(SATURDAY)

    session.delete(row)
    session.flush()
    assert calendar_for(session, CONFIG).days_off == frozenset()


def test_calendar_for_keeps_one_calendar_per_configuration(session):
    other = dict(CONFIG, OFFICE_HOURS="08:00-12:00,13:00-17:00")
    assert calendar_for(session, other).hours_per_day == 8.0
    assert calendar_for(session, CONFIG).hours_per_day == 7.5


def test_deadline_counts_days_or_hours_from_the_next_office_period():
    cal = WorkCalendar()
    saturday_evening = datetime(2026, 11, 14, 20, tzinfo=VN)
    assert deadline(cal, saturday_evening, days=Decimal(2)) == datetime(2026, 11, 17, 17, tzinfo=VN)
    assert deadline(cal, saturday_evening, hours=8) == datetime(2026, 11, 17, 8, tzinfo=VN)


def test_deadline_needs_a_time_limit():
    with pytest.raises(ValueError):
        deadline(WorkCalendar(), datetime(2026, 11, 16, 10, tzinfo=VN))
