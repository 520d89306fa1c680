"""Paying a dossier's fees online, through a payment provider: the ways to pay a unit publishes
include an online payment ("cung cấp phương thức thanh toán", seed 002), and the 766 index
counts the dossiers paid online among those with a fee (3.6) and the fee procedures payable
online (3.5; motcua.services.fee_report).

The provider is an interface (``Provider``): it makes the URL that sends the applicant to its
payment page for a Payment, verifies a callback's parameters (signature, our reference, amount,
success) and words our answer to its server. The first implementation speaks VNPay's protocol
(motcua.services.payment_vnpay). The national portal's payment platform (PayGov, "Nền tảng thanh
toán trực tuyến" of the Cổng DVCQG) or another bank's gateway is another implementation of the
same interface (not built); PAYMENT_PROVIDER chooses one, "" none.

The use cases:
- ``start``: a Payment for the fees still payable (motcua.services.fees.payable), pending, and the
  provider's URL to send the applicant to;
- ``confirm``: the provider's server-to-server callback (VNPay's IPN), the only thing that
  settles: verified (a wrong signature or amount changes nothing), once (a repeated callback
  settles nothing again), a failure recorded with the fees left due;
- ``returned``: what the applicant's browser brings back, shown from our database: the return
  never settles, it may only say that the payment is being confirmed.
"""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Protocol

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from motcua.errors import Conflict, Invalid, NotFound
from motcua.extensions import db
from motcua.models import Dossier, Payment, utcnow
from motcua.services import fees, workflow
from motcua.vocabulary import PaymentStatus


@dataclass(frozen=True)
class Callback:
    """A provider's callback as its implementation reads it."""

    signed: bool  # the signature is the provider's, for our merchant account
    reference: str  # our Payment.reference
    amount: Decimal | None  # in đồng; None when unreadable
    paid: bool  # the provider says the money was taken
    transaction: str | None  # the provider's transaction number
    response_code: str
    params: dict  # every parameter as it came, kept for disputes


class Verdict(Enum):
    """What we make of a callback, as the provider's server is told."""

    CONFIRMED = "confirmed"
    NOT_FOUND = "not_found"
    ALREADY_CONFIRMED = "already_confirmed"
    INVALID_AMOUNT = "invalid_amount"
    INVALID_SIGNATURE = "invalid_signature"
    UNKNOWN = "unknown"


class Provider(Protocol):
    name: str

    def redirect_url(
        self, payment: Payment, *, order_info: str, return_url: str, client_ip: str
    ) -> str: ...

    def verify(self, params: Mapping[str, str]) -> Callback: ...

    def answer(self, verdict: Verdict) -> dict: ...


def provider() -> Provider | None:
    """The configured provider, or None when fees are not payable online."""
    name = current_app.config["PAYMENT_PROVIDER"]
    if not name:
        return None
    if name == "vnpay":
        from motcua.services import payment_vnpay

        return payment_vnpay.configured()
    raise ValueError(f'unknown MOTCUA_PAYMENT_PROVIDER {name!r} ("" or "vnpay")')


def _provider_named(name: str) -> Provider:
    """The configured provider if it is ``name``; raises NotFound otherwise (its callbacks
    then have no page here)."""
    found = provider()
    if found is None or found.name != name:
        raise NotFound(_l("Không có cổng thanh toán này."), code="no_such_provider")
    return found


def start(dossier: Dossier) -> Payment:
    """A pending Payment of the dossier's fees that are payable now (the applicant is then sent
    to ``redirect_url``). Raises Invalid ``payment_off`` (no provider), Conflict
    ``nothing_to_pay``, and as ``fees.require_open`` (a dossier not received or ended)."""
    fees.require_open(dossier)
    chosen = provider()
    if chosen is None:
        raise Invalid(
            _l("Đơn vị chưa nhận thanh toán trực tuyến; vui lòng nộp phí theo cách khác."),
            code="payment_off",
        )
    due = fees.payable(dossier)
    amount = sum((fee.amount for fee in due), Decimal(0))
    if not due or amount <= 0:
        raise Conflict(_l("Hồ sơ không còn khoản phí nào cần nộp."), code="nothing_to_pay")
    payment = Payment(
        dossier_id=dossier.id,
        provider=chosen.name,
        # Ours, unguessable: it names the payment to the provider and on the way back.
        reference=secrets.token_hex(10).upper(),
        amount=amount,
        fee_ids=sorted(fee.id for fee in due),
        status=PaymentStatus.PENDING,
        created_at=utcnow(),
    )
    db.session.add(payment)
    db.session.flush()
    return payment


