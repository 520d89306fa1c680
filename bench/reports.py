"""The statistics report of a province's two years of dossiers (PostgreSQL only).

Fills the province (the demo units plus 150 communes with their offices, 60 more procedures)
with that many dossiers over two years, in SQL on the server: every channel and status, some
late with an apology, some waiting for a supplement, two steps each; then times the
province-wide monthly report and a few others, p50 and p95.
"""

import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import select

from motcua.extensions import db
from motcua.folding import fold
from motcua.models import (
    OnlineLevel,
    Procedure,
    ProcedureLevel,
    ProcessVersion,
    Unit,
    UnitLevel,
    User,
)
from motcua.services import demo, report_counts
from motcua.services import report_periods as periods
from motcua.unit_of_work import unit_of_work

from bench.common import analyze, demo_app, timed, user

DOSSIERS, SMOKE_DOSSIERS = 1_000_000, 3000
COMMUNES = 150  # as many units as a big province has (before 2025: 11 districts of 14 communes)
RUNS, SMOKE_RUNS = 10, 2
DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/motcua_reports_bench"
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
    """COMMUNES communes directly under the province (no districts since 1 July 2025), each with
    the demo's three offices, and 60 procedures of the province or the commune."""
    province = db.session.scalar(select(Unit).where(Unit.code == "HTI"))
    for c in range(1, COMMUNES + 1):
        commune = Unit(
            code=f"B{c:03d}", name=f"Xã Bench {c}", level=UnitLevel.COMMUNE, parent=province
        )
        db.session.add(commune)
        for office_code, office_name in demo.COMMUNE_OFFICES:
            db.session.add(
                Unit(
                    code=f"{commune.code}.{office_code}",
                    name=office_name,
                    level=UnitLevel.OFFICE,
                    parent=commune,
                )
            )
    limits = (1, 3, 5, 7, 10, 15, 20, 30)
    for n in range(60):
        db.session.add(
            Procedure(
                code=f"B.{n:03d}",
                name=f"Thủ tục thử nghiệm số {n}",
                field=FIELDS[n % len(FIELDS)],
                level=ProcedureLevel.COMMUNE if n % 3 else ProcedureLevel.PROVINCE,
                legal_limit_days=limits[n % len(limits)],
                online_level=tuple(OnlineLevel)[n % 3],
            )
        )
    db.session.flush()


# The dossiers, in one statement: received evenly over two years up to REPORTS_NOW, 40 % online,
# 55 % direct, 5 % by post; appointment after a limit of 1–30 calendar days; finished after
# 20–105 % of it (so a few percent late), unless that is still to come: then running, or
# waiting for the applicant (5 %); 0.2 % stuck for good. Of the finished, 3 % refused and 2 %
# withdrawn.
DOSSIERS_SQL = """
INSERT INTO dossiers (id, code, procedure_id, unit_id, receiving_unit_id, process_version_id,
    applicant_name, applicant_id_number, applicant_phone, search_text,
    channel, status, received_at, appointment_at, first_appointment_at,
    finished_at, clock_stopped_at, workflow_state, lock_version)
SELECT 5000000 + g, code,
    procedures[1 + floor(r_procedure * cardinality(procedures))::int],
    units[1 + floor(r_unit * cardinality(units))::int],
    units[1 + floor(r_unit * cardinality(units))::int],
    :version, family[1 + f] || ' ' || middle[1 + m] || ' ' || given[1 + n], id_number, phone,
    lower(code) || ' ' || family_folded[1 + f] || ' ' || middle_folded[1 + m] || ' '
        || given_folded[1 + n] || ' ' || id_number || ' ' || phone,
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
             ELSE received + limit_days * r_speed END AS done_at,
        -- A code of the day's series, as dossier_codes gives them; a CCCD-like ID number and
        -- a mobile phone drawn from the dossier's number; the name's parts drawn by weight.
        'BENCH-' || to_char(received, 'YYMMDD') || '-' || lpad((g % 10000)::text, 4, '0')
            AS code,
        '042' || lpad(((g::bigint * 2654435761) % 1000000000)::text, 9, '0') AS id_number,
        '09' || lpad(((g::bigint * 40503 + 12345) % 100000000)::text, 8, '0') AS phone,
        floor(random() * cardinality(CAST(:family AS text[])))::int AS f,
        floor(random() * cardinality(CAST(:middle AS text[])))::int AS m,
        floor(random() * cardinality(CAST(:given AS text[])))::int AS n
    FROM (
        SELECT g, :start + :span * (g::float8 / :n) AS received,
            random() AS r_unit, random() AS r_channel, random() AS r_status,
            random() AS r_procedure, random() AS r_stuck, 0.2 + 0.85 * random() AS r_speed,
            make_interval(days => (ARRAY[1, 3, 5, 7, 10, 15, 20, 30])[1 + (g % 8)]) AS limit_days
        FROM generate_series(1, :n) AS g
    ) AS drawn
) AS s
CROSS JOIN (
    SELECT CAST(:units AS integer[]) AS units, CAST(:procedures AS integer[]) AS procedures,
        CAST(:family AS text[]) AS family, CAST(:family_folded AS text[]) AS family_folded,
        CAST(:middle AS text[]) AS middle, CAST(:middle_folded AS text[]) AS middle_folded,
        CAST(:given AS text[]) AS given, CAST(:given_folded AS text[]) AS given_folded
) AS ids
"""
# The applicants' names, with accents, each part repeated about as often as it is in Vietnam
# (Nguyễn four in ten); the searched words are the parts folded (motcua.folding), as the model
# folds them (checked on a sample by bench/search.py).
FAMILY = (
    "Nguyễn:38 Trần:11 Lê:10 Phạm:7 Hoàng:5 Huỳnh:4 Phan:4 Vũ:3 Võ:3 Đặng:2 Bùi:2 Đỗ:2 Hồ:2 "
    "Ngô:2 Dương:1 Lý:1 Đinh:1"
)
MIDDLE = "Văn:30 Thị:30 Đức:5 Minh:5 Thanh:5 Ngọc:5 Hữu:4 Quang:4 Xuân:3 Thu:3 Hoài:2 Kim:2 Công:2"
GIVEN = (
    "Bình:3 Hoa:3 An:3 Anh:4 Dũng:3 Hùng:3 Lan:3 Mai:3 Hương:3 Tuấn:3 Nam:3 Hải:3 Linh:3 Trang:3 "
    "Phương:3 Thảo:3 Hà:3 Long:2 Sơn:2 Quân:2 Khánh:2 Giang:2 Yến:2 Ngân:2 Đạt:2 Thắng:2 Cường:2 "
    "Phúc:2 Nhung:2 Hiếu:2 Tâm:2 Huệ:1 Ước:1"
)


