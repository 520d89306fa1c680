"""Working-time arithmetic: office hours, weekends, Vietnam's public holidays, provincial days.

Pure code (no database, no Flask). Time only elapses inside the office periods of working days;
everything is computed in whole microseconds (ints), so results never drift, and a whole working
day costs one step (no minute-by-minute walk): ten years of working days take milliseconds.

A working day is, in this order of precedence:

1. a day the province declares worked (`working_days`, e.g. a Saturday swapped for a bridge day);
2. not a day the province declares off (`days_off`);
3. not a national public holiday (below);
4. a weekend day that the government declared worked in exchange for a bridge day off;
5. Monday to Friday.

National public holidays come from `holidays` (0.108), `holidays.VN`, which follows the Labour
Code 2019, art. 112 (checked against the library source and the published text of the article):

- Tết Dương lịch (1/1); Tết Nguyên Đán, 5 days by the lunar calendar: the eve and the first
  four days (2026-02-16…20); a Tết day on a Saturday is made up on the working day before and
  one on a Sunday on the working day after (2027: Tết is Sat 02-06, so Thu 02-04…Wed 02-10 are
  all off); Giỗ Tổ Hùng Vương (10/3 lunar); 30/4; 1/5; Quốc khánh 2/9 plus the adjacent day
  (since 2021, the library picks 1/9 or 3/9 by weekday: 2026-09-01, 2027-09-03);
- from 2026, Ngày Văn hóa Việt Nam (24/11), which the Politburo's Resolution 80-NQ/TW (January
  2026) made a paid day off; 2026-11-24 is a Tuesday;
- observed days ("nghỉ bù", Labour Code 2019 art. 111(3)): a holiday on a Saturday or Sunday
  gives the next working day off (e.g. Hùng Kings on Sun 2026-04-26 → Mon 2026-04-27, 1/5 on Sat
  2027-05-01 → Mon 2027-05-03);
- the bridge days the government announced for the public sector, with the weekend day worked
  in exchange (e.g. Mon 2026-08-31 off, Sat 2026-08-22 worked; Fri 2025-05-02 off, Sat
  2025-04-26 worked). The library lists the worked Saturdays in `weekend_workdays`; we treat
  them as working days (rule 4), or the bridge day would be a free extra day off.

The Prime Minister fixes the exact Tết and National Day days every year (art. 112(3)), usually
a few months ahead, and the library's future years are its own prediction: a province corrects
them with `days_off` and `working_days`, which always win.
"""

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

_US_PER_SECOND = 1_000_000
_US_PER_HOUR = 3600 * _US_PER_SECOND
_PERIOD = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


@lru_cache(maxsize=256)
def _national_year(year: int) -> tuple[dict[date, str], frozenset[date]]:
    """The year's national holidays (Vietnamese names) and the weekend days worked in exchange.

    Cached per year for the whole process: the data depends only on the library's version.
    """
    calendar = holidays.VN(years=year, language="vi")
    days_off = dict(sorted(calendar.items()))
    worked = frozenset(day for day in calendar.weekend_workdays if day.year == year)
    return days_off, worked


def _parse_office_hours(text: str) -> tuple[tuple[int, int], ...]:
    """'07:30-11:30,13:30-17:00' → ((start, end), …) in microseconds since midnight."""
    periods = []
    for part in text.split(","):
        match = _PERIOD.match(part.strip())
        if not match:
            raise ValueError(f"Giờ làm việc không hợp lệ: '{part.strip()}' (cần dạng HH:MM-HH:MM).")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError(
                f"Giờ làm việc không hợp lệ: '{part.strip()}' (giờ 00–23, phút 00–59)."
            )
        start, end = (h1 * 60 + m1) * 60 * _US_PER_SECOND, (h2 * 60 + m2) * 60 * _US_PER_SECOND
        if start >= end:
            raise ValueError(
                f"Giờ làm việc không hợp lệ: '{part.strip()}' "
                "(giờ bắt đầu phải trước giờ kết thúc)."
            )
        if periods and start < periods[-1][1]:
            raise ValueError(
                f"Giờ làm việc '{text}': các khoảng phải theo thứ tự thời gian và không chồng lấn."
            )
        periods.append((start, end))
    return tuple(periods)


def _amount_us(days: float | Decimal, hours: float | Decimal, hours_per_day_us: int) -> int:
    """A time limit in days and hours → whole microseconds of working time (rounded)."""
    # str() keeps a float's shortest form (0.1 → Decimal("0.1"), not 0.1000000000000000055…).
    total = Decimal(str(days)) * hours_per_day_us + Decimal(str(hours)) * _US_PER_HOUR
    if not total.is_finite() or total < 0:
        raise ValueError(f"Thời hạn phải là một số không âm (days={days}, hours={hours}).")
    return int(total.to_integral_value(ROUND_HALF_EVEN))


