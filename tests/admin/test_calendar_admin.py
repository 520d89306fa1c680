"""The working-calendar admin: the year page, the province's days, and the deadlines they move."""

import re
from datetime import date, datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from motcua.extensions import db
from motcua.models import (
    AuditEntry,
    CalendarDay,
    CalendarDayKind,
    Dossier,
    Task,
    TaskStatus,
    User,
)
from motcua.services.deadlines import calendar_for

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
THIS_YEAR = datetime.now(TZ).year


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


MON, TUE, WED, THU = (date(2027, 3, d) for d in (1, 2, 3, 4))
FRI, SAT, SUN, NEXT_MON, NEXT_TUE = (date(2027, 3, d) for d in (5, 6, 7, 8, 9))


def flashes(html: str) -> list[str]:
    return [unescape(m) for m in re.findall(r'<p class="flash[^"]*"[^>]*>([^<]*)</p>', html)]


def field_errors(html: str) -> list[str]:
    return [unescape(m) for m in re.findall(r'class="field-error"[^>]*>([^<]*)<', html)]


def step_of(app, code: str) -> int:
    """The id of the dossier's (first) active step."""
    with app.app_context():
        return db.session.scalar(
            select(Task.id)
            .join(Dossier, Dossier.id == Task.dossier_id)
            .where(Dossier.code == code, Task.status.in_(("open", "claimed")))
        )


def place(app, task_id: int, *, ready: datetime, due: datetime, status: str | None = None):
    """Make a step ready at a known time with a 2-working-day limit and the due time the
    national calendar gives it (what the workflow would have stored then)."""
    values = {"created_at": ready, "time_limit": "2d", "due_at": due}
    if status:
        values["status"] = status
    with app.app_context():
        db.session.execute(update(Task).where(Task.id == task_id).values(**values))
        db.session.commit()


def due_of(app, task_id: int) -> datetime:
    with app.app_context():
        return db.session.get(Task, task_id).due_at


def appointment_of(app, code: str) -> datetime:
    with app.app_context():
        return db.session.scalar(select(Dossier.appointment_at).where(Dossier.code == code))


def province_days(app) -> list[tuple]:
    with app.app_context():
        return list(
            db.session.execute(select(CalendarDay.day, CalendarDay.kind, CalendarDay.note)).all()
        )


def calendar_audit(app) -> list[AuditEntry]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.target_type == "calendar_day")
                .order_by(AuditEntry.id)
            )
        )


def add(pages, day, kind="day_off", note="Quyết định 123/QĐ-UBND", year="2027"):
    return pages.post(
        "/admin/calendar/days", data={"day": day, "kind": kind, "note": note, "year": year}
    )


# -- the year page -----------------------------------------------------------------------------


def test_the_year_page_lists_holidays_weekends_and_the_province_days(officer):
    admin = officer("admin")
    response = add(admin, "2026-12-31", note="Nghỉ cuối năm theo QĐ 99/QĐ-UBND", year="2026")
    assert response.status_code == 302
    html = admin.page("/admin/calendar?year=2026")

    assert "Lịch làm việc năm 2026" in html
    assert "Giao thừa Tết Nguyên Đán" in html and "Mùng bốn Tết Nguyên Đán" in html
    assert re.search(r'data-day="2026-09-02" class="cal-holiday">\s*<td>02/09/2026', html)
    assert "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)" in html  # an observed day
    assert "Ngày nghỉ (thay cho ngày 22/08/2026)" in html  # a bridge day…
    assert 'class="cal-national-work" data-day="2026-08-22"' in html  # …and its worked Saturday
    assert 'class="cal-weekend" data-day="2026-01-03"' in html  # a Saturday
    assert 'class="cal-holiday" data-day="2026-02-17"' in html
    assert 'class="" data-day="2026-01-05"' in html  # a plain Monday

    row = re.search(r'<tr data-day="2026-12-31" class="cal-off">(.*?)</tr>', html, re.S).group(1)
    assert "Ngày nghỉ của tỉnh" in row
    assert "Nghỉ cuối năm theo QĐ 99/QĐ-UBND" in row
    assert "Quản trị hệ thống" in row  # who added it
    assert 'class="cal-off" data-day="2026-12-31"' in html
    # 365 days − 104 weekend days − 13 holidays on weekdays + 1 worked Saturday − the province day
    assert "Năm 2026 có 248 ngày làm việc." in html

    assert 'href="/admin/calendar?year=2025"' in html and 'href="/admin/calendar?year=2027"' in html


