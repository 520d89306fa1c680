"""The overdue watch's rules, on a controlled clock: Friday 13 March 2026, 16:00 in Hà Tĩnh.

One working day from then (7.5 office hours: Friday 16:00–17:00, then Monday from 07:30) ends
on Monday 16 March at 16:00, so a step due on Monday at 09:00 is due soon although three
calendar days lie between, and one due on Tuesday at 09:00 is not.

The rules run on a small province of their own (tests/factories.py): two communes, each with
its economic office, the first also with its office of the People's Council and Committee (which
decides one of its dossiers); the volume test at the end on a bigger one shaped like the demo's
(make_province).
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select, text

from motcua.errors import Forbidden, Invalid
from motcua.extensions import db
from motcua.models import (
    Apology,
    Dossier,
    DossierStatus,
    Role,
    TaskStatus,
    Unit,
    UnitLevel,
    User,
    utcnow,
)
from motcua.services import processes, watch_lists
from motcua.services import watch as service

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=HCM)


NOW = local(13, 16)  # a Friday
FAR = datetime(2027, 1, 1, tzinfo=HCM)  # well beyond any window

# The test province's units and officers (the demo's likes in brackets).
PROVINCE = "W"  # (HTI)
COMMUNE, OFFICE, SECOND_OFFICE = "WA", "WA.KT", "WA.VP"  # (CLO, CLO.KT, CLO.VP)
OTHER_COMMUNE, OTHER_OFFICE = "WB", "WB.KT"  # (HKH, HKH.KT)
SUPERVISOR = "w.giamsat"  # the province's supervisor (hti.giamsat)
ADMIN = "w.quantri"  # a system administrator (admin)
COMMUNE_LEADER = "wa.ld1"  # leader of the commune (clo.ld1)
OFFICE_LEADER = "wa.ld.kt"  # head of its economic office (clo.ld.tckh)
SPECIALIST = "wa.cv.kt1"  # a specialist of that office (clo.cv.tckh1)
OTHER_SPECIALIST = "wb.cv.kt1"  # a specialist of the other commune's office (hkh.cv.tckh1)


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def dossier(code: str) -> Dossier:
    return db.session.scalar(select(Dossier).where(Dossier.code == code))


@pytest.fixture
def province(app, make_unit, make_user):
    """The province W: commune WA with its offices WA.KT and WA.VP, commune WB with its office
    WB.KT; and the officers above."""
    with app.app_context():
        root = make_unit(PROVINCE, "Tỉnh thử", UnitLevel.PROVINCE)
        commune = make_unit(COMMUNE, "Xã A", UnitLevel.COMMUNE, root)
        office = make_unit(OFFICE, "Phòng Kinh tế", UnitLevel.OFFICE, commune)
        make_unit(SECOND_OFFICE, "Văn phòng HĐND và UBND", UnitLevel.OFFICE, commune)
        other = make_unit(OTHER_COMMUNE, "Xã B", UnitLevel.COMMUNE, root)
        other_office = make_unit(OTHER_OFFICE, "Phòng Kinh tế", UnitLevel.OFFICE, other)
        make_user(SUPERVISOR, root, [Role.SUPERVISOR])
        make_user(ADMIN, root, [Role.SYSTEM_ADMIN])
        make_user(COMMUNE_LEADER, commune, [Role.LEADER])
        make_user(OFFICE_LEADER, office, [Role.LEADER])
        make_user(SPECIALIST, office, [Role.SPECIALIST])
        make_user(OTHER_SPECIALIST, other_office, [Role.SPECIALIST])


def add_step(add_task, code: str, unit_code: str, due_at: datetime, assignee=None, **kw):
    """A step of the dossier in the unit's inbox, claimed by the assignee if one is named."""
    return add_task(
        dossier(code),
        unit=unit(unit_code),
        role=None,
        handler="specialist",
        status=TaskStatus.CLAIMED if assignee else TaskStatus.OPEN,
        due_at=due_at,
        assignee=user(assignee) if assignee else None,
        **kw,
    )


def apologise(code: str, new_appointment: datetime) -> None:
    d = dossier(code)
    db.session.add(
        Apology(
            dossier_id=d.id,
            issued_at=local(10, 9),
            issued_by_id=user(COMMUNE_LEADER).id,
            reason="Cần lấy ý kiến của Sở Xây dựng.",
            old_appointment_at=d.appointment_at,
            new_appointment_at=new_appointment,
        )
    )
    d.appointment_at = new_appointment


