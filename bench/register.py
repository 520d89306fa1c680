"""A unit's register (form 07) for a year, as Excel and as PDF.

Fills xã Can Lộc with that many dossiers received within 2024 and times its register for that
year as an Excel workbook, then as a PDF: the year's, or, when it has more rows than the PDF
prints, that of the longest period from 1 January the PDF does print.
"""

import time
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Dossier, Unit
from motcua.services import register
from motcua.unit_of_work import unit_of_work

from bench import common
from bench.common import analyze, demo_app, fill_unit

DOSSIERS, SMOKE_DOSSIERS = 5000, 50
DATABASE_URL = common.DATABASE_URL
YEAR = (date(2024, 1, 1), date(2024, 12, 31))


def printable_period(unit: Unit) -> tuple[date, int]:
    """The last day of the longest period from the year's first day whose register the PDF
    prints (at most ``MAX_REGISTER_PDF_ROWS`` rows), and its rows."""
    rows = register.register_rows(unit, *YEAR)
    if len(rows) <= register.MAX_REGISTER_PDF_ROWS:
        return YEAR[1], len(rows)
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    days = [row.received_at.astimezone(tz).date() for row in rows]
    end = days[register.MAX_REGISTER_PDF_ROWS] - timedelta(days=1)
    return end, sum(day <= end for day in days)


def _render(label: str, make, unit: Unit, start: date, end: date) -> bytes:
    db.session.expire_all()
    started = time.perf_counter()
    data = make(unit, start, end)
    print(f"  {label:<24} {time.perf_counter() - started:7.2f} s   {len(data) // 1024} KB")
    return data


def run(args) -> None:
    """Raises SystemExit if the dossiers do not fit in a year, or the PDF is not one."""
    if args.dossiers * 7 > 366 * 24 * 60:
        raise SystemExit("the register covers a year: at most 75 000 dossiers (one per 7 min)")
    with demo_app(args.database_url):
        with unit_of_work():
            fill_unit(args.dossiers)
            # An address and a phone on every row, as the desk takes them (two or three lines).
            db.session.execute(
                sa.update(Dossier).values(
                    applicant_address="Thôn Phú Lộc, xã Can Lộc, tỉnh Hà Tĩnh",
                    applicant_phone="0912345678",
                )
            )
        analyze()
        unit = db.session.scalar(select(Unit).where(Unit.code == "CLO"))
        end, printed = printable_period(unit)
        print(f"database: {db.engine.dialect.name}; register of {args.dossiers} rows")
        _render(f"Excel, {args.dossiers} rows", register.register_workbook, unit, *YEAR)
        pdf = _render(
            f"PDF, {printed} rows to {end:%d/%m}", register.render_register, unit, YEAR[0], end
        )
        if not pdf.startswith(b"%PDF"):
            raise SystemExit("the register's PDF is not a PDF")
    print("target: a year of a busy unit (5 000 rows) in a few seconds, as Excel")
