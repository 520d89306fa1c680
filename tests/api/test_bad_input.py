"""Bad input a fuzzer sends gets a 4xx in the usual shape and changes nothing (issue 14): NUL
characters anywhere, over-long applicant fields, moments out of range, page numbers beyond any
integer, JSON nested 100 000 levels deep."""

import io

import pytest

from tests.conftest import APPLICANT, NONE_NEEDED
from tests.web.test_auth_pages import csrf_token

HOUSEHOLD = "1.001612"


def error_code(response) -> str:
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data())
    return response.get_json()["error"]["code"]


def receive(api, **applicant):
    return api.post(
        "/dossiers",
        json={
            "procedure_code": HOUSEHOLD,
            "unit_code": "CLO",
            "applicant": {**APPLICANT, **applicant},
            "complete": True,
            "not_needed": NONE_NEEDED,
        },
    )


def test_nul_characters_are_refused_wherever_they_come(app, client, login_as):
    api = login_as("clo.mc1")
    assert (
        error_code(client.post("/api/v1/auth/token", json={"username": "a\x00", "password": "x"}))
        == "invalid_input"
    )
    assert error_code(client.get("/api/v1/lookup?code=AB\x00C&secret=1")) == "invalid_input"
    assert error_code(api.get("/tasks?q=Hoa\x00")) == "invalid_input"
    assert error_code(api.get("/dossiers/000.20.50.H30%00-1")) == "invalid_input"
    assert error_code(receive(api, name="Nguyễn\x00 Hoa")) == "invalid_input"
    assert error_code(api.post("/dossiers", json={"procedure_code": "1.0\x00"})) == "invalid_input"
    code = receive(api).get_json()["code"]
    uploaded = api.client.post(
        f"/api/v1/dossiers/{code}/attachments",
        data={"file": (io.BytesIO(b"%PDF-1.4"), "don\x00.pdf"), "kind": "component"},
        headers=api._headers(),
        content_type="multipart/form-data",
    )
    assert error_code(uploaded) == "invalid_input"
    assert api.get(f"/dossiers/{code}").get_json()["attachments"] == []


def test_nul_characters_on_pages_get_a_page_in_vietnamese(client):
    token = csrf_token(client)
    response = client.post(
        "/login", data={"csrf_token": token, "username": "clo.mc1\x00", "password": "demo"}
    )
    assert response.status_code == 400
    assert "ký tự không hợp lệ" in response.get_data(as_text=True)
    assert client.get("/lookup?code=A\x00B").status_code == 400


def test_over_long_applicant_fields_are_refused_through_the_api(login_as):
    api = login_as("clo.mc1")
    refused = receive(api, name="Hoa " * 100, address="Thôn " * 200)
    assert error_code(refused) == "invalid_intake"
    assert set(refused.get_json()["error"]["details"]) == {"applicant.name", "applicant.address"}


def test_json_nested_100000_levels_deep_is_refused(client):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert error_code(response) == "invalid_input"


@pytest.mark.parametrize("start", ["0001-01-01T00:00:00+07:00", "9999-12-31T23:00:00+07:00"])
def test_moments_at_the_ends_of_the_calendar_are_refused(client, start):
    response = client.get("/api/v1/calendar/deadline", query_string={"start": start, "days": "5"})
    assert error_code(response).startswith("invalid")


@pytest.mark.parametrize("moment", ["0001-01-01T08:00:00+07:00", "9999-12-31T16:00:00+07:00"])
def test_an_apology_to_the_ends_of_the_calendar_is_refused(login_as, moment):
    api = login_as("clo.mc1")
    code = receive(api).get_json()["code"]
    leader = login_as("clo.ld1")
    response = leader.post(
        f"/dossiers/{code}/apology", json={"reason": "Xác minh", "new_appointment": moment}
    )
    assert error_code(response).startswith("invalid")


@pytest.mark.parametrize(
    "query",
    [
        {"from": "0001-01-01", "to": "0001-01-31"},
        {"from": "9999-12-01", "to": "9999-12-31"},
        {"kind": "year", "period": "9999"},
        {"kind": "month", "period": "0001-01"},
    ],
)
def test_report_periods_at_the_ends_of_the_calendar_are_refused(login_as, query):
    response = login_as("clo.ld1").get("/reports/statistics", query_string=query)
    assert error_code(response) in ("invalid_dates", "invalid_period")


@pytest.mark.parametrize("page", ["99999999999999999999999", "-1", "0", "abc"])
def test_page_numbers_beyond_any_integer_are_handled(login_as, officer, page):
    response = login_as("clo.mc1").get("/tasks", query_string={"page": page})
    assert response.status_code in (200, 422), response.get_data()
    assert officer("clo.mc1").get("/inbox", query_string={"page": page}).status_code in (200, 422)


def test_ids_past_the_range_of_our_ids_are_not_found_on_pages_too(officer):
    desk = officer("clo.mc1")
    for path in ("/tasks/9223372036854775808", "/tasks/99999999999999999999999"):
        response = desk.get(path)
        assert response.status_code == 404, path
        assert "Không có mục mang số" in response.get_data(as_text=True)