def test_the_page_shows_this_year_by_default_and_refuses_a_bad_year(officer):
    admin = officer("admin")
    assert f"Lịch làm việc năm {THIS_YEAR}" in admin.page("/admin/calendar")
    for bad in ("abc", "1900", str(THIS_YEAR + 11)):
        response = admin.get(f"/admin/calendar?year={bad}")
        assert response.status_code == 422
        assert "Năm phải là một số từ" in response.get_data(as_text=True)


def test_the_menu_has_the_calendar_for_admins_and_supervisors_only(officer):
    for username in ("admin", "clo.qt", "hti.giamsat"):
        assert 'href="/admin/calendar"' in officer(username).page("/inbox"), username
    specialist = officer("clo.cv.tckh1")
    assert 'href="/admin/calendar"' not in specialist.page("/inbox")
    assert specialist.get("/admin/calendar").status_code == 403


# -- deadlines follow the calendar -------------------------------------------------------------


def test_a_day_off_moves_open_deadlines_but_not_done_steps_nor_appointments(
    app, officer, make_dossier
):
    admin = officer("admin")
    codes = [make_dossier()["code"] for _ in range(3)]
    claimed, opened, done = (step_of(app, code) for code in codes)
    # Ready Monday 09:00, 2 working days → Wednesday 09:00 on the national calendar.
    place(app, claimed, ready=at(MON), due=at(WED))
    place(app, opened, ready=at(MON), due=at(WED), status="open")
    place(app, done, ready=at(MON), due=at(WED), status="done")
    appointments = [appointment_of(app, code) for code in codes]

    response = add(admin, TUE.isoformat(), note="Nghỉ phục vụ sự kiện của tỉnh")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/calendar?year=2027"
    html = admin.page("/admin/calendar?year=2027")
    assert flashes(html) == [
        "Đã thêm ngày nghỉ của tỉnh 02/03/2027. 2 bước đang mở đã được tính lại hạn; "
        "ngày hẹn trả của hồ sơ không đổi."
    ]
    assert due_of(app, claimed) == at(THU)  # one working day later
    assert due_of(app, opened) == at(THU)
    assert due_of(app, done) == at(WED)  # history keeps its rules
    assert [appointment_of(app, code) for code in codes] == appointments
    assert province_days(app) == [(TUE, "day_off", "Nghỉ phục vụ sự kiện của tỉnh")]

    response = admin.post(f"/admin/calendar/days/{TUE.isoformat()}/remove")
    assert response.status_code == 302
    assert flashes(admin.page("/admin/calendar?year=2027")) == [
        "Đã xóa ngày 02/03/2027 khỏi lịch của tỉnh. 2 bước đang mở đã được tính lại hạn; "
        "ngày hẹn trả của hồ sơ không đổi."
    ]
    assert due_of(app, claimed) == at(WED) and due_of(app, opened) == at(WED)
    assert due_of(app, done) == at(WED)
    assert [appointment_of(app, code) for code in codes] == appointments
    assert province_days(app) == []

    added, removed = calendar_audit(app)
    assert (added.action, added.target_key) == ("calendar.add", "2027-03-02")
    assert added.data == {
        "kind": "day_off",
        "note": "Nghỉ phục vụ sự kiện của tỉnh",
        "tasks_recomputed": 2,
        "tasks_moved": 2,
    }
    assert added.summary == "Thêm ngày nghỉ của tỉnh 02/03/2027: Nghỉ phục vụ sự kiện của tỉnh"
    assert (removed.action, removed.target_key) == ("calendar.remove", "2027-03-02")
    assert removed.data["kind"] == "day_off" and removed.data["tasks_recomputed"] == 2
    with app.app_context():
        actors = db.session.scalars(
            select(User.username)
            .join(AuditEntry, AuditEntry.actor_id == User.id)
            .where(AuditEntry.target_type == "calendar_day")
        )
        assert set(actors) == {"admin"}


def test_a_worked_saturday_brings_a_deadline_forward(app, officer, make_dossier):
    admin = officer("admin")
    task = step_of(app, make_dossier()["code"])
    # Ready Friday 09:00, 2 working days → Tuesday 09:00 over the weekend.
    place(app, task, ready=at(FRI), due=at(NEXT_TUE))
    assert add(admin, SAT.isoformat(), kind="working_day", note="Làm bù").status_code == 302
    assert flashes(admin.page("/admin/calendar?year=2027")) == [
        "Đã thêm ngày làm việc bù 06/03/2027. 1 bước đang mở đã được tính lại hạn; "
        "ngày hẹn trả của hồ sơ không đổi."
    ]
    assert due_of(app, task) == at(NEXT_MON)
    assert calendar_audit(app)[-1].data["kind"] == "working_day"


