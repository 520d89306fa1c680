"""Engine set-up that depends on the database dialect."""

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine


def configure_engine(engine: Engine) -> None:
    """Make SQLite behave like a transactional database for our purposes.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; we take it over.
    Every transaction begins IMMEDIATE so that two writers are serialised (as row locks do on
    PostgreSQL) instead of one failing late with "database is locked". WAL lets readers go on.
    """
    if engine.dialect.name != "sqlite" or getattr(engine, "_motcua_configured", False):
        return
    engine._motcua_configured = True

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def insert_on_conflict(session, model):
    """An INSERT of ``model`` that can take ON CONFLICT (both of our databases have it, each in
    its own dialect)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)
