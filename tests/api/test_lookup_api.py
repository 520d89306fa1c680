"""GET /api/v1/lookup: the public lookup of a dossier, without signing in."""

from contextlib import nullcontext
from datetime import datetime, timedelta

import pytest

from motcua.models import DossierStatus, replaying, utcnow
from motcua.services.lookup import NOT_FOUND, SUMMARIES

APPLICANT = {
    "name": "Đỗ Thị Lan",
    "id_number": "042190005555",
    "phone": "0977 123 456",
}


class Clock:
    """The moment the lookups are made at, moved by the test (the counts live in the
    database, and each test's rows are rolled back)."""

    def __init__(self):
        self.now = utcnow()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


CLOCK: Clock | None = None


def look_up(client, code, secret, ip="192.0.2.1"):
    with replaying(CLOCK.now) if CLOCK else nullcontext():
        return client.get(
            "/api/v1/lookup",
            query_string={"code": code, "secret": secret},
            environ_base={"REMOTE_ADDR": ip},
        )


@pytest.fixture
def clock(monkeypatch):
    """The lookups of the test made on a clock it moves (limits: 5 a code, 30 an address)."""
    clock = Clock()
    monkeypatch.setattr(f"{__name__}.CLOCK", clock)
    return clock


def test_the_right_pair_answers_the_procedure_status_stage_and_dates(
    client, login_as, make_dossier
):
    created = make_dossier("CLO", "1.001612", applicant=APPLICANT)
    procedure = login_as("admin").get(f"/dossiers/{created['code']}").get_json()["procedure"]
    for secret in ("042190005555", "0977.123.456", "+84977123456"):
        response = look_up(client, created["code"], secret)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert set(body) == {
            "code", "procedure", "status", "status_label", "summary", "stage", "received_at",
            "appointment_at", "missing_papers", "supplement_requested_at", "returned_at",
            "finished_at",
        }  # fmt: skip
        assert body["code"] == created["code"] and body["status"] == "received"
        assert body["procedure"] == procedure and procedure["code"] == "1.001612"
        assert body["status_label"] == "Mới tiếp nhận"
        assert body["summary"] == str(SUMMARIES[DossierStatus.RECEIVED])
        for when in ("received_at", "appointment_at"):
            assert datetime.fromisoformat(body[when]) == datetime.fromisoformat(created[when])
        assert body["stage"].startswith("Tiếp nhận, kiểm tra hồ sơ — ")
        assert body["missing_papers"] == [] and body["returned_at"] is None


def test_a_wrong_pair_and_an_unknown_code_get_the_same_404(client, make_dossier):
    code = make_dossier("CLO", "1.001612", applicant=APPLICANT)["code"]
    wrong = look_up(client, code, "042190001111", ip="192.0.2.2")
    unknown = look_up(client, "HKH-991231-0001", "042190005555", ip="192.0.2.2")
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.get_json() == unknown.get_json()
    assert wrong.get_json()["error"]["message"] == NOT_FOUND


def test_an_applicant_without_a_phone_is_not_matched_by_an_empty_one(client, make_dossier):
    code = make_dossier("CLO", "1.001612", applicant={**APPLICANT, "phone": None})["code"]
    assert look_up(client, code, "", ip="192.0.2.3").status_code == 422
    assert look_up(client, code, " . ", ip="192.0.2.3").status_code == 422
    assert look_up(client, code, "\x00" * 12, ip="192.0.2.3").status_code == 400  # no NUL


def test_missing_parameters_are_field_errors(client):
    response = client.get("/api/v1/lookup", environ_base={"REMOTE_ADDR": "192.0.2.4"})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["details"]) == {"code", "secret"}


def test_five_failures_on_a_code_lock_it_for_everyone_until_the_window_passes(
    client, make_dossier, clock
):
    code = make_dossier("CLO", "1.001612", applicant=APPLICANT)["code"]
    for attempt in range(5):
        clock.advance(30)
        assert look_up(client, code, f"0421900{attempt:05d}", ip=f"192.0.2.{10 + attempt}")
    for ip in ("192.0.2.10", "192.0.2.99"):  # whoever asks, even with the right pair
        refused = look_up(client, code, APPLICANT["id_number"], ip=ip)
        assert refused.status_code == 429
        assert refused.get_json()["error"]["code"] == "too_many_attempts"
        assert refused.get_json()["error"]["message"].startswith("Mã hồ sơ này")
        # The first failure (120 s ago) leaves the 900 s window in 780 s.
        assert int(refused.headers["Retry-After"]) == 780
    other = make_dossier("CLO", "1.001612", applicant=APPLICANT)["code"]
    assert look_up(client, other, APPLICANT["id_number"], ip="192.0.2.10").status_code == 200
    clock.advance(779)
    assert look_up(client, code, APPLICANT["id_number"]).status_code == 429
    clock.advance(2)
    assert look_up(client, code, APPLICANT["id_number"]).status_code == 200


def test_an_address_trying_many_codes_is_still_held_back(client, make_dossier, clock):
    code = make_dossier("CLO", "1.001612", applicant=APPLICANT)["code"]
    for attempt in range(30):
        clock.advance(1)
        assert look_up(client, f"CLO-261203-{attempt:04d}", "042190000000").status_code == 404
    refused = look_up(client, code, APPLICANT["id_number"])
    assert refused.status_code == 429
    assert refused.get_json()["error"]["message"].startswith("Bạn đã tra cứu sai")
    assert int(refused.headers["Retry-After"]) == 871
    assert look_up(client, code, APPLICANT["id_number"], ip="192.0.2.99").status_code == 200


def test_the_page_and_the_api_share_one_count(client, make_dossier, clock):
    code = make_dossier("CLO", "1.001612", applicant=APPLICANT)["code"]
    for _ in range(5):
        assert look_up(client, code, "042190000000", ip="192.0.2.5").status_code == 404
    page = client.get("/lookup", environ_base={"REMOTE_ADDR": "192.0.2.5"})
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    refused = client.post(
        "/lookup",
        data={"code": code, "secret": APPLICANT["id_number"], "csrf_token": token},
        environ_base={"REMOTE_ADDR": "192.0.2.5"},
    )
    assert refused.status_code == 429
