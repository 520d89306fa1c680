"""How a step stands against its due time, in working hours (services.timeline)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from motcua.models import Task, TaskStatus
from motcua.services.timeline import (
    Verdict,
    safe_media_type,
    shows_inline,
    step_markers,
    timing,
)
from motcua.workcalendar import WorkCalendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkCalendar(office_hours="07:30-11:30,13:30-17:00", tz="Asia/Ho_Chi_Minh")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in December 2026: Fri 4, Sat 5, Sun 6, Mon 7, Tue 8 (no holiday among them)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=VN)


def done(completed_at, due_at):
    return timing(
        CAL, due_at=due_at, completed_at=completed_at, status=TaskStatus.DONE, now=at(8, 16)
    )


def test_a_step_done_two_working_hours_before_due_is_early_by_two_hours():
    result = done(at(7, 8), at(7, 10))
    assert result.verdict == Verdict.EARLY and result.hours == pytest.approx(2.0)


def test_exactly_one_working_hour_before_due_is_still_early():
    result = done(at(7, 9), at(7, 10))
    assert result.verdict == Verdict.EARLY and result.hours == pytest.approx(1.0)


def test_a_step_done_within_the_last_working_hour_is_on_time():
    result = done(at(7, 9, 30), at(7, 10))
    assert result.verdict == Verdict.ON_TIME and result.hours == pytest.approx(0.5)


def test_a_step_done_at_the_due_minute_is_on_time():
    result = done(at(7, 10), at(7, 10))
    assert result.verdict == Verdict.ON_TIME and result.hours == 0


def test_the_lunch_break_does_not_count_towards_the_margin():
    # Three hours by the clock, one working hour (11:00-11:30 and 13:30-14:00): early.
    result = done(at(7, 11), at(7, 14))
    assert result.verdict == Verdict.EARLY and result.hours == pytest.approx(1.0)
    # Two and a half hours by the clock, half a working hour: only on time.
    result = done(at(7, 11, 15), at(7, 13, 45))
    assert result.verdict == Verdict.ON_TIME and result.hours == pytest.approx(0.5)


def test_the_weekend_does_not_count_towards_the_margin():
    # Friday 16:30 → Monday 08:00: half an hour on Friday, half an hour on Monday.
    result = done(at(4, 16, 30), at(7, 8))
    assert result.verdict == Verdict.EARLY and result.hours == pytest.approx(1.0)


def test_a_step_done_after_due_is_late_by_the_working_hours_past_due():
    # Due Monday 16:00, done Tuesday 08:30: 16:00-17:00 and 07:30-08:30.
    result = done(at(8, 8, 30), at(7, 16))
    assert result.verdict == Verdict.LATE and result.hours == pytest.approx(2.0)


def test_a_step_done_after_due_but_outside_office_hours_is_late_by_zero_hours():
    result = done(at(7, 18), at(7, 17))
    assert result.verdict == Verdict.LATE and result.hours == 0


def test_an_open_step_before_its_due_time_is_in_progress_with_the_time_left():
    result = timing(
        CAL, due_at=at(8, 9), completed_at=None, status=TaskStatus.CLAIMED, now=at(7, 16)
    )
    # 16:00-17:00 on Monday and 07:30-09:00 on Tuesday.
    assert result.verdict == Verdict.IN_PROGRESS and result.hours == pytest.approx(2.5)


def test_an_open_step_past_its_due_time_is_overdue_by_the_working_hours_past_due():
    result = timing(CAL, due_at=at(4, 16), completed_at=None, status=TaskStatus.OPEN, now=at(7, 8))
    assert result.verdict == Verdict.OVERDUE and result.hours == pytest.approx(1.5)


def test_a_cancelled_step_has_no_timing():
    result = timing(
        CAL, due_at=at(4, 16), completed_at=None, status=TaskStatus.CANCELLED, now=at(7, 8)
    )
    assert result.verdict == Verdict.CANCELLED and result.hours is None


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        done(datetime(2026, 12, 7, 8), at(7, 10))


def test_a_step_with_an_open_task_is_current_even_if_it_was_done_before():
    tasks = [
        Task(step_id="tiep_nhan", status=TaskStatus.DONE),
        Task(step_id="tham_dinh", status=TaskStatus.DONE),
        Task(step_id="xem_xet", status=TaskStatus.DONE),
        Task(step_id="tham_dinh", status=TaskStatus.CLAIMED),  # sent back to it
        Task(step_id="lien_thong", status=TaskStatus.CANCELLED),
    ]
    assert step_markers(tasks) == {
        "tiep_nhan": "done",
        "tham_dinh": "current",
        "xem_xet": "done",
    }


def test_only_plain_media_types_are_kept():
    assert safe_media_type("Application/PDF") == "application/pdf"
    assert safe_media_type("text/html\r\nSet-Cookie: x=1") == "application/octet-stream"
    assert safe_media_type("") == "application/octet-stream"
    assert safe_media_type(None) == "application/octet-stream"


def test_pdfs_and_raster_images_show_inline_but_svg_and_others_download():
    assert shows_inline("application/pdf") and shows_inline("image/png")
    assert shows_inline("image/jpeg")
    assert not shows_inline("image/svg+xml")
    assert not shows_inline("text/html")
    assert not shows_inline("application/octet-stream")
