"""The inbox page: its tabs, filters, search, sorting, pages, colours; claim, release, reassign."""

import re
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from motcua.extensions import db
from motcua.models import Dossier, Event, Task, TaskStatus, utcnow
from motcua.services.formdata import example_data

HOUSEHOLD, COPY = "1.001612", "2.000815"


def rows(html: str, ignore=frozenset()) -> list[tuple[str, int]]:
    """(colour class, task id) of each row of the inbox table, but the steps in ``ignore``."""
    found = re.findall(r'<tr class="([\w-]+)" data-task="(\d+)"', html)
    return [(c, int(t)) for c, t in found if int(t) not in ignore]


def row_ids(html: str, ignore=frozenset()) -> list[int]:
    return [task_id for _, task_id in rows(html, ignore)]


def history(app) -> set[int]:
    """The steps the demo's history already holds (the former district's open dossiers)."""
    with app.app_context():
        return set(db.session.scalars(select(Task.id)))


def active_task(app, code: str) -> SimpleNamespace:
    """The dossier's active step as plain values (read in an app context of its own)."""
    with app.app_context():
        task = db.session.scalar(
            select(Task)
            .join(Dossier, Dossier.id == Task.dossier_id)
            .where(Dossier.code == code, Task.status.in_(("open", "claimed")))
        )
        return SimpleNamespace(
            id=task.id,
            status=task.status,
            form=task.form,
            assignee=task.assignee.username if task.assignee else None,
        )


def events_of_task(app, task_id: int, kind: str | None = None) -> list[Event]:
    with app.app_context():
        query = select(Event).options(joinedload(Event.actor)).where(Event.task_id == task_id)
        if kind:
            query = query.where(Event.kind == kind)
        return list(db.session.scalars(query.order_by(Event.id)))


def finish_desk_step(app, login_as, code: str) -> SimpleNamespace:
    """The receiving officer completes the desk's check; returns the next (open) task."""
    desk = login_as("clo.mc1")
    first = active_task(app, code)
    response = desk.post(f"/tasks/{first.id}/complete", json={"data": example_data(first.form)})
    assert response.status_code == 200, response.get_json()
    return active_task(app, code)


def set_due(app, task_id: int, due_at) -> None:
    with app.app_context():
        db.session.execute(update(Task).where(Task.id == task_id).values(due_at=due_at))
        db.session.commit()


# -- tabs --------------------------------------------------------------------------------------


def test_the_inbox_is_the_first_menu_entry_and_a_specialist_s_home_page(officer):
    home = officer("clo.cv.tckh1").get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/inbox")
    html = officer("clo.mc1").page("/inbox")
    nav = re.search(r"<nav>(.*?)</nav>", html, re.S).group(1)
    assert re.findall(r'<a href="([^"]+)"', nav)[0] == "/inbox"
    assert "Hồ sơ cần xử lý" in nav


def test_each_tab_lists_its_own_tasks(app, officer, login_as, make_dossier):
    old = history(app)
    passed_on = make_dossier("CLO", HOUSEHOLD)["code"]
    held = make_dossier("CLO", HOUSEHOLD)["code"]
    desk_step = active_task(app, passed_on)
    review = finish_desk_step(app, login_as, passed_on)
    held_step = active_task(app, held)

    desk = officer("clo.mc1")
    mine = desk.page("/inbox")  # the first tab by default
    assert row_ids(mine, old) == [held_step.id]
    assert held in mine and "Nguyễn Thị Hoa" in mine and "Tiếp nhận, kiểm tra hồ sơ" in mine
    assert f'href="/dossiers/{held}"' in mine
    assert 'data-tab="overdue"' not in mine  # not a leader
    assert row_ids(desk.page("/inbox?tab=done"), old) == [desk_step.id]
    assert row_ids(desk.page("/inbox?tab=unit"), old) == []

    specialist = officer("clo.cv.tckh1")
    assert row_ids(specialist.page("/inbox?tab=unit"), old) == [review.id]
    assert row_ids(specialist.page("/inbox?tab=mine"), old) == []
    stranger = officer("hkh.cv.tckh1")
    assert row_ids(stranger.page("/inbox?tab=unit"), old) == []


def test_the_overdue_tab_is_for_leaders_of_the_unit(app, officer, login_as, make_dossier):
    old = history(app)
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    review = finish_desk_step(app, login_as, code)
    leader = officer("clo.ld.tckh")
    assert 'data-tab="overdue"' in leader.page("/inbox")
    assert row_ids(leader.page("/inbox?tab=overdue"), old) == []

    set_due(app, review.id, utcnow() - timedelta(hours=2))
    html = leader.page("/inbox?tab=overdue")
    assert rows(html, old) == [("overdue", review.id)]
    assert "Chưa có người nhận" in html
    assert row_ids(officer("hkh.ld.tckh").page("/inbox?tab=overdue")) == []
    assert officer("clo.cv.tckh1").get("/inbox?tab=overdue").status_code == 403


