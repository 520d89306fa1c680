"""Benchmarks. Not tests: they print figures. Each empties and fills its own database, whose
name must end in ``_bench``.

    python -m motcua.bench engine [--dossiers 200] [--database-url postgresql://…/motcua_bench]

receives dossiers of the household business procedure at Can Lộc, then completes every step of
every dossier through ``processing.complete`` — lock, restore, run, save, task rows, events,
commit — and runs the same number of steps on bare SpiffWorkflow (deserialize → run →
serialize) as the ceiling.

    python -m motcua.bench inbox [--dossiers 100000] [--database-url …]

fills Can Lộc with that many dossiers and their task rows, then times each inbox tab of one
specialist of the finance office (and the overdue tab of its leader), p50 and p95.
"""

import argparse
import io
import statistics
import time
from datetime import UTC, datetime, timedelta
from random import Random

import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import select

from motcua.app import create_app
from motcua.engine import baseline
from motcua.extensions import db
from motcua.models import ACTIVE_TASK_STATUSES, Dossier, ProcessVersion, Task, Unit, User
from motcua.services import demo, dossiers, formdata, inbox, intake, processing

PROCEDURE = "1.001612"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/motcua_bench"


def fresh_database(url: str) -> None:
    parsed = sa.engine.make_url(url)
    if not (parsed.database or "").endswith("_bench"):
        raise SystemExit("the benchmark empties its database: its name must end in _bench")
    if parsed.get_backend_name() == "sqlite":
        from pathlib import Path

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


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def receive_dossiers(count: int) -> list[str]:
    desk = _user("clo.mc1")
    applicant = intake.Applicant(name="Nguyễn Văn Bench", id_number="042190009999")
    codes = []
    for _ in range(count):
        codes.append(intake.receive(desk, PROCEDURE, "CLO", applicant, "direct").code)
        dossiers.add_attachment(
            desk,
            codes[-1],
            file_name="ket-qua.pdf",
            stream=io.BytesIO(b"%PDF-1.4 result"),
            kind="result",
        )
    return codes


class DatabaseClock:
    """Round trips to the database and the time spent waiting on them (commits included)."""

    def __init__(self, engine):
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


def complete_all(codes: list[str], clock: "DatabaseClock") -> tuple[int, float]:
    """Complete every step of every dossier, one step of each dossier per round."""
    users: dict[int, User] = {}
    completions, elapsed = 0, 0.0
    pending = list(codes)
    while pending:
        still = []
        for code in pending:
            task = db.session.scalar(
                select(Task)
                .join(Dossier)
                .where(Dossier.code == code, Task.status.in_(ACTIVE_TASK_STATUSES))
                .limit(1)
            )
            if task is None:
                continue
            actor_id = task.assignee_id or task.candidates[0].user_id
            actor = users.setdefault(actor_id, db.session.get(User, actor_id))
            data = formdata.example_data(task.form, decision="approve")
            task_id = task.id
            started = time.perf_counter()
            clock.counting = True
            processing.complete(actor, task_id, data)
            clock.counting = False
            elapsed += time.perf_counter() - started
            completions += 1
            still.append(code)
        pending = still
    return completions, elapsed


# --- the inbox: query timing for one officer with many dossiers in the unit -----------------


def fill_unit(dossiers: int, active_share: float = 0.05, mine_share: float = 0.02) -> None:
    """Bulk-insert dossiers of the household business procedure at Can Lộc with their task
    rows, as years of work would leave them: most finished, some at the specialist's step
    (unclaimed or claimed by clo.cv.tckh1). Rows go in directly: this measures reading."""
    unit = db.session.scalar(select(Unit).where(Unit.code == "CLO"))
    office = db.session.scalar(select(Unit).where(Unit.code == "CLO.TCKH"))
    officer = _user("clo.cv.tckh1")
    desk = _user("clo.mc1")
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
                "handler": "specialist@.TCKH",
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
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def time_inbox(runs: int = 50) -> list[tuple[str, int, float, float]]:
    """(tab, rows on the first page, p50 ms, p95 ms) for each tab."""
    specialist, leader = _user("clo.cv.tckh1"), _user("clo.ld.tckh")
    cases = [
        ("mine", specialist, {}),
        ("unit", specialist, {}),
        ("done", specialist, {}),
        ("unit, q=name", specialist, {"q": "Nguyễn Văn 4242"}),
        ("unit, procedure", specialist, {"procedure": PROCEDURE}),
        ("overdue (leader)", leader, {}),
    ]
    results = []
    for label, actor, filters in cases:
        tab = label.split(",")[0].split(" ")[0]
        timings, rows = [], 0
        for _ in range(runs):
            db.session.expire_all()
            started = time.perf_counter()
            view = inbox.inbox(actor, tab=tab, **filters)
            timings.append((time.perf_counter() - started) * 1000)
            rows = len(view.rows)
        timings.sort()
        results.append((label, rows, statistics.median(timings), timings[int(0.95 * runs) - 1]))
    return results


def run_engine(args) -> None:
    fresh_database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        demo.load()
        codes = receive_dossiers(args.dossiers)
        version = db.session.scalar(
            select(ProcessVersion)
            .join(Unit)
            .where(Unit.code == "CLO")
            .where(ProcessVersion.procedure.has(code=PROCEDURE))
        )
        xml = version.bpmn_xml
        clock = DatabaseClock(db.engine)
        ours, our_seconds = complete_all(codes, clock)

    bare, bare_seconds = baseline.completion_loop(xml, completions=ours)
    our_rate, bare_rate = ours / our_seconds, bare / bare_seconds
    print(f"database: {sa.engine.make_url(args.database_url).get_backend_name()}")
    print(f"engine service: {ours} completions in {our_seconds:.2f} s = {our_rate:.1f}/s")
    print(f"bare SpiffWorkflow: {bare} completions in {bare_seconds:.2f} s = {bare_rate:.1f}/s")
    print(f"ratio (service / bare): {our_rate / bare_rate:.2f}  (target ≥ 0.50)")
    print(
        f"per service completion: {1000 * our_seconds / ours:.2f} ms, of which "
        f"{1000 * clock.seconds / ours:.2f} ms waiting on the database "
        f"({clock.round_trips / ours:.1f} round trips incl. commit)"
    )


def run_inbox(args) -> None:
    fresh_database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        demo.load()
        started = time.perf_counter()
        fill_unit(args.dossiers)
        print(f"filled {args.dossiers} dossiers in {time.perf_counter() - started:.0f} s")
        print(f"database: {db.engine.dialect.name}; first page (50 rows), {50} runs each")
        for label, rows, p50, p95 in time_inbox():
            print(f"  {label:<18} rows {rows:>3}   p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
    print("target: p95 ≤ 50 ms on PostgreSQL")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("which", nargs="?", choices=("engine", "inbox"), default="engine")
    parser.add_argument("--dossiers", type=int)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    if args.which == "inbox":
        args.dossiers = args.dossiers or 100_000
        run_inbox(args)
    else:
        args.dossiers = args.dossiers or 200
        run_engine(args)


if __name__ == "__main__":
    main()
