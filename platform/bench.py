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

    python -m motcua.bench reports [--dossiers 1000000] [--database-url …/motcua_reports_bench]

fills the province (the demo units plus 11 districts of 14 communes each, 60 more procedures)
with that many dossiers over two years, in SQL on the server (PostgreSQL only): every channel
and status, some late with an apology, some waiting for a supplement, two steps each; then
times the province-wide monthly report and a few others, p50 and p95.

    python -m motcua.bench register [--dossiers 5000] [--database-url …]

fills Can Lộc with that many dossiers received within a year and times its register (form 06)
for that year: the Excel workbook, then the PDF.
"""

import argparse
import io
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from random import Random

import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import select

from motcua.app import create_app
from motcua.engine import baseline
from motcua.extensions import db
from motcua.models import (
    ACTIVE_TASK_STATUSES,
    Dossier,
    OnlineLevel,
    Procedure,
    ProcedureLevel,
    ProcessVersion,
    Task,
    Unit,
    UnitLevel,
    User,
)
from motcua.services import demo, dossiers, formdata, inbox, intake, processing, slips

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


# --- reports: a province's two years of dossiers ---------------------------------------------

REPORTS_URL = "postgresql://postgres@127.0.0.1:5432/motcua_reports_bench"
REPORTS_NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 10:00 local; the data ends here
FIELDS = (
    "Hộ tịch",
    "Chứng thực",
    "Đất đai",
    "Hoạt động xây dựng",
    "Thành lập và hoạt động của hộ kinh doanh",
    "Giáo dục và Đào tạo",
    "Y tế",
    "Lao động, Thương binh và Xã hội",
    "Nông nghiệp",
    "Giao thông vận tải",
    "Tư pháp",
    "Văn hóa",
)


def _add_province_units_and_procedures() -> None:
    province = db.session.scalar(select(Unit).where(Unit.code == "HTI"))
    for d in range(1, 12):
        district = Unit(code=f"B{d:02d}", name=f"Huyện Bench {d}", level=UnitLevel.DISTRICT)
        district.parent = province
        db.session.add(district)
        for c in range(1, 15):
            db.session.add(
                Unit(
                    code=f"B{d:02d}.X{c:02d}",
                    name=f"Xã Bench {d}.{c}",
                    level=UnitLevel.COMMUNE,
                    parent=district,
                )
            )
    limits = (1, 3, 5, 7, 10, 15, 20, 30)
    for n in range(60):
        db.session.add(
            Procedure(
                code=f"B.{n:03d}",
                name=f"Thủ tục thử nghiệm số {n}",
                field=FIELDS[n % len(FIELDS)],
                level=ProcedureLevel.COMMUNE if n % 3 else ProcedureLevel.DISTRICT,
                legal_limit_days=limits[n % len(limits)],
                online_level=tuple(OnlineLevel)[n % 3],
            )
        )
    db.session.commit()


# The dossiers, in one statement: received evenly over two years up to REPORTS_NOW, 40 % online,
# 55 % direct, 5 % by post; appointment after a limit of 1–30 calendar days; finished after
# 20–105 % of it (so a few percent late), unless that is still to come: then running, or
# waiting for the applicant (5 %); 0.2 % stuck for good. Of the finished, 3 % refused and 2 %
# withdrawn.
DOSSIERS_SQL = """
INSERT INTO dossiers (id, code, procedure_id, unit_id, process_version_id, applicant_name,
    applicant_id_number, channel, status, received_at, appointment_at, first_appointment_at,
    finished_at, clock_stopped_at, workflow_state, lock_version)
SELECT 5000000 + g, 'BENCH-' || g,
    procedures[1 + floor(r_procedure * cardinality(procedures))::int],
    units[1 + floor(r_unit * cardinality(units))::int],
    :version, 'Nguyễn Văn ' || g, lpad(g::text, 12, '0'),
    CASE WHEN r_channel < 0.4 THEN 'online' WHEN r_channel < 0.95 THEN 'direct' ELSE 'postal' END,
    CASE WHEN done_at IS NULL AND r_status < 0.05 THEN 'waiting_applicant'
         WHEN done_at IS NULL THEN 'processing'
         WHEN r_status < 0.03 THEN 'refused' WHEN r_status < 0.05 THEN 'withdrawn'
         ELSE 'returned' END,
    received, received + limit_days, received + limit_days, done_at,
    CASE WHEN done_at IS NULL AND r_status < 0.05 THEN received + limit_days * 0.5 END,
    '', 1