@pytest.fixture
def scene(app, province, make_procedure, insert_dossier, add_task):
    """Dossiers of the commune, one of its offices and the other commune in every state the
    watch tells apart; each also has its desk's step, open but due far beyond every window."""
    with app.app_context():
        procedure = make_procedure(name="Đăng ký thử")

        def received(unit_code, appointment_at, status, **fields):
            return insert_dossier(
                procedure,
                unit(unit_code),
                status=status,
                received_at=local(2, 9),
                appointment_at=appointment_at,
                steps=[
                    dict(
                        step_id="tiep_nhan",
                        step_name="Tiếp nhận hồ sơ",
                        role=Role.RECEPTIONIST,
                        due_at=FAR,
                    )
                ],
                **fields,
            ).code

        processing = DossierStatus.PROCESSING
        codes = {
            # appointment Monday 10:00: apology needed; holds the steps
            "soon": received(COMMUNE, local(16, 10), processing),
            # appointment passed Thursday, no apology
            "late": received(OTHER_COMMUNE, local(12, 10), processing),
            # apologised, the new appointment passed too
            "apologised": received(COMMUNE, local(9, 10), processing),
            # apologised, the new appointment is Monday 09:00
            "rescheduled": received(COMMUNE, local(11, 10), processing),
            # past appointment but waiting for the applicant
            "waiting": received(
                COMMUNE,
                local(12, 9),
                DossierStatus.WAITING_APPLICANT,
                clock_stopped_at=local(11, 9),
            ),
            # finished: never listed
            "returned": received(COMMUNE, local(12, 9), DossierStatus.RETURNED, finished_at=NOW),
            # result ready for the applicant: not late in resolving
            "ready": received(COMMUNE, local(12, 9), DossierStatus.RESULT_READY),
            # past appointment, only received; decided by an office of the commune
            "office": received(SECOND_OFFICE, local(13, 8), DossierStatus.RECEIVED),
            # appointment on Wednesday: nothing yet
            "later": received(COMMUNE, local(18, 10), processing),
        }
        apologise(codes["apologised"], local(12, 15))
        apologise(codes["rescheduled"], local(16, 9))

        def step(*args, **kw):
            return add_step(add_task, *args, **kw)

        steps = {
            # 4 working hours late: 10:00–11:30 and 13:30–16:00 on Friday.
            "overdue": step(codes["soon"], COMMUNE, local(13, 10), step_name="Kiểm tra"),
            # Monday 09:00 from Friday 16:00: 1 h on Friday + 1.5 h on Monday.
            "monday": step(codes["soon"], OFFICE, local(16, 9), SPECIALIST),
            # Tuesday 09:00 is 10 working hours away: not due soon.
            "tuesday": step(codes["soon"], OFFICE, local(17, 9)),
            "other": step(codes["late"], OTHER_OFFICE, local(11, 9), OTHER_SPECIALIST),
            # Its dossier's clock is stopped: not workable, not listed.
            "stopped": step(codes["waiting"], OFFICE, local(11, 9)),
            "done": step(codes["soon"], OFFICE, local(12, 9)),
        }
        steps["done"].status = TaskStatus.DONE
        db.session.commit()
        ids = {name: task.id for name, task in steps.items()}
    return codes, ids


def rows_of(view, key) -> list:
    return view.sections[key].rows


def codes_of(view, key) -> list[str]:
    return [r.dossier_code for r in rows_of(view, key)]


def test_steps_overdue_and_due_within_one_working_day(app, scene):
    codes, ids = scene
    with app.app_context():
        view = service.watch(user(SUPERVISOR), now=NOW)
        assert view.soon == local(16, 16)
        overdue = rows_of(view, "steps_overdue")
        assert [r.task_id for r in overdue] == [ids["other"], ids["overdue"]]  # latest first
        row = next(r for r in overdue if r.task_id == ids["overdue"])
        assert row.late and row.hours_left == -4.0
        assert row.dossier_code == codes["soon"] and row.step_name == "Kiểm tra"
        assert row.assignee_name is None

        soon = rows_of(view, "steps_due_soon")
        assert [r.task_id for r in soon] == [ids["monday"]]
        assert soon[0].hours_left == 2.5 and not soon[0].late
        assert soon[0].assignee_name == user(SPECIALIST).display_name
        listed = {
            r.task_id for s in view.sections.values() for r in s.rows if hasattr(r, "task_id")
        }
        assert not listed & {ids["tuesday"], ids["stopped"], ids["done"]}


