"""The applicant pays a dossier's fees online in a real browser: the lookup, the fees page, the
(fake) VNPay's page, and back with the fee paid (issue 15, "Fees"). Chromium applies the pages'
``form-action 'self'`` to the redirects after the pay form, which is why our own page sends the
browser on to VNPay."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from motcua.extensions import db
from motcua.models import DossierFee, Procedure, Unit
from motcua.unit_of_work import unit_of_work
from motcua.vocabulary import FeeKind
from tests import factories
from tests.payments.vnpay_fake import FakeVNPay, configure

ID_NUMBER = "042190008888"


@pytest.fixture
def vnpay_live(live_app, live_server):
    fake = FakeVNPay(ipn_url=f"{live_server}/payments/vnpay/ipn").start()
    before = configure(live_app, fake, live_server)
    yield fake
    live_app.config.update(before)
    fake.stop()


def owing(app) -> str:
    with app.app_context(), unit_of_work():
        unit = db.session.scalar(select(Unit).where(Unit.code == "CLO"))
        procedure = db.session.scalar(select(Procedure).where(Procedure.code == "1.001612"))
        dossier = factories.insert_dossier(procedure, unit, applicant_id_number=ID_NUMBER)
        db.session.add(
            DossierFee(
                dossier_id=dossier.id,
                name="Lệ phí đăng ký hộ kinh doanh",
                kind=FeeKind.CHARGE,
                amount=Decimal(100_000),
            )
        )
        return dossier.code


def test_the_applicant_pays_online_from_the_lookup_and_comes_back_paid(
    page, live_app, vnpay_live, shot
):
    code = owing(live_app)
    page.goto("/lookup")
    page.fill("input[name=code]", code)
    page.fill("input[name=secret]", ID_NUMBER)
    page.click("main form button[type=submit]")
    page.click("#lookup-fees a.button")
    fees_url = page.url
    expect(page.locator("#fees")).to_contain_text("Chưa nộp")
    page.click("#pay-online button[type=submit]")
    # Our page sends the browser on to VNPay, whose page shows the amount.
    expect(page.locator("#amount")).to_have_text("100000")
    assert not vnpay_live.refused
    shot(page, "payment-provider")
    page.click("#pay")
    expect(page.locator("#payment-paid")).to_be_visible()
    assert vnpay_live.ipn_answers == [{"RspCode": "00", "Message": "Confirm Success"}]
    shot(page, "payment-paid")
    page.goto(fees_url)
    expect(page.locator("#fees")).to_contain_text("Đã nộp")
    expect(page.locator("#pay-online")).to_have_count(0)