def applicant_names() -> dict[str, list[str]]:
    """The name parts (``name:weight`` each), each as often as its weight, and folded: the
    statement's parameters."""
    names = {}
    for key, parts in (("family", FAMILY), ("middle", MIDDLE), ("given", GIVEN)):
        names[key] = [
            name
            for part in parts.split()
            for name, weight in [part.split(":")]
            for _ in range(int(weight))
        ]
        names[f"{key}_folded"] = [fold(name) for name in names[key]]
    return names


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
    dropped during the load and built again after it (much faster than keeping them). Does not
    commit."""
    _add_province_units_and_procedures()
    # The units that decide dossiers: not the offices, the service centre and its branch (they
    # only receive), nor the districts retired on 1 July 2025.
    unit_ids = list(
        db.session.scalars(
            select(Unit.id).where(
                Unit.level.not_in((UnitLevel.OFFICE, UnitLevel.CENTRE, UnitLevel.BRANCH)),
                Unit.retired_at.is_(None),
            )
        )
    )
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
            **applicant_names(),
        },
    )
    for statement in EXTRAS_SQL:
        db.session.execute(sa.text(statement), {"officers": officers})
    for _, definition in indexes:
        db.session.execute(sa.text(definition))


def time_reports(runs: int) -> None:
    admin = user("admin")
    november, last_year = periods.month(2026, 11), periods.month(2025, 11)
    cases = [
        ("month, by field", "HTI", november, "field", False),
        ("month, by procedure", "HTI", november, "procedure", False),
        ("month, by unit", "HTI", november, "unit", False),
        ("month + 12-month chart", "HTI", november, "field", True),
        ("month a year ago", "HTI", last_year, "field", False),
        ("week 46", "HTI", periods.week(2026, 46), "field", False),
        ("quarter IV 2026", "HTI", periods.quarter(2026, 4), "field", False),
        ("9 months 2026", "HTI", periods.cumulative("nine_months", 2026), "field", False),
        ("year 2026", "HTI", periods.year_period(2026), "field", False),
        ("month, one commune", "B001", november, "field", False),
    ]
    for label, unit, period, group, trend in cases:
        p50, p95, report = timed(
            runs,
            lambda u=unit, p=period, g=group, t=trend: report_counts.statistics(
                admin, u, p, g, trend=t, now=REPORTS_NOW
            ),
        )
        total = report.total
        print(
            f"  {label:<24} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   received {total.received:>7}"
            f"   resolved {total.resolved:>7}   in progress {total.in_progress:>6}"
            f"   rows {len(report.rows):>3}   officers {len(report.officers)}"
        )


def run(args) -> None:
    """Raises SystemExit unless the database is PostgreSQL."""
    if sa.engine.make_url(args.database_url).get_backend_name() != "postgresql":
        raise SystemExit("the reports benchmark fills its data with PostgreSQL's generate_series")
    runs = args.runs or (SMOKE_RUNS if args.smoke else RUNS)
    with demo_app(args.database_url):
        started = time.perf_counter()
        with unit_of_work():
            fill_province(args.dossiers)
        analyze(vacuum=True)  # index-only scans want the visibility map
        count = db.session.scalar(sa.text("SELECT count(*) FROM dossiers"))
        print(f"filled {count} dossiers in {time.perf_counter() - started:.0f} s")
        print(f"database: {db.engine.dialect.name}; {runs} runs each; now = {REPORTS_NOW}")
        time_reports(runs)
    print("target: the province-wide monthly report in under 2 s on PostgreSQL")
