"""The whole online payment, over HTTP: the applicant presses "pay", is sent to the (fake)
VNPay, pays or cancels there, VNPay's server calls our IPN and the browser comes back to our
return page (issue 15, "Fees"; seed 002: the ways to pay a unit publishes; 766 index 3.6)."""

from urllib.parse import parse_qsl, urlencode, urlsplit

from sqlalchemy import func, select

from motcua.extensions import db
from motcua.models import Dossier, DossierFee, Event, Payment
from motcua.unit_of_work import unit_of_work
from motcua.vocabulary import DossierStatus, EventKind, FeeState, PaymentMethod, PaymentStatus
from tests.payments.conftest import AMOUNTS, fee_states, link
from tests.payments.vnpay_fake import configure, signature

CONFIRMED = {"RspCode": "00", "Message": "Confirm Success"}
DUE = (FeeState.DUE, None)
PAID_ONLINE = (FeeState.CONFIRMED, PaymentMethod.ONLINE)


def payment_of(app, code: str) -> Payment:
    with app.app_context():
        payment = db.session.scalars(
            select(Payment).join(Payment.dossier).where(Payment.dossier.has(code=code))
        ).one()
        db.session.expunge(payment)
        return payment


def paid_online_events(app, code: str) -> int:
    with app.app_context():
        from motcua.models import Dossier

        return db.session.scalar(
            select(func.count())
            .select_from(Event)
            .join(Dossier, Dossier.id == Event.dossier_id)
            .where(Dossier.code == code, Event.kind == EventKind.FEE_PAID_ONLINE)
        )


def to_provider(browser, owed, vnpay) -> str:
    """Press pay, land on our page for the payment, follow its link to VNPay's page; the link
    of VNPay's "pay" button."""
    status, url, page = browser.pay(owed.token)
    assert status == 200 and "/applicant/pay/" in url, (status, url)
    status, url, page = browser.get(link(page, "go-to-provider"))
    assert status == 200, page
    assert url.startswith(vnpay.pay_url)
    assert not vnpay.refused
    return page


def test_paying_online_settles_the_fees_through_the_ipn_and_the_page_says_so(
    pay_app, vnpay, owed, browser_of
):
    browser = browser_of()
    page = to_provider(browser, owed, vnpay)
    (order,) = vnpay.orders.values()
    assert order["vnp_Amount"] == str(int(sum(AMOUNTS)) * 100)
    assert order["vnp_OrderInfo"] == f"Thanh toan phi ho so {owed.code}"
    assert order["vnp_ReturnUrl"].endswith("/payments/vnpay/return")
    assert fee_states(pay_app, owed.code)["Lệ phí đăng ký"] == DUE  # nothing settled yet

    status, url, page = browser.get(vnpay.pay_url.rsplit("/", 2)[0] + link(page, "pay"))
    assert status == 200 and "/payments/vnpay/return" in url
    assert vnpay.ipn_answers == [CONFIRMED]
    assert 'id="payment-paid"' in page
    assert fee_states(pay_app, owed.code) == {
        "Lệ phí đăng ký": PAID_ONLINE,
        "Phí thẩm định": PAID_ONLINE,
        "Phí theo trường hợp": DUE,  # no amount yet: not in the payment
    }
    payment = payment_of(pay_app, owed.code)
    assert payment.status == PaymentStatus.PAID
    assert payment.amount == sum(AMOUNTS)
    assert sorted(payment.fee_ids) == owed.fee_ids
    assert payment.provider_transaction and payment.callback["vnp_TxnRef"] == payment.reference
    assert paid_online_events(pay_app, owed.code) == 1


def test_a_repeated_ipn_settles_nothing_twice(pay_app, vnpay, owed, browser_of):
    vnpay.behaviour = "repeat_ipn"
    browser = browser_of()
    page = to_provider(browser, owed, vnpay)
    status, _url, page = browser.get(vnpay.pay_url.rsplit("/", 2)[0] + link(page, "pay"))
    assert status == 200
    assert vnpay.ipn_answers == [CONFIRMED, {"RspCode": "02", "Message": "Order already confirmed"}]
    assert paid_online_events(pay_app, owed.code) == 1
    assert fee_states(pay_app, owed.code)["Phí thẩm định"] == PAID_ONLINE


def test_a_declined_payment_is_recorded_and_leaves_the_fees_due(pay_app, vnpay, owed, browser_of):
    vnpay.behaviour = "decline"
    browser = browser_of()
    page = to_provider(browser, owed, vnpay)
    status, _url, page = browser.get(vnpay.pay_url.rsplit("/", 2)[0] + link(page, "pay"))
    assert status == 200 and 'id="payment-failed"' in page
    assert vnpay.ipn_answers == [CONFIRMED]  # VNPay is told we recorded the failure
    assert payment_of(pay_app, owed.code).status == PaymentStatus.FAILED
    assert set(fee_states(pay_app, owed.code).values()) == {DUE}
    assert paid_online_events(pay_app, owed.code) == 0
    # The applicant may try again: a new payment of the same fees.
    status, url, _page = browser.pay(owed.token)
    assert status == 200 and "/applicant/pay/" in url


def test_a_wrong_signature_changes_nothing_and_the_return_is_not_believed(
    pay_app, vnpay, owed, browser_of
):
    vnpay.behaviour = "bad_signature"
    browser = browser_of()
    page = to_provider(browser, owed, vnpay)
    status, _url, page = browser.get(vnpay.pay_url.rsplit("/", 2)[0] + link(page, "pay"))
    assert vnpay.ipn_answers == [{"RspCode": "97", "Message": "Invalid signature"}]
    assert status == 400 and "Không xác minh được" in page
    assert f"<strong>{owed.code}</strong>" not in page  # nothing shown of the payment
    assert payment_of(pay_app, owed.code).status == PaymentStatus.PENDING
    assert set(fee_states(pay_app, owed.code).values()) == {DUE}


