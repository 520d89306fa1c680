"""After signing in, switching the language or acting in the inbox the browser goes back to a
path of this site, never to another site however the ``next`` value is dressed up."""

from urllib.parse import quote

import pytest

from motcua.web.redirects import local_target
from tests.web.test_auth_pages import csrf_token, sign_in

HOSTILE = [
    "//evil.example",
    "//evil.example/inbox",
    "https://evil.example",
    "http:/evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "javascript:alert(1)",
    " /inbox",
    "evil.example",
    "",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_anything_but_a_path_of_this_site_gives_the_default(target):
    assert local_target(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/inbox", "/inbox?tab=unit&page=2", "/tasks/7#history"])
def test_a_path_of_this_site_is_kept(target):
    assert local_target(target, "/home") == target


def location(response) -> str:
    return response.headers["Location"].removeprefix("http://localhost")


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "/\t/evil.example/phish",  # next=/%09/evil.example/phish
        "/\r\n/evil.example",
        "\\/evil.example",
        "/\\/evil.example",
    ],
)
def test_signing_in_never_leaves_the_site(client, target):
    response = sign_in(client, "clo.mc1", next_path=quote(target, safe=""))
    assert response.status_code == 302 and location(response) == "/"


def test_signing_in_goes_on_to_the_page_asked_for(client):
    response = sign_in(client, "clo.mc1", next_path="/desk/receive")
    assert location(response) == "/desk/receive"


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example"])
def test_the_language_switch_never_leaves_the_site(client, target):
    token = csrf_token(client)
    response = client.post("/language/en", data={"csrf_token": token, "next": target})
    assert response.status_code == 302 and location(response) == "/"
    response = client.post("/language/vi", data={"csrf_token": token, "next": "/lookup"})
    assert location(response) == "/lookup"


@pytest.mark.parametrize("target", ["//evil.example", "javascript:alert(1)", "/\\evil.example"])
def test_the_inbox_never_sends_back_to_another_site(officer, make_dossier, login_as, target):
    code = make_dossier("CLO", "1.001612")["code"]
    held = next(t for t in login_as("clo.mc1").get(f"/dossiers/{code}").get_json()["tasks"])
    desk = officer("clo.mc1")
    response = desk.post(f"/tasks/{held['id']}/release", data={"next": target})
    assert response.status_code == 302 and location(response) == "/inbox"
    response = desk.post(f"/tasks/{held['id']}/claim", data={"next": "/inbox?tab=mine"})
    assert location(response) == "/inbox?tab=mine"
