"""A dossier's fees (motcua.services.fees): read them, and the officer's acts on one fee."""

from flask import g

from motcua.api import bp
from motcua.api.auth import login_required
from motcua.api.serialize import iso, json_body
from motcua.services import dossiers, fees


def fee_json(fee) -> dict:
    return {
        "id": fee.id,
        "code": fee.code,
        "name": fee.name,
        "kind": fee.kind.value,
        "amount": int(fee.amount) if fee.amount is not None else None,
        "state": fee.state.value,
        "method": fee.method.value if fee.method else None,
        "reference": fee.reference,
        "receipt_id": fee.receipt_id,
        "notified_at": iso(fee.notified_at),
        "settled_at": iso(fee.settled_at),
        "note": fee.note,
    }


def _answer(code: str) -> dict:
    dossier = dossiers.get(g.user, code)
    owed = fees.fees_of(dossier)
    return {
        "code": dossier.code,
        "unsettled": any(fees.is_unsettled(f) for f in owed),
        "fees": [fee_json(f) for f in owed],
    }


def _text(name: str) -> str:
    value = json_body().get(name)
    return value if isinstance(value, str) else ""


@bp.get("/dossiers/<code>/fees")
@login_required
def dossier_fees(code):
    return _answer(code)


@bp.post("/dossiers/<code>/fees/<int:fee_id>/amount")
@login_required
def fee_amount(code, fee_id):
    value = json_body().get("amount")
    fees.set_amount(g.user, code, fee_id, "" if isinstance(value, bool) else str(value or ""))
    return _answer(code)


@bp.post("/dossiers/<code>/fees/<int:fee_id>/paid-at-desk")
@login_required
def fee_paid_at_desk(code, fee_id):
    fees.paid_at_desk(g.user, code, [fee_id], _text("receipt_number"))
    return _answer(code)


@bp.post("/dossiers/<code>/fees/<int:fee_id>/confirm")
@login_required
def fee_confirm(code, fee_id):
    fees.confirm_transfer(g.user, code, [fee_id])
    return _answer(code)


@bp.post("/dossiers/<code>/fees/<int:fee_id>/reject")
@login_required
def fee_reject(code, fee_id):
    fees.reject_transfer(g.user, code, [fee_id], _text("reason"))
    return _answer(code)


@bp.post("/dossiers/<code>/fees/<int:fee_id>/waive")
@login_required
def fee_waive(code, fee_id):
    fees.waive(g.user, code, [fee_id], _text("reason"))
    return _answer(code)