def test_only_steps_whose_counting_reaches_the_day_are_recomputed(app, officer, make_dossier):
    admin = officer("admin")
    before, after, across = (step_of(app, make_dossier()["code"]) for _ in range(3))
    place(app, before, ready=at(MON), due=at(WED))  # done counting before Friday
    place(app, after, ready=at(NEXT_MON), due=at(date(2027, 3, 10)))  # ready after Friday
    place(app, across, ready=at(THU), due=at(NEXT_MON))  # counts through Friday
    add(admin, FRI.isoformat())
    assert calendar_audit(app)[-1].data["tasks_recomputed"] == 1
    assert due_of(app, before) == at(WED)
    assert due_of(app, after) == at(date(2027, 3, 10))
    assert due_of(app, across) == at(NEXT_TUE)


def test_changing_the_note_moves_no_deadline(app, officer, make_dossier):
    admin = officer("admin")
    task = step_of(app, make_dossier()["code"])
    place(app, task, ready=at(MON), due=at(WED))
    add(admin, TUE.isoformat(), note="Dự kiến")
    admin.page("/admin/calendar?year=2027")  # shows (and clears) the message of the addition
    assert due_of(app, task) == at(THU)

    response = admin.post(
        f"/admin/calendar/days/{TUE.isoformat()}/update", data={"note": "QĐ 45/QĐ-UBND"}
    )
    assert response.status_code == 302
    assert flashes(admin.page("/admin/calendar?year=2027")) == ["Đã sửa ngày 02/03/2027."]
    assert province_days(app) == [(TUE, "day_off", "QĐ 45/QĐ-UBND")]
    assert due_of(app, task) == at(THU)
    entry = calendar_audit(app)[-1]
    assert entry.action == "calendar.update"
    assert entry.data == {
        "kind": "day_off",
        "note": "QĐ 45/QĐ-UBND",
        "old_note": "Dự kiến",
        "tasks_recomputed": 0,
    }

    admin.post(f"/admin/calendar/days/{TUE.isoformat()}/update", data={"note": "QĐ 45/QĐ-UBND"})
    assert flashes(admin.page("/admin/calendar?year=2027")) == ["Không có gì thay đổi."]
    assert len(calendar_audit(app)) == 2


def test_the_cached_calendar_and_the_deadline_api_follow_the_changes(app, officer, login_as):
    with app.app_context():
        assert calendar_for(db.session, app.config).is_working_day(TUE)
    api = login_as("clo.mc1")
    query = "/calendar/deadline?start=2027-03-01T09:00:00%2B07:00&days=2"
    assert api.get(query).get_json()["deadline"] == "2027-03-03T09:00:00+07:00"

    admin = officer("admin")
    add(admin, TUE.isoformat())
    with app.app_context():
        assert not calendar_for(db.session, app.config).is_working_day(TUE)
    assert api.get(query).get_json()["deadline"] == "2027-03-04T09:00:00+07:00"

    admin.post(f"/admin/calendar/days/{TUE.isoformat()}/remove")
    with app.app_context():
        assert calendar_for(db.session, app.config).is_working_day(TUE)
    assert api.get(query).get_json()["deadline"] == "2027-03-03T09:00:00+07:00"


# -- bad input ----------------------------------------------------------------------------------

BAD = [
    (
        "2027-03-03",
        "working_day",
        "x",
        "một ngày nghỉ lễ mà tỉnh đi làm; 03/03/2027 là Thứ Tư bình thường",
    ),
    ("2027-01-01", "day_off", "x", "đã là ngày nghỉ lễ «Tết Dương lịch»"),
    ("2027-03-06", "day_off", "x", "Ngày 06/03/2027 là Thứ Bảy, vốn đã là ngày nghỉ."),
    ("2027-02-06", "working_day", "x", "là ngày nghỉ lễ «Tết Nguyên Đán» rơi vào cuối tuần"),
    ("2026-08-22", "working_day", "x", "đã là ngày làm việc bù theo lịch của Nhà nước"),
    ("2027-03-02", "day_off", "   ", "Ghi rõ lý do"),
    ("2027-03-02", "day_off", "x" * 256, "Ghi chú dài tối đa 255 ký tự"),
    ("2027-02-30", "day_off", "x", "«2027-02-30» không phải là một ngày hợp lệ"),
    ("02/03/2027", "day_off", "x", "không phải là một ngày hợp lệ"),
    ("", "day_off", "x", "Chọn ngày."),
    (f"{THIS_YEAR + 6}-01-04", "day_off", "x", "Chỉ khai báo được ngày từ 01/01/"),
    (f"{THIS_YEAR - 6}-12-28", "day_off", "x", f"đến 31/12/{THIS_YEAR + 5}."),
    ("2027-03-02", "holiday", "x", "Chọn loại ngày"),
]


