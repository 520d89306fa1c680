"""What the benchmarks share: a fresh database with the demo province, the clock on its round
trips, and a unit's years of dossiers."""

import math
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from motcua.app import create_app
from motcua.extensions import db
from motcua.models import Dossier, ProcessVersion, Task, Unit, User
from motcua.services import demo
from motcua.unit_of_work import unit_of_work

PROCEDURE = "1.001612"  # the household business, at xã Can Lộc
DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/motcua_bench"


def fresh_database(url: str) -> None:
    """Create the database if needed and empty it. Raises SystemExit unless its name ends in
    ``_bench`` (whatever it holds is lost)."""
    parsed = sa.engine.make_url(url)
    if not (parsed.database or "").endswith("_bench"):
        raise SystemExit("the benchmark empties its database: its name must end in _bench")
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database).unlink(missing_ok=True)
        return
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname=:n"), {"n": parsed.database}
        ):
            conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    engine = sa.create_engine(parsed)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


@contextmanager
def demo_app(url: str) -> Iterator[Flask]:
    """The app on a fresh database (see ``fresh_database``) migrated to head and holding the
    demo province, inside its app context."""
    fresh_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        with unit_of_work():
            demo.load()
        yield app


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def timed(runs: int, call: Callable[[], object]) -> tuple[float, float, object]:
    """Call ``call`` ``runs`` times, each time on an emptied session (nothing cached). Returns
    the median and the 95th percentile (nearest rank) in ms, and the last result."""
    timings, result = [], None
    for _ in range(runs):
        db.session.expire_all()
        started = time.perf_counter()
        result = call()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[math.ceil(0.95 * runs) - 1], result


class DatabaseClock:
    """Round trips to the database and the time spent waiting on them (commits included),
    while ``counting``."""

    def __init__(self, engine: sa.Engine):
        self.round_trips, self.seconds, self.counting = 0, 0.0, False
        sa.event.listen(engine, "before_cursor_execute", self._start)
        sa.event.listen(engine, "after_cursor_execute", self._stop)
        sa.event.listen(engine, "commit", self._commit_start)

    def _start(self, conn, *args):
        conn.info["bench_started"] = time.perf_counter()

    def _stop(self, conn, *args):
        if self.counting:
            self.round_trips += 1
            self.seconds += time.perf_counter() - conn.info["bench_started"]

    def _commit_start(self, conn):
        if self.counting:
            started = time.perf_counter()
            conn.connection.dbapi_connection.commit()  # the commit's own round trip, timed
            self.round_trips += 1
            self.seconds += time.perf_counter() - started


def fill_unit(dossiers: int, active_share: float = 0.05, mine_share: float = 0.02) -> None:
    """Bulk-insert dossiers of the household business procedure at xã Can Lộc with their task
    rows, as years of work would leave them: most finished, some at the specialist's step in
    its economic office CLO.KT (unclaimed or claimed by clo.cv.tckh1), one received every 7
    minutes from 2 January 2024.
    Rows go in directly: this measures reading. Does not commit."""
    unit = db.session.scalar(select(Unit).where(Unit.code == "CLO"))
    office = db.session.scalar(select(Unit).where(Unit.code == "CLO.KT"))
    officer = user("clo.cv.tckh1")
    desk = user("clo.mc1")
    version = db.session.scalar(
        select(ProcessVersion).where(
            ProcessVersion.unit_id == unit.id, ProcessVersion.procedure.has(code=PROCEDURE)
        )
    )
    random = Random(61)
    start = datetime(2024, 1, 2, 1, 0, tzinfo=UTC)
    dossier_rows, task_rows = [], []
    for n in range(dossiers):
        received = start + timedelta(minutes=7 * n)
        active = random.random() < active_share
        dossier_rows.append(
            {
                "id": 1_000_000 + n,
                "code": f"CLO-BENCH-{n:07d}",
                "procedure_id": version.procedure_id,
                "unit_id": unit.id,
                "receiving_unit_id": unit.id,
                "process_version_id": version.id,
                "applicant_name": f"Nguyễn Văn {n}",
                "applicant_id_number": f"0421{n:08d}",
                "channel": "direct",
                "status": "processing" if active else "returned",
                "received_at": received,
                "appointment_at": received + timedelta(days=5),
                "finished_at": None if active else received + timedelta(days=3),
                "workflow_state": "",
                "lock_version": 1,
            }
        )
        base = {
            "dossier_id": 1_000_000 + n,
            "engine_task_id": f"bench-{n}",
            "time_limit": "1d",
            "returns_result": False,
            "created_at": received,
            "due_at": received + timedelta(days=1),
        }
        task_rows.append(
            {
                **base,
                "step_id": "tiep_nhan",
                "step_name": "Tiếp nhận, kiểm tra hồ sơ",
                "handler": "receptionist",
                "unit_id": unit.id,
                "role": "receptionist",
                "status": "done",
                "assignee_id": desk.id,
                "completed_by_id": desk.id,
                "completed_at": received + timedelta(hours=1),
            }
        )
        claimed = active and random.random() < mine_share / active_share
        task_rows.append(
            {
                **base,
                "step_id": "tham_dinh",
                "step_name": "Thẩm định hồ sơ",
                "handler": "specialist@.KT",
                "unit_id": office.id,
                "role": "specialist",
                "status": ("claimed" if claimed else "open") if active else "done",
                "assignee_id": officer.id if claimed or not active else None,
                "completed_by_id": None if active else officer.id,
                "completed_at": None if active else received + timedelta(days=1),
            }
        )
    for table, rows in ((Dossier.__table__, dossier_rows), (Task.__table__, task_rows)):
        for i in range(0, len(rows), 5000):
            db.session.execute(table.insert(), rows[i : i + 5000])


def analyze(vacuum: bool = False) -> None:
    """Refresh the planner's statistics after a bulk fill, and with ``vacuum`` the visibility
    map too (PostgreSQL; SQLite goes without)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE" if vacuum else "ANALYZE"))
