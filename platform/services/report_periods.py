"""The periods of the statistics reports: weeks, months, quarters, the first 6 and 9 months of a
year, years and any range of days, as the rules count them.

Periods (a setting each, because provinces' own rules differ)
------------------------------------------------------------
- Month and year: Decree 09/2019/NĐ-CP on the reporting regime of state administrative agencies
  (art. 12, "thời gian chốt số liệu", article number from knowledge of the text, not verified)
  closes monthly figures from the 15th of the previous month to the 14th of the reporting
  month, and annual ones from 15 December of the previous year to 14 December; provincial
  decisions repeat it word for word (e.g. Khánh Hòa's 01/2023/QĐ-UBND, art. 4). The monthly
  report is then sent by the 20th. REPORT_MONTH_START_DAY (default 15) is the day a month
  period starts on; 1 gives calendar months and calendar years.
- Quarter, 6 months, 9 months: Biểu 06/VPCP/KSTT of Circular 01/2020/TT-VPCP [S] is made for
  a week, a month, a quarter, 6 months, 9 months and a year. Decree 09/2019/NĐ-CP (same article,
  not verified) closes a quarter's figures from the start day of the month before the quarter to
  the day before the start day of its last month (15/12–14/03 … 15/09–14/12), and the 6-month
  and 9-month reports cumulatively from the start of the report year (15/12 of the year before
  with the default; 1 January with REPORT_MONTH_START_DAY = 1) to the end of report month 6 or
  9. So a quarter is three report months, and "6 tháng" / "9 tháng" are the first 6 or 9 report
  months of the year (named "6 tháng đầu năm", "9 tháng đầu năm" as the provincial reports
  name them), never a half year starting in July.
- Week: no national rule was found; the weekly report is due on Friday at 17:00 by the
  provincial letters, so a week runs from Friday to Thursday and the report of ISO week W ends
  on the Thursday of week W. REPORT_WEEK_START_DAY (0 = Monday … 6 = Sunday, default 4 =
  Friday) is the day a week period starts on.
A period is [start, end) in local days of TIMEZONE; a custom period is any range of days.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l

from motcua.errors import Invalid
from motcua.models import utcnow
from motcua.services.deadlines import YEARS

KINDS = ("week", "month", "quarter", "six_months", "nine_months", "year", "custom")
# The cumulative periods: the first report months of a year (one period a year).
CUMULATIVE = {"six_months": 6, "nine_months": 9}
CUMULATIVE_KEYS = {"six_months": "6M", "nine_months": "9M"}
MAX_DAYS = 3 * 366  # the longest custom period
TREND_SIZE = 12  # points of the chart for a week or a month


@dataclass(frozen=True)
class Period:
    """Local days [start, end) of one report."""

    kind: str
    # "2026-W47", "2026-11", "2026-Q4", "2026-6M", "2026-9M", "2026" or "2026-10-15_2026-11-14"
    key: str
    start: date
    end: date

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as UTC instants."""
        return (
            datetime.combine(self.start, time(), tz).astimezone(UTC),
            datetime.combine(self.end, time(), tz).astimezone(UTC),
        )


def _settings() -> tuple[int, int]:
    week_start = current_app.config["REPORT_WEEK_START_DAY"]
    month_start = current_app.config["REPORT_MONTH_START_DAY"]
    if not (0 <= week_start <= 6 and 1 <= month_start <= 28):
        raise ValueError("REPORT_WEEK_START_DAY must be 0–6 and REPORT_MONTH_START_DAY 1–28")
    return week_start, month_start


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + n
    return index // 12, index % 12 + 1


def week(year: int, number: int) -> Period:
    """The week period that ends in ISO week ``number`` of ``year``."""
    week_start, _ = _settings()
    last = date.fromisocalendar(year, number, (week_start - 1) % 7 + 1)
    return Period("week", f"{year}-W{number:02d}", last - timedelta(days=6), last + timedelta(1))


def month(year: int, number: int) -> Period:
    """Month ``number`` of ``year``: from the start day of the previous month to the day before
    the start day of this one (or the calendar month when the start day is 1)."""
    _, day = _settings()
    if day == 1:
        next_year, next_month = _add_months(year, number, 1)
        start, end = date(year, number, 1), date(next_year, next_month, 1)
    else:
        prev_year, prev_month = _add_months(year, number, -1)
        start, end = date(prev_year, prev_month, day), date(year, number, day)
    return Period("month", f"{year}-{number:02d}", start, end)


def year_period(year: int) -> Period:
    _, day = _settings()
    if day == 1:
        return Period("year", str(year), date(year, 1, 1), date(year + 1, 1, 1))
    return Period("year", str(year), date(year - 1, 12, day), date(year, 12, day))


def quarter(year: int, number: int) -> Period:
    """Quarter ``number`` (1–4) of ``year``: its three report months."""
    if not 1 <= number <= 4:
        raise ValueError(number)
    first, last = month(year, 3 * number - 2), month(year, 3 * number)
    return Period("quarter", f"{year}-Q{number}", first.start, last.end)


def cumulative(kind: str, year: int) -> Period:
    """The first 6 or 9 report months of ``year`` (kind six_months or nine_months), from the
    start of its report year."""
    last = month(year, CUMULATIVE[kind])
    return Period(kind, f"{year}-{CUMULATIVE_KEYS[kind]}", year_period(year).start, last.end)


def custom(first: date, last: date) -> Period:
    """From ``first`` to ``last``, both days included."""
    key = f"{first.isoformat()}_{last.isoformat()}"
    return Period("custom", key, first, last + timedelta(days=1))