FROM (
    SELECT g, received, limit_days, r_unit, r_channel, r_status, r_procedure,
        CASE WHEN r_stuck < 0.002 OR received + limit_days * r_speed > :now THEN NULL
             ELSE received + limit_days * r_speed END AS done_at
    FROM (
        SELECT g, :start + :span * (g::float8 / :n) AS received,
            random() AS r_unit, random() AS r_channel, random() AS r_status,
            random() AS r_procedure, random() AS r_stuck, 0.2 + 0.85 * random() AS r_speed,
            make_interval(days => (ARRAY[1, 3, 5, 7, 10, 15, 20, 30])[1 + (g % 8)]) AS limit_days
        FROM generate_series(1, :n) AS g
    ) AS drawn
) AS s
CROSS JOIN (
    SELECT CAST(:units AS integer[]) AS units, CAST(:procedures AS integer[]) AS procedures
) AS ids
"""
# Half of the late ones apologised the day before their appointment; 5 % had a supplement
# request the day after receipt; two steps each, done by one of the officers.
EXTRAS_SQL = (
    """
INSERT INTO apologies (dossier_id, issued_at, issued_by_id, reason, old_appointment_at,
    new_appointment_at)
SELECT id, appointment_at - interval '1 day', NULL, 'Hồ sơ phức tạp', appointment_at,
    appointment_at + interval '5 days'
FROM dossiers
WHERE code LIKE 'BENCH-%' AND finished_at > appointment_at AND id % 2 = 0
""",
    """
INSERT INTO supplement_requests (dossier_id, requested_at, reason, items)
SELECT id, received_at + interval '1 day', 'Thiếu giấy tờ', '["Bản sao CCCD"]'
FROM dossiers WHERE code LIKE 'BENCH-%' AND id % 20 = 7
""",
    """
INSERT INTO tasks (dossier_id, engine_task_id, step_id, step_name, handler, unit_id, role,
    time_limit, returns_result, status, created_at, due_at, assignee_id, completed_at,
    completed_by_id)
SELECT d.id, 'bench-' || d.id || '-' || step, 'buoc_' || step, 'Bước ' || step, 'specialist',
    d.unit_id, 'specialist', '1d', false,
    CASE WHEN step = 1 OR d.finished_at IS NOT NULL THEN 'done' ELSE 'claimed' END,
    CASE WHEN step = 1 THEN d.received_at ELSE d.received_at + interval '4 hours' END,
    CASE WHEN step = 1 THEN d.received_at + interval '1 day' ELSE d.appointment_at END,
    officer,
    CASE WHEN step = 1 THEN d.received_at + interval '4 hours' ELSE d.finished_at END,
    CASE WHEN step = 1 OR d.finished_at IS NOT NULL THEN officer END
