"""GET /api/v1/reports/statistics: the figures of the report page as JSON, for the dashboard."""

import pytest

from motcua.services.reports import COLUMNS
from tests.services.test_reports import (
    COPY_FIELD,
    EXPECTED,
    EXPECTED_COPY,
    EXPECTED_OFFICERS,
    add_supervisor,
    fill,
)

PATH = "/reports/statistics?unit=CLO&from=2024-09-15&to=2024-10-14"


@pytest.fixture
def filled(app):
    with app.app_context():
        fill()


def test_the_json_has_the_hand_counted_figures(login_as, filled):
    response = login_as("hti.giamsat").get(PATH)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["unit"] == {"code": "CLO", "name": "Xã Can Lộc"}
    assert body["period"]["from"] == "2024-09-15" and body["period"]["to"] == "2024-10-14"
    assert body["period"]["start_at"] == "2024-09-14T17:00:00+00:00"  # local midnight
    assert body["period"]["end_at"] == "2024-10-14T17:00:00+00:00"
    assert body["period"]["complete"] is True
    assert body["columns"] == list(COLUMNS)
    assert {key: body["total"][key] for key in EXPECTED} == EXPECTED
    copy = next(row for row in body["rows"] if row["key"] == COPY_FIELD)
    assert {key: copy[key] for key in EXPECTED_COPY} == EXPECTED_COPY
    officers = {
        o["username"]: (o["completed"], o["late"], o["average_hours"]) for o in body["officers"]
    }
    assert officers == EXPECTED_OFFICERS


def test_the_same_month_chosen_by_its_kind_and_key_and_grouped_by_procedure(login_as, filled):
    body = (
        login_as("clo.ld1")
        .get("/reports/statistics?unit=CLO&kind=month&period=2024-10&group=procedure")
        .get_json()
    )
    assert body["period"]["kind"] == "month" and body["period"]["key"] == "2024-10"
    assert body["period"]["from"] == "2024-09-15"
    assert {row["key"] for row in body["rows"]} == {"1.001612", "2.000815"}
    assert {key: body["total"][key] for key in EXPECTED} == EXPECTED


@pytest.mark.parametrize(
    "query, field",
    [
        ("unit=CLO", "from"),
        ("unit=CLO&from=2024-13-01&to=2024-10-14", "from"),
        ("unit=CLO&from=2024-09-15&to=14/10/2024", "to"),
        ("unit=CLO&from=2024-10-15&to=2024-09-14", "to"),
        ("unit=CLO&from=2020-01-01&to=2024-09-14", "to"),
        ("unit=CLO&kind=month&period=2024-10-01", "period"),
        ("unit=CLO&kind=decade", "kind"),
        ("unit=CLO&from=2024-09-15&to=2024-10-14&group=officer", "group"),
    ],
)
def test_bad_input_gets_a_structured_422(login_as, query, field):
    response = login_as("hti.giamsat").get(f"/reports/statistics?{query}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert field in error["details"] and error["message"]


def test_a_period_that_has_not_begun_is_422(login_as):
    response = login_as("admin").get("/reports/statistics?unit=CLO&from=2099-01-01&to=2099-01-31")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "period_not_started"


def test_who_may_read_which_unit(app, login_as):
    response = login_as("clo.cv.tckh1").get(PATH)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    with app.app_context():
        add_supervisor("hkh.giamsat", "HKH")
    hkh = login_as("hkh.giamsat")
    response = hkh.get(PATH)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "unit_out_of_reach"
    assert hkh.get(PATH.replace("CLO", "HKH")).status_code == 200
    assert hkh.get(PATH.replace("unit=CLO&", "")).get_json()["unit"]["code"] == "HKH"
    response = login_as("admin").get(PATH.replace("CLO", "NOWHERE"))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unit_not_found"
    assert login_as("clo.ld1").get(PATH.replace("CLO", "HTI")).status_code == 403


def test_a_token_is_needed(client):
    assert client.get(f"/api/v1{PATH}").status_code == 401
