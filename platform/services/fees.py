"""A dossier's fees (phí, lệ phí): what it owes, copied from its procedure's fee lines when it is
received (motcua.services.fee_lines), and how each is settled.

The ways to pay are those the unit publishes (seed 002, Công văn 905/UBND-PVHCC: "thanh toán
phí, lệ phí … bằng các hình thức đã được cơ quan đầu mối công bố"): at the desk (the desk's
officer takes it and confirms it at once); by bank transfer to the unit's published account
(the applicant notifies the payment with its reference and proof, and the unit confirms it, or
rejects it back to due: "sau khi thanh toán, tổ chức, cá nhân … thông báo cho cơ quan đầu mối
biết để chấp thuận"); online through the payment provider, whose signed callback settles it
(motcua.services.payments, helper of ``settle_online``). A leader may waive a fee.

A fee still due or notified, or whose amount "by the case" is not entered yet, is unsettled:
the dossier is then at the portal's status 6 (motcua.services.portal_codes) and a step marked
``requiresFeesPaid`` cannot be completed (motcua.services.processing).

Every act locks the dossier, records its event (``workflow.record``: the portal hears of it)
and changes nothing when refused.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from motcua.errors import Conflict, Invalid
from motcua.extensions import db
from motcua.models import (
    FINAL_STATUSES,
    Dossier,
    DossierFee,
    User,
    utcnow,
)
from motcua.services import applicant_access, fee_lines, fee_notices, fee_rules, workflow
from motcua.services import dossiers as dossier_files
from motcua.vocabulary import (
    NOT_RECEIVED,
    UNSETTLED_FEE_STATES,
    EventKind,
    FeeState,
    PaymentMethod,
)

MAX_TEXT = 255


def fees_of(dossier: Dossier) -> list[DossierFee]:
    """The dossier's fees in the catalogue's order."""
    return list(
        db.session.scalars(
            select(DossierFee).where(DossierFee.dossier_id == dossier.id).order_by(DossierFee.id)
        )
    )


def is_unsettled(fee: DossierFee) -> bool:
    return fee.state in UNSETTLED_FEE_STATES


def unsettled(dossier: Dossier) -> bool:
    """Whether a fee of the dossier still stands in the way: due, notified and not confirmed,
    or its amount not entered yet (one query)."""
    return (
        db.session.scalar(
            select(DossierFee.id)
            .where(
                DossierFee.dossier_id == dossier.id,
                DossierFee.state.in_(sorted(UNSETTLED_FEE_STATES)),
            )
            .limit(1)
        )
        is not None
    )


def payable(dossier: Dossier) -> list[DossierFee]:
    """The fees the applicant can pay now: due, with their amount known."""
    return [f for f in fees_of(dossier) if f.state == FeeState.DUE and f.amount is not None]


def for_applicant(token: str) -> tuple[Dossier | None, Invalid | None]:
    """The dossier an applicant's link names (motcua.services.applicant_access), or None and
    why (``link_expired``: too old or forged)."""
    try:
        return applicant_access.dossier_for(token), None
    except Invalid as exc:
        return None, exc


def total(fees: list[DossierFee]) -> Decimal:
    return sum((f.amount or Decimal(0) for f in fees), Decimal(0))


# -- at receipt --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AtReceipt:
    """What the desk states of the fees when it receives a dossier: the amounts of the lines
    "by the case" (line id → text as typed), the lines paid at the desk there and then, and the
    desk's receipt number for them."""

    amounts: dict[int, str] = field(default_factory=dict)
    paid: frozenset[int] = frozenset()
    receipt_number: str = ""


def assess(actor: User, dossier: Dossier, now: datetime, given: AtReceipt | None = None) -> None:
    """Copy the procedure's fee lines to the received dossier (``intake.start``), with the
    amounts and payments the desk gave; records "fees assessed" (and "paid at the desk").
    Raises Invalid (``fee-<line id>``: a bad amount) before anything is added."""
    # Read without flushing the receipt's pending rows: they go out in the act's one flush.
    with db.session.no_autoflush:
        lines = fee_lines.lines_of(dossier.procedure)
    if not lines:
        return
    given = given or AtReceipt()
    errors, amounts = {}, {}
    for line in lines:
        text = (given.amounts.get(line.id) or "").strip()
        if line.amount is None and text:
            try:
                amounts[line.id] = fee_lines.parse_amount(text)
            except Invalid as exc:
                errors[f"fee-{line.id}"] = exc.message
        if line.id in given.paid and line.amount is None and line.id not in amounts:
            errors.setdefault(f"fee-{line.id}", _l("Nhập số tiền trước khi ghi đã thu."))
    if errors:
        raise Invalid(_l("Số tiền phí, lệ phí chưa hợp lệ."), code="invalid_fee", details=errors)
    fees = [
        DossierFee(
            dossier_id=dossier.id,
            fee_line_id=line.id,
            code=line.code,
            name=line.name,
            kind=line.kind,
            amount=line.amount if line.amount is not None else amounts.get(line.id),
            state=FeeState.DUE,
            created_at=now,
        )
        for line in lines
    ]
    db.session.add_all(fees)
    db.session.flush()
    workflow.record(dossier, EventKind.FEES_ASSESSED, actor=actor, at=now, data=_data(fees))
    paid = [f for f, line in zip(fees, lines, strict=True) if line.id in given.paid]
    if paid:
        _settle_at_desk(actor, dossier, paid, given.receipt_number, now)