def test_steps_are_grouped_by_unit_then_officer(app, scene):
    codes, ids = scene
    with app.app_context():
        view = service.watch(user(SUPERVISOR), now=NOW)
        groups = view.sections["steps_overdue"].groups
        assert [g.unit.code for g in groups] == [OTHER_OFFICE, COMMUNE]
        assert [o.name for o in groups[0].officers] == [user(OTHER_SPECIALIST).display_name]
        assert [o.name for o in groups[1].officers] == [None]  # unclaimed, in the commune's box
        assert [r.task_id for r in groups[1].officers[0].rows] == [ids["overdue"]]


def test_dossiers_near_or_past_their_appointment(app, scene):
    codes, _ = scene
    with app.app_context():
        view = service.watch(user(SUPERVISOR), now=NOW)
        assert codes_of(view, "apology_due") == [codes["soon"]]
        row = rows_of(view, "apology_due")[0]
        assert row.hours_left == 3.5 and row.apology_at is None
        assert row.current_steps  # where it is now, and with whom
        # The list the law cares about: past the appointment, no apology; latest first.
        assert codes_of(view, "late_without_apology") == [codes["late"], codes["office"]]
        assert codes_of(view, "late_after_reschedule") == [codes["apologised"]]
        assert rows_of(view, "late_after_reschedule")[0].apology_at == local(10, 9)
        assert codes_of(view, "rescheduled_due_soon") == [codes["rescheduled"]]
        listed = {c for key in watch_lists.DOSSIER_SECTIONS for c in codes_of(view, key)}
        for absent in ("waiting", "returned", "ready", "later"):
            assert codes[absent] not in listed, absent


def test_an_apology_takes_the_dossier_off_the_without_apology_list(app, scene):
    codes, _ = scene
    with app.app_context():
        apologise(codes["late"], local(20, 10))
        db.session.commit()
        view = service.watch(user(SUPERVISOR), now=NOW)
        assert codes["late"] not in codes_of(view, "late_without_apology")
        assert codes["late"] not in codes_of(view, "late_after_reschedule")


def test_counts_per_unit(app, scene):
    with app.app_context():
        view = service.watch(user(SUPERVISOR), now=NOW)
        counts = {c.unit.code: c.counts for c in view.counts}
        assert set(counts) == {COMMUNE, OFFICE, SECOND_OFFICE, OTHER_COMMUNE, OTHER_OFFICE}
        assert counts[COMMUNE] == {
            "steps_overdue": 1,
            "steps_due_soon": 0,
            "apology_due": 1,
            "rescheduled_due_soon": 1,
            "late_without_apology": 0,
            "late_after_reschedule": 1,
        }
        assert counts[OTHER_COMMUNE]["late_without_apology"] == 1
        assert counts[OFFICE]["steps_due_soon"] == 1
        assert view.counts[0].unit.code == COMMUNE  # the most to watch first
        assert view.total == 8


def test_a_commune_leader_watches_the_commune_and_its_offices(app, scene):
    codes, ids = scene
    with app.app_context():
        view = service.watch(user(COMMUNE_LEADER), now=NOW)
        assert [r.task_id for r in rows_of(view, "steps_overdue")] == [ids["overdue"]]
        assert codes_of(view, "late_without_apology") == [codes["office"]]
        assert {c.unit.code for c in view.counts} == {COMMUNE, OFFICE, SECOND_OFFICE}
        assert [u.code for u in view.units] == [COMMUNE, OFFICE, SECOND_OFFICE]
        with pytest.raises(Forbidden):
            service.watch(user(COMMUNE_LEADER), unit_code=OTHER_COMMUNE, now=NOW)


def test_an_office_leader_watches_only_the_office(app, scene):
    _, ids = scene
    with app.app_context():
        view = service.watch(user(OFFICE_LEADER), now=NOW)
        assert rows_of(view, "steps_overdue") == []
        assert [r.task_id for r in rows_of(view, "steps_due_soon")] == [ids["monday"]]
        assert all(
            not s.rows for k, s in view.sections.items() if k not in watch_lists.STEP_SECTIONS
        )
        assert [u.code for u in view.units] == [OFFICE]


