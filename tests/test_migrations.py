"""The migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from motcua.extensions import db


def test_models_and_migrations_agree(ctx):
    connection = db.session.connection()  # the test's connection, migrated to head
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    assert compare_metadata(context, db.metadata) == []