def redirect_url(payment: Payment, *, return_url: str, client_ip: str) -> str:
    """The provider's page for the payment; the browser comes back to ``return_url``."""
    return _provider_named(payment.provider).redirect_url(
        payment,
        order_info=f"Thanh toan phi ho so {payment.dossier.code}",
        return_url=return_url,
        client_ip=client_ip,
    )


def by_reference(reference: str) -> Payment | None:
    """The payment with our reference, or None."""
    return db.session.scalar(select(Payment).where(Payment.reference == (reference or "")[:64]))


def confirm(provider_name: str, params: Mapping[str, str], now: datetime | None = None) -> dict:
    """The provider's server-to-server callback: settle the payment it names if it is ours,
    signed, of the right amount and not settled yet; answer the provider (its own words).

    A success marks the Payment paid and settles its fees that are still payable
    (fees.settle_online, which records the event); a failure marks it failed and leaves the
    fees due. A fee paid meanwhile at the desk is not settled twice (the money then has to be
    given back at the desk). Raises NotFound when ``provider_name`` is not the configured
    provider."""
    chosen = _provider_named(provider_name)
    callback = chosen.verify(params)
    if not callback.signed:
        return chosen.answer(Verdict.INVALID_SIGNATURE)
    payment = db.session.scalar(
        select(Payment)
        .where(Payment.reference == callback.reference[:64], Payment.provider == chosen.name)
        .with_for_update()
    )
    if payment is None:
        return chosen.answer(Verdict.NOT_FOUND)
    if callback.amount != payment.amount:
        return chosen.answer(Verdict.INVALID_AMOUNT)
    if payment.status != PaymentStatus.PENDING:
        return chosen.answer(Verdict.ALREADY_CONFIRMED)
    now = now or utcnow()
    payment.callback = callback.params
    payment.response_code = callback.response_code
    payment.provider_transaction = callback.transaction
    payment.settled_at = now
    if not callback.paid:
        payment.status = PaymentStatus.FAILED
        return chosen.answer(Verdict.CONFIRMED)
    payment.status = PaymentStatus.PAID
    # The dossier locked before its fees are read: a desk's act on them waits, or went first.
    dossier = workflow.lock_dossier(payment.dossier_id)
    still_due = {fee.id for fee in fees.payable(dossier)}
    fee_ids = [fee_id for fee_id in payment.fee_ids if fee_id in still_due]
    if fee_ids:
        fees.settle_online(
            dossier,
            fee_ids,
            reference=callback.transaction or payment.reference,
            at=now,
        )
    return chosen.answer(Verdict.CONFIRMED)


def failed_answer(provider_name: str) -> dict:
    """The answer to a callback that could not be handled (nothing was kept of it): the
    provider calls again later."""
    return _provider_named(provider_name).answer(Verdict.UNKNOWN)


@dataclass(frozen=True)
class Returned:
    """What the return page shows: the payment as our database has it (None when the return
    cannot be verified), and whether the provider said it succeeded."""

    payment: Payment | None
    provider_says_paid: bool


def returned(provider_name: str, params: Mapping[str, str]) -> Returned:
    """Read the browser's return; it changes nothing (only ``confirm`` settles). Raises
    NotFound when ``provider_name`` is not the configured provider."""
    chosen = _provider_named(provider_name)
    callback = chosen.verify(params)
    if not callback.signed:
        return Returned(None, False)
    return Returned(by_reference(callback.reference), callback.paid)
