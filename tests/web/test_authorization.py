"""An officer of Hương Khê reaches nothing of a Can Lộc dossier: by URL, by form post, by API."""

import re

import pytest


def page_session(client, username):
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    client.post("/login", data={"username": username, "password": "demo", "csrf_token": token})
    html = client.get("/inbox").get_data(as_text=True)  # a new session has a new token
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def clo_dossier(make_dossier, login_as):
    code = make_dossier("CLO", "1.001612")["code"]
    desk = login_as("clo.mc1")
    assert desk.upload(code, "don.pdf", b"%PDF-1.4 don").status_code == 201
    dossier = desk.get(f"/dossiers/{code}").get_json()
    return code, dossier["tasks"][0]["id"], dossier["attachments"][0]["id"]


@pytest.mark.parametrize("username", ["hkh.mc1", "hkh.cv.tckh1", "hkh.ld.tckh", "hkh.ld1"])
def test_another_districts_officer_gets_nothing(client, login_as, clo_dossier, username):
    code, task_id, file_id = clo_dossier
    token = page_session(client, username)
    for url in (
        f"/dossiers/{code}",
        f"/dossiers/{code}/files/{file_id}",
        f"/dossiers/{code}/diagram.bpmn",
        f"/tasks/{task_id}",
    ):
        assert client.get(url).status_code == 404, url
    for action, data in (
        ("claim", {}),
        ("release", {}),
        ("complete", {"complete": "on"}),
        ("send-back", {"reason": "x"}),
        ("reassign", {"assignee": username, "reason": "x"}),
    ):
        response = client.post(f"/tasks/{task_id}/{action}", data={"csrf_token": token, **data})
        assert response.status_code in (403, 404), action
    result = client.post(
        f"/desk/results/{code}", data={"csrf_token": token, "returned_to": "x", "method": "at_desk"}
    )
    assert result.status_code in (403, 404)

    api = login_as(username)
    assert api.get(f"/dossiers/{code}").status_code == 404
    assert api.get(f"/tasks/{task_id}").status_code == 404
    assert api.post(f"/tasks/{task_id}/claim").status_code == 404
    assert api.post(f"/tasks/{task_id}/complete", json={"data": {}}).status_code == 404
    assert api.upload(code).status_code == 404

    admin = login_as("admin")
    events = admin.get(f"/dossiers/{code}").get_json()["events"]
    assert {e["actor"] for e in events} == {"clo.mc1"}, "nothing was done by the other district"


def test_a_desk_officer_cannot_receive_for_another_district(client, app):
    token = page_session(client, "hkh.mc1")
    response = client.post(
        "/desk/receive/1.001612",
        data={
            "csrf_token": token,
            "unit": "CLO",
            "applicant.name": "A",
            "applicant.id_number": "042190001111",
            "channel": "direct",
            "complete": "1",
        },
    )
    assert response.status_code in (403, 422)
    assert "CLO-" not in response.get_data(as_text=True)
