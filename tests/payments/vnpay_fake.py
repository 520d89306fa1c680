"""A small fake of VNPay's payment gateway (protocol 2.1.0) on a local port, in a thread.

Its pay page checks what a merchant sends as VNPay documents it (version, command, terminal,
currency, amount × 100, dates, and the HMAC-SHA512 signature over the sorted, quote_plus-encoded
vnp_ parameters, computed here on its own) and refuses a bad request. Then, as the customer
pays (the page's "Thanh toán" link) or cancels, it calls the merchant's IPN URL over HTTP with
the signed result, records the JSON answer, and redirects the browser to the merchant's return
URL with the same parameters. ``behaviour`` makes it decline, sign wrongly, report a wrong
amount or send the IPN twice.
"""

import hashlib
import hmac
import html
import itertools
import json
import re
import threading
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit

GMT7 = timezone(timedelta(hours=7))
REQUIRED = (
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_Amount",
    "vnp_CurrCode",
    "vnp_TxnRef",
    "vnp_OrderInfo",
    "vnp_OrderType",
    "vnp_Locale",
    "vnp_ReturnUrl",
    "vnp_IpAddr",
    "vnp_CreateDate",
    "vnp_ExpireDate",
    "vnp_SecureHash",
)
BEHAVIOURS = ("pay", "decline", "bad_signature", "wrong_amount", "repeat_ipn")


def signature(params: dict, secret: str) -> str:
    data = urlencode(
        sorted(
            (k, v) for k, v in params.items() if k not in ("vnp_SecureHash", "vnp_SecureHashType")
        ),
        quote_via=quote_plus,
    )
    return hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


def configure(app, fake: "FakeVNPay | None", public_url: str = "") -> dict:
    """Make ``fake`` the provider of the app published at ``public_url`` (None: no provider);
    the settings it replaced, to restore with ``app.config.update``."""
    names = ("PAYMENT_PROVIDER", "VNPAY_PAY_URL", "VNPAY_TMN_CODE", "VNPAY_HASH_SECRET")
    names += ("PUBLIC_URL",)
    before = {name: app.config[name] for name in names}
    if fake is None:
        app.config["PAYMENT_PROVIDER"] = ""
    else:
        app.config.update(
            PAYMENT_PROVIDER="vnpay",
            VNPAY_PAY_URL=fake.pay_url,
            VNPAY_TMN_CODE=fake.tmn_code,
            VNPAY_HASH_SECRET=fake.secret,
            PUBLIC_URL=public_url,
        )
    return before


