"""The OpenAPI document: served without sign-in, valid OpenAPI 3.1, one operation for every
route of the API; and the bad input the fuzzer found (tests/api/test_fuzz.py), each answered
with a 4xx in the error shape."""

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from motcua.api import openapi
from motcua.app import create_app

NAMELESS_PART = (
    b"--XX\r\nContent-Disposition: form-data\r\n\r\nnull\r\n"
    b'--XX\r\nContent-Disposition: form-data; filename="a.pdf"\r\n\r\n%PDF-1.4\r\n--XX--\r\n'
)


def _error_code(response) -> str:
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    return response.get_json()["error"]["code"]


def test_the_document_is_served_without_sign_in_and_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    validate(document, cls=OpenAPIV31SpecValidator)


def test_every_route_of_the_api_has_an_operation_with_its_security(app, client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    routes = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")]

    assert len(routes) > 25
    for rule in routes:
        path = openapi._VARIABLE.sub(lambda m: "{" + m["name"] + "}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = paths[path][method.lower()]
            assert operation["operationId"] == rule.endpoint.removeprefix("api.")
            signed_in = getattr(app.view_functions[rule.endpoint], "motcua_login_required", False)
            assert bool(operation["security"]) == signed_in, rule.endpoint
            assert "400" in operation["responses"]  # the request guard's, for any call
            assert not signed_in or "401" in operation["responses"], rule.endpoint
    assert paths["/api/v1/lookup"]["get"]["security"] == []
    assert paths["/api/v1/tasks/{task_id}"]["get"]["parameters"][0]["schema"]["type"] == "integer"


def test_a_route_without_an_operation_fails_the_document():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "openapi"})
    app.add_url_rule("/api/v1/forgotten", endpoint="api.forgotten", view_func=lambda: {})

    with pytest.raises(LookupError, match="api.forgotten"):
        openapi.document(app)


@pytest.mark.parametrize(
    "path",
    [
        "/tasks/9223372036854775808",
        "/tasks/2147483648",
        "/reports/snapshots/99999999999999999999",
        "/reports/snapshots/99999999999999999999.pdf",
        "/dossiers/X/slips/18446744073709551616",
    ],
)
def test_an_id_past_the_database_range_is_not_found(login_as, path):
    response = login_as("admin").get(path)

    assert response.status_code == 404
    assert _error_code(response) == "not_found"


def test_a_multipart_part_without_a_name_is_refused_not_a_server_error(login_as):
    api = login_as("clo.mc1")
    response = api.client.post(
        "/api/v1/dossiers/X/attachments",
        data=NAMELESS_PART,
        content_type="multipart/form-data; boundary=XX",
        headers=api._headers(),
    )

    assert response.status_code == 422
    assert _error_code(response) == "invalid_file"


def test_a_nul_in_a_nameless_part_is_refused_as_bad_input(client):
    body = NAMELESS_PART.replace(b"null", b"a\x00b")
    response = client.post(
        "/api/v1/dossiers", data=body, content_type="multipart/form-data; boundary=XX"
    )

    assert response.status_code == 400
    assert _error_code(response) == "invalid_input"


def test_bad_input_to_an_api_path_that_matches_no_route_is_answered_in_json(client):
    response = client.post("/api/v1/tasks/false/send-back", json={"reason": "a\x00b"})

    assert response.status_code == 400
    assert _error_code(response) == "invalid_input"
