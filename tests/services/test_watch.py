"""The overdue watch's rules, on a controlled clock: Friday 13 March 2026, 16:00 in Hà Tĩnh.

One working day from then (7.5 office hours: Friday 16:00–17:00, then Monday from 07:30) ends
on Monday 16 March at 16:00, so a step due on Monday at 09:00 is due soon although three
calendar days lie between, and one due on Tuesday at 09:00 is not.
"""

import random
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, insert, select, text

from motcua.errors import Forbidden, Invalid
from motcua.extensions import db
from motcua.models import (
    Apology,
    Dossier,
    DossierStatus,
    Task,
    TaskStatus,
    Unit,
    User,
    utcnow,
)
from motcua.services import watch as service

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=HCM)


NOW = local(13, 16)  # a Friday
FAR = datetime(2027, 1, 1, tzinfo=HCM)  # well beyond any window


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def dossier(code: str) -> Dossier:
    return db.session.scalar(select(Dossier).where(Dossier.code == code))


def set_dossier(code: str, appointment_at: datetime, status=None, **fields) -> Dossier:
    """The dossier's appointment (and status), with its own steps moved out of every window."""
    d = dossier(code)
    d.appointment_at = appointment_at
    if status is not None:
        d.status = status
    for name, value in fields.items():
        setattr(d, name, value)
    for task in db.session.scalars(select(Task).where(Task.dossier_id == d.id)):
        task.due_at = FAR
    return d


def add_step(code: str, unit_code: str, due_at: datetime, assignee: str | None = None, **kw):
    d = dossier(code)
    task = Task(
        dossier_id=d.id,
        engine_task_id=f"watch-{unit_code}-{due_at.isoformat()}",
        step_id="tham_dinh",
        step_name=kw.pop("step_name", "Thẩm định hồ sơ"),
        handler="specialist",
        unit=unit(unit_code),
        time_limit="1d",
        status=TaskStatus.CLAIMED if assignee else TaskStatus.OPEN,
        due_at=due_at,
        assignee=user(assignee) if assignee else None,
        **kw,
    )
    db.session.add(task)
    return task


def apologise(code: str, new_appointment: datetime) -> None:
    d = dossier(code)
    db.session.add(
        Apology(
            dossier_id=d.id,
            issued_at=local(10, 9),
            issued_by_id=user("clo.ld1").id,
            reason="Cần lấy ý kiến của Sở Xây dựng.",
            old_appointment_at=d.appointment_at,
            new_appointment_at=new_appointment,
        )
    )
    d.appointment_at = new_appointment


