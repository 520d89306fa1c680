"""The online submission API (no sign-in) for a third-party front end: the catalogue's facts,
then the form's two acts — submit (the code is mailed, 202) and confirm (the dossier, 201) —
under the form's own rules and limits, with structured JSON errors."""

import io

import pytest
from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Dossier, DossierStatus, LookupFailure
from motcua.vocabulary import Channel, OnlineLevel
from tests.web.test_online import EMAIL, code_mail, counts, no_old_counts, pdf  # noqa: F401

PROCEDURE = "1.001612"  # four papers, the fourth "(nếu có)"; offered at CLO


def fields(**overrides) -> dict:
    values = {
        "unit": "CLO",
        "applicant.name": "Trần Thị Lan",
        "applicant.id_number": "042190005555",
        "applicant.email": EMAIL,
        "doc-0": pdf("don"),
        "doc-1": pdf("cccd"),
        "doc-2": pdf("bien-ban"),
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def submit(client, procedure=PROCEDURE, **overrides):
    return client.post(
        f"/api/v1/online/procedures/{procedure}/submissions",
        data=fields(**overrides),
        content_type="multipart/form-data",
    )


def confirm(client, token, code):
    return client.post("/api/v1/online/submissions/confirm", json={"token": token, "code": code})


def error_of(response) -> dict:
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    return response.get_json()["error"]


def test_the_catalogue_facts_need_no_sign_in(client, officer):
    admin = officer("admin")
    template = b"%PDF-1.4 mau don"
    attached = admin.post(
        f"/admin/catalogue/{PROCEDURE}/papers/0/template",
        data={"file": (io.BytesIO(template), "mau-don.pdf")},
        content_type="multipart/form-data",
    )
    assert attached.status_code == 302
    response = client.get("/api/v1/online/procedures")
    assert response.status_code == 200
    items = {item["code"]: item for item in response.get_json()["items"]}
    household = items[PROCEDURE]
    assert household["online"] is True and household["online_level"] == "full"
    assert {"code": "CLO", "name": "Xã Can Lộc"} in household["units"]
    papers = household["papers"]
    assert [p["index"] for p in papers] == [0, 1, 2, 3]
    assert [p["optional"] for p in papers] == [False, False, False, True]
    assert papers[1]["template"] is None
    offered = papers[0]["template"]
    assert offered["file_name"] == "mau-don.pdf" and offered["size"] == len(template)
    path = offered["url"].split("://", 1)[1].split("/", 1)[1]
    assert client.get(f"/{path}").data == template
    partial = items["1.009994"]
    assert (
        partial["online_level"] == "partial" and partial["partial_online_reason"]
    )  # the demo publishes one


def test_a_submission_confirmed_with_the_mailed_code_is_a_submitted_dossier(app, client):
    before = counts(app)
    sent = submit(client)
    assert sent.status_code == 202, sent.get_json()
    pending = sent.get_json()
    assert pending["email"] == EMAIL and pending["expires_in"] == 900
    assert counts(app)[0] == before[0]  # nothing but the mail until the code comes
    done = confirm(client, pending["token"], code_mail(app))
    assert done.status_code == 201, done.get_json()
    body = done.get_json()
    assert body["status"] == DossierStatus.SUBMITTED.value
    assert body["lookup_url"].endswith(f"/lookup?code={body['code']}")
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == body["code"]))
        assert dossier.channel == Channel.ONLINE and dossier.applicant_email == EMAIL
    # The same submission confirmed again makes no second dossier.
    again = confirm(client, pending["token"], code_mail(app))
    assert again.status_code == 409 and error_of(again)["code"] == "already_submitted"
    assert counts(app)[0] == before[0] + 1


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"doc-1": None}, "doc-1"),
        ({"doc-0": (io.BytesIO(b"MZ\x90\x00 not a paper"), "virus.exe")}, "doc-0"),
        ({"applicant.email": None}, "applicant.email"),
        ({"unit": "NOWHERE"}, "unit"),
        ({"doc-7": pdf("extra")}, "file"),
    ],
)
def test_a_bad_submission_is_refused_field_by_field_and_changes_nothing(
    app, client, overrides, field
):
    before = counts(app)
    refused = submit(client, **overrides)
    assert refused.status_code == 422
    error = error_of(refused)
    assert error["code"] == "invalid_submission" and field in error["details"]
    assert counts(app) == before


def test_a_procedure_not_online_is_not_found(client, make_procedure):
    offline = make_procedure(online_level=OnlineLevel.NONE).code
    for code in ("9.999999", offline):
        response = submit(client, procedure=code)
        assert response.status_code == 404, code
        assert error_of(response)["code"] == "procedure_not_online"


def test_wrong_codes_are_counted_and_limited(app, client):
    pending = submit(client).get_json()
    before = counts(app)
    right = code_mail(app)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        refused = confirm(client, pending["token"], wrong)
        assert refused.status_code == 422 and error_of(refused)["code"] == "wrong_code"
    with app.app_context():  # kept: the refusals were answered, not rolled back
        assert db.session.scalars(select(LookupFailure.key)).all()
    last = confirm(client, pending["token"], right)  # the sixth try, right or not
    assert last.status_code == 429 and error_of(last)["code"] == "too_many_codes"
    assert counts(app) == before


def test_code_mails_to_one_address_are_limited(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "ONLINE_MAX_CODE_MAILS", 1)
    assert submit(client).status_code == 202
    before = counts(app)
    refused = submit(client)
    assert refused.status_code == 429 and error_of(refused)["code"] == "too_many_mails"
    assert counts(app) == before


def test_an_expired_or_forged_token_is_refused(app, client, monkeypatch):
    pending = submit(client).get_json()
    forged = confirm(client, pending["token"][:-4] + "AAAA", code_mail(app))
    assert forged.status_code == 422 and error_of(forged)["code"] == "code_expired"
    monkeypatch.setitem(app.config, "ONLINE_CODE_SECONDS", -1)
    expired = confirm(client, pending["token"], code_mail(app))
    assert expired.status_code == 422 and error_of(expired)["code"] == "code_expired"


@pytest.mark.parametrize(
    "body",
    [None, [], {"token": 1, "code": "123456"}, {"token": "x"}],
)
def test_a_confirmation_that_is_not_two_strings_is_refused(client, body):
    response = client.post("/api/v1/online/submissions/confirm", json=body)
    assert response.status_code == 422 and error_of(response)["code"] == "invalid_json"
