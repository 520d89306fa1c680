"""Cells of the workbooks the platform writes (the register, the statistics reports).

Every text is written as text. openpyxl makes a formula of any string that begins with "=",
so an applicant named ``=HYPERLINK("http://…";"Bấm xem")`` or an officer named
``=cmd|' /C calc'!A0`` would become a live formula in the officer's spreadsheet (CSV/formula
injection, OWASP); typed as a string the cell shows the name as it was given. Control
characters, which a workbook cannot hold, are dropped.
"""

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


def cell(sheet, row: int, column: int, value=None):
    """The sheet's cell at ``row``, ``column``, given ``value`` (a text as text)."""
    target = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        target.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        target.data_type = "s"
    elif value is not None:
        target.value = value
    return target