# -- the officer's acts ------------------------------------------------------------------------


def set_amount(actor: User, code: str, fee_id: int, amount: str) -> DossierFee:
    """Enter (or correct) the amount of a due fee "by the case". The dossier's officers (its
    desk, its competent unit's receptionists and leaders) may. Raises NotFound, Forbidden,
    Conflict ``fee_not_due``, Invalid ``invalid_amount``."""
    dossier, fee = _locked(actor, code, fee_id)
    fee_rules.require_officer(actor, dossier)
    value = fee_lines.parse_amount(amount)
    if fee.state != FeeState.DUE:
        raise fee_rules.not_in_state(fee)
    before = fee.amount
    fee.amount = value
    workflow.record(
        dossier,
        EventKind.FEES_ASSESSED,
        actor=actor,
        at=utcnow(),
        data=_data([fee]) | {"previous": int(before) if before is not None else None},
    )
    return fee


def paid_at_desk(actor: User, code: str, fee_ids: list[int], receipt_number: str = "") -> list:
    """The receiving desk took these due fees in cash or by card: confirmed at once, with the
    desk's receipt number if it gives one. Only a receptionist of the receiving unit. Raises as
    ``set_amount`` (Conflict ``amount_unknown`` for a fee without its amount)."""
    dossier = _locked_dossier(actor, code)
    fee_rules.require_receiving_desk(actor, dossier)
    fees = fee_rules.pick(dossier, fee_ids, {FeeState.DUE})
    _settle_at_desk(actor, dossier, fees, receipt_number, utcnow())
    return fees


def confirm_transfer(actor: User, code: str, fee_ids: list[int]) -> list[DossierFee]:
    """The unit found the applicant's notified transfer on its account: the fees are paid.
    Raises NotFound, Forbidden, Conflict ``fee_not_notified``."""
    dossier = _locked_dossier(actor, code)
    fee_rules.require_desk(actor, dossier)
    fees = fee_rules.pick(dossier, fee_ids, {FeeState.NOTIFIED})
    now = utcnow()
    for fee in fees:
        fee.state, fee.settled_at, fee.settled_by_id = FeeState.CONFIRMED, now, actor.id
    workflow.record(
        dossier, EventKind.FEE_TRANSFER_CONFIRMED, actor=actor, at=now, data=_data(fees)
    )
    return fees


def reject_transfer(actor: User, code: str, fee_ids: list[int], reason: str) -> list:
    """The notified transfer did not arrive (or not in full): the fees are due again, with the
    reason, and the applicant is mailed. Raises as ``confirm_transfer``, Invalid ``reason``."""
    reason = _required(reason)
    dossier = _locked_dossier(actor, code)
    fee_rules.require_desk(actor, dossier)
    fees = fee_rules.pick(dossier, fee_ids, {FeeState.NOTIFIED})
    now = utcnow()
    data = _data(fees)
    for fee in fees:
        fee.state, fee.method, fee.reference, fee.receipt_id = FeeState.DUE, None, None, None
        fee.notified_at, fee.note = None, reason
    workflow.record(
        dossier, EventKind.FEE_TRANSFER_REJECTED, actor=actor, at=now, note=reason, data=data
    )
    fee_notices.mail_applicant(dossier, fees, reason)
    return fees


def waive(actor: User, code: str, fee_ids: list[int], reason: str) -> list[DossierFee]:
    """A leader of the competent unit exempts the applicant from these unsettled fees (a case
    the fee's own rules exempt), with the reason. Raises NotFound, Forbidden, Conflict, Invalid."""
    reason = _required(reason)
    dossier = _locked_dossier(actor, code)
    fee_rules.require_leader(actor, dossier)
    fees = fee_rules.pick(dossier, fee_ids, UNSETTLED_FEE_STATES, known=False)
    now = utcnow()
    for fee in fees:
        fee.state, fee.settled_at, fee.settled_by_id = FeeState.WAIVED, now, actor.id
        fee.note = reason
    workflow.record(
        dossier, EventKind.FEE_WAIVED, actor=actor, at=now, note=reason, data=_data(fees)
    )
    return fees


# -- the applicant's and the provider's acts ---------------------------------------------------


