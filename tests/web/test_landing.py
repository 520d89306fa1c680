"""Where each role lands (issue 13, item 9): the landing page's sections by role, their counts
checked against steps and dossiers the tests write, the menu's count beside the inbox, and the
favicon at the site's root."""

import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from motcua.extensions import db
from motcua.models import (
    DossierStatus,
    Notification,
    NotificationStatus,
    Role,
    TaskStatus,
    replaying,
)
from motcua.models.procedure import ProcessDraft

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# A Wednesday of ordinary working weeks: one working day from 10:00 is Thursday 10:00.
NOW = datetime(2027, 3, 10, 10, 0, tzinfo=TZ)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 3, day, hour, minute, tzinfo=TZ)


def sections(page: str) -> dict[str, list[tuple[str, int, str]]]:
    """The landing page's sections in their order: key → its tiles (link, number, label)."""
    found = {}
    for key, body in re.findall(
        r'<section class="card landing-section" data-section="(\w+)">(.*?)</section>', page, re.S
    ):
        found[key] = [
            (html.unescape(href), int(number), label)
            for href, number, label in re.findall(
                r'<a href="([^"]+)"><strong>(\d+)</strong> <span>([^<]+)</span>', body
            )
        ]
    return found


def numbers(tiles) -> list[int]:
    return [number for _, number, _ in tiles]


def links(page: str, key: str) -> list[str]:
    body = page.split(f'data-section="{key}">')[1].split("</section>")[0]
    found = re.search(r'<p class="landing-links">(.*?)</p>', body, re.S)
    return re.findall(r'<a href="([^"]+)"', found.group(1)) if found else []


def landing(officer, username: str) -> str:
    with replaying(NOW):
        return officer(username).page("/")


@pytest.fixture
def unit_at_work(make_unit, make_user, make_procedure, insert_dossier, add_task):
    """A commune of its own with a desk officer, a leader and a specialist, and the steps and
    dossiers whose counts the tests check (due times around NOW)."""
    unit, elsewhere = make_unit(), make_unit()
    desk = make_user(unit=unit, roles=[Role.RECEPTIONIST])
    leader = make_user(unit=unit, roles=[Role.LEADER])
    make_user(unit=unit, roles=[Role.SPECIALIST])
    procedure = make_procedure(unit=unit)
    received, far = at(9, 9), at(20, 17)

    def dossier(*, stage=DossierStatus.PROCESSING, appointment=far, **step):
        made = insert_dossier(
            procedure,
            unit,
            status=stage,
            received_at=received,
            appointment_at=appointment,
        )
        if step:
            add_task(made, **step)
        return made

    desk_role = {"role": Role.RECEPTIONIST}
    # Hers: claimed and late, claimed and due today, sent back to her (open, in both tabs).
    dossier(**desk_role, status=TaskStatus.CLAIMED, assignee=desk, due_at=at(10, 9))
    dossier(**desk_role, status=TaskStatus.CLAIMED, assignee=desk, due_at=at(10, 16))
    dossier(**desk_role, status=TaskStatus.OPEN, assignee=desk, due_at=at(10, 15))
    # The desk's pool: due within a working day after today, due next week, a result to hand
    # back, a step naming her (late), a supplement awaited (never late: the clock stands still).
    dossier(**desk_role, due_at=at(11, 9))
    dossier(**desk_role, due_at=at(17, 9))
    dossier(**desk_role, due_at=at(17, 9), returns_result=True, step_name="Trả kết quả")
    dossier(role=None, candidates=[desk], due_at=at(9, 14))
    dossier(
        **desk_role,
        stage=DossierStatus.WAITING_APPLICANT,
        due_at=at(10, 8),
        waits_for_applicant=True,
        step_name="Chờ bổ sung",
    )
    # Not hers: done, another desk's, a leader's step due today.
    dossier(**desk_role, status=TaskStatus.DONE, assignee=desk, due_at=at(9, 9))
    dossier(**desk_role, unit=elsewhere, due_at=at(9, 9))
    dossier(role=Role.LEADER, due_at=at(10, 11))
    # Dossiers for the watch: past the appointment, and the appointment within a working day.
    dossier(appointment=at(9, 17))
    dossier(appointment=at(10, 15))
    return {"unit": unit, "desk": desk, "leader": leader}


def test_a_desk_officer_sees_her_steps_and_the_desk_s_with_their_deadlines(officer, unit_at_work):
    page = landing(officer, unit_at_work["desk"].username)
    found = sections(page)
    assert list(found) == ["work", "desk"]  # no watch, no admin
    work = found["work"]
    # Hers: 3 steps, 1 late, 2 due later today, none tomorrow; the pool: 6, 1 late (the named
    # step), 1 today (sent back to her), 1 within a working day after today.
    assert numbers(work) == [3, 1, 2, 0, 6, 1, 1, 1]
    assert [href for href, _, _ in work[:4]] == [
        "/inbox?tab=mine",
        "/inbox?tab=mine&sort=due",
        "/inbox?tab=mine&due_before=2027-03-10",
        "/inbox?tab=mine&due_before=2027-03-11",
    ]
    assert work[4][0] == "/inbox?tab=unit"
    assert found["desk"] == [
        ("/desk/results", 1, "kết quả chờ trả cho người nộp"),
        ("/inbox?tab=unit", 1, "hồ sơ chờ người nộp bổ sung"),
    ]
    assert links(page, "desk") == ["/desk/receive", "/registers"]


