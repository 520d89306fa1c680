"""Inbox queries for one officer with many dossiers in the unit.

Fills xã Can Lộc with that many dossiers and their task rows, then times each inbox tab of one
specialist of its economic office (and the overdue tab of its head), p50 and p95.
"""

import time

from motcua.extensions import db
from motcua.services import inbox
from motcua.unit_of_work import unit_of_work

from bench import common
from bench.common import PROCEDURE, analyze, demo_app, fill_unit, timed, user

DOSSIERS, SMOKE_DOSSIERS = 100_000, 500
DATABASE_URL = common.DATABASE_URL
RUNS = 50


def time_inbox(runs: int) -> list[tuple[str, int, float, float]]:
    """(tab, rows on the first page, p50 ms, p95 ms) for each tab."""
    specialist, leader = user("clo.cv.tckh1"), user("clo.ld.tckh")
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
        p50, p95, view = timed(runs, lambda a=actor, t=tab, f=filters: inbox.inbox(a, tab=t, **f))
        results.append((label, len(view.rows), p50, p95))
    return results


def run(args) -> None:
    with demo_app(args.database_url):
        started = time.perf_counter()
        with unit_of_work():
            fill_unit(args.dossiers)
        analyze()
        print(f"filled {args.dossiers} dossiers in {time.perf_counter() - started:.0f} s")
        print(f"database: {db.engine.dialect.name}; first page (50 rows), {RUNS} runs each")
        for label, rows, p50, p95 in time_inbox(RUNS):
            print(f"  {label:<18} rows {rows:>3}   p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
    print("target: p95 ≤ 50 ms on PostgreSQL")
