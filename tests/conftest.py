"""Test fixtures: one migrated database per run, every test in a transaction rolled back.

The database is TEST_DATABASE_URL (PostgreSQL in CI) or a throwaway SQLite file. It is emptied,
migrated to head and loaded with the demo province once per run; each test then works inside an
outer transaction that the services' own commits cannot end (they commit savepoints).
"""

import io
import os
import re
from contextlib import nullcontext
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask_migrate import upgrade

from motcua.app import create_app
from motcua.extensions import db
from motcua.models import User
from motcua.services import auth, demo
from motcua.unit_of_work import unit_of_work
from tests import factories

REPO = Path(__file__).resolve().parents[1]
TEST_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"


def database_url(tmp_root: Path, suffix: str = "") -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_root / f'motcua{suffix}.sqlite'}"
    if suffix:
        parsed = sa.engine.make_url(url)
        url = parsed.set(database=f"{parsed.database}{suffix}").render_as_string(False)
    return url


def fresh_database(url: str) -> None:
    """Make the database exist and be empty."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database).unlink(missing_ok=True)
        return
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        )
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    engine = sa.create_engine(parsed)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def build_app(tmp_root: Path, suffix: str = ""):
    url = database_url(tmp_root, suffix)
    fresh_database(url)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "TESTING": True,
            "SECRET_KEY": "test",
            # Turned on by the tests of the second factor (tests/web/test_two_factor.py).
            "TWO_FACTOR_FOR_ADMINS": False,
            "STORAGE_DIR": str(tmp_root / f"files{suffix}"),
            # One iteration instead of scrypt: every password the tests hash or check is cheap.
            "PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH_METHOD,
        }
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        with unit_of_work():
            demo.load()
    return app


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = build_app(tmp_path_factory.mktemp("db"))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def separate_app(tmp_path_factory):
    """An app on a database of its own, for tests that need real commits (no rollback)."""
    return lambda suffix: build_app(tmp_path_factory.mktemp(f"db{suffix}"), suffix)


@pytest.fixture(autouse=True)
def _rollback(request):
    """Run each test that uses the app inside a transaction that is rolled back afterwards."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    # No app context stays pushed during the test: each request gets its own, as in production
    # (a shared one would carry g and the chosen language from one request to the next).
    with app.app_context():
        engines = db.engines
        swapped = []
        for key, engine in list(engines.items()):
            connection = engine.connect()
            transaction = connection.begin()
            engines[key] = connection
            swapped.append((key, engine, connection, transaction))
    try:
        yield
    finally:
        with app.app_context():
            db.session.remove()
            for key, engine, connection, transaction in swapped:
                transaction.rollback()
                connection.close()
                engines[key] = engine


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


class Api:
    """The JSON API as one officer sees it."""

    def __init__(self, client, token: str, username: str):
        self.client, self.token, self.username = client, token, username

    def _headers(self):
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path, **kw):
        return self.client.get(f"/api/v1{path}", headers=self._headers(), **kw)

    def post(self, path, json=None, **kw):
        return self.client.post(f"/api/v1{path}", json=json, headers=self._headers(), **kw)

    def upload(self, code, name="giay-to.pdf", content=b"%PDF-1.4 demo", kind="component"):
        import io

        return self.client.post(
            f"/api/v1/dossiers/{code}/attachments",
            data={"file": (io.BytesIO(content), name), "kind": kind},
            headers=self._headers(),
            content_type="multipart/form-data",
        )


def active_officer(username: str) -> User:
    """The active officer to sign in as, without a password (NetBox's utilities/testing)."""
    user = db.session.scalar(sa.select(User).where(User.username == username))
    assert user is not None, f"no user {username!r}"
    assert user.active, f"{username!r} is not active"
    return user


@pytest.fixture
def login_as(app, client):
    """login_as("clo.mc1") → an Api for that officer, with a token minted directly.

    No password round trip: tests/api/test_auth.py and test_lockout.py sign in for real.
    """

    def login(username: str) -> Api:
        with app.app_context():
            token = auth.issue_token(active_officer(username))
        return Api(client, token, username)

    return login


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in_session(client, username: str) -> str:
    """Sign a test client in as an officer by setting its session, as POST /login would
    (tests/web/test_auth_pages.py signs in for real); return the session's CSRF token, read
    from a page so that forms are still checked."""
    with client.application.app_context():
        user = active_officer(username)
        user_id, version = user.id, user.session_version
    with client.session_transaction() as session:
        session.clear()
        session.permanent = True
        session["uid"], session["sv"] = user_id, version
    return csrf_token(client.get("/login").get_data(as_text=True))


