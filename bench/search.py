"""The officers' dossier search over a province's dossiers (PostgreSQL only).

Fills the province as the reports benchmark does (bench/reports.py fill_province: the dossiers
in SQL on the server, applicants' names with accents, ID numbers and phones, their search_text
folded), checks a sample of search_text against the model's folding, then times typical
searches (a name typed without accents, a code's tail, an ID number, a phone, a rare and a
common word) as an officer of one commune and as the provincial supervisor: median and p95, the
statements each search runs, and the indexes their plans use.
"""

import re
import time

import sqlalchemy as sa
from flask import g
from sqlalchemy import event, select

from motcua.extensions import db
from motcua.models import Dossier, Unit
from motcua.models.dossier import SEARCHED, search_text
from motcua.services import dossier_search
from motcua.unit_of_work import unit_of_work

from bench.common import analyze, demo_app, timed, user
from bench.reports import fill_province

DOSSIERS, SMOKE_DOSSIERS = 1_000_000, 3000
RUNS, SMOKE_RUNS = 20, 3
DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/motcua_search_bench"
OFFICERS = (("commune officer (clo.mc1)", "clo.mc1"), ("provincial supervisor", "hti.giamsat"))
TARGET_MS = 200
SAMPLE = 200


def check_folding() -> None:
    """Raises SystemExit unless the filled rows' search_text is what the model writes."""
    rows = db.session.execute(
        select(Dossier.id, Dossier.search_text, *(getattr(Dossier, n) for n in SEARCHED))
        .where(Dossier.code.like("BENCH-%"))
        .order_by(sa.func.random())
        .limit(SAMPLE)
    ).all()
    wrong = [r.id for r in rows if r.search_text != search_text(*r[2:])]
    if not rows or wrong:
        raise SystemExit(f"search_text of the filled rows is not the model's: ids {wrong[:5]}")


def queries() -> list[tuple[str, dict]]:
    """Typical searches, drawn from the filled rows: (label, search's keywords)."""
    # One of the commune's, so that both officers may find it.
    some = db.session.execute(
        select(Dossier.code, Dossier.applicant_id_number, Dossier.applicant_phone)
        .join(Unit, Unit.id == Dossier.unit_id)
        .where(Dossier.code.like("BENCH-%"), Unit.code == "CLO")
        .order_by(Dossier.id.desc())
        .limit(1)
    ).one()
    return [
        ("name without accents", {"q": "nguyen van binh"}),
        ("given name", {"q": "binh"}),
        ("code's tail (0003)", {"q": "0003"}),
        ("code's day and number", {"q": some.code.split("-", 1)[1]}),
        ("whole code", {"q": some.code}),
        ("ID number", {"q": some.applicant_id_number}),
        ("ID number's last 6", {"q": some.applicant_id_number[-6:]}),
        ("phone", {"q": some.applicant_phone}),
        ("phone, part spaced", {"q": f"{some.applicant_phone[:4]} {some.applicant_phone[4:7]}"}),
        ("rare name (3 words)", {"q": "đinh công ước"}),
        ("common word", {"q": "nguyen"}),
        ("common word, returned", {"q": "nguyen", "status": "returned"}),
        ("no words, a month", {"received_from": "2026-10-01", "received_to": "2026-10-31"}),
        ("no match", {"q": "zzzqxw"}),
    ]


INDEX = re.compile(r"(Index Only Scan|Index Scan|Bitmap Index Scan)( Backward)? (?:using|on) (\w+)")


def plans(actor, keywords: dict) -> tuple[int, list[str]]:
    """The statements one search runs, and the indexes (or sequential scans) of the count's
    and the page's plans."""
    connection = db.session.connection()
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    g.pop("motcua_visible", None)
    event.listen(connection, "before_cursor_execute", capture)
    try:
        dossier_search.search(actor, **keywords)
    finally:
        event.remove(connection, "before_cursor_execute", capture)
    used = []
    for statement, parameters in seen:
        if "FROM dossiers" not in statement:
            continue
        plan = "\n".join(connection.exec_driver_sql("EXPLAIN " + statement, parameters).scalars())
        names = [f"{name}{' (backward)' if back else ''}" for _, back, name in INDEX.findall(plan)]
        if "Seq Scan on dossiers" in plan:
            names.append("SEQ SCAN on dossiers")
        used.append(", ".join(dict.fromkeys(names)) or "-")
    return len(seen), used


def time_searches(runs: int) -> float:
    """Print each search's figures; return the slowest median of the typical ones."""
    slowest = 0.0
    for label, username in OFFICERS:
        actor = user(username)
        print(f"as {label}:")
        for name, keywords in queries():

            def search(actor=actor, keywords=keywords):
                g.pop("motcua_visible", None)  # what a request reads afresh
                return dossier_search.search(actor, **keywords)

            p50, p95, found = timed(runs, search)
            statements, used = plans(actor, keywords)
            total = f"{'>' if found.more else ' '}{found.counted:>5}"
            print(
                f"  {name:<26} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   found {total}"
                f"   {statements} statements   matches: {used[0]}"
                f"   page: {used[1] if len(used) > 1 else '(none)'}"
            )
            if name != "no words, a month":
                slowest = max(slowest, p50)
    return slowest


def run(args) -> None:
    """Raises SystemExit unless the database is PostgreSQL, or if the fill's search_text is
    not the model's."""
    if sa.engine.make_url(args.database_url).get_backend_name() != "postgresql":
        raise SystemExit("the search benchmark fills its data with PostgreSQL's generate_series")
    runs = SMOKE_RUNS if args.smoke else RUNS
    with demo_app(args.database_url):
        started = time.perf_counter()
        with unit_of_work():
            fill_province(args.dossiers)
        analyze(vacuum=True)
        count = db.session.scalar(sa.text("SELECT count(*) FROM dossiers"))
        print(f"filled {count} dossiers in {time.perf_counter() - started:.0f} s")
        check_folding()
        print(f"database: {db.engine.dialect.name}; {runs} runs each")
        slowest = time_searches(runs)
    print(f"slowest median of a typical search: {slowest:.1f} ms (target: under {TARGET_MS} ms)")
