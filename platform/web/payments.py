"""Paying a dossier's fees online (motcua.services.payments): the applicant's pay button, the
page that sends them on to the provider, the page they come back to, and the provider's
server-to-server callback. No sign-in: the applicant acts through their signed link
(motcua.services.applicant_access).

POST /applicant/pay does not answer with a redirect to the provider itself: every page's
Content-Security-Policy says ``form-action 'self'``, and browsers apply it to the redirects
that follow a form's submission, so a cross-site redirect from the form would be blocked. It
redirects (303) to our own page for the payment, which sends the browser on by a link (and a
refresh), which that directive does not govern.
"""

from flask import jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from motcua.errors import Conflict, Invalid, NotFound
from motcua.services import applicant_access, links, payments
from motcua.unit_of_work import records_reads, refusal
from motcua.vocabulary import PaymentStatus
from motcua.web import bp


@bp.post("/applicant/pay")
def pay():
    """Form field ``t``: the applicant's token. The fees payable now, in one payment."""
    with refusal(Invalid, Conflict) as refused:
        payment = payments.start(applicant_access.dossier_for(request.form.get("t", "")))
    if refused:
        page = render_template("applicant/payment_result.html", message=refused.error.message)
        return page, refused.error.status
    return redirect(url_for("web.payment_go", reference=payment.reference), 303)


@bp.get("/applicant/pay/<reference>")
def payment_go(reference):
    """The way on to the provider's page for a pending payment; once settled, its outcome."""
    payment = payments.by_reference(reference)
    if payment is None:
        raise NotFound(_l("Không có giao dịch thanh toán này."), code="payment_not_found")
    if payment.status != PaymentStatus.PENDING:
        return render_template("applicant/payment_result.html", payment=payment)
    url = payments.redirect_url(
        payment,
        # The published address: behind the province's proxy the request's own may not be it.
        return_url=links.public_url(url_for("web.payment_return", provider_name=payment.provider)),
        client_ip=request.remote_addr or "",
    )
    return render_template("applicant/payment_go.html", payment=payment, url=url)


@bp.get("/payments/<provider_name>/return")
def payment_return(provider_name):
    """Where the provider sends the browser back: what our database says (the callback
    settles, not this page). Not verified: 400, and nothing is shown of any payment."""
    back = payments.returned(provider_name, request.args.to_dict())
    page = render_template(
        "applicant/payment_result.html",
        payment=back.payment,
        provider_says_paid=back.provider_says_paid,
        unverified=back.payment is None,
    )
    return page, 200 if back.payment else 400


@bp.get("/payments/<provider_name>/ipn")
@records_reads  # a GET that settles: committed at the boundary
def payment_callback(provider_name):
    """The provider's server calls this (VNPay: GET, signed parameters): no session, no CSRF;
    the answer is JSON in the provider's words. An act that fails keeps nothing and says so
    (the provider calls again)."""
    with refusal(Invalid, Conflict) as refused:
        answer = payments.confirm(provider_name, request.args.to_dict())
    if refused:
        answer = payments.failed_answer(provider_name)
    return jsonify(answer)
