"""/api/v1/reports/snapshots: freezing a report, listing and reading frozen reports, their
stored files."""

import hashlib

import pytest

from tests.services.test_report_snapshots import apologise
from tests.services.test_reports import EXPECTED, add_supervisor, fill

BODY = {"unit": "CLO", "from": "2024-09-15", "to": "2024-10-14", "note": "Báo cáo tháng 10"}
LIVE = "/reports/statistics?unit=CLO&from=2024-09-15&to=2024-10-14"


@pytest.fixture
def ids(app):
    with app.app_context():
        return fill()


def test_freezing_answers_the_frozen_report_with_the_live_figures(login_as, ids):
    api = login_as("hti.giamsat")
    live = api.get(LIVE).get_json()
    response = api.post("/reports/snapshots", json=BODY)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == body["url"] == f"/api/v1/reports/snapshots/{body['id']}"
    assert body["unit"] == {"code": "CLO", "name": "Xã Can Lộc"}
    assert body["period"] == {
        "kind": "custom",
        "key": "2024-09-15_2024-10-14",
        "from": "2024-09-15",
        "to": "2024-10-14",
    }
    assert body["group"] == "field" and body["note"] == "Báo cáo tháng 10"
    assert body["created_by"]["username"] == "hti.giamsat"
    assert (body["version"], body["versions"], body["latest"]) == (1, 1, True)
    figures = body["figures"]
    live.pop("generated_at"), figures.pop("generated_at")
    assert figures == live
    assert {key: body["figures"]["total"][key] for key in EXPECTED} == EXPECTED


def test_the_frozen_figures_and_files_stay_when_the_live_report_moves(app, login_as, ids):
    api = login_as("clo.ld1")
    body = api.post("/reports/snapshots", json={**BODY, "kind": "month", "period": "2024-10"})
    body = body.get_json()
    assert body["period"]["kind"] == "month" and body["period"]["key"] == "2024-10"
    xlsx = api.get(f"/reports/snapshots/{body['id']}.xlsx")
    assert xlsx.status_code == 200
    assert hashlib.sha256(xlsx.data).hexdigest() == body["files"]["xlsx"]["sha256"]
    assert len(xlsx.data) == body["files"]["xlsx"]["size"]
    assert xlsx.headers["ETag"] == f'"{body["files"]["xlsx"]["sha256"]}"'
    pdf = api.get(body["files"]["pdf"]["url"].removeprefix("/api/v1"))
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")

    with app.app_context():
        apologise(ids["online-open"])
    live = api.get(LIVE).get_json()["total"]
    assert live["in_progress_overdue"] == EXPECTED["in_progress_overdue"] + 1
    again = api.get(f"/reports/snapshots/{body['id']}").get_json()
    assert again["figures"] == body["figures"]
    data = api.get(f"/reports/snapshots/{body['id']}.xlsx").data
    assert hashlib.sha256(data).hexdigest() == body["files"]["xlsx"]["sha256"]

    second = api.post("/reports/snapshots", json={**BODY, "kind": "month", "period": "2024-10"})
    second = second.get_json()
    assert second["figures"]["total"]["in_progress_overdue"] == live["in_progress_overdue"]
    listed = api.get("/reports/snapshots?unit=CLO").get_json()["snapshots"]
    assert [(s["id"], s["version"], s["latest"]) for s in listed] == [
        (second["id"], 2, True),
        (body["id"], 1, False),
    ]
    assert "figures" not in listed[0]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"unit": "CLO"}, "from"),
        ({"unit": "CLO", "from": "2024-13-01", "to": "2024-10-14"}, "from"),
        ({"unit": "CLO", "from": "2024-10-15", "to": "2024-09-14"}, "to"),
        ({"unit": "CLO", "kind": "decade"}, "kind"),
        ({**BODY, "group": "officer"}, "group"),
        ({**BODY, "note": "x" * 2001}, "note"),
        ({**BODY, "note": 5}, "note"),
        ({"unit": "CLO", "from": "2099-01-01", "to": "2099-01-31"}, "from"),
    ],
)
def test_bad_input_gets_a_structured_422_and_stores_nothing(login_as, body, field):
    api = login_as("hti.giamsat")
    response = api.post("/reports/snapshots", json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert field in error["details"] and error["message"]
    assert api.get("/reports/snapshots").get_json()["snapshots"] == []


def test_a_body_that_is_not_json_is_422(login_as):
    response = login_as("admin").post("/reports/snapshots", data="unit=CLO")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_json"


def test_who_may_freeze_and_read_frozen_reports(app, client, login_as, ids):
    snapshot_id = login_as("clo.ld1").post("/reports/snapshots", json=BODY).get_json()["id"]
    with app.app_context():
        add_supervisor("hkh.giamsat", "HKH")
    for outsider in ("hkh.ld1", "hkh.giamsat"):
        api = login_as(outsider)
        response = api.post("/reports/snapshots", json=BODY)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "unit_out_of_reach"
        response = api.get(f"/reports/snapshots/{snapshot_id}")
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "snapshot_not_found"
        assert api.get(f"/reports/snapshots/{snapshot_id}.pdf").status_code == 404
        assert api.get("/reports/snapshots").get_json()["snapshots"] == []
        assert api.get("/reports/snapshots?unit=CLO").status_code == 403
    specialist = login_as("clo.cv.tckh1")
    assert specialist.get("/reports/snapshots").status_code == 403
    assert specialist.post("/reports/snapshots", json=BODY).status_code == 403
    assert login_as("admin").get("/reports/snapshots?unit=NOWHERE").status_code == 404
    assert login_as("admin").get("/reports/snapshots/999999").status_code == 404
    assert client.get("/api/v1/reports/snapshots").status_code == 401
    assert client.post("/api/v1/reports/snapshots", json=BODY).status_code == 401
    assert len(login_as("admin").get("/reports/snapshots").get_json()["snapshots"]) == 1
