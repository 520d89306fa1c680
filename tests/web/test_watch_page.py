"""The overdue watch page: who may open it, what it lists, its filters and its links.

The page reads the real clock, so the steps' due times and the appointments are set relative to
now on the working calendar (the rules themselves are tested on a fixed clock in
tests/services/test_watch.py).
"""

import re
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Apology, Dossier, DossierStatus, Task, TaskStatus, User, utcnow
from motcua.services.deadlines import calendar_for


def nav(html: str) -> str:
    return re.search(r"<nav>(.*?)</nav>", html, re.S).group(1)


def listed(html: str) -> dict[str, list[str]]:
    """section → the dossier codes of its rows, in page order."""
    found: dict[str, list[str]] = {}
    for section, code in re.findall(r'data-section="(\w+)"[^>]*data-dossier="([^"]+)"', html):
        found.setdefault(section, []).append(code)
    return found


def scene(app, make_dossier) -> dict[str, str]:
    """A CLO dossier with one step overdue and one due within the hour, whose appointment is
    within a working day; an HKH dossier past its appointment; a CLO dossier apologised for;
    every other step well in the future."""
    codes = {
        "clo": make_dossier("CLO")["code"],
        "hkh": make_dossier("HKH")["code"],
        "apologised": make_dossier("CLO")["code"],
    }
    with app.app_context():
        cal = calendar_for(db.session, current_app.config)
        now = utcnow()
        later = cal.add(now, days=5)
        dossiers = {
            k: db.session.scalar(select(Dossier).where(Dossier.code == c)) for k, c in codes.items()
        }
        for d in dossiers.values():
            d.status = DossierStatus.PROCESSING
            d.appointment_at = later
            for task in db.session.scalars(select(Task).where(Task.dossier_id == d.id)):
                task.due_at = later
        first = db.session.scalar(select(Task).where(Task.dossier_id == dossiers["clo"].id))
        # Overdue, and back in CLO's box (the desk holds its first step from receipt).
        first.due_at = now - timedelta(days=2)
        first.status, first.assignee_id, first.claimed_at = TaskStatus.OPEN, None, None
        specialist = db.session.scalar(select(User).where(User.username == "clo.cv.tckh1"))
        db.session.add(
            Task(
                dossier_id=first.dossier_id,
                engine_task_id="watch-page",
                step_id="tham_dinh",
                step_name="Thẩm định hồ sơ",
                handler="specialist",
                unit_id=specialist.unit_id,
                time_limit="1d",
                status=TaskStatus.CLAIMED,
                assignee=specialist,
                due_at=cal.add(now, hours=1),
            )
        )
        dossiers["clo"].appointment_at = cal.add(now, hours=2)
        dossiers["hkh"].appointment_at = now - timedelta(days=3)
        dossiers["apologised"].appointment_at = now - timedelta(days=1)
        db.session.add(
            Apology(
                dossier_id=dossiers["apologised"].id,
                reason="Chờ ý kiến của Sở.",
                old_appointment_at=now - timedelta(days=4),
                new_appointment_at=now - timedelta(days=1),
            )
        )
        db.session.commit()
    return codes


def test_the_menu_shows_the_watch_to_those_who_watch(officer):
    for username in ("hti.giamsat", "clo.ld1", "admin"):
        assert 'href="/watch"' in nav(officer(username).page("/inbox")), username
    for username in ("clo.cv.tckh1", "clo.mc1"):
        html = officer(username).page("/inbox")
        assert "/watch" not in nav(html) and "Theo dõi quá hạn" not in nav(html), username


def test_specialists_and_receptionists_get_403(officer):
    for username in ("clo.cv.tckh1", "clo.mc1"):
        response = officer(username).get("/watch")
        assert response.status_code == 403, username
        assert "Chỉ cán bộ giám sát" in response.get_data(as_text=True)


def test_the_supervisor_sees_every_district_with_links_to_the_dossiers(app, officer, make_dossier):
    codes = scene(app, make_dossier)
    watcher = officer("hti.giamsat")
    html = watcher.page("/watch")
    rows = listed(html)
    assert rows["steps_overdue"] == [codes["clo"]]
    assert rows["steps_due_soon"] == [codes["clo"]]
    assert rows["apology_due"] == [codes["clo"]]
    assert rows["late_without_apology"] == [codes["hkh"]]
    assert rows["late_after_reschedule"] == [codes["apologised"]]
    assert "Chưa nhận — hộp chung của" in html  # the overdue step nobody claimed
    assert "cần xin lỗi và hẹn lại trước hạn" in html
    assert re.search(r"trễ \d+ giờ", html) and re.search(r"còn (\d+ giờ|\d+ phút)", html)
    counted = re.findall(r'<tr data-unit="([\w.]+)">', html)
    assert counted[0] == "CLO" and set(counted) == {"CLO", "CLO.TCKH", "HKH"}
    link = f'href="/dossiers/{codes["hkh"]}"'
    assert link in html
    assert codes["hkh"] in watcher.page(f"/dossiers/{codes['hkh']}")


def test_a_district_leader_sees_only_the_district(app, officer, make_dossier):
    codes = scene(app, make_dossier)
    leader = officer("clo.ld1")
    rows = listed(leader.page("/watch"))
    assert codes["hkh"] not in {code for section in rows.values() for code in section}
    assert rows["apology_due"] == [codes["clo"]]
    assert leader.get("/watch?unit=HKH").status_code == 403


def test_the_filters(app, officer, make_dossier):
    codes = scene(app, make_dossier)
    watcher = officer("hti.giamsat")
    rows = listed(watcher.page("/watch?unit=HKH"))
    assert rows == {"late_without_apology": [codes["hkh"]]}
    html = watcher.page("/watch?kind=apology")
    assert re.findall(r'<section class="watch-section" id="(\w+)"', html) == [
        "apology_due",
        "late_without_apology",
    ]
    assert listed(html) == {"apology_due": [codes["clo"]], "late_without_apology": [codes["hkh"]]}


def test_a_bad_filter_is_shown_next_to_it_and_the_page_stays_whole(app, officer, make_dossier):
    codes = scene(app, make_dossier)
    response = officer("hti.giamsat").get("/watch?unit=KHONGCO&kind=tat-ca")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="unit-error">Không có đơn vị mã KHONGCO.' in html
    assert 'id="kind-error">Loại không hợp lệ.' in html
    assert listed(html)["late_without_apology"] == [codes["hkh"]]  # unfiltered
