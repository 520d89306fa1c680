"""The quarter and the cumulative 6 and 9 months of Biểu 06/VPCP/KSTT (report_periods): their
days under the 15th–14th rule and with calendar months, the one a report is due for, their keys,
their names and their chart's points."""

from datetime import date

import pytest

from motcua.errors import Invalid
from motcua.services import report_files
from motcua.services import report_periods as periods


def days(period: periods.Period) -> tuple[date, date]:
    return period.start, period.last_day


def test_a_quarter_is_three_report_months(ctx):
    q4 = periods.quarter(2026, 4)
    assert days(q4) == (date(2026, 9, 15), date(2026, 12, 14))
    assert q4.start == periods.month(2026, 10).start and q4.end == periods.month(2026, 12).end
    assert days(periods.quarter(2026, 1)) == (date(2025, 12, 15), date(2026, 3, 14))
    assert periods.containing("quarter", date(2026, 12, 14)) == q4
    assert periods.containing("quarter", date(2026, 12, 15)).key == "2027-Q1"
    # On 3 December the fourth quarter is not over: the report due is the third's.
    assert periods.latest_ended("quarter", date(2026, 12, 3)).key == "2026-Q3"
    assert [p.key for p in periods.recent("quarter", date(2026, 12, 3), 3)] == [
        "2026-Q4",
        "2026-Q3",
        "2026-Q2",
    ]


def test_six_and_nine_months_run_from_the_start_of_the_report_year(ctx):
    six, nine = periods.cumulative("six_months", 2026), periods.cumulative("nine_months", 2026)
    assert days(six) == (date(2025, 12, 15), date(2026, 6, 14))
    assert days(nine) == (date(2025, 12, 15), date(2026, 9, 14))
    assert (six.key, nine.key) == ("2026-6M", "2026-9M")
    # Due once a year: from 15 June on, this year's 6 months; before, last year's.
    assert periods.latest_ended("six_months", date(2026, 6, 15)) == six
    assert periods.latest_ended("six_months", date(2026, 6, 14)).key == "2025-6M"
    assert periods.latest_ended("nine_months", date(2026, 12, 3)) == nine
    assert [p.key for p in periods.recent("nine_months", date(2026, 12, 3), 2)] == [
        "2026-9M",
        "2025-9M",
    ]


def test_with_calendar_months_the_quarter_and_the_year_start_on_the_first(app, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_MONTH_START_DAY", 1)
    with app.app_context():
        assert days(periods.quarter(2026, 4)) == (date(2026, 10, 1), date(2026, 12, 31))
        assert days(periods.cumulative("six_months", 2026)) == (date(2026, 1, 1), date(2026, 6, 30))
        assert days(periods.cumulative("nine_months", 2026))[1] == date(2026, 9, 30)
        assert periods.containing("quarter", date(2026, 12, 31)).key == "2026-Q4"


@pytest.mark.parametrize(
    "kind, key, expected",
    [
        ("quarter", "2026-Q4", "Quý IV năm 2026"),
        ("quarter", "2026-Q1", "Quý I năm 2026"),
        ("six_months", "2026-6M", "6 tháng đầu năm 2026"),
        ("nine_months", "2026-9M", "9 tháng đầu năm 2026"),
    ],
)
def test_each_kind_is_parsed_from_its_key_and_named_in_words(ctx, kind, key, expected):
    period = periods.parse_period(kind, key)
    assert (period.kind, period.key) == (kind, key)
    assert report_files.period_label(period) == expected


@pytest.mark.parametrize(
    "kind, key",
    [
        ("quarter", "2026-Q0"),
        ("quarter", "2026-Q5"),
        ("quarter", "2026-10"),
        ("six_months", "2026-9M"),
        ("nine_months", "2026"),
        ("six_months", "26-6M"),
    ],
)
def test_a_bad_key_is_refused_with_the_period_at_fault(ctx, kind, key):
    with pytest.raises(Invalid) as caught:
        periods.parse_period(kind, key)
    assert caught.value.code == "invalid_period" and "period" in caught.value.details


def test_the_chart_of_a_quarter_or_of_the_cumulative_months_has_their_report_months(ctx):
    assert [p.key for p in periods.trend_buckets(periods.quarter(2026, 4))] == [
        "2026-10",
        "2026-11",
        "2026-12",
    ]
    nine = periods.trend_buckets(periods.cumulative("nine_months", 2026))
    assert len(nine) == 9 and nine[0].start == date(2025, 12, 15)
    assert nine[-1].end == periods.cumulative("nine_months", 2026).end
