"""Sessions and tokens end together (issue 14): signing out, a password reset, a role granted
or taken back, or deactivation ends every session and API token of the officer at once; a
temporary password is changed at the next sign-in; the officer changes their own password; the
security log keeps who signed in, failed, was locked, signed out and reset."""

from sqlalchemy import select

from motcua.extensions import db
from motcua.models import SecurityEvent
from tests.admin.test_people import temporary_password, user_id
from tests.conftest import Officer
from tests.web.test_auth_pages import csrf_token, sign_in


def api_status(client, token) -> tuple[int, str | None]:
    response = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
    body = response.get_json() or {}
    return response.status_code, body.get("error", {}).get("code")


def api_token(client, username, password="demo"):
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    return response


def security_log(app, username) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(SecurityEvent.kind)
                .where(SecurityEvent.username == username)
                .order_by(SecurityEvent.id)
            )
        )


def test_signing_out_ends_every_session_and_token_of_the_officer(app):
    laptop, phone, script = app.test_client(), app.test_client(), app.test_client()
    assert sign_in(laptop, "clo.mc1").status_code == 302
    assert sign_in(phone, "clo.mc1").status_code == 302
    token = api_token(script, "clo.mc1").get_json()["token"]
    assert api_status(script, token) == (200, None)
    assert phone.get("/inbox").status_code == 200

    laptop.post("/logout", data={"csrf_token": csrf_token(laptop, "/inbox")})

    assert api_status(script, token) == (401, "session_revoked")
    on_phone = phone.get("/inbox")
    assert on_phone.status_code == 302 and "/login" in on_phone.headers["Location"]
    assert security_log(app, "clo.mc1") == ["signed_in", "signed_in", "signed_in", "signed_out"]


def test_a_reset_password_ends_the_sessions_and_must_be_changed_at_sign_in(app, officer):
    officer_browser, script = app.test_client(), app.test_client()
    sign_in(officer_browser, "clo.mc2")
    token = api_token(script, "clo.mc2").get_json()["token"]
    reset = officer("admin").post(f"/admin/users/{user_id(app, 'clo.mc2')}/password")
    temporary = temporary_password(reset.get_data(as_text=True))
    assert api_status(script, token) == (401, "session_revoked")
    assert "/login" in officer_browser.get("/inbox").headers["Location"]

    # Signed in with the temporary password: every page leads to the password page first,
    # and no API token is given for it.
    fresh = app.test_client()
    signed = sign_in(fresh, "clo.mc2", temporary)
    assert signed.headers["Location"].endswith("/account/password")
    assert fresh.get("/inbox").headers["Location"].endswith("/account/password")
    refused = api_token(script, "clo.mc2", temporary)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "password_change_required"

    page = fresh.get("/account/password").get_data(as_text=True)
    assert "mật khẩu tạm" in page
    token = csrf_token(fresh, "/account/password")
    for form, field in (
        ({"current": "sai", "new": "mat-khau-moi-1", "repeated": "mat-khau-moi-1"}, "current"),
        ({"current": temporary, "new": "ngan", "repeated": "ngan"}, "new"),
        ({"current": temporary, "new": temporary, "repeated": temporary}, "new"),
        ({"current": temporary, "new": "mat-khau-moi-1", "repeated": "khac-han-1"}, "repeated"),
    ):
        again = fresh.post("/account/password", data={"csrf_token": token, **form})
        assert again.status_code == 422, field
    assert sign_in(app.test_client(), "clo.mc2", temporary).status_code == 302  # unchanged

    done = fresh.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current": temporary,
            "new": "mat-khau-moi-1",
            "repeated": "mat-khau-moi-1",
        },
    )
    assert done.status_code == 302
    assert fresh.get("/inbox").status_code == 200  # this session goes on
    assert api_token(script, "clo.mc2", "mat-khau-moi-1").status_code == 200
    assert sign_in(app.test_client(), "clo.mc2", temporary).status_code == 401
    kinds = security_log(app, "clo.mc2")
    assert kinds[:3] == ["signed_in", "signed_in", "password_reset"]
    assert "password_changed" in kinds and "sign_in_failed" in kinds


def test_a_role_granted_or_taken_back_and_deactivation_end_the_sessions(app, officer):
    script = app.test_client()
    token = api_token(script, "clo.cv.tckh1").get_json()["token"]
    admin, uid = officer("admin"), user_id(app, "clo.cv.tckh1")
    granted = admin.post(
        f"/admin/users/{uid}/roles", data={"grant_role": "leader", "grant_unit": "CLO.KT"}
    )
    assert granted.status_code == 302
    assert api_status(script, token) == (401, "session_revoked")

    browser = Officer(app, "clo.cv.tckh1")
    assert browser.get("/inbox").status_code == 200
    assert admin.post(f"/admin/users/{uid}/deactivate").status_code in (200, 302)
    assert "/login" in browser.get("/inbox").headers["Location"]


def test_five_wrong_passwords_leave_a_lockout_in_the_security_log(app, client):
    for _ in range(5):
        sign_in(client, "clo.ld2", "sai")
    sign_in(client, "khong.co.ai", "sai")
    assert security_log(app, "clo.ld2") == ["sign_in_failed"] * 5 + ["locked"]
    assert security_log(app, "khong.co.ai") == ["sign_in_failed"]


def test_who_opened_which_dossier_is_kept_and_only_system_admins_read_the_log(
    app, officer, login_as, make_dossier
):
    code = make_dossier("CLO", "1.001612")["code"]
    officer("clo.ld1").page(f"/dossiers/{code}")
    assert login_as("clo.mc1").get(f"/dossiers/{code}").status_code == 200
    with app.app_context():
        opened = db.session.execute(
            select(SecurityEvent.username, SecurityEvent.dossier_code).where(
                SecurityEvent.kind == "dossier_opened"
            )
        ).all()
    assert sorted(opened) == [("clo.ld1", code), ("clo.mc1", code)]
    page = officer("admin").page("/admin/security-log?username=clo.ld1")
    assert "Mở hồ sơ" in page and code in page
    assert officer("clo.qt").get("/admin/security-log").status_code == 403
