"""Working-time arithmetic: pure unit tests of motcua.workcalendar (no app, no database)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import holidays
import pytest

from motcua.workcalendar import WorkCalendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkCalendar()


def at(y, mo, d, h=0, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=VN)


# -- the plain arithmetic ------------------------------------------------------------------


def test_three_days_from_monday_morning_end_on_thursday_at_the_same_time():
    assert CAL.add(at(2026, 11, 16, 10), days=3) == at(2026, 11, 19, 10)


def test_vietnam_cultural_day_2026_is_a_holiday_and_pushes_the_deadline_a_day():
    # Resolution 80-NQ/TW made 24/11 a paid day off from 2026; holidays 0.108 has it.
    assert not CAL.is_working_day(date(2026, 11, 24))
    assert CAL.add(at(2026, 11, 23, 10), days=3) == at(2026, 11, 27, 10)


def test_one_day_from_opening_ends_at_closing_the_same_day():
    assert CAL.add(at(2026, 11, 16, 7, 30), days=1) == at(2026, 11, 16, 17)


def test_a_limit_ending_exactly_at_the_end_of_a_period_stays_there():
    assert CAL.add(at(2026, 11, 16, 7, 30), hours=4) == at(2026, 11, 16, 11, 30)
    assert CAL.add(at(2026, 11, 16, 16), hours=1) == at(2026, 11, 16, 17)


def test_friday_afternoon_plus_four_hours_continues_on_monday_morning():
    # Fri 16:00–17:00 is one hour; Mon 07:30 + 3 h = 10:30.
    assert CAL.add(at(2026, 11, 13, 16), hours=4) == at(2026, 11, 16, 10, 30)


def test_fractional_and_decimal_days_are_counted_in_office_hours():
    assert CAL.hours_per_day == 7.5
    assert CAL.add(at(2026, 11, 16, 7, 30), days=0.5) == at(2026, 11, 16, 11, 15)
    assert CAL.add(at(2026, 11, 16, 7, 30), days=Decimal("1.5")) == at(2026, 11, 17, 11, 15)
    assert CAL.add(at(2026, 11, 16, 7, 30), days=1, hours=1) == at(2026, 11, 17, 8, 30)


def test_lunch_break_does_not_count():
    assert CAL.add(at(2026, 11, 16, 11), hours=1) == at(2026, 11, 16, 14)
    assert CAL.working_hours_between(at(2026, 11, 16, 11), at(2026, 11, 16, 14)) == 1.0


# -- when counting starts ------------------------------------------------------------------


def test_receipt_inside_office_hours_counts_from_the_receipt_itself():
    assert CAL.start_of_counting(at(2026, 11, 16, 9, 17)) == at(2026, 11, 16, 9, 17)


def test_receipt_during_lunch_counts_from_the_afternoon_opening():
    assert CAL.start_of_counting(at(2026, 11, 16, 12)) == at(2026, 11, 16, 13, 30)


def test_receipt_before_opening_counts_from_the_opening_the_same_day():
    assert CAL.start_of_counting(at(2026, 11, 16, 6)) == at(2026, 11, 16, 7, 30)


def test_receipt_after_hours_counts_from_the_next_working_day_opening():
    assert CAL.start_of_counting(at(2026, 11, 16, 18)) == at(2026, 11, 17, 7, 30)
    assert CAL.start_of_counting(at(2026, 11, 16, 17)) == at(2026, 11, 17, 7, 30)
    assert CAL.add(at(2026, 11, 16, 18), days=1) == at(2026, 11, 17, 17)


def test_receipt_on_saturday_counts_from_monday_opening():
    assert CAL.start_of_counting(at(2026, 11, 14, 10)) == at(2026, 11, 16, 7, 30)
    assert CAL.add(at(2026, 11, 14, 10), hours=1) == at(2026, 11, 16, 8, 30)


def test_receipt_on_a_holiday_counts_from_the_next_working_day():
    assert CAL.start_of_counting(at(2026, 9, 2, 9)) == at(2026, 9, 3, 7, 30)


# -- Vietnam's holidays --------------------------------------------------------------------


def test_tet_2027_days_are_all_skipped():
    lunar_new_year = next(
        day for day, name in holidays.VN(years=2027).items() if name == "Lunar New Year"
    )
    assert lunar_new_year == date(2027, 2, 6)  # a Saturday: compensation on 29 Tết and mùng 5
    tet = [date(2027, 2, 4) + timedelta(days=n) for n in range(7)]  # Thu 4 → Wed 10 February
    assert all(day in CAL.holidays_in(2027) or day.weekday() >= 5 for day in tet)
    assert not any(CAL.is_working_day(day) for day in tet)
    # Wed 3 Feb 10:00 + 2 days: the rest of Wednesday, all of Thu 11, then Fri 12 until 10:00.
    assert CAL.add(at(2027, 2, 3, 10), days=2) == at(2027, 2, 12, 10)
    assert CAL.working_hours_between(at(2027, 2, 3, 17), at(2027, 2, 11, 7, 30)) == 0.0


def test_national_day_and_its_adjacent_day_are_off():
    assert not CAL.is_working_day(date(2026, 9, 1))
    assert not CAL.is_working_day(date(2026, 9, 2))
    assert not CAL.is_working_day(date(2027, 9, 2))
    assert not CAL.is_working_day(date(2027, 9, 3))
    assert CAL.is_working_day(date(2027, 9, 1))


def test_national_bridge_day_is_off_and_the_saturday_swapped_for_it_is_worked():
    # 2026: Mon 31/8 off (bridging to 1–2/9), Sat 22/8 worked in exchange.
    assert not CAL.is_working_day(date(2026, 8, 31))
    assert CAL.is_working_day(date(2026, 8, 22))
    assert CAL.national_working_days_in(2026) == {date(2026, 8, 22)}
    # Fri 28/8 10:00 + 1 day: Mon 31/8, Tue 1/9, Wed 2/9 all off.
    assert CAL.add(at(2026, 8, 28, 10), days=1) == at(2026, 9, 3, 10)


def test_holiday_on_a_weekend_gives_the_next_working_day_off():
    assert "nghỉ bù" in CAL.holidays_in(2026)[date(2026, 4, 27)]  # Hùng Kings on Sunday 26/4
    assert not CAL.is_working_day(date(2027, 5, 3))  # 1/5/2027 is a Saturday


def test_holidays_in_gives_vietnamese_names_in_date_order():
    names = CAL.holidays_in(2026)
    assert list(names) == sorted(names)
    assert names[date(2026, 1, 1)] == "Tết Dương lịch"
    assert names[date(2026, 9, 2)] == "Quốc khánh"


# -- the province's exceptions -------------------------------------------------------------


def test_declared_day_off_is_skipped():
    cal = WorkCalendar(days_off=[date(2026, 11, 17)])
    assert not cal.is_working_day(date(2026, 11, 17))
    assert cal.add(at(2026, 11, 16, 10), days=1) == at(2026, 11, 18, 10)


def test_swapped_saturday_is_a_working_day():
    cal = WorkCalendar(working_days=[date(2026, 11, 21)])
    assert cal.is_working_day(date(2026, 11, 21))
    assert cal.add(at(2026, 11, 20, 10), days=1) == at(2026, 11, 21, 10)
    assert cal.start_of_counting(at(2026, 11, 21, 8)) == at(2026, 11, 21, 8)


def test_a_declared_working_day_wins_over_days_off_and_holidays():
    cal = WorkCalendar(days_off=[date(2026, 9, 1)], working_days=[date(2026, 9, 1)])
    assert cal.is_working_day(date(2026, 9, 1))


def test_a_declared_day_off_wins_over_a_national_swapped_saturday():
    assert not WorkCalendar(days_off=[date(2026, 8, 22)]).is_working_day(date(2026, 8, 22))


# -- office hours --------------------------------------------------------------------------


def test_custom_office_hours_set_the_length_of_a_day():
    cal = WorkCalendar(office_hours="08:00-12:00, 13:00-17:00")
    assert cal.hours_per_day == 8.0
    assert cal.add(at(2026, 11, 16, 8), days=1) == at(2026, 11, 16, 17)
    assert cal.start_of_counting(at(2026, 11, 16, 12, 30)) == at(2026, 11, 16, 13)


def test_three_office_periods_in_a_day():
    cal = WorkCalendar(office_hours="08:00-10:00,10:30-12:00,14:00-16:00")
    assert cal.hours_per_day == 5.5
    assert cal.add(at(2026, 11, 16, 9), hours=3) == at(2026, 11, 16, 14, 30)


@pytest.mark.parametrize(
    "office_hours",
    [
        "",
        "7h30-11h30",
        "07:30-11:30;13:30-17:00",
        "11:30-07:30",
        "07:30-07:30",
        "25:00-26:00",
        "07:30-12:00,11:30-17:00",
        "13:30-17:00,07:30-11:30",
    ],
)
def test_invalid_office_hours_are_rejected_in_vietnamese(office_hours):
    with pytest.raises(ValueError, match="Giờ làm việc"):
        WorkCalendar(office_hours=office_hours)


def test_unknown_time_zone_is_rejected():
    with pytest.raises(ValueError, match="Múi giờ"):
        WorkCalendar(tz="Asia/Nowhere")


# -- time zones and bad input --------------------------------------------------------------


def test_naive_datetimes_are_rejected():
    naive = datetime(2026, 11, 16, 10)
    with pytest.raises(ValueError):
        CAL.add(naive, days=1)
    with pytest.raises(ValueError):
        CAL.start_of_counting(naive)
    with pytest.raises(ValueError):
        CAL.working_hours_between(naive, at(2026, 11, 17, 10))


def test_negative_limit_is_rejected():
    with pytest.raises(ValueError):
        CAL.add(at(2026, 11, 16, 10), hours=-1)


def test_any_aware_input_gives_a_result_in_the_calendar_time_zone():
    result = CAL.add(datetime(2026, 11, 16, 3, tzinfo=UTC), hours=1)  # 10:00 in Hà Nội
    assert result == at(2026, 11, 16, 11)
    assert result.tzinfo == VN


# -- measuring working time ----------------------------------------------------------------


@pytest.mark.parametrize(
    "start",
    [
        at(2026, 11, 16, 7, 30),
        at(2026, 11, 16, 12, 15),
        at(2026, 11, 13, 16, 40),
        at(2026, 11, 14, 9),
        at(2027, 2, 3, 10),
        datetime(2026, 8, 28, 2, 45, 30, 123456, tzinfo=UTC),
    ],
)
@pytest.mark.parametrize("hours", [0.25, 1, 4, 7.5, 12.75, 40, 300])
def test_working_hours_between_measures_what_add_added(start, hours):
    end = CAL.add(start, hours=hours)
    assert CAL.working_hours_between(start, end) == hours
    assert CAL.working_hours_between(end, start) == -hours


def test_working_hours_between_ignores_nights_weekends_and_lunch():
    assert CAL.working_hours_between(at(2026, 11, 13, 16), at(2026, 11, 16, 10, 30)) == 4.0
    assert CAL.working_hours_between(at(2026, 11, 14, 8), at(2026, 11, 15, 16)) == 0.0
    assert CAL.working_hours_between(at(2026, 11, 16, 12), at(2026, 11, 16, 13)) == 0.0


def test_a_year_of_working_days_is_added_exactly():
    start = at(2026, 1, 5, 7, 30)
    # The 365th working day counting Monday 5 January 2026 itself, found day by day.
    day, counted = date(2026, 1, 5), 0
    while True:
        counted += CAL.is_working_day(day)
        if counted == 365:
            break
        day += timedelta(days=1)
    end = CAL.add(start, days=365)
    assert end == datetime(day.year, day.month, day.day, 17, tzinfo=VN)
    assert CAL.working_hours_between(start, end) == 365 * 7.5