def test_the_menu_counts_new_and_due_work_beside_the_inbox(officer, unit_at_work):
    with replaying(NOW):
        page = officer(unit_at_work["desk"].username).page("/inbox?tab=done")
    # Eight steps in both tabs (the one sent back to her counted once), two of them late.
    label = "8 việc cần xử lý, 2 quá hạn"
    badges = re.findall(r'<span class="count late" role="img" aria-label="([^"]+)"', page)
    assert badges == [label, label]  # on the group's title and beside the inbox entry
    entry = re.search(r'<li><a href="/inbox"[^>]*>[^<]+</a>(.*?)</li>', page, re.S).group(1)
    assert f'aria-label="{label}"' in entry and ">8<" in entry


def test_no_count_without_work(officer, make_user):
    page = officer(make_user(roles=[Role.RECEPTIONIST]).username).page("/inbox")
    assert 'class="count' not in page


def test_a_leader_lands_on_the_watch_of_the_unit_then_the_steps(officer, unit_at_work):
    page = landing(officer, unit_at_work["leader"].username)
    found = sections(page)
    assert list(found) == ["watch", "work"]  # something is late in the unit: the watch first
    # Steps late: hers and the named one (the supplement's is not late); due within a working
    # day: three later today (hers, the one sent back, the leader's) and one tomorrow
    # morning; one dossier past its appointment, one whose appointment is this afternoon.
    assert found["watch"] == [
        ("/watch?kind=overdue", 2, "bước xử lý quá hạn"),
        ("/watch?kind=due_soon", 4, "bước sắp đến hạn"),
        ("/watch?kind=overdue", 1, "hồ sơ quá ngày hẹn trả"),
        ("/watch?kind=apology", 1, "hồ sơ cần xin lỗi, hẹn lại"),
    ]
    assert numbers(found["work"]) == [0, 0, 0, 0, 1, 0, 1, 0]  # the leader's step due today
    assert links(page, "watch") == ["/reports", "/reports/snapshots", "/registers"]


def test_a_supervisor_sees_only_the_watch(officer, make_user, unit_at_work):
    supervisor = make_user(unit=unit_at_work["unit"], roles=[Role.SUPERVISOR])
    page = landing(officer, supervisor.username)
    assert numbers(sections(page)["watch"]) == [2, 4, 1, 1]
    assert list(sections(page)) == ["watch"]
    assert links(page, "watch") == ["/reports", "/reports/snapshots", "/registers"]


def test_a_specialist_lands_on_the_inbox(officer, make_user):
    response = officer(make_user(roles=[Role.SPECIALIST]).username).get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inbox")


def test_an_analyst_sees_the_templates_drafts(app, officer, make_user, make_procedure):
    analyst = make_user(roles=[Role.ANALYST])
    before = numbers(sections(landing(officer, analyst.username))["modeler"])[0]
    procedure = make_procedure()
    with app.app_context():
        db.session.add(
            ProcessDraft(procedure_id=procedure.id, unit_key=0, bpmn_xml="<x/>", sha256="0" * 64)
        )
        db.session.commit()
    page = landing(officer, analyst.username)
    assert list(sections(page)) == ["modeler"]
    assert sections(page)["modeler"] == [
        ("/admin/modeler", before + 1, "quy trình mẫu có bản nháp chưa ban hành")
    ]
    assert links(page, "modeler") == ["/admin/catalogue", "/admin/audit"]


def test_a_system_administrator_sees_the_failed_mails_first(app, officer, make_user):
    admin = make_user(roles=[Role.SYSTEM_ADMIN])
    [(_, failed, _)] = sections(landing(officer, admin.username))["admin"]
    with app.app_context():
        db.session.add(
            Notification(
                kind="receipt",
                to_address="hoa@example.vn",
                subject="Tiếp nhận",
                body="…",
                status=NotificationStatus.FAILED,
            )
        )
        db.session.commit()
    page = landing(officer, admin.username)
    found = sections(page)
    # A mail given up on: among the pressing sections (after the watch's late work), before
    # the drafts.
    assert list(sections(landing(officer, admin.username))) in (
        ["watch", "admin", "modeler"],
        ["admin", "watch", "modeler"],
    )
    assert found["admin"] == [("/admin/mails", failed + 1, "thư gửi lỗi")]
    assert set(found) == {"admin", "watch", "modeler"}
    assert links(page, "admin") == [
        "/admin/units",
        "/admin/users",
        "/admin/procedures",
        "/admin/calendar",
        "/admin/audit",
    ]


def test_a_unit_administrator_sees_the_admin_areas_without_the_mails(officer, make_user):
    page = landing(officer, make_user(roles=[Role.UNIT_ADMIN]).username)
    assert sections(page) == {"admin": []}
    assert links(page, "admin") == [
        "/admin/units",
        "/admin/users",
        "/admin/procedures",
        "/admin/calendar",
        "/admin/audit",
    ]


def test_an_officer_without_a_role_is_told_so(officer, make_user):
    page = officer(make_user().username).page("/")
    assert sections(page) == {}
    assert "chưa có vai trò nào" in page


def test_the_favicon_is_served_at_the_site_s_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an icon file (ICONDIR, type 1)
    assert response.data.count(b"\x89PNG") == 3  # 16, 32 and 48 px
