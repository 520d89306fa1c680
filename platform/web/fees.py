"""Fees on the pages (motcua.services.fees): the officer's acts on a dossier's fees (posted from
its page), the applicant's page of fees (through their signed link: the unit's account, a
transfer to notify, the online payment when a provider is set), and the admin's fee lines of a
procedure (posted from the catalogue's page of it)."""

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from motcua.errors import Conflict, Invalid, StorageUnavailable
from motcua.services import applicant_access, fee_lines, fee_rules, fees
from motcua.unit_of_work import refusal
from motcua.web import bp
from motcua.web.auth import login_required

OFFICER_ACTS = {
    "amount": (
        lambda code, fee_id, form: fees.set_amount(g.user, code, fee_id, form.get("amount")),
        lambda: _("Đã ghi số tiền phí, lệ phí."),
    ),
    "paid-at-desk": (
        lambda code, fee_id, form: fees.paid_at_desk(
            g.user, code, [fee_id], form.get("receipt_number", "")
        ),
        lambda: _("Đã ghi nhận thu phí, lệ phí tại quầy."),
    ),
    "confirm": (
        lambda code, fee_id, form: fees.confirm_transfer(g.user, code, [fee_id]),
        lambda: _("Đã xác nhận khoản chuyển khoản."),
    ),
    "reject": (
        lambda code, fee_id, form: fees.reject_transfer(g.user, code, [fee_id], form.get("reason")),
        lambda: _("Đã báo người nộp: chưa nhận được khoản chuyển khoản."),
    ),
    "waive": (
        lambda code, fee_id, form: fees.waive(g.user, code, [fee_id], form.get("reason")),
        lambda: _("Đã miễn khoản phí, lệ phí."),
    ),
}


@bp.app_template_filter("dong")
def dong(amount) -> str:
    """An amount in đồng as Vietnamese writes it: 1.500.000 (None: by the case, not known)."""
    return "" if amount is None else f"{int(amount):,}".replace(",", ".")


@bp.app_template_global()
def dossier_fees(dossier):
    """The dossier's fees and what the signed-in officer may do with them (dossier/_fees.html)."""
    return fees.fees_of(dossier), fee_rules.allowed(g.user, dossier)


@bp.app_template_global()
def applicant_fees(token):
    """The fees of the dossier a lookup's token names (applicant/_fees.html); none for a bad
    token (the lookup page then shows nothing of them)."""
    dossier, _expired = fees.for_applicant(token)
    return fees.fees_of(dossier) if dossier else []


def at_receipt(form) -> fees.AtReceipt:
    """The desk's intake form's fees: ``fee-<line>`` an amount, ``fee-paid-<line>`` taken."""
    amounts, paid = {}, set()
    for key, value in form.items():
        number = key.removeprefix("fee-paid-") if key.startswith("fee-paid-") else None
        if number is not None and number.isdigit():
            paid.add(int(number))
        elif key.startswith("fee-") and key[4:].isdigit():
            amounts[int(key[4:])] = value
    return fees.AtReceipt(amounts, frozenset(paid), form.get("fee-receipt", ""))


@bp.app_template_global()
def fee_lines_of(procedure):
    return fee_lines.lines_of(procedure)


@bp.app_template_global()
def fee_lines_text(procedure):
    return fee_lines.as_text(fee_lines.lines_of(procedure))


@bp.post(
    "/dossiers/<code>/fees/<int:fee_id>/<any(amount, 'paid-at-desk', confirm, reject, waive):act>"
)
@login_required
def dossier_fee_act(code, fee_id, act):
    action, done = OFFICER_ACTS[act]
    with refusal(Invalid, Conflict) as refused:
        action(code, fee_id, request.form)
    if refused:
        exc = refused.error
        details = exc.details if isinstance(exc.details, dict) else {}
        flash(" ".join([exc.message, *[str(v) for v in details.values()]]), "error")
    else:
        flash(done(), "ok")
    return redirect(url_for("web.dossier", code=code) + "#phi-le-phi")


@bp.route("/applicant/<token>/fees", methods=["GET", "POST"])
def applicant_fees_page(token):
    if request.method == "GET":
        return _applicant_page(token)
    upload = request.files.get("file")
    receipt = (upload.filename, upload.stream) if upload and upload.filename else None
    with refusal(Invalid, Conflict, StorageUnavailable) as refused:
        dossier = applicant_access.dossier_for(token)
        fees.notify_transfer(
            dossier, request.form.getlist("fee"), request.form.get("reference", ""), receipt
        )
    if refused:
        exc = refused.error
        return _applicant_page(
            token, errors=exc.details or {}, message=exc.message, status=exc.status
        )
    flash(_("Đã báo nộp phí; bộ phận một cửa sẽ đối chiếu và xác nhận."), "success")
    return redirect(url_for("web.applicant_fees_page", token=token), 303)


def _applicant_page(token, errors=None, message=None, status=200):
    dossier, expired = fees.for_applicant(token)
    if expired is not None:
        return render_template("applicant/fees.html", expired=expired.message), expired.status
    owed = fees.fees_of(dossier)
    page = render_template(
        "applicant/fees.html",
        dossier=dossier,
        token=token,
        fees=owed,
        payable=fees.payable(dossier),
        account=(dossier.receiving_unit.fee_account or "").strip(),
        online=bool(current_app.config.get("PAYMENT_PROVIDER"))
        and "web.pay" in current_app.view_functions,
        errors=errors or {},
        message=message,
    )
    return page, status


@bp.post("/catalogue/<code>/fee-lines")
@login_required
def procedure_fee_lines(code):
    with refusal(Invalid) as refused:
        fee_lines.replace(g.user, code, request.form.get("fee_lines", ""))
    if refused:
        exc = refused.error
        details = exc.details if isinstance(exc.details, dict) else {}
        flash(" ".join([exc.message, *[str(v) for v in details.values()]]), "error")
    else:
        flash(_("Đã lưu phí, lệ phí của thủ tục %(code)s.", code=code), "success")
    return redirect(url_for("admin.catalogue_edit", code=code) + "#phi-le-phi")