class Officer:
    """A browser of one officer: signed in (session set directly), posting with its token."""

    def __init__(self, app, username: str):
        self.client = app.test_client()
        self.token = sign_in_session(self.client, username)

    def get(self, path, **kw):
        return self.client.get(path, **kw)

    def page(self, path, **kw) -> str:
        response = self.client.get(path, **kw)
        assert response.status_code == 200, response.status_code
        return response.get_data(as_text=True)

    def post(self, path, data=None, **kw):
        return self.client.post(path, data={"csrf_token": self.token, **(data or {})}, **kw)


@pytest.fixture
def officer(app):
    """officer("clo.cv.tckh1") → the pages as that officer sees them (signed in, with CSRF)."""
    return lambda username: Officer(app, username)


APPLICANT = {
    "name": "Nguyễn Thị Hoa",
    "id_number": "042190001234",
    "phone": "0912345678",
    "email": "hoa@example.vn",
    "address": "Thôn Phú Lộc, xã Can Lộc, tỉnh Hà Tĩnh",
}

# The API's "complete" with no files: every paper (of any procedure here) noted as not needed.
NONE_NEEDED = {str(index): "Trường hợp không phải nộp" for index in range(20)}


def desk_intake(**overrides) -> dict:
    """The desk's intake form for the household business (1.001612), as the page posts it: two
    papers ticked, three scanned files, the dossier stated complete."""
    form = {
        "unit": "CLO",
        "channel": "direct",
        "applicant.name": "Lê Thị Mai",
        "applicant.id_number": "042190007777",
        "applicant.email": "mai@example.vn",
        "complete-0": "1",
        "doc-0": [(io.BytesIO(b"%PDF-1.4 a"), "a.pdf"), (io.BytesIO(b"%PDF-1.4 b"), "b.pdf")],
        "complete-1": "1",
        "doc-1": [(io.BytesIO(b"%PDF-1.4 c"), "c.pdf")],
        "why-2": "Chủ hộ đăng ký một mình",
        "why-3": "Không ủy quyền",
        "complete": "1",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


@pytest.fixture
def make_dossier(login_as):
    """make_dossier("CLO", "1.001612") → the new dossier's JSON, received by the unit's desk
    (for ``competent_unit_code`` to decide, when given); ``expect``: another status code, whose
    JSON is then returned."""

    def make(
        unit_code="CLO",
        procedure_code="1.001612",
        applicant=None,
        channel="direct",
        competent_unit_code=None,
        expect=201,
    ):
        desk = login_as(f"{unit_code.lower()}.mc1")
        body = {
            "procedure_code": procedure_code,
            "unit_code": unit_code,
            "applicant": applicant or APPLICANT,
            "channel": channel,
        }
        if competent_unit_code:
            body["competent_unit_code"] = competent_unit_code
        response = desk.post("/dossiers", json=body)
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    return make


# -- factories: rows of the test's own, instead of the demo province's (tests/factories.py) ----


def _factory(app, create):
    """The create function, run in the current app context or, without one, in its own; then
    committed, so that the rows are seen from other app contexts (requests) too. (A session's
    commit only releases its savepoint: the test's outer transaction is still rolled back.)"""

    def run(*args, **kwargs):
        with nullcontext() if has_app_context() else app.app_context(), unit_of_work():
            return create(*args, **kwargs)

    return run


@pytest.fixture
def make_unit(app):
    """make_unit("T1", level=UnitLevel.COMMUNE, parent=None) → a new Unit."""
    return _factory(app, factories.make_unit)


@pytest.fixture
def make_user(app):
    """make_user("t.cv1", unit, [Role.SPECIALIST, (Role.LEADER, other_unit)]) → a new User."""
    return _factory(app, factories.make_user)


@pytest.fixture
def make_procedure(app):
    """make_procedure("9.001", bpmn_text, unit=None) → a Procedure with a published version."""
    return _factory(app, factories.make_procedure)


@pytest.fixture
def make_province(app):
    """make_province("T") → a Province shaped like the demo's (units and officers by name)."""
    return _factory(app, factories.make_province)


@pytest.fixture
def insert_dossier(app):
    """insert_dossier(procedure, unit, status=…, steps=[{…add_task's keywords}]) → a Dossier
    written directly with its task rows (read-side tests; make_dossier receives one through
    the API instead)."""
    return _factory(app, factories.insert_dossier)


@pytest.fixture
def add_task(app):
    """add_task(dossier, unit=…, role=…, status=…, assignee=…, due_at=…) → a new Task row."""
    return _factory(app, factories.add_task)