def test_rows_are_coloured_by_how_near_the_due_time_is(app, officer, login_as, make_dossier):
    codes = [make_dossier("CLO", HOUSEHOLD)["code"] for _ in range(3)]
    late, soon, far = (finish_desk_step(app, login_as, code) for code in codes)
    now = utcnow()
    set_due(app, late.id, now - timedelta(minutes=5))
    set_due(app, soon.id, now + timedelta(minutes=5))  # within one working day, whenever now is
    set_due(app, far.id, now + timedelta(days=30))
    html = officer("clo.cv.tckh2").page("/inbox?tab=unit")
    assert rows(html) == [("overdue", late.id), ("due-soon", soon.id), ("ontime", far.id)]


# -- filters, search, sorting, pages ---------------------------------------------------------


def test_filters_search_and_sorting(app, officer, make_dossier):
    hoa = make_dossier("CLO", HOUSEHOLD)["code"]
    other = {"name": "Trần Văn Bình", "id_number": "042190005678"}
    binh = make_dossier("CLO", COPY, applicant=other)["code"]
    hoa_task, binh_task = active_task(app, hoa), active_task(app, binh)
    now = utcnow()
    # Received first, due last: the two orders differ.
    set_due(app, hoa_task.id, now + timedelta(days=3))
    set_due(app, binh_task.id, now + timedelta(days=1))

    desk = officer("clo.mc1")
    assert row_ids(desk.page("/inbox")) == [binh_task.id, hoa_task.id]
    assert row_ids(desk.page("/inbox?sort=received")) == [hoa_task.id, binh_task.id]
    assert row_ids(desk.page(f"/inbox?procedure={COPY}")) == [binh_task.id]
    assert row_ids(desk.page("/inbox?q=văn bình")) == [binh_task.id]  # a part of the name
    assert row_ids(desk.page("/inbox?q=HOA")) == [hoa_task.id]  # in any case
    assert row_ids(desk.page("/inbox?q=042190005678")) == [binh_task.id]  # the ID
    assert row_ids(desk.page("/inbox?q=04219000567")) == [binh_task.id]  # or a part of it
    assert row_ids(desk.page(f"/inbox?q={hoa}")) == [hoa_task.id]
    assert row_ids(desk.page(f"/inbox?q={hoa[:-2].lower()}")) == [binh_task.id, hoa_task.id]
    assert row_ids(desk.page("/inbox?q=%25")) == []  # a wildcard is a plain character
    tomorrow = (now + timedelta(days=1)).astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    assert row_ids(desk.page(f"/inbox?due_before={tomorrow}")) == [binh_task.id]
    assert row_ids(desk.page("/inbox?status=open")) == []
    assert row_ids(desk.page("/inbox?status=claimed")) == [binh_task.id, hoa_task.id]
    html = desk.page(f"/inbox?procedure={COPY}")
    assert f'<option value="{COPY}" selected>' in html and "1 công việc" in html


def test_bad_filters_are_refused(officer):
    desk = officer("clo.mc1")
    assert desk.get("/inbox?due_before=31/12/2026").status_code == 422
    assert desk.get("/inbox?procedure=9.999999").status_code == 422
    assert desk.get("/inbox?tab=all").status_code == 422


def test_the_inbox_is_paginated_by_fifty(app, officer, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    held = active_task(app, code)
    with app.app_context():  # 54 more steps held by the same officer, due later
        task = db.session.get(Task, held.id)
        columns = {c.key: getattr(task, c.key) for c in Task.__table__.columns if c.key != "id"}
        db.session.add_all(
            Task(**{**columns, "due_at": task.due_at + timedelta(hours=n + 1)}) for n in range(54)
        )
        db.session.commit()

    desk = officer("clo.mc1")
    first = desk.page("/inbox")
    assert len(rows(first)) == 50 and "55 công việc" in first and "trang 1/2" in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = desk.page("/inbox?page=2")
    assert len(rows(second)) == 5 and 'rel="prev"' in second
    assert not set(row_ids(first)) & set(row_ids(second))
    assert row_ids(first)[0] == held.id  # the earliest due comes first
    assert 'data-tab="mine"' in first and "(55)" in first
    filtered = desk.page("/inbox?page=2&sort=received&q=nguyễn")
    previous = re.search(r'href="([^"]+)" rel="prev"', filtered).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(previous).query) == {
        "tab": ["mine"],
        "page": ["1"],
        "sort": ["received"],
        "q": ["nguyễn"],
    }


