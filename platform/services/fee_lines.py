"""A procedure's fee lines (phí, lệ phí) as its catalogue entry publishes them: name, code, kind
(a fee pays for a service, a charge is a state levy: Law on Fees and Charges 97/2015/QH13) and
amount, or none when the amount depends on the case ("theo từng trường hợp"), entered by the
officer for each dossier (motcua.services.fees). ``Procedure.fees`` keeps the catalogue's words.

The admin writes them one a line, the fields split by "|":
``code | name | phí or lệ phí | amount or "theo từng trường hợp"`` (the code may be empty), the
same text the catalogue import file gives in its column of fee lines.
"""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from motcua.errors import Invalid
from motcua.extensions import db
from motcua.models import DossierFee, FeeLine, User
from motcua.services import audit, catalogue
from motcua.vocabulary import AuditAction, FeeKind

BY_THE_CASE = "theo từng trường hợp"
KINDS = {"phí": FeeKind.FEE, "phi": FeeKind.FEE, "lệ phí": FeeKind.CHARGE, "le phi": FeeKind.CHARGE}
MAX_LINES = 50
LARGEST_AMOUNT = Decimal(10**14 - 1)  # the column's 14 digits


def lines_of(procedure) -> list[FeeLine]:
    return list(
        db.session.scalars(
            select(FeeLine).where(FeeLine.procedure_id == procedure.id).order_by(FeeLine.position)
        )
    )


def as_text(lines: list[FeeLine]) -> str:
    """The lines as the admin's form writes them."""
    return "\n".join(
        " | ".join(
            (
                line.code,
                line.name,
                "lệ phí" if line.kind == FeeKind.CHARGE else "phí",
                str(int(line.amount)) if line.amount is not None else BY_THE_CASE,
            )
        )
        for line in lines
    )


def parse(text: str) -> list[dict]:
    """The fee lines of the text (see the module). Raises Invalid ``fee_lines`` naming the line
    that is wrong."""
    rows, problems = [], []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [" ".join(p.split()) for p in raw.split("|")]
        if len(parts) != 4:
            problems.append(_l("Dòng %(n)s: cần đủ 4 phần cách nhau bởi «|».", n=number))
            continue
        code, name, kind, amount = parts
        kind = KINDS.get(kind.lower())
        value = None
        if not name or len(name) > 500 or len(code) > 64:
            problems.append(_l("Dòng %(n)s: tên phí (tối đa 500 ký tự) là bắt buộc.", n=number))
            continue
        if kind is None:
            problems.append(_l("Dòng %(n)s: loại phải là «phí» hoặc «lệ phí».", n=number))
            continue
        if amount.lower() != BY_THE_CASE:
            try:
                value = parse_amount(amount)
            except Invalid:
                problems.append(
                    _l(
                        "Dòng %(n)s: số tiền phải là số nguyên dương hoặc «theo từng trường hợp».",
                        n=number,
                    )
                )
                continue
        rows.append({"code": code, "name": name, "kind": kind, "amount": value})
    if len(rows) > MAX_LINES:
        problems.append(_l("Tối đa %(n)s khoản phí, lệ phí.", n=MAX_LINES))
    if problems:
        raise Invalid(
            _l("Danh sách phí, lệ phí chưa hợp lệ."),
            code="invalid_fee_lines",
            details={"fee_lines": "; ".join(str(p) for p in problems)},
        )
    return rows


def parse_amount(text) -> Decimal:
    """An amount in đồng as typed ("150000", "150.000", "150 000"): a whole positive number."""
    digits = "".join(str(text or "").split()).replace(".", "").replace(",", "")
    if not digits.isdigit() or int(digits) <= 0 or Decimal(digits) > LARGEST_AMOUNT:
        message = _l("Số tiền phải là số nguyên dương (đồng).")
        raise Invalid(message, code="invalid_amount", details={"amount": message})
    return Decimal(int(digits))


def replace(actor: User, code: str, text: str) -> list[FeeLine]:
    """Set the procedure's fee lines to those of ``text`` (a system admin, as every catalogue
    edit; audited). Dossiers keep the fees they were given. Raises Forbidden, NotFound,
    Invalid."""
    catalogue.require_editor(actor)
    procedure = catalogue.get(actor, code)
    rows = parse(text)
    old = lines_of(procedure)
    before = as_text(old)
    set_lines(procedure, rows, old)
    after = as_text(lines_of(procedure))
    if before != after:
        audit.record(
            actor,
            AuditAction.PROCEDURE_FEES,
            "procedure",
            procedure.code,
            f"Sửa phí, lệ phí của thủ tục {procedure.code}",
            data={"old": before, "new": after},
        )
    return lines_of(procedure)


def set_lines(procedure, rows: list[dict], old: list[FeeLine] | None = None) -> None:
    """Write the lines (the catalogue import's and the admin's way): kept rows updated in place,
    the rest removed, the dossiers' copies of a removed one kept (unlinked)."""
    old = lines_of(procedure) if old is None else old
    gone = [line.id for line in old[len(rows) :]]
    if gone:
        db.session.execute(
            update(DossierFee).where(DossierFee.fee_line_id.in_(gone)).values(fee_line_id=None)
        )
        for line in old[len(rows) :]:
            db.session.delete(line)
        db.session.flush()
    for position, row in enumerate(rows, start=1):
        line = old[position - 1] if position <= len(old) else None
        if line is None:
            line = FeeLine(procedure=procedure, position=position)  # a new entry has no id yet
            db.session.add(line)
        line.code, line.name, line.kind = row["code"], row["name"], row["kind"]
        line.amount = Decimal(row["amount"]) if row["amount"] is not None else None
    db.session.flush()
