"""The API fuzzed against its own OpenAPI document (schemathesis, in-process over WSGI): as a
signed-in officer, anonymously, as that officer on a real dossier and its step, and the reports
as a leader. Every answer must be no server error, with a status and a media type the document
lists and a body its schema allows.

Bounded and deterministic: MOTCUA_FUZZ_EXAMPLES examples per operation (5 by default; .ci/run
asks for more), a fixed seed, no example database. Each call runs inside the test's rolled-back
transaction, as every API test does.
"""

import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from motcua.app import create_app
from motcua.services import auth
from tests.conftest import active_officer

EXAMPLES = int(os.environ.get("MOTCUA_FUZZ_EXAMPLES", "5"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
OFFICER = "clo.mc1"  # a receptionist: receives dossiers, works the desk's steps
LEADER = "clo.ld1"  # reads and freezes the reports


def _document() -> dict:
    """The document as the app serves it, built from an app of its own at collection time (the
    URL map needs no database); test_the_document_fuzzed_is_the_one_served checks it is the
    one served."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "fuzz"})
    return app.test_client().get("/api/v1/openapi.json").get_json()


DOCUMENT = _document()
schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.config.generation.update(
    max_examples=EXAMPLES, deterministic=True, modes=["positive", "negative"], database="none"
)


def test_the_document_fuzzed_is_the_one_served(client):
    assert client.get("/api/v1/openapi.json").get_json() == DOCUMENT


SENT: Counter = Counter()  # answers by status


@pytest.fixture(scope="module", autouse=True)
def _figures(pytestconfig):
    """The figures of the run, printed at its end (operations, requests sent)."""
    yield
    operations = sum(len(methods) for methods in DOCUMENT["paths"].values())
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(
            f"\nfuzz: {operations} operations, {SENT.total()} requests, "
            f"{EXAMPLES} examples per operation and mode; answers by status: "
            + ", ".join(f"{status}: {count}" for status, count in sorted(SENT.items()))
        )


def _call(case, app):
    response = case.call(app=app)
    SENT[response.status_code] += 1
    case.validate_response(response, checks=CHECKS)


def _token(app, username: str) -> str:
    # Minted for each call: a fuzzed POST /auth/logout revokes the tokens issued before it.
    with app.app_context():
        return auth.issue_token(active_officer(username))


@schema.parametrize()
def test_the_api_as_a_signed_in_officer(case, app):
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {_token(app, OFFICER)}"}
    _call(case, app)


@schema.parametrize()
def test_the_api_anonymously(case, app):
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    _call(case, app)


@pytest.fixture
def received(make_dossier, login_as):
    """A dossier just received at CLO's desk, and its check step (with the receiving officer)."""
    code = make_dossier()["code"]
    task = login_as(OFFICER).get(f"/dossiers/{code}").get_json()["tasks"][0]
    return {"code": code, "task_id": task["id"]}


@schema.include(path_regex=r"\{(code|task_id)\}").parametrize()
# One dossier for all the examples of an operation, on purpose: its state moves along.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_api_on_a_real_dossier_and_its_step(case, app, received):
    # The fuzzed path values name nothing; these reach the rules behind them.
    case.path_parameters = {
        name: received.get(name, value) for name, value in (case.path_parameters or {}).items()
    }
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {_token(app, OFFICER)}"}
    _call(case, app)


@schema.include(tag="reports").parametrize()
def test_the_reports_as_a_leader(case, app):
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {_token(app, LEADER)}"}
    _call(case, app)
