"""dossier search: the folded words a dossier is found by (code, provisional code, applicant's
name, ID number, phone), filled for the rows there are, with a trigram index on PostgreSQL; it
replaces the trigram indexes of 0003 on the code and the applicant's name; and the dossiers a
unit's steps handle, read from an index of the tasks alone

On SQLite no index helps a LIKE '%…%' (it reads the table whatever it has): the index is made
there with a false condition (WHERE 0), so that it holds no row and costs no write, and the
schema stays the one the models describe on both databases.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 15:00:00

"""

import sqlalchemy as sa
from alembic import op

from motcua.folding import digits, fold

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BATCH = 5000


def _search_text(code, provisional_code, name, id_number, phone) -> str:
    # As motcua.models.dossier.search_text gave it when this migration was written.
    parts = (fold(code), fold(provisional_code), fold(name), fold(id_number), digits(phone))
    return " ".join(part for part in parts if part)


def _fill(connection) -> None:
    """Fold every dossier's words, BATCH rows at a time in the order of their ids."""
    read = sa.text(
        "SELECT id, code, provisional_code, applicant_name, applicant_id_number,"
        " applicant_phone FROM dossiers WHERE id > :after ORDER BY id LIMIT :n"
    )
    write = sa.text("UPDATE dossiers SET search_text = :text WHERE id = :id")
    after = 0
    while rows := connection.execute(read, {"after": after, "n": BATCH}).all():
        connection.execute(write, [{"id": r[0], "text": _search_text(*r[1:])} for r in rows])
        after = rows[-1][0]


def _trigram_index(name: str, column: str, **kw) -> None:
    op.create_index(
        name,
        "dossiers",
        [column],
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops"},
        **kw,
    )


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")  # trusted since PostgreSQL 13
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
    _fill(connection)
    op.drop_index("ix_dossiers_applicant_name_trgm", table_name="dossiers")
    op.drop_index("ix_dossiers_code_trgm", table_name="dossiers")
    _trigram_index("ix_dossiers_search_text_trgm", "search_text", sqlite_where=sa.false())
    op.create_index("ix_tasks_unit_dossier", "tasks", ["unit_id", "dossier_id"])


def downgrade():
    op.drop_index("ix_tasks_unit_dossier", table_name="tasks")
    op.drop_index("ix_dossiers_search_text_trgm", table_name="dossiers")
    for column in ("code", "applicant_name"):
        _trigram_index(f"ix_dossiers_{column}_trgm", column)
    # Not batch mode: on SQLite it would copy the table, which the tasks' foreign keys refuse
    # once there are dossiers; both databases drop a plain column in place.
    op.execute("ALTER TABLE dossiers DROP COLUMN search_text")
