"""Benchmark: task completions per second through the engine service, against bare SpiffWorkflow.

    python -m motcua.bench [--dossiers 200] [--database-url postgresql://…/motcua_bench]

It empties and fills its own database (whose name must end in ``_bench``), receives dossiers of
the household business procedure at Can Lộc, then completes every step of every dossier
through ``processing.complete`` — lock, restore, run, save, task rows, events, commit — and
runs the same number of steps on bare SpiffWorkflow (deserialize → run → serialize) as the
ceiling. Not a test: it prints figures.
"""

import argparse
import io
import time

import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import select

from motcua.app import create_app
from motcua.engine import baseline
from motcua.extensions import db
from motcua.models import ACTIVE_TASK_STATUSES, Dossier, ProcessVersion, Task, Unit, User
from motcua.services import demo, dossiers, formdata, intake, processing

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dossiers", type=int, default=200)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()

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


if __name__ == "__main__":
    main()
