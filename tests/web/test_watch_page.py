"""The overdue watch page: who may open it, what it lists, its filters and its links.

The page reads the real clock, so the steps' due times and the appointments are set relative to
now on the working calendar (the rules themselves are tested on a fixed clock in
tests/services/test_watch.py). The province is the test's own (make_province: communes TX1 and
TX2, each with a KT office).
"""

import re
from datetime import timedelta

import pytest
from flask import current_app

from motcua.extensions import db
from motcua.models import Apology, DossierStatus, Role, TaskStatus, utcnow
from motcua.services.deadlines import calendar_for

SUPERVISOR, ADMIN = "t.giamsat", "t.quantri"
LEADER, SPECIALIST, DESK = "tx1.ld1", "tx1.cv.kt1", "tx1.mc1"  # of the commune TX1


@pytest.fixture
def province(make_province):
    return make_province("T", departments=0, offices=("KT",))


def nav(html: str) -> str:
    return re.search(r"<nav>(.*?)</nav>", html, re.S).group(1)


def listed(html: str) -> dict[str, list[str]]:
    """section → the dossier codes of its rows, in page order."""
    found: dict[str, list[str]] = {}
    for section, code in re.findall(r'data-section="(\w+)"[^>]*data-dossier="([^"]+)"', html):
        found.setdefault(section, []).append(code)
    return found


@pytest.fixture
def scene(app, province, make_procedure, insert_dossier, add_task) -> dict[str, str]:
    """A TX1 dossier with one step overdue and one due within the hour, whose appointment is
    within a working day; a TX2 dossier past its appointment; a TX1 dossier apologised for;
    every other step well in the future."""
    units, users = province.units, province.users
    with app.app_context():
        cal = calendar_for(db.session, current_app.config)
        now = utcnow()
        later = cal.add(now, days=5)
        procedure = make_procedure()

        def received(unit_code, appointment_at, desk_due=later):
            # Received, its desk's first step open in the unit's box.
            return insert_dossier(
                procedure,
                units[unit_code],
                status=DossierStatus.PROCESSING,
                received_at=now - timedelta(days=1),
                appointment_at=appointment_at,
                steps=[dict(step_id="tiep_nhan", role=Role.RECEPTIONIST, due_at=desk_due)],
            )

        dossiers = {
            # Its desk's step overdue, unclaimed in TX1's box.
            "clo": received("TX1", cal.add(now, hours=2), desk_due=now - timedelta(days=2)),
            "hkh": received("TX2", now - timedelta(days=3)),
            "apologised": received("TX1", now - timedelta(days=1)),
        }
        add_task(
            dossiers["clo"],
            unit=units["TX1.KT"],
            role=None,
            handler="specialist",
            status=TaskStatus.CLAIMED,
            assignee=users[SPECIALIST],
            due_at=cal.add(now, hours=1),
        )
        db.session.add(
            Apology(
                dossier_id=dossiers["apologised"].id,
                reason="Chờ ý kiến của Sở.",
                old_appointment_at=now - timedelta(days=4),
                new_appointment_at=now - timedelta(days=1),
            )
        )
        db.session.commit()
    return {name: d.code for name, d in dossiers.items()}


def test_the_menu_shows_the_watch_to_those_who_watch(officer, province):
    for username in (SUPERVISOR, LEADER, ADMIN):
        assert 'href="/watch"' in nav(officer(username).page("/inbox")), username
    for username in (SPECIALIST, DESK):
        html = officer(username).page("/inbox")
        assert "/watch" not in nav(html) and "Theo dõi quá hạn" not in nav(html), username


def test_specialists_and_receptionists_get_403(officer, province):
    for username in (SPECIALIST, DESK):
        response = officer(username).get("/watch")
        assert response.status_code == 403, username
        assert "Chỉ cán bộ giám sát" in response.get_data(as_text=True)


def test_the_supervisor_sees_every_commune_with_links_to_the_dossiers(officer, scene):
    codes = scene
    watcher = officer(SUPERVISOR)
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
    assert counted[0] == "TX1" and set(counted) == {"TX1", "TX1.KT", "TX2"}
    link = f'href="/dossiers/{codes["hkh"]}"'
    assert link in html
    assert codes["hkh"] in watcher.page(f"/dossiers/{codes['hkh']}")


def test_a_commune_leader_sees_only_the_commune(officer, scene):
    codes = scene
    leader = officer(LEADER)
    rows = listed(leader.page("/watch"))
    assert codes["hkh"] not in {code for section in rows.values() for code in section}
    assert rows["apology_due"] == [codes["clo"]]
    assert leader.get("/watch?unit=TX2").status_code == 403


def test_the_filters(officer, scene):
    codes = scene
    watcher = officer(SUPERVISOR)
    rows = listed(watcher.page("/watch?unit=TX2"))
    assert rows == {"late_without_apology": [codes["hkh"]]}
    html = watcher.page("/watch?kind=apology")
    assert re.findall(r'<section class="watch-section" id="(\w+)"', html) == [
        "apology_due",
        "late_without_apology",
    ]
    assert listed(html) == {"apology_due": [codes["clo"]], "late_without_apology": [codes["hkh"]]}


def test_a_bad_filter_is_shown_next_to_it_and_the_page_stays_whole(officer, scene):
    codes = scene
    response = officer(SUPERVISOR).get("/watch?unit=KHONGCO&kind=tat-ca")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="unit-error">Không có đơn vị mã KHONGCO.' in html
    assert 'id="kind-error">Loại không hợp lệ.' in html
    assert listed(html)["late_without_apology"] == [codes["hkh"]]  # unfiltered
