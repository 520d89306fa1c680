"""The app served over real HTTP (its own database, real commits) with the fake VNPay as its
payment provider: the fake calls the app's IPN as VNPay's server would, and the applicant's
browser is a urllib opener with cookies that follows redirects."""

import html
import re
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from http.cookiejar import CookieJar
from urllib.parse import urlencode

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from motcua.extensions import db
from motcua.models import DossierFee, Procedure, Unit
from motcua.services import applicant_access
from motcua.unit_of_work import unit_of_work
from motcua.vocabulary import FeeKind, FeeState
from tests import factories
from tests.payments.vnpay_fake import FakeVNPay, configure


@pytest.fixture(scope="session")
def pay_app(separate_app):
    return separate_app("_payments")


@pytest.fixture(scope="session")
def pay_server(pay_app):
    server = make_server("127.0.0.1", 0, pay_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def vnpay(pay_app, pay_server):
    fake = FakeVNPay(ipn_url=f"{pay_server}/payments/vnpay/ipn").start()
    before = configure(pay_app, fake, pay_server)
    yield fake
    pay_app.config.update(before)
    fake.stop()


@dataclass
class Owed:
    code: str
    token: str
    fee_ids: list[int]  # the two with amounts: 50 000 + 120 000 đồng
    by_the_case_id: int  # no amount yet: not payable


AMOUNTS = (Decimal(50_000), Decimal(120_000))


@pytest.fixture
def owed(pay_app):
    """A dossier of the demo's commune CLO being processed, owing two fees with their amounts
    and one "by the case" whose amount is not entered yet."""
    with pay_app.app_context(), unit_of_work():
        unit = db.session.scalar(select(Unit).where(Unit.code == "CLO"))
        procedure = db.session.scalar(select(Procedure).where(Procedure.code == "1.001612"))
        dossier = factories.insert_dossier(procedure, unit, applicant_email="hoa@example.vn")
        fees = [
            DossierFee(dossier_id=dossier.id, name=name, kind=FeeKind.CHARGE, amount=amount)
            for name, amount in (("Lệ phí đăng ký", AMOUNTS[0]), ("Phí thẩm định", AMOUNTS[1]))
        ]
        fees.append(DossierFee(dossier_id=dossier.id, name="Phí theo trường hợp", kind=FeeKind.FEE))
        db.session.add_all(fees)
        db.session.flush()
        return Owed(
            dossier.code,
            applicant_access.token_for(dossier),
            [fees[0].id, fees[1].id],
            fees[2].id,
        )


def fee_states(app, code: str) -> dict[str, FeeState]:
    with app.app_context():
        from motcua.models import Dossier

        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        rows = db.session.scalars(select(DossierFee).where(DossierFee.dossier_id == dossier.id))
        return {fee.name: (fee.state, fee.method) for fee in rows}


class Browser:
    """The applicant's browser: cookies kept, redirects followed, every page's status and
    address noted."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, url: str) -> tuple[int, str, str]:
        return self._open(urllib.request.Request(self._absolute(url)))

    def post(self, url: str, data: dict) -> tuple[int, str, str]:
        body = urlencode(data).encode()
        return self._open(urllib.request.Request(self._absolute(url), data=body, method="POST"))

    def _absolute(self, url: str) -> str:
        return url if url.startswith("http") else self.base + url

    def _open(self, request) -> tuple[int, str, str]:
        try:
            with self.opener.open(request, timeout=15) as got:
                return got.status, got.url, got.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.url, exc.read().decode()

    def csrf(self) -> str:
        _status, _url, page = self.get("/lookup")
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def pay(self, token: str) -> tuple[int, str, str]:
        """Press "pay" on the fees page: POST /applicant/pay, following the redirect."""
        return self.post("/applicant/pay", {"t": token, "csrf_token": self.csrf()})


def link(page: str, element_id: str) -> str:
    found = re.search(rf"id=['\"]{element_id}['\"][^>]*href=['\"]([^'\"]+)", page) or re.search(
        rf"href=['\"]([^'\"]+)['\"][^>]*id=['\"]{element_id}['\"]", page
    )
    assert found, f"no link #{element_id} in the page"
    return html.unescape(found.group(1))


@pytest.fixture
def browser_of(pay_server):
    return lambda: Browser(pay_server)
