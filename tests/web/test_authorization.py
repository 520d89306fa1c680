"""An officer of Hương Khê reaches nothing of a Can Lộc dossier: by URL, by form post, by API."""

import pytest


@pytest.fixture
def clo_dossier(make_dossier, login_as):
    code = make_dossier("CLO", "1.001612")["code"]
    desk = login_as("clo.mc1")
    assert desk.upload(code, "don.pdf", b"%PDF-1.4 don").status_code == 201
    dossier = desk.get(f"/dossiers/{code}").get_json()
    return code, dossier["tasks"][0]["id"], dossier["attachments"][0]["id"]


@pytest.mark.parametrize("username", ["hkh.mc1", "hkh.cv.tckh1", "hkh.ld.tckh", "hkh.ld1"])
def test_another_districts_officer_gets_nothing(officer, login_as, clo_dossier, username):
    code, task_id, file_id = clo_dossier
    pages = officer(username)
    for url in (
        f"/dossiers/{code}",
        f"/dossiers/{code}/files/{file_id}",
        f"/dossiers/{code}/diagram.bpmn",
        f"/tasks/{task_id}",
    ):
        assert pages.get(url).status_code == 404, url
    for action, data in (
        ("claim", {}),
        ("release", {}),
        ("complete", {"complete": "on"}),
        ("send-back", {"reason": "x"}),
        ("reassign", {"assignee": username, "reason": "x"}),
    ):
        response = pages.post(f"/tasks/{task_id}/{action}", data=data)
        assert response.status_code in (403, 404), action
    result = pages.post(f"/desk/results/{code}", data={"returned_to": "x", "method": "at_desk"})
    assert result.status_code in (403, 404)

    api = login_as(username)
    assert api.get(f"/dossiers/{code}").status_code == 404
    assert api.get(f"/tasks/{task_id}").status_code == 404
    assert api.post(f"/tasks/{task_id}/claim").status_code == 404
    assert api.post(f"/tasks/{task_id}/complete", json={"data": {}}).status_code == 404
    assert api.upload(code).status_code == 404

    events = login_as("admin").get(f"/dossiers/{code}").get_json()["events"]
    assert {e["actor"] for e in events} == {"clo.mc1"}, "nothing was done by the other district"


def test_a_desk_officer_cannot_receive_for_another_district(officer):
    response = officer("hkh.mc1").post(
        "/desk/receive/1.001612",
        data={
            "unit": "CLO",
            "applicant.name": "A",
            "applicant.id_number": "042190001111",
            "channel": "direct",
            "complete": "1",
        },
    )
    assert response.status_code in (403, 422)
    assert "000.20.50.H30-" not in response.get_data(as_text=True)  # no Can Lộc code given
