"""VNPay, the first online payment provider (motcua.services.payments): its documented protocol,
version 2.1.0 ("Hướng dẫn tích hợp Cổng thanh toán VNPAY", sandbox.vnpayment.vn/apis/docs).

- The payment URL: the pay page (VNPAY_PAY_URL) with vnp_Version 2.1.0, vnp_Command ``pay``,
  vnp_TmnCode, vnp_Amount (đồng × 100: VNPay wants no decimal separator), vnp_CurrCode VND,
  vnp_TxnRef (our reference), vnp_OrderInfo (Vietnamese without diacritics or special
  characters, as VNPay asks), vnp_OrderType, vnp_Locale, vnp_ReturnUrl, vnp_IpAddr,
  vnp_CreateDate and vnp_ExpireDate (yyyyMMddHHmmss in GMT+7, whatever our TIMEZONE), and
  vnp_SecureHash.
- The signature: HMAC-SHA512 with VNPAY_HASH_SECRET over the vnp_ parameters sorted by name,
  each ``name=quote_plus(value)`` joined by ``&``, leaving out vnp_SecureHash and
  vnp_SecureHashType (2.1.0 sends no SecureHashType; VNPay's own samples do exactly this).
- The callbacks, the IPN (VNPay's server calls ours with GET) and the return (the browser comes
  back), carry vnp_TmnCode, vnp_Amount, vnp_TxnRef, vnp_TransactionNo, vnp_ResponseCode,
  vnp_TransactionStatus, vnp_PayDate, vnp_BankCode … signed the same way. A payment succeeded
  when vnp_ResponseCode and vnp_TransactionStatus are both "00".
- The IPN's answer: JSON {"RspCode", "Message"}: 00 confirmed (also for a failed payment that
  we recorded), 01 order not found, 02 order already confirmed, 04 invalid amount, 97 invalid
  signature, 99 unknown error; VNPay calls again until it gets one.
"""

import hashlib
import hmac
import unicodedata
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from urllib.parse import quote_plus

from flask import current_app

from motcua.models import Payment
from motcua.services.payments import Callback, Verdict

NAME = "vnpay"
VERSION = "2.1.0"
# VNPay's dates are in Vietnam's time, GMT+7, by its documentation (not our TIMEZONE setting).
GMT7 = timezone(timedelta(hours=7))
# How long VNPay's page accepts the payment (its sandbox examples give 15 minutes).
EXPIRES_AFTER = timedelta(minutes=15)
SIGNATURE_FIELDS = ("vnp_SecureHash", "vnp_SecureHashType")
SUCCESS = "00"
ANSWERS = {
    Verdict.CONFIRMED: ("00", "Confirm Success"),
    Verdict.NOT_FOUND: ("01", "Order not found"),
    Verdict.ALREADY_CONFIRMED: ("02", "Order already confirmed"),
    Verdict.INVALID_AMOUNT: ("04", "Invalid amount"),
    Verdict.INVALID_SIGNATURE: ("97", "Invalid signature"),
    Verdict.UNKNOWN: ("99", "Unknown error"),
}


def sign(params: Mapping[str, str], secret: str) -> str:
    """The vnp_SecureHash of the parameters (see the module's docstring)."""
    return hmac.new(secret.encode(), _hash_data(params).encode(), hashlib.sha512).hexdigest()


def _hash_data(params: Mapping[str, str]) -> str:
    return "&".join(
        f"{name}={quote_plus(str(value))}"
        for name, value in sorted(params.items())
        if name.startswith("vnp_") and name not in SIGNATURE_FIELDS and value != ""
    )


def stamp(moment: datetime) -> str:
    return moment.astimezone(GMT7).strftime("%Y%m%d%H%M%S")


def plain_text(text: str) -> str:
    """Vietnamese without its diacritics and without special characters (vnp_OrderInfo)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    kept = (c for c in decomposed if not unicodedata.combining(c))
    return "".join(c if c.isascii() and (c.isalnum() or c in " .-") else " " for c in kept)[:255]


class VNPay:
    """The provider, configured by VNPAY_PAY_URL, VNPAY_TMN_CODE and VNPAY_HASH_SECRET."""

    name = NAME

    def __init__(self, config: Mapping):
        self.pay_url = config["VNPAY_PAY_URL"]
        self.tmn_code = config["VNPAY_TMN_CODE"]
        self.secret = config["VNPAY_HASH_SECRET"]
        if not (self.pay_url and self.tmn_code and self.secret):
            raise ValueError(
                "MOTCUA_PAYMENT_PROVIDER=vnpay needs MOTCUA_VNPAY_PAY_URL, "
                "MOTCUA_VNPAY_TMN_CODE and MOTCUA_VNPAY_HASH_SECRET"
            )

    def redirect_url(self, payment: Payment, *, order_info: str, return_url: str, client_ip: str):
        params = {
            "vnp_Version": VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": str(int(payment.amount) * 100),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": payment.reference,
            "vnp_OrderInfo": plain_text(order_info),
            "vnp_OrderType": "other",
            "vnp_Locale": "vn",
            "vnp_ReturnUrl": return_url,
            "vnp_IpAddr": client_ip or "127.0.0.1",
            "vnp_CreateDate": stamp(payment.created_at),
            "vnp_ExpireDate": stamp(payment.created_at + EXPIRES_AFTER),
        }
        return f"{self.pay_url}?{_hash_data(params)}&vnp_SecureHash={sign(params, self.secret)}"

    def verify(self, params: Mapping[str, str]) -> Callback:
        """What a callback says, ``signed`` only if its signature and terminal are ours."""
        given = str(params.get("vnp_SecureHash", "")).lower()
        signed = bool(given) and hmac.compare_digest(given, sign(params, self.secret))
        signed = signed and params.get("vnp_TmnCode") == self.tmn_code
        response_code = str(params.get("vnp_ResponseCode", ""))
        status = str(params.get("vnp_TransactionStatus", response_code))
        return Callback(
            signed=signed,
            reference=str(params.get("vnp_TxnRef", "")),
            amount=_amount(params.get("vnp_Amount")),
            paid=response_code == SUCCESS and status == SUCCESS,
            transaction=str(params.get("vnp_TransactionNo", ""))[:64] or None,
            response_code=response_code[:16],
            params={k: str(v) for k, v in params.items() if k.startswith("vnp_")},
        )

    def answer(self, verdict: Verdict) -> dict:
        code, message = ANSWERS[verdict]
        return {"RspCode": code, "Message": message}


def _amount(value) -> Decimal | None:
    """vnp_Amount in đồng (it comes × 100); None when it is not a whole number of đồng."""
    try:
        hundredths = int(str(value))
    except (TypeError, ValueError, InvalidOperation):
        return None
    if hundredths < 0 or hundredths % 100:
        return None
    return Decimal(hundredths // 100)


def configured() -> VNPay:
    return VNPay(current_app.config)