def test_a_wrong_amount_changes_nothing_and_the_return_says_it_is_being_confirmed(
    pay_app, vnpay, owed, browser_of
):
    vnpay.behaviour = "wrong_amount"
    browser = browser_of()
    page = to_provider(browser, owed, vnpay)
    status, _url, page = browser.get(vnpay.pay_url.rsplit("/", 2)[0] + link(page, "pay"))
    assert vnpay.ipn_answers == [{"RspCode": "04", "Message": "Invalid amount"}]
    # Signed by VNPay, so the return is read, but only our database is shown: not paid yet.
    assert status == 200 and 'id="payment-confirming"' in page
    assert payment_of(pay_app, owed.code).status == PaymentStatus.PENDING
    assert set(fee_states(pay_app, owed.code).values()) == {DUE}


def test_the_return_alone_never_settles(pay_app, vnpay, owed, browser_of):
    """A browser that brings back VNPay's signed success without any IPN: still pending."""
    browser = browser_of()
    to_provider(browser, owed, vnpay)
    (reference,) = vnpay.orders
    status, _url, page = browser.get(
        f"/payments/vnpay/return?{urlencode(vnpay.result(reference, paid=True))}"
    )
    assert status == 200 and 'id="payment-confirming"' in page
    assert payment_of(pay_app, owed.code).status == PaymentStatus.PENDING
    assert set(fee_states(pay_app, owed.code).values()) == {DUE}


def test_an_ipn_for_an_unknown_order_is_answered_01(pay_app, vnpay, owed, browser_of):
    browser = browser_of()
    to_provider(browser, owed, vnpay)
    (reference,) = vnpay.orders
    params = vnpay.result(reference, paid=True)
    params["vnp_TxnRef"] = "KHONGCO0000"
    params["vnp_SecureHash"] = signature(params, vnpay.secret)
    assert vnpay.call_ipn(params) == {"RspCode": "01", "Message": "Order not found"}
    assert set(fee_states(pay_app, owed.code).values()) == {DUE}


def test_the_pay_link_checks_the_token_and_what_is_owed(pay_app, vnpay, owed, browser_of):
    browser = browser_of()
    status, _url, page = browser.post(
        "/applicant/pay", {"t": owed.token + "x", "csrf_token": browser.csrf()}
    )
    assert status == 422 and "tra cứu lại" in page
    status, _url, _page = browser.post("/applicant/pay", {"t": owed.token})  # no CSRF token
    assert status == 400
    # Everything payable paid at once: nothing is left to pay online.
    to_provider(browser, owed, vnpay)
    browser.get(vnpay.pay_url.rsplit("/", 2)[0] + f"/pay?ref={next(iter(vnpay.orders))}")
    status, _url, page = browser.pay(owed.token)
    assert status == 409 and "không còn khoản phí" in page


def test_without_a_provider_there_is_no_online_payment(pay_app, pay_server, owed, browser_of):
    before = configure(pay_app, None)
    try:
        browser = browser_of()
        status, _url, page = browser.pay(owed.token)
        assert status == 422 and "chưa nhận thanh toán trực tuyến" in page
        status, _url, _page = browser.get("/payments/vnpay/ipn?vnp_TxnRef=X")
        assert status == 404
    finally:
        pay_app.config.update(before)


def test_the_pages_of_a_settled_payment_show_its_outcome(pay_app, vnpay, owed, browser_of):
    browser = browser_of()
    status, go_url, page = browser.pay(owed.token)
    browser.get(link(page, "go-to-provider"))
    browser.get(vnpay.pay_url.rsplit("/", 2)[0] + f"/pay?ref={next(iter(vnpay.orders))}")
    status, _url, page = browser.get(go_url)  # back to the way to VNPay: already paid
    assert status == 200 and 'id="payment-paid"' in page and "go-to-provider" not in page
    assert browser.get("/applicant/pay/KHONGCO")[0] == 404
    query = dict(parse_qsl(urlsplit(link(page, "back-to-dossier")).query))
    assert query == {"code": owed.code}


def test_a_fee_paid_at_the_desk_meanwhile_is_not_settled_again(pay_app, vnpay, owed, browser_of):
    browser = browser_of()
    page = to_provider(browser, owed, vnpay)
    with pay_app.app_context(), unit_of_work():
        fee = db.session.get(DossierFee, owed.fee_ids[0])
        fee.state, fee.method = FeeState.CONFIRMED, PaymentMethod.AT_DESK
    status, _url, page = browser.get(vnpay.pay_url.rsplit("/", 2)[0] + link(page, "pay"))
    assert status == 200 and vnpay.ipn_answers == [CONFIRMED]
    assert fee_states(pay_app, owed.code) == {
        "Lệ phí đăng ký": (FeeState.CONFIRMED, PaymentMethod.AT_DESK),
        "Phí thẩm định": PAID_ONLINE,
        "Phí theo trường hợp": DUE,
    }


def test_a_withdrawn_dossier_is_not_paid_online(pay_app, vnpay, owed, browser_of):
    with pay_app.app_context(), unit_of_work():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == owed.code))
        dossier.status = DossierStatus.WITHDRAWN
    browser = browser_of()
    status, _url, page = browser.pay(owed.token)
    assert status == 409 and "đã kết thúc" in page
    assert not vnpay.orders
    with pay_app.app_context():
        assert not db.session.scalar(
            select(Payment.id).join(Dossier).where(Dossier.code == owed.code)
        )