@pytest.fixture
def scene(app, make_dossier):
    """Dossiers of CLO, its commune and HKH in every state the watch tells apart."""
    codes = {
        name: make_dossier(unit_code)["code"]
        for name, unit_code in [
            ("soon", "CLO"),  # appointment Monday 10:00: apology needed; holds the steps
            ("late", "HKH"),  # appointment passed Thursday, no apology
            ("apologised", "CLO"),  # apologised, the new appointment passed too
            ("rescheduled", "CLO"),  # apologised, the new appointment is Monday 09:00
            ("waiting", "CLO"),  # past appointment but waiting for the applicant
            ("returned", "CLO"),  # finished: never listed
            ("ready", "CLO"),  # result ready for the applicant: not late in resolving
            ("commune", "CLO.THIENLOC"),  # past appointment, a commune of CLO
            ("later", "CLO"),  # appointment on Wednesday: nothing yet
        ]
    }
    with app.app_context():
        set_dossier(codes["soon"], local(16, 10), DossierStatus.PROCESSING)
        set_dossier(codes["late"], local(12, 10), DossierStatus.PROCESSING)
        set_dossier(codes["apologised"], local(9, 10), DossierStatus.PROCESSING)
        apologise(codes["apologised"], local(12, 15))
        set_dossier(codes["rescheduled"], local(11, 10), DossierStatus.PROCESSING)
        apologise(codes["rescheduled"], local(16, 9))
        set_dossier(
            codes["waiting"],
            local(12, 9),
            DossierStatus.WAITING_APPLICANT,
            clock_stopped_at=local(11, 9),
        )
        set_dossier(codes["returned"], local(12, 9), DossierStatus.RETURNED, finished_at=NOW)
        set_dossier(codes["ready"], local(12, 9), DossierStatus.RESULT_READY)
        set_dossier(codes["commune"], local(13, 8), DossierStatus.RECEIVED)
        set_dossier(codes["later"], local(18, 10), DossierStatus.PROCESSING)

        steps = {
            # 4 working hours late: 10:00–11:30 and 13:30–16:00 on Friday.
            "overdue": add_step(codes["soon"], "CLO", local(13, 10), step_name="Kiểm tra"),
            # Monday 09:00 from Friday 16:00: 1 h on Friday + 1.5 h on Monday.
            "monday": add_step(codes["soon"], "CLO.TCKH", local(16, 9), "clo.cv.tckh1"),
            # Tuesday 09:00 is 10 working hours away: not due soon.
            "tuesday": add_step(codes["soon"], "CLO.TCKH", local(17, 9)),
            "hkh": add_step(codes["late"], "HKH.TCKH", local(11, 9), "hkh.cv.tckh1"),
            # Its dossier's clock is stopped: not workable, not listed.
            "stopped": add_step(codes["waiting"], "CLO.TCKH", local(11, 9)),
            "done": add_step(codes["soon"], "CLO.TCKH", local(12, 9)),
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
        view = service.watch(user("hti.giamsat"), now=NOW)
        assert view.soon == local(16, 16)
        overdue = rows_of(view, "steps_overdue")
        assert [r.task_id for r in overdue] == [ids["hkh"], ids["overdue"]]  # latest first
        clo = next(r for r in overdue if r.task_id == ids["overdue"])
        assert clo.late and clo.hours_left == -4.0
        assert clo.dossier_code == codes["soon"] and clo.step_name == "Kiểm tra"
        assert clo.assignee_name is None

        soon = rows_of(view, "steps_due_soon")
        assert [r.task_id for r in soon] == [ids["monday"]]
        assert soon[0].hours_left == 2.5 and not soon[0].late
        assert soon[0].assignee_name == user("clo.cv.tckh1").display_name
        listed = {
            r.task_id for s in view.sections.values() for r in s.rows if hasattr(r, "task_id")
        }
        assert not listed & {ids["tuesday"], ids["stopped"], ids["done"]}


def test_steps_are_grouped_by_unit_then_officer(app, scene):
    codes, ids = scene
    with app.app_context():
        view = service.watch(user("hti.giamsat"), now=NOW)
        groups = view.sections["steps_overdue"].groups
        assert [g.unit.code for g in groups] == ["HKH.TCKH", "CLO"]
        assert [o.name for o in groups[0].officers] == [user("hkh.cv.tckh1").display_name]
        assert [o.name for o in groups[1].officers] == [None]  # unclaimed, in CLO's box
        assert [r.task_id for r in groups[1].officers[0].rows] == [ids["overdue"]]


def test_dossiers_near_or_past_their_appointment(app, scene):
    codes, _ = scene
    with app.app_context():
        view = service.watch(user("hti.giamsat"), now=NOW)
        assert codes_of(view, "apology_due") == [codes["soon"]]
        row = rows_of(view, "apology_due")[0]
        assert row.hours_left == 3.5 and row.apology_at is None
        assert row.current_steps  # where it is now, and with whom
        # The list the law cares about: past the appointment, no apology; latest first.
        assert codes_of(view, "late_without_apology") == [codes["late"], codes["commune"]]
        assert codes_of(view, "late_after_reschedule") == [codes["apologised"]]
        assert rows_of(view, "late_after_reschedule")[0].apology_at == local(10, 9)
        assert codes_of(view, "rescheduled_due_soon") == [codes["rescheduled"]]
        listed = {c for key in service.DOSSIER_SECTIONS for c in codes_of(view, key)}
        for absent in ("waiting", "returned", "ready", "later"):
            assert codes[absent] not in listed, absent


def test_an_apology_takes_the_dossier_off_the_without_apology_list(app, scene):
    codes, _ = scene
    with app.app_context():
        apologise(codes["late"], local(20, 10))
        db.session.commit()
        view = service.watch(user("hti.giamsat"), now=NOW)
        assert codes["late"] not in codes_of(view, "late_without_apology")
        assert codes["late"] not in codes_of(view, "late_after_reschedule")


def test_counts_per_unit(app, scene):
    with app.app_context():
        view = service.watch(user("hti.giamsat"), now=NOW)
        counts = {c.unit.code: c.counts for c in view.counts}
        assert set(counts) == {"CLO", "CLO.TCKH", "CLO.THIENLOC", "HKH", "HKH.TCKH"}
        assert counts["CLO"] == {
            "steps_overdue": 1,
            "steps_due_soon": 0,
            "apology_due": 1,
            "rescheduled_due_soon": 1,
            "late_without_apology": 0,
            "late_after_reschedule": 1,
        }
        assert counts["HKH"]["late_without_apology"] == 1
        assert counts["CLO.TCKH"]["steps_due_soon"] == 1
        assert view.counts[0].unit.code == "CLO"  # the most to watch first
        assert view.total == 8


def test_a_district_leader_watches_the_district_and_the_units_below(app, scene):
    codes, ids = scene
    with app.app_context():
        view = service.watch(user("clo.ld1"), now=NOW)
        assert [r.task_id for r in rows_of(view, "steps_overdue")] == [ids["overdue"]]
        assert codes_of(view, "late_without_apology") == [codes["commune"]]
        assert {c.unit.code for c in view.counts} == {"CLO", "CLO.TCKH", "CLO.THIENLOC"}
        assert all(u.code.startswith("CLO") for u in view.units)
        with pytest.raises(Forbidden):
            service.watch(user("clo.ld1"), unit_code="HKH", now=NOW)


def test_an_office_leader_watches_only_the_office(app, scene):
    _, ids = scene
    with app.app_context():
        view = service.watch(user("clo.ld.tckh"), now=NOW)
        assert rows_of(view, "steps_overdue") == []
        assert [r.task_id for r in rows_of(view, "steps_due_soon")] == [ids["monday"]]
        assert all(not s.rows for k, s in view.sections.items() if k not in service.STEP_SECTIONS)
        assert [u.code for u in view.units] == ["CLO.TCKH"]


def test_the_unit_filter_narrows_to_a_subtree(app, scene):
    codes, ids = scene
    with app.app_context():
        view = service.watch(user("admin"), unit_code="HKH", now=NOW)
        assert view.unit.code == "HKH"
        assert [r.task_id for r in rows_of(view, "steps_overdue")] == [ids["hkh"]]
        assert codes_of(view, "late_without_apology") == [codes["late"]]
        assert {c.unit.code for c in view.counts} == {"HKH", "HKH.TCKH"}
        assert len(view.units) == db.session.query(Unit).count()  # admins reach every unit
        view = service.watch(user("hti.giamsat"), unit_code="CLO.TCKH", now=NOW)
        assert [r.task_id for r in rows_of(view, "steps_due_soon")] == [ids["monday"]]
        assert rows_of(view, "steps_overdue") == []


def test_the_kind_filter_picks_the_lists(app, scene):
    codes, _ = scene
    with app.app_context():
        watcher = user("hti.giamsat")
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


def test_bad_filters_are_refused_with_reasons(app):
    with app.app_context():
        with pytest.raises(Invalid) as caught:
            service.watch(user("hti.giamsat"), unit_code="KHONGCO", kind="all", now=NOW)
        assert caught.value.details == {
            "kind": "Loại không hợp lệ.",
            "unit": "Không có đơn vị mã KHONGCO.",
        }


@pytest.mark.parametrize("username", ["clo.cv.tckh1", "clo.mc1", "clo.qt", "hti.phantich"])
def test_officers_who_watch_no_unit_are_refused(app, username):
    with app.app_context():
        with pytest.raises(Forbidden):
            service.watch(user(username), now=NOW)


def test_each_list_is_capped_but_counted(app, scene, monkeypatch):
    codes, ids = scene
    monkeypatch.setattr(service, "CAP", 1)
    with app.app_context():
        view = service.watch(user("hti.giamsat"), now=NOW)
        section = view.sections["steps_overdue"]
        assert section.total == 2 and section.capped
        assert [r.task_id for r in section.rows] == [ids["hkh"]]  # the latest
        assert view.sections["late_without_apology"].total == 2
        assert codes_of(view, "late_without_apology") == [codes["late"]]


# -- on real volumes (PostgreSQL) --------------------------------------------------------------

BIG_DOSSIERS = 20_000


@pytest.fixture
def big_province(app, make_dossier):
    """20 000 dossiers over every unit, nine in ten finished with two done steps each, the
    running ones with one open or claimed step each, around their due times and appointments;
    a few waiting for the applicant, a few apologised for."""
    model = make_dossier("CLO")["code"]
    with app.app_context():
        rng = random.Random(5)
        now = utcnow()
        template = dossier(model)
        unit_ids = list(db.session.scalars(select(Unit.id)))
        keep = ("procedure_id", "process_version_id", "channel")
        states = [
            "processing" if r < 0.08 else "waiting_applicant" if r < 0.09 else "returned"
            for r in (rng.random() for _ in range(BIG_DOSSIERS))
        ]
        db.session.execute(
            insert(Dossier),
            [
                {
                    **{k: getattr(template, k) for k in keep},
                    "unit_id": rng.choice(unit_ids),
                    "status": state,
                    "clock_stopped_at": now if state == "waiting_applicant" else None,
                    "code": f"BIG-{n:06d}",
                    "applicant_name": f"Người nộp {n}",
                    "applicant_id_number": f"0421{n:08d}",
                    "received_at": now - timedelta(days=30),
                    "appointment_at": now + timedelta(hours=rng.randint(-300, 300)),
                    "workflow_state": "",
                    "lock_version": 1,
                }
                for n, state in enumerate(states)
            ],
        )
        found = db.session.execute(
            select(Dossier.id, Dossier.status, Dossier.unit_id, Dossier.appointment_at).where(
                Dossier.code.like("BIG-%")
            )
        ).all()
        steps, apologies = [], []
        for d in found:
            finished = d.status == DossierStatus.RETURNED
            for n in range(2 if finished else 1):
                steps.append(
                    {
                        "dossier_id": d.id,
                        "engine_task_id": f"big-{d.id}-{n}",
                        "step_id": "tham_dinh",
                        "step_name": "Thẩm định hồ sơ",
                        "handler": "specialist",
                        "unit_id": rng.choice(unit_ids),
                        "role": "specialist",
                        "time_limit": "1d",
                        "status": "done" if finished else rng.choice(("open", "claimed")),
                        "created_at": now - timedelta(days=10),
                        "due_at": now + timedelta(hours=rng.randint(-300, 300)),
                        "returns_result": False,
                    }
                )
            if not finished and rng.random() < 0.2:
                apologies.append(
                    {
                        "dossier_id": d.id,
                        "reason": "Chờ ý kiến.",
                        "issued_at": now,
                        "old_appointment_at": d.appointment_at,
                        "new_appointment_at": d.appointment_at,
                    }
                )
        db.session.execute(Task.__table__.insert(), steps)
        db.session.execute(Apology.__table__.insert(), apologies)
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
    cases = [("hti.giamsat", {}), ("clo.ld1", {}), ("admin", {}), ("admin", {"unit_code": "HKH"})]
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
