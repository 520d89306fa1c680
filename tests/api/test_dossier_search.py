"""GET /api/v1/dossiers: the officers' search over the dossiers they may see, finished ones
included, through real HTTP (dossiers received by the demo's desks, one finished written
directly)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Dossier, DossierStatus, Procedure, Unit, utcnow

APPLICANT = {
    "name": "Khổng Văn Bình",
    "id_number": "042190031415",
    "phone": "0913 271 828",
    "address": "Thôn Tìm Kiếm, xã Can Lộc",
}


@pytest.fixture
def received(make_dossier):
    """A household business received at Can Lộc's desk for Khổng Văn Bình."""
    return make_dossier("CLO", "1.001612", applicant=APPLICANT)


@pytest.fixture
def finished(app, insert_dossier):
    """A dossier of Can Lộc returned a week ago, for Khổng Thị Bình."""
    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.code == "CLO"))
        procedure = db.session.scalar(select(Procedure).where(Procedure.code == "2.000815"))
    at = utcnow() - timedelta(days=9)
    return insert_dossier(
        procedure,
        unit,
        code="SEARCHAPI-0001",
        applicant_name="Khổng Thị Bình",
        applicant_id_number="042190027182",
        status=DossierStatus.RETURNED,
        received_at=at,
        finished_at=at + timedelta(days=1),
        returned_at=at + timedelta(days=2),
    ).code


def codes(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["code"] for item in response.get_json()["items"]]


def test_a_name_without_accents_finds_the_dossiers_finished_ones_included(
    login_as, received, finished
):
    desk = login_as("clo.mc1")
    response = desk.get("/dossiers?q=khong binh")
    assert codes(response) == [received["code"], finished]  # newest received first
    body = response.get_json()
    assert (body["total"], body["more"], body["page"], body["pages"]) == (2, False, 1, 1)
    first, last = body["items"]
    assert first["status"] in ("received", "processing")
    assert first["procedure"]["code"] == "1.001612"
    assert first["applicant"] == {"name": "Khổng Văn Bình"}
    assert last["status"] == "returned" and last["finished_at"] and last["returned_at"]
    assert codes(desk.get("/dossiers?q=Khổng Bình&status=returned")) == [finished]
    assert codes(desk.get("/dossiers?q=khong&procedure=1.001612")) == [received["code"]]


def test_a_part_of_the_code_the_id_number_or_the_phone_finds_it(login_as, received):
    desk, code = login_as("clo.mc1"), received["code"]
    assert code in codes(desk.get(f"/dossiers?q={code[-4:]}"))  # its number of the day
    assert codes(desk.get(f"/dossiers?q={code[-11:]}")) == [code]  # day and number
    assert codes(desk.get("/dossiers?q=031415")) == [code]
    assert codes(desk.get("/dossiers?q=0913271828")) == [code]


def test_an_officer_of_another_commune_does_not_find_it(login_as, received, finished):
    assert codes(login_as("hkh.mc1").get("/dossiers?q=khong binh")) == []
    assert codes(login_as("hti.giamsat").get("/dossiers?q=khong binh")) == [
        received["code"],
        finished,
    ]


def test_results_are_paged(login_as, received, finished):
    desk = login_as("clo.mc1")
    body = desk.get("/dossiers?q=khong binh&per_page=1&page=2").get_json()
    assert [i["code"] for i in body["items"]] == [finished]
    assert (body["total"], body["page"], body["per_page"], body["pages"]) == (2, 2, 1, 2)


@pytest.mark.parametrize(
    "query, code, field",
    [
        ("status=lost", "invalid_filter", "status"),
        ("procedure=9.999999", "invalid_filter", "procedure"),
        ("received_from=31/12/2026", "invalid_filter", "received_from"),
        ("received_from=2026-12-02&received_to=2026-12-01", "invalid_filter", "received_to"),
        ("page=two", "invalid_paging", "page"),
        ("per_page=0", "invalid_paging", "per_page"),
    ],
)
def test_bad_parameters_get_a_structured_error_and_change_nothing(
    app, login_as, received, query, code, field
):
    def state():
        with app.app_context():
            dossier = db.session.scalar(select(Dossier).where(Dossier.code == received["code"]))
            return dossier.lock_version, dossier.status, dossier.search_text

    before = state()
    response = login_as("clo.mc1").get(f"/dossiers?q=khong&{query}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    assert list(error["details"]) == [field]
    assert state() == before


def test_the_search_needs_a_signed_in_officer(client):
    response = client.get("/api/v1/dossiers?q=binh")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"]