def notify_transfer(
    dossier: Dossier, fee_ids: list[int], reference: str, receipt_file: tuple[str, BinaryIO] | None
) -> list[DossierFee]:
    """The applicant (through the signed link: motcua.services.applicant_access) tells the unit
    they paid these due fees by bank transfer, with the transfer's reference and, if they have
    it, the bank's receipt (a PDF or image, stored with its hash as a "Chứng từ nộp phí"). The
    officers of the receiving desk are mailed to confirm it. Raises Invalid (``reference``,
    ``file``), Conflict ``fee_not_due``."""
    errors = {}
    reference = " ".join((reference or "").split())
    if not reference:
        errors["reference"] = _l("Trường này là bắt buộc.")
    elif len(reference) > MAX_TEXT:
        errors["reference"] = _l("Dài quá %(n)s ký tự.", n=MAX_TEXT)
    name = stream = None
    if receipt_file is not None:
        try:
            name = dossier_files.clean_file_name(receipt_file[0])
            stream = receipt_file[1]
            problem = fee_notices.receipt_problem(stream, name)
        except Invalid as exc:
            problem = (exc.details or {}).get("file", exc.message)
        if problem:
            errors["file"] = problem
    if errors:
        raise Invalid(_l("Thông tin nộp phí chưa hợp lệ."), code="invalid_transfer", details=errors)
    dossier = workflow.lock_dossier(dossier.id)
    require_open(dossier)
    fees = fee_rules.pick(dossier, fee_ids, {FeeState.DUE})
    now = utcnow()
    receipt = fee_notices.store_receipt(dossier, name, stream, now) if stream else None
    for fee in fees:
        fee.state, fee.method, fee.reference = (
            FeeState.NOTIFIED,
            PaymentMethod.BANK_TRANSFER,
            reference,
        )
        fee.receipt_id, fee.notified_at, fee.note = receipt.id if receipt else None, now, None
    data = _data(fees) | {"reference": reference}
    if receipt is not None:
        data |= {"attachment_id": receipt.id, "sha256": receipt.sha256}
    workflow.record(dossier, EventKind.FEE_TRANSFER_NOTIFIED, actor=None, at=now, data=data)
    fee_notices.mail_desk(dossier, fees, total(fees), reference)
    return fees


def settle_online(
    dossier: Dossier, fee_ids: list[int], *, reference: str, at: datetime
) -> list[DossierFee]:
    """The payment provider's signed callback paid these fees (the provider's transaction
    ``reference``): confirmed, method online, by nobody. A fee already settled online under the
    same reference is left as it is (a callback told twice). Raises Conflict ``fee_not_due``
    when one is settled otherwise, NotFound for a fee not of the dossier."""
    dossier = workflow.lock_dossier(dossier.id)
    fees = fee_rules.pick(dossier, fee_ids, UNSETTLED_FEE_STATES | {FeeState.CONFIRMED})
    fresh = []
    for fee in fees:
        if fee.state == FeeState.CONFIRMED:
            if fee.method == PaymentMethod.ONLINE and fee.reference == reference:
                continue
            raise fee_rules.not_in_state(fee)
        fresh.append(fee)
    for fee in fresh:
        fee.state, fee.method, fee.reference = FeeState.CONFIRMED, PaymentMethod.ONLINE, reference
        fee.settled_at, fee.settled_by_id, fee.note = at, None, None
    if fresh:
        workflow.record(
            dossier,
            EventKind.FEE_PAID_ONLINE,
            actor=None,
            at=at,
            data=_data(fresh) | {"reference": reference},
        )
    return fees


# -- helpers -----------------------------------------------------------------------------------


def _settle_at_desk(actor, dossier, fees, receipt_number, now) -> None:
    number = " ".join((receipt_number or "").split())[:MAX_TEXT] or None
    for fee in fees:
        if fee.amount is None:
            raise fee_rules.unknown(fee)
        fee.state, fee.method, fee.reference = FeeState.CONFIRMED, PaymentMethod.AT_DESK, number
        fee.settled_at, fee.settled_by_id = now, actor.id
    data = _data(fees) | ({"receipt_number": number} if number else {})
    workflow.record(dossier, EventKind.FEE_PAID_AT_DESK, actor=actor, at=now, data=data)


def _locked_dossier(actor: User, code: str) -> Dossier:
    dossier = dossier_files.get(actor, code)
    dossier = workflow.lock_dossier(dossier.id)
    require_open(dossier)
    return dossier


def _locked(actor: User, code: str, fee_id: int) -> tuple[Dossier, DossierFee]:
    dossier = _locked_dossier(actor, code)
    return dossier, fee_rules.pick(dossier, [fee_id], set(FeeState), known=False)[0]


def require_open(dossier: Dossier) -> None:
    if dossier.status in FINAL_STATUSES or dossier.status in NOT_RECEIVED:
        raise Conflict(
            _l("Hồ sơ chưa được tiếp nhận hoặc đã kết thúc: không ghi nhận phí được."),
            code="dossier_closed",
        )


def _required(reason) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise Invalid(
            _l("Phải ghi rõ lý do."),
            code="reason_required",
            details={"reason": _l("Trường này là bắt buộc.")},
        )
    return reason[:1000]


def _data(fees: list[DossierFee]) -> dict:
    return {
        "fees": [
            {"id": f.id, "name": f.name, "amount": int(f.amount) if f.amount is not None else None}
            for f in fees
        ]
    }
