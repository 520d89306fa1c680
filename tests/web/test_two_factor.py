"""Two-factor sign-in (issue 14): administrators set up an authenticator before anything else,
then sign in with its code after the password, on the pages and through the API; a code works
once; wrong codes count towards the lockout; other officers may turn it on."""

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from motcua.cli import main
from motcua.extensions import db
from motcua.models import User
from tests.web.test_auth_pages import csrf_token, sign_in


@pytest.fixture
def required(app, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_FOR_ADMINS", True)


def code(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def enrol(client) -> str:
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page).group(1)
    assert 'src="data:image/svg+xml' in page  # the QR code to scan
    token = csrf_token(client, "/account/two-factor")
    wrong = client.post("/account/two-factor", data={"csrf_token": token, "code": "000000"})
    assert wrong.status_code == 422
    done = client.post("/account/two-factor", data={"csrf_token": token, "code": code(secret)})
    assert done.status_code == 302
    return secret


def test_an_administrator_sets_up_the_second_factor_then_signs_in_with_it(app, required):
    browser = app.test_client()
    signed = sign_in(browser, "clo.qt")
    assert signed.headers["Location"].endswith("/account/two-factor")
    assert browser.get("/admin/users").headers["Location"].endswith("/account/two-factor")
    api = app.test_client()
    no_factor = api.post("/api/v1/auth/token", json={"username": "clo.qt", "password": "demo"})
    assert no_factor.status_code == 403
    assert no_factor.get_json()["error"]["code"] == "two_factor_enrolment_required"

    secret = enrol(browser)
    assert browser.get("/admin/users").status_code == 200

    fresh = app.test_client()
    asked = sign_in(fresh, "clo.qt")
    assert asked.headers["Location"].endswith("/login/code")
    assert fresh.get("/admin/users").headers["Location"].startswith("/login")  # not yet in
    token = csrf_token(fresh, "/login/code")
    bad = fresh.post("/login/code", data={"csrf_token": token, "code": "123456"})
    assert bad.status_code == 401 and "Mã xác thực không đúng" in bad.get_data(as_text=True)
    # The code used to set it up a moment ago is spent; the next step's is good.
    reused = fresh.post("/login/code", data={"csrf_token": token, "code": code(secret)})
    assert reused.status_code == 401
    good = fresh.post("/login/code", data={"csrf_token": token, "code": code(secret, 1)})
    assert good.status_code == 302 and fresh.get("/admin/users").status_code == 200

    # The API: the password alone is not enough, nor a spent code.
    body = {"username": "clo.qt", "password": "demo"}
    missing = api.post("/api/v1/auth/token", json=body)
    assert missing.get_json()["error"]["code"] == "two_factor_required"
    spent = api.post("/api/v1/auth/token", json={**body, "code": code(secret, 1)})
    assert spent.get_json()["error"]["code"] == "bad_code"


def test_wrong_codes_count_towards_the_lockout(app, required):
    browser = app.test_client()
    sign_in(browser, "clo.qt")
    enrol(browser)
    for _ in range(5):
        attempt = app.test_client()
        sign_in(attempt, "clo.qt")
        token = csrf_token(attempt, "/login/code")
        attempt.post("/login/code", data={"csrf_token": token, "code": "999999"})
    locked = sign_in(app.test_client(), "clo.qt")
    assert locked.status_code == 401 and "tạm khóa" in locked.get_data(as_text=True)


def test_other_officers_may_turn_it_on_and_need_not(app, required):
    browser = app.test_client()
    assert sign_in(browser, "clo.cv.tckh1").status_code == 302
    assert browser.get("/inbox").status_code == 200  # not asked to set it up
    secret = enrol(browser)
    fresh = app.test_client()
    assert sign_in(fresh, "clo.cv.tckh1").headers["Location"].endswith("/login/code")
    token = csrf_token(fresh, "/login/code")
    assert (
        fresh.post("/login/code", data={"csrf_token": token, "code": code(secret, 1)}).status_code
        == 302
    )


def test_the_operator_resets_a_lost_second_factor(app, required):
    browser = app.test_client()
    sign_in(browser, "clo.qt")
    enrol(browser)
    result = app.test_cli_runner().invoke(main, ["reset-two-factor", "clo.qt"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "clo.qt"))
        assert user.totp_secret is None
    again = app.test_client()
    assert sign_in(again, "clo.qt").headers["Location"].endswith("/account/two-factor")
