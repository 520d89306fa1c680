"""papers and clock: the end of processing apart from the return, a dossier's provisional
code, the reason of a repeated supplement request

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 09:00:00

"""

import sqlalchemy as sa
from alembic import op

import motcua.models.base

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The moment the result was first ready: the opening of the dossier's first step that hands a
# result over (its status became result_ready then).
RESULT_READY_AT = (
    "(SELECT MIN(t.created_at) FROM tasks t"
    " WHERE t.dossier_id = dossiers.id AND t.returns_result = :yes)"
)


def upgrade():
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provisional_code", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("returned_at", motcua.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_dossiers_provisional_code"), ["provisional_code"]
        )
    with op.batch_alter_table("supplement_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("repeat_reason", sa.Text(), nullable=True))

    # Until now finished_at was the return for a returned dossier: that is returned_at, and
    # processing finished when the result was ready, where the steps show it.
    connection = op.get_bind()
    connection.execute(
        sa.text("UPDATE dossiers SET returned_at = finished_at WHERE status = 'returned'")
    )
    connection.execute(
        sa.text(
            f"UPDATE dossiers SET finished_at = {RESULT_READY_AT}"
            " WHERE status IN ('returned', 'result_ready', 'refused')"
            f" AND {RESULT_READY_AT} IS NOT NULL"
            f" AND (finished_at IS NULL OR {RESULT_READY_AT} < finished_at)"
        ),
        {"yes": True},
    )
    # The reports judge a finished dossier against its first appointment: the index they read
    # a year of finished dossiers from carries it too.
    _finished_index(FINISHED_INCLUDE + ["first_appointment_at"])


FINISHED_INCLUDE = [
    "status",
    "appointment_at",
    "unit_id",
    "receiving_unit_id",
    "procedure_id",
    "id",
]


def _finished_index(include):
    op.drop_index("ix_dossiers_finished_at", table_name="dossiers")
    op.create_index(
        "ix_dossiers_finished_at",
        "dossiers",
        ["finished_at", "received_at"],
        postgresql_include=include,
    )


def downgrade():
    _finished_index(FINISHED_INCLUDE)
    connection = op.get_bind()
    connection.execute(
        sa.text("UPDATE dossiers SET finished_at = returned_at WHERE returned_at IS NOT NULL")
    )
    connection.execute(
        sa.text("UPDATE dossiers SET finished_at = NULL WHERE status = 'result_ready'")
    )
    with op.batch_alter_table("supplement_requests", schema=None) as batch_op:
        batch_op.drop_column("repeat_reason")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_dossiers_provisional_code"), type_="unique")
        batch_op.drop_column("returned_at")
        batch_op.drop_column("provisional_code")