class WorkCalendar:
    """Working time of one province: office hours, weekends, holidays and its own exceptions.

    Read-only once built, so one instance can be shared between threads (the per-year holiday
    cache it reads is filled idempotently).
    """

    def __init__(
        self,
        *,
        office_hours: str = "07:30-11:30,13:30-17:00",
        tz: str = "Asia/Ho_Chi_Minh",
        days_off: Iterable[date] = (),
        working_days: Iterable[date] = (),
    ):
        self._periods = _parse_office_hours(office_hours)
        try:
            self.tz = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"Múi giờ không hợp lệ: '{tz}'.") from exc
        self.office_hours = office_hours
        self.days_off = frozenset(days_off)
        self.working_days = frozenset(working_days)
        self._day_us = sum(end - start for start, end in self._periods)
        self.hours_per_day: float = self._day_us / _US_PER_HOUR
        self.periods: tuple[tuple[time, time], ...] = tuple(
            (_time_of(start), _time_of(end)) for start, end in self._periods
        )

    def __repr__(self) -> str:
        return (
            f"WorkCalendar(office_hours={self.office_hours!r}, tz={self.tz.key!r}, "
            f"days_off={len(self.days_off)}, working_days={len(self.working_days)})"
        )

    # -- days ------------------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        if d in self.working_days:
            return True
        if d in self.days_off:
            return False
        national_off, national_worked = _national_year(d.year)
        if d in national_off:
            return False
        return d in national_worked or d.weekday() < 5

    def holidays_in(self, year: int) -> dict[date, str]:
        """The national public holidays of a year, in date order, with their Vietnamese names.

        Includes observed and bridge days; not the province's own `days_off`.
        """
        return dict(_national_year(year)[0])

    def national_working_days_in(self, year: int) -> frozenset[date]:
        """The weekend days that the government declared worked in exchange for a bridge day."""
        return _national_year(year)[1]

    # -- instants --------------------------------------------------------------------------

    def start_of_counting(self, at: datetime) -> datetime:
        """`at` if it falls inside an office period of a working day, else the next period's start.

        Raises ValueError if `at` is naive. The result is in the calendar's time zone.
        """
        d, t = self._split(at)
        return self._join(*self._normalise(d, t))

    def add(
        self, start: datetime, *, days: float | Decimal = 0, hours: float | Decimal = 0
    ) -> datetime:
        """`start` plus a time limit in working days (of `hours_per_day`) and working hours.

        Counting begins at `start_of_counting(start)`; a limit that ends exactly at the end of
        an office period ends there (17:00, not 07:30 the next day). Raises ValueError for a
        naive `start` or a negative limit. The result is in the calendar's time zone.
        """
        remaining = _amount_us(days, hours, self._day_us)
        d, t = self._normalise(*self._split(start))
        # Finish the current day period by period.
        for begin, end in self._periods:
            if end <= t:
                continue
            available = end - max(t, begin)
            if remaining <= available:
                return self._join(d, max(t, begin) + remaining)
            remaining -= available
        # Whole working days, skipped without looking inside them.
        d = self._next_working_day(d)
        while remaining > self._day_us:
            remaining -= self._day_us
            d = self._next_working_day(d)
        for begin, end in self._periods:
            if remaining <= end - begin:
                return self._join(d, begin + remaining)
            remaining -= end - begin
        raise AssertionError("unreachable: a working day holds `hours_per_day`")

    def working_hours_between(self, a: datetime, b: datetime) -> float:
        """Working hours from `a` to `b`; negative if `b` is before `a`.

        `working_hours_between(s, add(s, hours=h)) == h` for any start `s`. Raises ValueError
        if either is naive.
        """
        da, ta = self._split(a)
        db, tb = self._split(b)
        if (db, tb) < (da, ta):
            return -self.working_hours_between(b, a)
        if da == db:
            worked = self._worked(da, ta, tb)
        else:
            worked = self._worked(da, ta, None) + self._worked(db, 0, tb)
            d = da + timedelta(days=1)
            while d < db:
                if self.is_working_day(d):
                    worked += self._day_us
                d += timedelta(days=1)
        return worked / _US_PER_HOUR

    # -- helpers ---------------------------------------------------------------------------

    def _split(self, at: datetime) -> tuple[date, int]:
        """An aware datetime → (local date, microseconds since local midnight)."""
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"Thời điểm phải có múi giờ (aware datetime), nhận được: {at!r}.")
        local = at.astimezone(self.tz)
        t = (local.hour * 3600 + local.minute * 60 + local.second) * _US_PER_SECOND
        return local.date(), t + local.microsecond

    def _join(self, d: date, t: int) -> datetime:
        wall = datetime.combine(d, time()) + timedelta(microseconds=t)
        return wall.replace(tzinfo=self.tz)

    def _normalise(self, d: date, t: int) -> tuple[date, int]:
        """Move (d, t) to where counting starts: itself inside a period, else the next start."""
        if self.is_working_day(d):
            for begin, end in self._periods:
                if t < end:
                    return d, max(t, begin)
        return self._next_working_day(d), self._periods[0][0]

    def _next_working_day(self, d: date) -> date:
        d += timedelta(days=1)
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def _worked(self, d: date, t_from: int, t_to: int | None) -> int:
        """Working microseconds on day `d` between two times of day (None: end of the day)."""
        if not self.is_working_day(d):
            return 0
        total = 0
        for begin, end in self._periods:
            high = end if t_to is None else min(end, t_to)
            total += max(0, high - max(begin, t_from))
        return total


def _time_of(us: int) -> time:
    seconds = us // _US_PER_SECOND
    return time(seconds // 3600, seconds // 60 % 60)