FROM dossiers AS d
CROSS JOIN generate_series(1, 2) AS step
CROSS JOIN LATERAL (
    SELECT (CAST(:officers AS integer[]))[1 + (d.id + step * 31) % cardinality(CAST(:officers AS
        integer[]))] AS officer
) AS o
WHERE d.code LIKE 'BENCH-%'
""",
)


def fill_province(count: int) -> None:
    """Bulk-load the province's dossiers on the server, with the tables' secondary indexes
    dropped during the load and built again after it (much faster than keeping them)."""
    _add_province_units_and_procedures()
    unit_ids = list(db.session.scalars(select(Unit.id).where(Unit.level != UnitLevel.OFFICE)))
    officers = list(db.session.scalars(select(User.id).order_by(User.id)))
    version = db.session.scalar(select(ProcessVersion.id).order_by(ProcessVersion.id).limit(1))
    procedures = list(db.session.scalars(select(Procedure.id)))
    tables = ("dossiers", "tasks", "apologies", "supplement_requests")
    indexes = db.session.execute(
        sa.text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(:t) "
            "AND indexname NOT LIKE 'pk_%' AND indexdef NOT LIKE 'CREATE UNIQUE%'"
        ),
        {"t": list(tables)},
    ).all()
    for name, _ in indexes:
        db.session.execute(sa.text(f'DROP INDEX "{name}"'))
    db.session.execute(sa.text("SELECT setseed(0.61)"))
    db.session.execute(
        sa.text(DOSSIERS_SQL),
        {
            "version": version,
            "start": REPORTS_NOW - timedelta(days=730),
            "span": timedelta(days=730),
            "n": count,
            "now": REPORTS_NOW,
            "units": unit_ids,
            "procedures": procedures,
        },
    )
    for statement in EXTRAS_SQL:
        db.session.execute(sa.text(statement), {"officers": officers})
    for _, definition in indexes:
        db.session.execute(sa.text(definition))
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))


def _timed(runs: int, call) -> tuple[float, float, object]:
    timings, result = [], None
    for _ in range(runs):
        db.session.expire_all()
        started = time.perf_counter()
        result = call()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[max(0, int(0.95 * runs) - 1)], result


def time_reports(runs: int = 10) -> None:
    from motcua.services import report_periods as periods
    from motcua.services import reports

    admin = _user("admin")
    november, last_year = periods.month(2026, 11), periods.month(2025, 11)
    cases = [
        ("month, by field", "HTI", november, "field", False),
        ("month, by procedure", "HTI", november, "procedure", False),
        ("month, by unit", "HTI", november, "unit", False),
        ("month + 12-month chart", "HTI", november, "field", True),
        ("month a year ago", "HTI", last_year, "field", False),
        ("week 46", "HTI", periods.week(2026, 46), "field", False),
        ("year 2026", "HTI", periods.year_period(2026), "field", False),
        ("month, one district", "B01", november, "field", False),
    ]
    for label, unit, period, group, trend in cases:
        p50, p95, report = _timed(
            runs,
            lambda u=unit, p=period, g=group, t=trend: reports.statistics(
                admin, u, p, g, trend=t, now=REPORTS_NOW
            ),
        )
        total = report.total
        print(
            f"  {label:<24} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   received {total.received:>7}"
            f"   resolved {total.resolved:>7}   in progress {total.in_progress:>6}"
            f"   rows {len(report.rows):>3}   officers {len(report.officers)}"
        )


def run_reports(args) -> None:
    if sa.engine.make_url(args.database_url).get_backend_name() != "postgresql":
        raise SystemExit("the reports benchmark fills its data with PostgreSQL's generate_series")
    fresh_database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        demo.load()
        started = time.perf_counter()
        fill_province(args.dossiers)
        count = db.session.scalar(sa.text("SELECT count(*) FROM dossiers"))
        print(f"filled {count} dossiers in {time.perf_counter() - started:.0f} s")
        print(f"database: {db.engine.dialect.name}; {args.runs} runs each; now = {REPORTS_NOW}")
        time_reports(args.runs)
    print("target: the province-wide monthly report in under 2 s on PostgreSQL")


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


def run_register(args) -> None:
    if args.dossiers * 7 > 366 * 24 * 60:
        raise SystemExit("the register covers a year: at most 75 000 dossiers (one per 7 min)")
    fresh_database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        demo.load()
        fill_unit(args.dossiers)
        # An address and a phone on every row, as the desk takes them (two or three lines).
        db.session.execute(
            sa.update(Dossier).values(
                applicant_address="Thôn Phú Lộc, xã Thiên Lộc, huyện Can Lộc, tỉnh Hà Tĩnh",
                applicant_phone="0912345678",
            )
        )
        db.session.commit()
        unit = db.session.scalar(select(Unit).where(Unit.code == "CLO"))
        year = (date(2024, 1, 1), date(2024, 12, 31))
        print(f"database: {db.engine.dialect.name}; register of {args.dossiers} rows")
        for label, make in (("Excel", slips.register_workbook), ("PDF", slips.render_register)):
            db.session.expire_all()
            started = time.perf_counter()
            data = make(unit, *year)
            print(f"  {label:<5} {time.perf_counter() - started:7.2f} s   {len(data) // 1024} KB")
    print("target: a year of a busy unit (5 000 rows) in a few seconds")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "which", nargs="?", choices=("engine", "inbox", "reports", "register"), default="engine"
    )
    parser.add_argument("--dossiers", type=int)
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each report")
    args = parser.parse_args()
    if args.which == "reports":
        args.dossiers = args.dossiers or 1_000_000
        args.database_url = args.database_url or REPORTS_URL
        run_reports(args)
        return
    args.database_url = args.database_url or DEFAULT_URL
    if args.which == "inbox":
        args.dossiers = args.dossiers or 100_000
        run_inbox(args)
    elif args.which == "register":
        args.dossiers = args.dossiers or 5000
        run_register(args)
    else:
        args.dossiers = args.dossiers or 200
        run_engine(args)


if __name__ == "__main__":
    main()