@dataclass
class FakeVNPay:
    tmn_code: str = "MOTCUA01"
    secret: str = "BIMATTHUNGHIEM0123456789ABCDEFGH"
    ipn_url: str = ""  # the merchant's IPN URL, as registered with VNPay
    behaviour: str = "pay"
    orders: dict = field(default_factory=dict)  # vnp_TxnRef → the accepted request's params
    refused: list = field(default_factory=list)  # (why, params) of each refused pay request
    ipn_answers: list = field(default_factory=list)  # the merchant's JSON answers, in order
    _numbers: itertools.count = field(default_factory=lambda: itertools.count(14000001))

    @property
    def pay_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/paymentv2/vpcpay.html"

    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urlsplit(self.path)
                params = dict(parse_qsl(url.query, keep_blank_values=True))
                if url.path == "/paymentv2/vpcpay.html":
                    return fake._pay_page(self, params)
                if url.path in ("/pay", "/cancel"):
                    return fake._finish(self, params.get("ref", ""), url.path == "/pay")
                self._page(404, "Không có trang này")

            def _page(self, status, body, headers=()):
                data = f"<!doctype html><html><body>{body}</body></html>".encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # -- the pay page ----------------------------------------------------------------------

    def _problem(self, params: dict) -> str | None:
        missing = [name for name in REQUIRED if not params.get(name)]
        if missing:
            return f"missing {missing}"
        if params["vnp_SecureHash"].lower() != signature(params, self.secret):
            return "bad signature"
        expected = {"vnp_Version": "2.1.0", "vnp_Command": "pay", "vnp_CurrCode": "VND"}
        expected["vnp_TmnCode"] = self.tmn_code
        for name, value in expected.items():
            if params[name] != value:
                return f"{name} is {params[name]!r}"
        if not re.fullmatch(r"[1-9][0-9]*00", params["vnp_Amount"]):
            return "vnp_Amount is not đồng × 100"
        if not re.fullmatch(r"[A-Za-z0-9]{1,100}", params["vnp_TxnRef"]):
            return "vnp_TxnRef is not alphanumeric"
        if not params["vnp_OrderInfo"].isascii():
            return "vnp_OrderInfo has diacritics"
        dates = []
        for name in ("vnp_CreateDate", "vnp_ExpireDate"):
            try:
                dates.append(datetime.strptime(params[name], "%Y%m%d%H%M%S").replace(tzinfo=GMT7))
            except ValueError:
                return f"{name} is not yyyyMMddHHmmss"
        now = datetime.now(GMT7)
        if not dates[0] - timedelta(minutes=5) <= now <= dates[1]:
            return "not within vnp_CreateDate and vnp_ExpireDate (GMT+7)"
        return None

    def _pay_page(self, handler, params):
        problem = self._problem(params)
        if problem:
            self.refused.append((problem, params))
            return handler._page(
                400, f"<h1>Giao dịch không hợp lệ</h1><p>{html.escape(problem)}</p>"
            )
        reference = params["vnp_TxnRef"]
        self.orders[reference] = params
        amount = int(params["vnp_Amount"]) // 100
        ref = quote_plus(reference)
        handler._page(
            200,
            f"<h1>Cổng thanh toán VNPAY (giả lập)</h1>"
            f"<p id='order'>{html.escape(params['vnp_OrderInfo'])}</p>"
            f"<p id='amount'>{amount}</p>"
            f"<a id='pay' href='/pay?ref={ref}'>Thanh toán</a> "
            f"<a id='cancel' href='/cancel?ref={ref}'>Hủy giao dịch</a>",
        )

    # -- the customer pays (or cancels) ------------------------------------------------------

    def result(self, reference: str, paid: bool) -> dict:
        """The signed parameters VNPay sends back for an order (as ``behaviour`` says)."""
        order = self.orders[reference]
        paid = paid and self.behaviour != "decline"
        amount = int(order["vnp_Amount"])
        if self.behaviour == "wrong_amount":
            amount += 100_000  # a thousand đồng more
        params = {
            "vnp_Amount": str(amount),
            "vnp_BankCode": "NCB",
            "vnp_BankTranNo": "VNP" + reference[-6:],
            "vnp_CardType": "ATM",
            "vnp_OrderInfo": order["vnp_OrderInfo"],
            "vnp_PayDate": datetime.now(GMT7).strftime("%Y%m%d%H%M%S"),
            "vnp_ResponseCode": "00" if paid else "24",
            "vnp_TmnCode": self.tmn_code,
            "vnp_TransactionNo": str(next(self._numbers)),
            "vnp_TransactionStatus": "00" if paid else "02",
            "vnp_TxnRef": reference,
        }
        params["vnp_SecureHashType"] = "HmacSHA512"
        params["vnp_SecureHash"] = signature(params, self.secret)
        if self.behaviour == "bad_signature":
            params["vnp_SecureHash"] = signature(params, self.secret + "x")
        return params

    def call_ipn(self, params: dict) -> dict:
        with urllib.request.urlopen(f"{self.ipn_url}?{urlencode(params)}", timeout=10) as got:
            answer = json.loads(got.read())
        self.ipn_answers.append(answer)
        return answer

    def _finish(self, handler, reference: str, paid: bool):
        if reference not in self.orders:
            return handler._page(404, "Không có giao dịch")
        params = self.result(reference, paid)
        self.call_ipn(params)
        if self.behaviour == "repeat_ipn":
            self.call_ipn(params)
        back = f"{self.orders[reference]['vnp_ReturnUrl']}?{urlencode(params)}"
        handler._page(302, "", headers=[("Location", back)])