@pytest.mark.parametrize(("day", "kind", "note", "message"), BAD)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(
    app, officer, make_dossier, day, kind, note, message
):
    admin = officer("admin")
    task = step_of(app, make_dossier()["code"])
    place(app, task, ready=at(MON), due=at(WED))
    response = add(admin, day, kind=kind, note=note)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Chưa lưu: kiểm tra lại các ô được đánh dấu." in html
    assert any(message in error for error in field_errors(html)), field_errors(html)
    assert f'value="{note}"' in html or not note.strip()  # what was typed is kept
    assert province_days(app) == []
    assert calendar_audit(app) == []
    assert due_of(app, task) == at(WED)


def test_several_mistakes_are_reported_together(officer):
    html = add(officer("admin"), "2027-03-03", kind="working_day", note="").get_data(as_text=True)
    assert field_errors(html) == [
        "Ngày làm việc bù chỉ khai báo vào Thứ Bảy, Chủ nhật hoặc một ngày nghỉ lễ mà tỉnh "
        "đi làm; 03/03/2027 là Thứ Tư bình thường.",
        "Ghi rõ lý do (ví dụ: số văn bản của UBND tỉnh).",
    ]


def test_a_day_already_declared_cannot_be_added_twice_and_bad_edits_change_nothing(app, officer):
    admin = officer("admin")
    add(admin, TUE.isoformat(), note="Lần đầu")
    response = add(admin, TUE.isoformat(), note="Lần hai")
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True)) == [
        "Ngày 02/03/2027 đã có trong lịch của tỉnh (ngày nghỉ của tỉnh); hãy sửa hoặc xóa mục đó."
    ]
    response = admin.post(f"/admin/calendar/days/{TUE.isoformat()}/update", data={"note": " "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<details open>" in html  # the row's form is shown open, with its message
    assert field_errors(html) == ["Ghi rõ lý do (ví dụ: số văn bản của UBND tỉnh)."]
    assert province_days(app) == [(TUE, "day_off", "Lần đầu")]
    assert [e.action for e in calendar_audit(app)] == ["calendar.add"]
    for path in ("2027-03-03/update", "2027-03-03/remove", "not-a-day/remove"):
        assert admin.post(f"/admin/calendar/days/{path}", data={"note": "x"}).status_code == 404
    assert province_days(app) == [(TUE, "day_off", "Lần đầu")]


# -- who may change it --------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["clo.qt", "hti.giamsat"])
def test_unit_admins_and_supervisors_see_the_calendar_read_only(app, officer, username):
    add(officer("admin"), TUE.isoformat(), note="Nghỉ của tỉnh")
    pages = officer(username)
    html = pages.page("/admin/calendar?year=2027")
    assert "Nghỉ của tỉnh" in html and "Tết Nguyên Đán" in html
    assert "Bạn chỉ xem lịch" in html
    assert 'name="note"' not in html and "/admin/calendar/days" not in html
    for path, data in (
        ("/admin/calendar/days", {"day": "2027-03-03", "kind": "day_off", "note": "x"}),
        (f"/admin/calendar/days/{TUE.isoformat()}/update", {"note": "đổi"}),
        (f"/admin/calendar/days/{TUE.isoformat()}/remove", {}),
    ):
        assert pages.post(path, data=data).status_code == 403, path
    assert province_days(app) == [(TUE, "day_off", "Nghỉ của tỉnh")]
    assert [e.action for e in calendar_audit(app)] == ["calendar.add"]


def test_a_cancelled_step_keeps_its_deadline(app, officer, make_dossier):
    task = step_of(app, make_dossier()["code"])
    place(app, task, ready=at(MON), due=at(WED), status="cancelled")
    add(officer("admin"), TUE.isoformat())
    with app.app_context():
        row = db.session.get(Task, task)
        assert (row.status, row.due_at) == (TaskStatus.CANCELLED, at(WED))
    assert calendar_audit(app)[-1].data["tasks_recomputed"] == 0


def test_a_weekday_holiday_can_be_made_a_working_day_to_follow_the_governments_decision(
    app, officer
):
    """`holidays` guesses the bridge days; a province follows the decision actually published."""
    with app.app_context():
        cal = calendar_for(db.session, app.config)
    weekday_holiday = next(d for d in cal.holidays_in(2027) if d.weekday() < 5)
    admin = officer("admin")
    response = admin.post(
        "/admin/calendar/days",
        data={
            "day": weekday_holiday.isoformat(),
            "kind": "working_day",
            "note": "Theo Công văn của UBND tỉnh",
        },
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CalendarDay, weekday_holiday).kind == CalendarDayKind.WORKING_DAY
        assert calendar_for(db.session, app.config).is_working_day(weekday_holiday)
