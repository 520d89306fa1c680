"""The inbox's queries stay on indexes when the task table is big (PostgreSQL only), on a
province of the test's own (tests/factories.py make_province, shaped like the demo's)."""

import random
from datetime import timedelta

import pytest
from sqlalchemy import and_, event, func, insert, select, text

from motcua.extensions import db
from motcua.models import Dossier, Task, TaskCandidate, User, UserRole, utcnow
from motcua.services import inbox, processes, task_list

PROCEDURE = "9.000001"


@pytest.fixture
def big_inbox(app, make_province, make_procedure):
    """20 000 steps of 2 000 dossiers: enough for the planner to choose as on a real province."""
    fill_inbox(app, make_province, make_procedure, dossiers=2_000, tasks=20_000)


@pytest.fixture
def inbox_rows(app, make_province, make_procedure):
    """2 000 steps of 200 dossiers: enough for every tab to have its own and more than a page."""
    fill_inbox(app, make_province, make_procedure, dossiers=200, tasks=2_000)


def fill_inbox(app, make_province, make_procedure, *, dossiers: int, tasks: int) -> None:
    """Steps of dossiers over the province's units: mostly done, some open, some held, some
    past due, a few naming their officers."""
    province = make_province("T")
    procedure = make_procedure(PROCEDURE)
    with app.app_context():
        rng = random.Random(7)
        now = utcnow()
        commune = province.units["TX1"]
        version_id = processes.version_to_run(procedure, commune).id
        db.session.execute(
            insert(Dossier),
            [
                {
                    "procedure_id": procedure.id,
                    "unit_id": commune.id,
                    "receiving_unit_id": commune.id,
                    "process_version_id": version_id,
                    "channel": "direct",
                    "status": "received",
                    "code": f"BIG-{n:06d}",
                    "applicant_name": f"Người nộp {n}",
                    "applicant_id_number": f"0421{n:08d}",
                    "received_at": now - timedelta(hours=n),
                    "appointment_at": now + timedelta(days=3),
                    "workflow_state": "",
                    "lock_version": 1,
                }
                for n in range(dossiers)
            ],
        )
        dossier_ids = list(db.session.scalars(select(Dossier.id).where(Dossier.code.like("BIG-%"))))
        pairs = list(
            db.session.execute(
                select(UserRole.unit_id, UserRole.role, UserRole.user_id)
                .where(UserRole.unit_id.in_(province.unit_ids))
                .order_by(UserRole.id)
            )
        )
        rows = []
        for n in range(tasks):
            unit_id, role, user_id = rng.choice(pairs)
            state = rng.random()
            status = "done" if state < 0.85 else "open" if state < 0.95 else "claimed"
            holder = user_id if status != "open" else None
            rows.append(
                {
                    "dossier_id": rng.choice(dossier_ids),
                    "engine_task_id": f"big-{n}",
                    "step_id": "tham_dinh",
                    "step_name": "Thẩm định hồ sơ",
                    "handler": role.value,
                    "unit_id": unit_id,
                    "role": None if n % 50 == 0 else role,
                    "time_limit": "1d",
                    "status": status,
                    "created_at": now - timedelta(days=rng.randint(1, 400)),
                    "due_at": now + timedelta(hours=rng.randint(-200, 200)),
                    "assignee_id": holder,
                    "completed_by_id": holder if status == "done" else None,
                    "completed_at": now if status == "done" else None,
                    "returns_result": False,
                }
            )
        db.session.execute(Task.__table__.insert(), rows)  # Core: no ORM bookkeeping
        named = db.session.execute(
            select(Task.id, Task.assignee_id).where(
                Task.engine_task_id.like("big-%"), Task.role.is_(None)
            )
        ).all()
        specialist = db.session.scalar(select(User).where(User.username == "tx1.cv.kt1"))
        db.session.execute(
            insert(TaskCandidate),
            [{"task_id": task_id, "user_id": specialist.id} for task_id, _ in named],
        )
        for table in ("tasks", "dossiers", "task_candidates"):
            db.session.execute(text(f"ANALYZE {table}"))
        db.session.commit()


def on_postgresql(app) -> bool:
    with app.app_context():
        return db.session.get_bind().dialect.name == "postgresql"


def plans_of(app, username: str, tab: str, **filters) -> list[str]:
    """EXPLAIN of every query on the task table that the inbox runs for this tab."""
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.username == username))
        connection = db.session.connection()
        statements = []

        def capture(conn, cursor, statement, parameters, context, executemany):
            if " tasks" in statement and statement.lstrip().upper().startswith("SELECT"):
                statements.append((statement, parameters))

        event.listen(connection, "before_cursor_execute", capture)
        try:
            view = inbox.inbox(actor, tab=tab, **filters)
        finally:
            event.remove(connection, "before_cursor_execute", capture)
        assert view.total > 0, (username, tab)
        plans = []
        for statement, parameters in statements:
            lines = connection.exec_driver_sql("EXPLAIN " + statement, parameters).scalars()
            plans.append("\n".join(lines))
        return plans


# (officer, tab, filters, the indexes that may drive the page's query: the officer's own rows,
# never every open step of the province)
BY_UNIT = "ix_tasks_unit_role_status_due"
BY_ASSIGNEE = ("ix_tasks_assignee_status_due", "ix_tasks_assignee_status_completed")
CASES = [
    ("tx1.cv.kt1", "unit", {}, {BY_UNIT}),
    ("tx1.cv.kt1", "mine", {}, {*BY_ASSIGNEE}),
    ("tx1.cv.kt1", "done", {}, {*BY_ASSIGNEE}),
    ("tx1.ld.kt", "overdue", {}, {BY_UNIT, "ix_tasks_status_due"}),
    ("tx1.cv.kt1", "unit", {"q": "Người nộp", "sort": "received"}, {BY_UNIT}),
    (
        "tx1.ld.kt",
        "overdue",
        {"status": "claimed", "procedure": PROCEDURE},
        {BY_UNIT, "ix_tasks_status_due"},
    ),
]


def test_the_inbox_reads_tasks_through_indexes(app, request):
    if not on_postgresql(app):
        pytest.skip("query plans are checked on PostgreSQL")
    request.getfixturevalue("big_inbox")
    for username, tab, filters, drivers in CASES:
        plans = plans_of(app, username, tab, **filters)
        assert plans, ("no query on tasks was seen", tab)
        for plan in plans:
            assert "Seq Scan on tasks" not in plan, (tab, filters, plan)
            assert "Index" in plan or "Bitmap" in plan, (tab, filters, plan)
        page = next(plan for plan in plans if plan.startswith("Limit"))
        assert any(name in page for name in drivers), (tab, filters, page)


def test_the_unit_tab_is_the_open_tasks_the_officer_may_take(app, inbox_rows):
    with app.app_context():
        for username in ("tx1.cv.kt1", "tx1.ld.kt", "tx1.mc1", "tx2.ld1"):
            actor = db.session.scalar(select(User).where(User.username == username))
            may_take = and_(Task.status == "open", task_list._may_take(actor))
            expected = db.session.scalar(select(func.count()).select_from(Task).where(may_take))
            first = list(
                db.session.scalars(
                    select(Task.id).where(may_take).order_by(Task.due_at, Task.id).limit(50)
                )
            )
            view = inbox.inbox(actor, tab="unit")
            assert expected > 0, username
            assert (view.total, view.counts["unit"]) == (expected, expected), username
            assert [row.task_id for row in view.rows] == first, username
