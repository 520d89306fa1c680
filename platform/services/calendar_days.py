"""Changing the province's own days in the working calendar (calendar_days): adding a day off or a
worked day, changing its note, removing it, each checked, with the deadlines that follow. Only a
system admin changes them; the year's calendar as admins see it is motcua.services.calendar_year.

What a change does to deadlines
-------------------------------
A step's deadline (Task.due_at) is set once, when the step becomes ready: its ready time
(Task.created_at) plus its time limit (Task.time_limit) in working time on the calendar of that
moment (`motcua.services.workflow._open_task`). When the calendar changes, the steps still
being worked (open or claimed) get their deadline counted again from that same start, with the
same limit, on the new calendar, in the transaction that changes the calendar: an officer's
inbox then shows the deadline the rules give, and a day declared off is not counted against
anyone. Done and cancelled steps keep theirs: they are history, judged by the rules of their
time.

Only the steps whose counting could touch the changed day are read: ready before the end of
that day (counting cannot reach back before the start) and due on or after its beginning
(counting stops at the deadline, so a later day cannot change it). This holds because every
change of the calendar goes through this module and leaves every open deadline in line with
the calendar.

Dossiers' appointments (Dossier.appointment_at) are NOT changed. The appointment is printed on
the receipt given to the applicant ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả", Decree
118/2025/NĐ-CP art. 17.3 as amended by Decree 309/2026/NĐ-CP): it is a promise already made to a
citizen, who plans around it and who would not learn of a silently moved date. A later
appointment would break the promise, and an earlier one would make a dossier overdue that the
unit planned for in good faith. If the unit cannot keep it, the rules have their own way: an
apology slip with a new appointment.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, or_, select, update

from motcua import unit_of_work
from motcua.errors import Conflict, Invalid, NotFound
from motcua.extensions import db
from motcua.models import ACTIVE_TASK_STATUSES, CalendarDay, CalendarDayKind, Task, User
from motcua.services import audit, deadlines, org
from motcua.services.calendar_year import edit_range, fmt
from motcua.services.workflow import task_due_at
from motcua.vocabulary import in_sentence, in_vietnamese
from motcua.workcalendar import WorkCalendar

NOTE_MAX = 255
WEEKDAY_NAMES = (
    _l("Thứ Hai"),
    _l("Thứ Ba"),
    _l("Thứ Tư"),
    _l("Thứ Năm"),
    _l("Thứ Sáu"),
    _l("Thứ Bảy"),
    _l("Chủ nhật"),
)


@dataclass(frozen=True)
class Change:
    """What a change did: the day, its kind and note (as they were, for a removed day), and how
    many open steps had their deadline counted again and how many of those moved."""

    day: date
    kind: CalendarDayKind
    note: str
    tasks_recomputed: int
    tasks_moved: int
    changed: bool = True  # False: the form asked for what was already there
    recounted: bool = True  # whether the deadlines were counted again (not for a note)


# -- changing ------------------------------------------------------------------------------


def add_day(actor: User, day: str, kind: str, note: str) -> Change:
    """Declare a province day: an extra day off, or a weekend day worked in exchange.

    `day` is an ISO date (YYYY-MM-DD), `kind` "day_off" or "working_day", `note` the reason
    (required). Recomputes the deadlines of the open steps it touches; records
    "calendar.add". Raises Forbidden unless the actor is a system admin; Invalid (details by
    field: day, kind, note) for a bad or pointless day; Conflict if another admin added the
    same day at the same moment.
    """
    org.require_system_admin(actor)
    cal = deadlines.calendar()
    errors: dict[str, str] = {}
    parsed = _parse_day(day, cal, errors)
    chosen = _parse_kind(kind, errors)
    note = _parse_note(note, errors)
    if parsed and "day" not in errors:
        existing = db.session.get(CalendarDay, parsed)
        if existing is not None:
            errors["day"] = _l(
                "Ngày %(day)s đã có trong lịch của tỉnh (%(kind)s); hãy sửa hoặc xóa mục đó.",
                day=fmt(parsed),
                kind=in_sentence(CalendarDayKind(existing.kind).label),
            )
        elif chosen:
            _check_kind(parsed, chosen, cal, errors)
    _raise_if(errors)

    db.session.add(CalendarDay(day=parsed, kind=chosen, note=note, created_by_id=actor.id))
    _flush()
    recomputed, moved = _recompute_open_tasks(parsed)
    label = in_vietnamese(chosen.label).lower()
    audit.record(
        actor,
        "calendar.add",
        "calendar_day",
        parsed.isoformat(),
        f"Thêm {label} {fmt(parsed)}: {note}",
        data={
            "kind": chosen.value,
            "note": note,
            "tasks_recomputed": recomputed,
            "tasks_moved": moved,
        },
    )
    return Change(parsed, chosen, note, recomputed, moved)


def update_day(actor: User, day: str, note: str) -> Change:
    """Change the note of a province day.

    Only the note: the date is the day's identity (to move a day, remove it and add the new
    one), and its kind follows from the date, since each kind is allowed only where it changes
    the national calendar (a day off on a day it has worked, a worked day on a day it has off).
    Records "calendar.update" (nothing if nothing changed); no deadline moves. Raises Forbidden
    unless the actor is a system admin, NotFound if the province has no such day, Invalid
    (details: note) for a missing or too long note.
    """
    org.require_system_admin(actor)
    row = _existing(day)
    errors: dict[str, str] = {}
    note = _parse_note(note, errors)
    _raise_if(errors)
    kind, old_note = CalendarDayKind(row.kind), row.note
    if note == old_note:
        return Change(row.day, kind, note, 0, 0, changed=False, recounted=False)
    row.note = note
    audit.record(
        actor,
        "calendar.update",
        "calendar_day",
        row.day.isoformat(),
        f"Sửa ghi chú ngày {fmt(row.day)}: {note}",
        data={"kind": kind.value, "note": note, "old_note": old_note, "tasks_recomputed": 0},
    )
    return Change(row.day, kind, note, 0, 0, recounted=False)


def remove_day(actor: User, day: str) -> Change:
    """Remove a province day: the date follows the national calendar again.

    Records "calendar.remove" and recomputes deadlines. Raises Forbidden unless the actor is a
    system admin, NotFound if the province has no such day.
    """
    org.require_system_admin(actor)
    row = _existing(day)
    removed_day, kind, note = row.day, CalendarDayKind(row.kind), row.note
    db.session.delete(row)
    _flush()
    recomputed, moved = _recompute_open_tasks(removed_day)
    audit.record(
        actor,
        "calendar.remove",
        "calendar_day",
        removed_day.isoformat(),
        f"Xóa {in_vietnamese(kind.label).lower()} {fmt(removed_day)} ({note})",
        data={
            "kind": kind.value,
            "note": note,
            "tasks_recomputed": recomputed,
            "tasks_moved": moved,
        },
    )
    return Change(removed_day, kind, note, recomputed, moved)


def _recompute_open_tasks(day: date) -> tuple[int, int]:
    """Count the deadlines of the open steps whose counting may touch `day` again, on the
    calendar as it now is in this transaction (flushed). Returns (recomputed, moved).

    The start and the limit are those the step got its deadline from when it became ready
    (see the module docstring); one query reads them, one executemany writes the moved ones.
    """
    cal = deadlines.calendar()  # keyed on the table's rows: it sees the flushed change
    day_start = datetime.combine(day, time(), cal.tz)
    day_end = datetime.combine(day + timedelta(days=1), time(), cal.tz)
    rows = db.session.execute(
        select(Task.id, Task.created_at, Task.time_limit, Task.due_at).where(
            Task.status.in_(ACTIVE_TASK_STATUSES),
            Task.created_at < day_end,
            Task.due_at >= day_start,
        )
    ).all()
    moved = []
    for task_id, start, time_limit, due_at in rows:
        new_due = task_due_at(cal, start, time_limit)
        if new_due != due_at:
            moved.append({"task_id": task_id, "new_due": new_due})
    if moved:
        tasks = Task.__table__
        db.session.execute(
            update(tasks)
            .where(tasks.c.id == bindparam("task_id"))
            # A step done meanwhile keeps its deadline (IN cannot go into an executemany).
            .where(or_(*(tasks.c.status == status for status in ACTIVE_TASK_STATUSES)))
            .values(due_at=bindparam("new_due")),
            moved,
        )
    return len(rows), len(moved)


# -- validation ----------------------------------------------------------------------------


def _existing(day: str) -> CalendarDay:
    try:
        parsed = date.fromisoformat(day)
    except (TypeError, ValueError):
        parsed = None
    row = db.session.get(CalendarDay, parsed) if parsed else None
    if row is None:
        raise NotFound(_l("Lịch của tỉnh không có ngày này."), code="calendar_day_not_found")
    return row


def _parse_day(text: str, cal: WorkCalendar, errors: dict) -> date | None:
    text = (text or "").strip()
    if not text:
        errors["day"] = _l("Chọn ngày.")
        return None
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        errors["day"] = _l(
            "«%(text)s» không phải là một ngày hợp lệ (cần dạng năm-tháng-ngày).", text=text
        )
        return None
    first, last = edit_range(cal)
    if not first <= parsed <= last:
        errors["day"] = _l(
            "Chỉ khai báo được ngày từ %(first)s đến %(last)s.", first=fmt(first), last=fmt(last)
        )
    return parsed


def _parse_kind(text: str, errors: dict) -> CalendarDayKind | None:
    try:
        return CalendarDayKind(text)
    except ValueError:
        errors["kind"] = _l("Chọn loại ngày: ngày nghỉ hoặc ngày làm việc.")
        return None


def _parse_note(text: str, errors: dict) -> str:
    note = " ".join((text or "").split())
    if not note:
        errors["note"] = _l("Ghi rõ lý do (ví dụ: số văn bản của UBND tỉnh).")
    elif len(note) > NOTE_MAX:
        errors["note"] = _l(
            "Ghi chú dài tối đa %(limit)s ký tự (hiện %(n)s).", limit=NOTE_MAX, n=len(note)
        )
    return note


def _check_kind(day: date, kind: CalendarDayKind, cal: WorkCalendar, errors: dict) -> None:
    """A province day must change something: an extra day off falls on a day that the national
    calendar has worked, a worked day on a weekend day that it has off."""
    holiday = cal.holidays_in(day.year).get(day)
    weekend = day.weekday() >= 5
    national_worked = day in cal.national_working_days_in(day.year)
    weekday = WEEKDAY_NAMES[day.weekday()]
    if kind == CalendarDayKind.DAY_OFF:
        if holiday:
            errors["kind"] = _l(
                "Ngày %(day)s đã là ngày nghỉ lễ «%(holiday)s»: không cần khai báo thêm.",
                day=fmt(day),
                holiday=holiday,
            )
        elif weekend and not national_worked:
            errors["kind"] = _l(
                "Ngày %(day)s là %(weekday)s, vốn đã là ngày nghỉ.", day=fmt(day), weekday=weekday
            )
        return
    if not weekend and holiday:
        # Correcting the national calendar: `holidays` guesses the government's bridge days,
        # and a province follows the decision actually published.
        return
    if not weekend:
        errors["kind"] = _l(
            "Ngày làm việc bù chỉ khai báo vào Thứ Bảy, Chủ nhật hoặc một ngày nghỉ lễ mà "
            "tỉnh đi làm; %(day)s là %(weekday)s bình thường.",
            day=fmt(day),
            weekday=weekday,
        )
    elif holiday:
        errors["kind"] = _l(
            "Ngày %(day)s là ngày nghỉ lễ «%(holiday)s» rơi vào cuối tuần.",
            day=fmt(day),
            holiday=holiday,
        )
    elif national_worked:
        errors["kind"] = _l(
            "Ngày %(day)s đã là ngày làm việc bù theo lịch của Nhà nước.", day=fmt(day)
        )


def _raise_if(errors: dict) -> None:
    if errors:
        raise Invalid(
            _l("Chưa lưu: kiểm tra lại các ô được đánh dấu."), code="invalid_day", details=errors
        )


def _flush() -> None:
    """Flush the change to the province's days, turning a race with another admin on the same
    day into a conflict (the boundary then rolls the change back); the calendar is read again
    from then on."""
    unit_of_work.flush(
        Conflict(_l("Ngày này vừa được người khác thay đổi; hãy tải lại trang."), code="conflict")
    )
    deadlines.forget_calendar()