# -- claim, release, reassign ------------------------------------------------------------------


def test_claim_and_release_from_the_inbox(app, officer, login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    review = finish_desk_step(app, login_as, code)
    one, two = officer("clo.cv.tckh1"), officer("clo.cv.tckh2")

    claimed = one.post(f"/tasks/{review.id}/claim", data={"next": "/inbox?tab=unit"})
    assert claimed.status_code == 302 and claimed.headers["Location"] == "/inbox?tab=unit"
    after = one.page("/inbox?tab=unit")
    assert "Đã nhận xử lý" in after and row_ids(after) == []
    assert row_ids(one.page("/inbox")) == [review.id]

    taken = two.post(f"/tasks/{review.id}/claim", data={"next": "/inbox?tab=unit"})
    assert taken.status_code == 302
    assert "đang do" in two.page("/inbox?tab=unit")
    assert active_task(app, code).assignee == "clo.cv.tckh1"

    assert one.post(f"/tasks/{review.id}/release").status_code == 302
    assert row_ids(one.page("/inbox")) == []
    assert row_ids(two.page("/inbox?tab=unit")) == [review.id]
    assert [e.kind for e in events_of_task(app, review.id)] == ["claimed", "released"]


def test_an_action_without_the_csrf_token_is_refused(app, officer, login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    review = finish_desk_step(app, login_as, code)
    specialist = officer("clo.cv.tckh1")
    assert specialist.client.post(f"/tasks/{review.id}/claim").status_code == 400
    assert active_task(app, code).status == TaskStatus.OPEN


def test_a_leader_reassigns_a_task_with_a_reason(app, officer, login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    review = finish_desk_step(app, login_as, code)
    leader = officer("clo.ld.tckh")
    page = leader.page(f"/tasks/{review.id}")
    assert 'name="assignee"' in page
    assert '<option value="clo.cv.tckh1"' in page and '<option value="clo.cv.tckh2"' in page
    assert '<option value="clo.cv.tp1"' not in page

    reason = "Chị Bình đi công tác, giao anh An xử lý."
    response = leader.post(
        f"/tasks/{review.id}/reassign", data={"assignee": "clo.cv.tckh2", "reason": reason}
    )
    assert response.status_code == 302
    task = active_task(app, code)
    assert task.status == TaskStatus.CLAIMED and task.assignee == "clo.cv.tckh2"
    assert row_ids(officer("clo.cv.tckh2").page("/inbox")) == [review.id]
    leader.post(f"/tasks/{review.id}/reassign", data={"assignee": "clo.cv.tckh1", "reason": "Lại"})
    events = events_of_task(app, review.id, "reassigned")
    assert [(e.note, e.data, e.actor.username) for e in events] == [
        (reason, {"from": None, "to": "clo.cv.tckh2"}, "clo.ld.tckh"),
        ("Lại", {"from": "clo.cv.tckh2", "to": "clo.cv.tckh1"}, "clo.ld.tckh"),
    ]
    assert reason in leader.page(f"/tasks/{review.id}")  # in the history


def test_reassigning_needs_a_leader_a_reason_and_a_handler(app, officer, login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    review = finish_desk_step(app, login_as, code)
    url = f"/tasks/{review.id}/reassign"

    specialist = officer("clo.cv.tckh1")
    assert 'name="assignee"' not in specialist.page(f"/tasks/{review.id}")
    refused = specialist.post(url, data={"assignee": "clo.cv.tckh1", "reason": "Tôi làm."})
    assert refused.status_code == 403

    leader = officer("clo.ld.tckh")
    no_reason = leader.post(url, data={"assignee": "clo.cv.tckh2", "reason": "  "})
    assert no_reason.status_code == 422
    html = no_reason.get_data(as_text=True)
    assert re.search(r'id="reassign-reason".*?</textarea>\s*<p class="field-error">', html, re.S)
    assert '<option value="clo.cv.tckh2" selected>' in html  # the choice is kept
    wrong = leader.post(url, data={"assignee": "clo.cv.tp1", "reason": "Nhầm phòng."})
    assert wrong.status_code == 422
    assert "không phải người xử lý bước này" in wrong.get_data(as_text=True)
    assert (
        officer("hkh.ld.tckh").post(url, data={"assignee": "x", "reason": "y"}).status_code == 404
    )
    task = active_task(app, code)
    assert task.assignee is None and task.status == TaskStatus.OPEN
    assert events_of_task(app, review.id, "reassigned") == []
