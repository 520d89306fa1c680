"""the paper templates of a procedure and the reason a service is only partly online

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 21:00:00

"""

import sqlalchemy as sa
from alembic import op

from motcua.models.base import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "paper_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("paper_index", sa.Integer(), nullable=False),
        sa.Column("paper_name", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["procedures.id"],
            name=op.f("fk_paper_templates_procedure_id_procedures"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_paper_templates_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_templates")),
    )
    op.create_index(
        "ix_paper_templates_procedure_paper", "paper_templates", ["procedure_id", "paper_index"]
    )
    # Not batch_alter_table: on SQLite copying procedures would break the keys pointing at it.
    op.add_column(
        "procedures",
        sa.Column("partial_online_reason", sa.Text(), server_default="", nullable=False),
    )


def downgrade():
    op.execute("ALTER TABLE procedures DROP COLUMN partial_online_reason")
    op.drop_index("ix_paper_templates_procedure_paper", table_name="paper_templates")
    op.drop_table("paper_templates")