def test_the_unit_filter_narrows_to_a_subtree(app, scene):
    codes, ids = scene
    with app.app_context():
        view = service.watch(user(ADMIN), unit_code=OTHER_COMMUNE, now=NOW)
        assert view.unit.code == OTHER_COMMUNE
        assert [r.task_id for r in rows_of(view, "steps_overdue")] == [ids["other"]]
        assert codes_of(view, "late_without_apology") == [codes["late"]]
        assert {c.unit.code for c in view.counts} == {OTHER_COMMUNE, OTHER_OFFICE}
        assert len(view.units) == db.session.query(Unit).count()  # admins reach every unit
        view = service.watch(user(SUPERVISOR), unit_code=OFFICE, now=NOW)
        assert [r.task_id for r in rows_of(view, "steps_due_soon")] == [ids["monday"]]
        assert rows_of(view, "steps_overdue") == []


def test_the_kind_filter_picks_the_lists(app, scene):
    codes, _ = scene
    with app.app_context():
        watcher = user(SUPERVISOR)
        view = service.watch(watcher, kind="apology", now=NOW)
        assert list(view.sections) == ["apology_due", "late_without_apology"]
        assert codes_of(view, "apology_due") == [codes["soon"]]
        assert set(service.watch(watcher, kind="overdue", now=NOW).sections) == {
            "steps_overdue",
            "late_without_apology",
            "late_after_reschedule",
        }
        due_soon = service.watch(watcher, kind="due_soon", now=NOW)
        assert set(due_soon.sections) == {"steps_due_soon", "apology_due", "rescheduled_due_soon"}
        assert set(due_soon.counts[0].counts) == set(due_soon.sections)


def test_bad_filters_are_refused_with_reasons(app, province):
    with app.app_context():
        with pytest.raises(Invalid) as caught:
            service.watch(user(SUPERVISOR), unit_code="KHONGCO", kind="all", now=NOW)
        assert caught.value.details == {
            "kind": "Loại không hợp lệ.",
            "unit": "Không có đơn vị mã KHONGCO.",
        }


@pytest.mark.parametrize(
    "role, unit_code",
    [
        (Role.SPECIALIST, OFFICE),
        (Role.RECEPTIONIST, COMMUNE),
        (Role.UNIT_ADMIN, COMMUNE),
        (Role.ANALYST, PROVINCE),
    ],
)
def test_officers_who_watch_no_unit_are_refused(app, province, make_user, role, unit_code):
    with app.app_context():
        officer = make_user(unit=unit(unit_code), roles=[role])
        with pytest.raises(Forbidden):
            service.watch(officer, now=NOW)


def test_each_list_is_capped_but_counted(app, scene, monkeypatch):
    codes, ids = scene
    monkeypatch.setattr(watch_lists, "CAP", 1)
    with app.app_context():
        view = service.watch(user(SUPERVISOR), now=NOW)
        section = view.sections["steps_overdue"]
        assert section.total == 2 and section.capped
        assert [r.task_id for r in section.rows] == [ids["other"]]  # the latest
        assert view.sections["late_without_apology"].total == 2
        assert codes_of(view, "late_without_apology") == [codes["late"]]


# -- on real volumes (PostgreSQL) --------------------------------------------------------------

BIG_DOSSIERS = 20_000


