"""After the database drops every connection (a restart, a failover), the next calls are
answered as usual: a pooled connection is tested before use (issue 14). PostgreSQL only: an
SQLite file has no server to restart."""

import pytest
import sqlalchemy as sa

from motcua.extensions import db
from tests.conftest import active_officer


@pytest.fixture(scope="module")
def restart_app(separate_app):
    app = separate_app("_restart")
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only")
    yield app
    with app.app_context():
        db.engine.dispose()


def test_calls_after_the_database_dropped_its_connections_succeed(restart_app):
    from motcua.services import auth

    client = restart_app.test_client()
    with restart_app.app_context():
        headers = {"Authorization": f"Bearer {auth.issue_token(active_officer('clo.mc1'))}"}
        database = db.engine.url.database
    assert client.get("/api/v1/procedures", headers=headers).status_code == 200

    killer = sa.create_engine(
        sa.engine.make_url(str(restart_app.config["SQLALCHEMY_DATABASE_URI"])).set(
            database="postgres"
        ),
        isolation_level="AUTOCOMMIT",
    )
    with killer.connect() as conn:
        dropped = conn.scalar(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :d AND pid <> pg_backend_pid()"
            ),
            {"d": database},
        )
    killer.dispose()
    assert dropped >= 1  # the app's pooled connection was there, and is gone

    for _ in range(3):
        assert client.get("/api/v1/procedures", headers=headers).status_code == 200
