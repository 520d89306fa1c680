"""Signing in to the pages: sessions, CSRF, lockout, redirects."""

import re


def csrf_token(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, username, password="demo", next_path=None):
    token = csrf_token(client)
    url = "/login" + (f"?next={next_path}" if next_path else "")
    return client.post(url, data={"username": username, "password": password, "csrf_token": token})


def test_pages_need_a_signed_in_officer(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_post_without_the_csrf_token_is_refused(client):
    response = client.post("/login", data={"username": "clo.mc1", "password": "demo"})
    assert response.status_code == 400


def test_signing_in_sets_a_http_only_session_cookie(client):
    response = sign_in(client, "clo.mc1")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_next_parameter_never_leaves_the_site(client):
    response = sign_in(client, "clo.mc1", next_path="//evil.example/x")
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_wrong_passwords_then_locked_out_message(client):
    for _ in range(5):
        response = sign_in(client, "clo.mc2", "sai")
        assert response.status_code == 401
    locked = sign_in(client, "clo.mc2", "demo").get_data(as_text=True)
    assert "tạm khóa" in locked


def test_logout_ends_the_session(client):
    sign_in(client, "clo.mc1")
    token = csrf_token(client, "/login")
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/").status_code == 302


def test_pages_are_in_vietnamese_unless_english_is_chosen(client):
    assert "Đăng nhập" in client.get("/login").get_data(as_text=True)
    token = csrf_token(client)
    client.post("/language/en", data={"csrf_token": token, "next": "/login"})
    assert "Sign in" in client.get("/login").get_data(as_text=True)


def test_the_menu_shows_each_officer_only_their_pages(client):
    sign_in(client, "clo.cv.tckh1")
    page = client.get("/inbox").get_data(as_text=True)
    assert "Hồ sơ cần xử lý" in page and "Tiếp nhận hồ sơ" not in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})
    sign_in(client, "clo.mc1")
    page = client.get("/inbox").get_data(as_text=True)
    assert "Tiếp nhận hồ sơ" in page and "Trả kết quả" in page