# The big province's rows, made on the server (PostgreSQL: the only database whose plans are
# checked), each drawn from its number: 8 % running, 1 % waiting for the applicant, the rest
# returned; units, due times and appointments spread by multiplying hashes.
BIG_SQL = (
    """
INSERT INTO dossiers (procedure_id, process_version_id, channel, unit_id, receiving_unit_id, status,
    clock_stopped_at, code, applicant_name, applicant_id_number, received_at, appointment_at,
    workflow_state, lock_version)
SELECT :procedure, :version, 'direct', (CAST(:units AS integer[]))[1 + g % :n_units],
    (CAST(:units AS integer[]))[1 + g % :n_units], s.status,
    CASE WHEN s.status = 'waiting_applicant' THEN :now END, 'BIG-' || lpad(g::text, 6, '0'),
    'Người nộp ' || g, '0421' || lpad(g::text, 8, '0'), :now - interval '30 days',
    :now + make_interval(hours => ((g::bigint * 7919) % 601 - 300)::int), '', 1
FROM generate_series(1, :count) AS g
CROSS JOIN LATERAL (SELECT CASE WHEN (g * 37) % 100 < 8 THEN 'processing'
    WHEN (g * 37) % 100 < 9 THEN 'waiting_applicant' ELSE 'returned' END AS status) AS s
""",
    """
INSERT INTO tasks (dossier_id, engine_task_id, step_id, step_name, handler, unit_id, role,
    time_limit, status, created_at, due_at, returns_result)
SELECT d.id, 'big-' || d.id || '-' || n, 'tham_dinh', 'Thẩm định hồ sơ', 'specialist',
    (CAST(:units AS integer[]))[1 + (d.id::bigint * 13 + n) % :n_units], 'specialist', '1d',
    CASE WHEN d.status = 'returned' THEN 'done' WHEN d.id % 2 = 0 THEN 'open' ELSE 'claimed' END,
    :now - interval '10 days',
    :now + make_interval(hours => ((d.id::bigint * 104729 + n) % 601 - 300)::int), false
FROM dossiers AS d
CROSS JOIN LATERAL generate_series(1, CASE WHEN d.status = 'returned' THEN 2 ELSE 1 END) AS n
WHERE d.code LIKE 'BIG-%'
""",
    """
INSERT INTO apologies (dossier_id, reason, issued_at, old_appointment_at, new_appointment_at)
SELECT id, 'Chờ ý kiến.', :now, appointment_at, appointment_at FROM dossiers
WHERE code LIKE 'BIG-%' AND status <> 'returned' AND id % 5 = 0
""",
)


@pytest.fixture
def big_province(app, make_province, make_procedure):
    """20 000 dossiers over every unit of a province shaped like the demo's (make_province),
    nine in ten finished with two done steps each, the running ones with one open or claimed
    step each, around their due times and appointments; a few waiting for the applicant, a few
    apologised for. PostgreSQL only (BIG_SQL)."""
    province = make_province("T")
    procedure = make_procedure()
    with app.app_context():
        values = {
            "procedure": procedure.id,
            "version": processes.newest_version(procedure, None).id,
            "units": province.unit_ids,
            "n_units": len(province.unit_ids),
            "count": BIG_DOSSIERS,
            "now": utcnow(),
        }
        for statement in BIG_SQL:
            db.session.execute(text(statement), values)
        for table in ("tasks", "dossiers", "apologies"):
            db.session.execute(text(f"ANALYZE {table}"))
        db.session.commit()


def watch_plans(app, username: str, **filters) -> list[str]:
    """EXPLAIN of every query the watch runs on tasks or dossiers."""
    with app.app_context():
        connection = db.session.connection()
        statements = []

        def capture(conn, cursor, statement, parameters, context, executemany):
            if re.search(r"\b(tasks|dossiers)\b", statement) and statement.lstrip().startswith(
                "SELECT"
            ):
                statements.append((statement, parameters))

        watcher = user(username)
        event.listen(connection, "before_cursor_execute", capture)
        try:
            view = service.watch(watcher, **filters)
        finally:
            event.remove(connection, "before_cursor_execute", capture)
        assert view.total > 0, username
        return [
            "\n".join(connection.exec_driver_sql("EXPLAIN " + statement, parameters).scalars())
            for statement, parameters in statements
        ]


def test_the_watch_reads_through_indexes(app, request):
    if db_backend(app) != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL")
    request.getfixturevalue("big_province")
    cases = [
        ("t.giamsat", {}),
        ("tx1.ld1", {}),
        ("t.quantri", {}),
        ("t.quantri", {"unit_code": "TX2"}),
    ]
    for username, filters in cases:
        plans = watch_plans(app, username, **filters)
        assert len(plans) >= 8, username
        for plan in plans:
            assert "Seq Scan on tasks" not in plan, (username, filters, plan)
            assert "Seq Scan on dossiers" not in plan, (username, filters, plan)
        steps = [p for p in plans if "Group Key: tasks.unit_id" in p]
        assert len(steps) == 1 and "ix_tasks_status_due" in steps[0], steps
        lists = [p for p in plans if "Group Key: dossiers.unit_id" in p]
        assert len(lists) == 1 and "ix_dossiers_unit_status" in lists[0], lists


def db_backend(app) -> str:
    with app.app_context():
        return db.session.get_bind().dialect.name
