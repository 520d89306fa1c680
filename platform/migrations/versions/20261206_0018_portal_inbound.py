"""dossiers that came from the national portal

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 21:00:00

"""

import sqlalchemy as sa
from alembic import op

from motcua.models.base import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "portal_inbound",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_code", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "received",
                "imported",
                "failed",
                name="portalinboundstate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("tried_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("dossier_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_portal_inbound_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_inbound")),
        sa.UniqueConstraint("portal_code", name=op.f("uq_portal_inbound_portal_code")),
    )
    op.create_index(op.f("ix_portal_inbound_state"), "portal_inbound", ["state"], unique=False)
    # add_column, not batch_alter_table: SQLite cannot copy the dossiers table (its FKs).
    op.add_column("dossiers", sa.Column("portal_code", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_dossiers_portal_code"), "dossiers", ["portal_code"], unique=True)


def downgrade():
    op.drop_index(op.f("ix_dossiers_portal_code"), table_name="dossiers")
    op.drop_column("dossiers", "portal_code")
    op.drop_index(op.f("ix_portal_inbound_state"), table_name="portal_inbound")
    op.drop_table("portal_inbound")
