"""A unit's register (form 06) for a year, as Excel and as PDF.

Fills Can Lộc with that many dossiers received within 2024 and times its register for that
year: the Excel workbook, then the PDF.
"""

import time
from datetime import date

import sqlalchemy as sa
from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Dossier, Unit
from motcua.services import slips
from motcua.unit_of_work import unit_of_work

from bench import common
from bench.common import analyze, demo_app, fill_unit

DOSSIERS = 5000
DATABASE_URL = common.DATABASE_URL
YEAR = (date(2024, 1, 1), date(2024, 12, 31))


def _render(label: str, make, unit: Unit, start: date, end: date) -> bytes:
    db.session.expire_all()
    started = time.perf_counter()
    data = make(unit, start, end)
    print(f"  {label:<5} {time.perf_counter() - started:7.2f} s   {len(data) // 1024} KB")
    return data


def run(args) -> None:
    """Raises SystemExit if the dossiers do not fit in a year."""
    if args.dossiers * 7 > 366 * 24 * 60:
        raise SystemExit("the register covers a year: at most 75 000 dossiers (one per 7 min)")
    with demo_app(args.database_url):
        with unit_of_work():
            fill_unit(args.dossiers)
            # An address and a phone on every row, as the desk takes them (two or three lines).
            db.session.execute(
                sa.update(Dossier).values(
                    applicant_address="Thôn Phú Lộc, xã Thiên Lộc, huyện Can Lộc, tỉnh Hà Tĩnh",
                    applicant_phone="0912345678",
                )
            )
        analyze()
        unit = db.session.scalar(select(Unit).where(Unit.code == "CLO"))
        print(f"database: {db.engine.dialect.name}; register of {args.dossiers} rows")
        _render("Excel", slips.register_workbook, unit, *YEAR)
        _render("PDF", slips.render_register, unit, *YEAR)
    print("target: a year of a busy unit (5 000 rows) in a few seconds")