def containing(kind: str, day: date) -> Period:
    """The week, month, quarter or year period that contains the day; for 6 and 9 months, the
    one of the day's report year (it has begun, but may be over)."""
    week_start, month_start = _settings()
    if kind == "quarter":
        report_month = containing("month", day)
        year, number = (int(part) for part in report_month.key.split("-"))
        return quarter(year, (number - 1) // 3 + 1)
    if kind in CUMULATIVE:
        return cumulative(kind, int(containing("year", day).key))
    if kind == "week":
        last = day + timedelta(days=((week_start - 1) % 7 - day.weekday()) % 7)
        iso = last.isocalendar()
        return week(iso.year, iso.week)
    if kind == "month":
        if month_start == 1 or day.day < month_start:
            return month(day.year, day.month)
        return month(*_add_months(day.year, day.month, 1))
    if kind == "year":
        later = month_start > 1 and day.month == 12 and day.day >= month_start
        return year_period(day.year + 1 if later else day.year)
    raise ValueError(kind)


def previous(period: Period) -> Period:
    if period.kind in CUMULATIVE:
        return cumulative(period.kind, int(period.key[:4]) - 1)
    return containing(period.kind, period.start - timedelta(days=1))


def recent(kind: str, today: date, count: int) -> list[Period]:
    """The period that contains today and the ones before it, latest first."""
    periods = [containing(kind, today)]
    while len(periods) < count:
        periods.append(previous(periods[-1]))
    return periods


def latest_ended(kind: str, today: date) -> Period:
    """The latest period that is over by today: the one a report is due for."""
    period = containing(kind, today)
    while period.end > today:
        period = previous(period)
    return period


def today_local() -> date:
    return utcnow().astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()


def parse_period(kind: str, key: str = "", first: str = "", last: str = "") -> Period:
    """The period chosen by its kind and key ("2026-W47", "2026-11", "2026-Q4", "2026-6M",
    "2026-9M", "2026"), the latest one over when the key is empty, or a custom range of days
    (ISO dates, both included).

    Raises Invalid with the faulty field in ``details``: kind, period, from or to.
    """
    kind = (kind or "month").strip()
    key = (key or "").strip()
    if kind not in KINDS:
        raise Invalid(
            _l("Loại kỳ báo cáo không hợp lệ."), code="invalid_period", details={"kind": kind}
        )
    if kind == "custom":
        return _parse_custom(first, last)
    if not key:
        return latest_ended(kind, today_local())
    try:
        if not key[:4].isdigit() or int(key[:4]) not in YEARS:
            raise ValueError(key)
        if kind == "week":
            year, number = key.split("-W")
            return week(int(year), int(number))
        if kind == "month":
            year, number = key.split("-")
            return month(int(year), int(number))
        if kind == "quarter":
            year, number = key.split("-Q")
            return quarter(int(year), int(number))
        if kind in CUMULATIVE:
            if key[4:] != f"-{CUMULATIVE_KEYS[kind]}":
                raise ValueError(key)
            key = key[:4]
        if len(key) != 4:
            raise ValueError(key)
        return cumulative(kind, int(key)) if kind in CUMULATIVE else year_period(int(key))
    except ValueError:
        raise Invalid(
            _l("Kỳ báo cáo không hợp lệ."),
            code="invalid_period",
            details={
                "period": _l(
                    "Dạng 2026-W47 (tuần), 2026-11 (tháng), 2026-Q4 (quý), 2026-6M (6 tháng), "
                    "2026-9M (9 tháng) hoặc 2026 (năm)."
                )
            },
        ) from None


def _parse_custom(first: str, last: str) -> Period:
    errors, days = {}, {}
    for name, text in (("from", first), ("to", last)):
        text = (text or "").strip()
        try:
            days[name] = date.fromisoformat(text)
        except ValueError:
            errors[name] = _l("Cần một ngày dạng YYYY-MM-DD.") if text else _l("Cần nhập ngày.")
    for name, day in days.items():
        if day.year not in YEARS:
            errors[name] = _l("Trong các năm %(first)s–%(last)s.", first=YEARS[0], last=YEARS[-1])
    if not errors and days["to"] < days["from"]:
        errors["to"] = _l("Ngày kết thúc phải từ ngày bắt đầu trở đi.")
    if not errors and (days["to"] - days["from"]).days >= MAX_DAYS:
        errors["to"] = _l("Một báo cáo dài nhất %(n)s ngày.", n=MAX_DAYS)
    if errors:
        raise Invalid(
            _l("Khoảng thời gian báo cáo chưa hợp lệ."), code="invalid_dates", details=errors
        )
    return custom(days["from"], days["to"])


def trend_buckets(period: Period) -> list[Period]:
    """The points of the chart: the last weeks or months up to the period, the report months of
    a quarter, of the first 6 or 9 months or of a year, the weeks (up to 92 days) or calendar
    months of a custom range."""
    if period.kind in ("week", "month"):
        buckets = [period]
        while len(buckets) < TREND_SIZE:
            buckets.append(previous(buckets[-1]))
        return buckets[::-1]
    if period.kind != "custom":
        year, months = int(period.key[:4]), range(1, 13)
        if period.kind == "quarter":
            months = range(3 * int(period.key[-1]) - 2, 3 * int(period.key[-1]) + 1)
        elif period.kind in CUMULATIVE:
            months = range(1, CUMULATIVE[period.kind] + 1)
        return [month(year, n) for n in months]
    weekly = period.end - period.start <= timedelta(days=92)
    buckets, start = [], period.start
    while start < period.end:
        if weekly:
            end = start + timedelta(days=7)
        else:
            end = date(*_add_months(start.year, start.month, 1), 1)
        end = min(end, period.end)
        buckets.append(custom(start, end - timedelta(days=1)))
        start = end
    return buckets
