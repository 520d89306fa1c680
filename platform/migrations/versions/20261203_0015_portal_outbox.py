"""the national portal's outbox: one row per message the portal must get, in order per dossier

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 17:00:00

"""

import sqlalchemy as sa
from alembic import op

from motcua.models.base import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "portal_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "dossier",
                "progress",
                "status",
                name="portalmessagekind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("is_updating", sa.Boolean(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sent",
                "failed",
                name="portalmessagestatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_portal_messages_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_messages")),
        sa.UniqueConstraint("dossier_id", "seq", name="uq_portal_messages_dossier_seq"),
    )
    op.create_index(
        "ix_portal_messages_status_next", "portal_messages", ["status", "next_attempt_at"]
    )


def downgrade():
    op.drop_index("ix_portal_messages_status_next", table_name="portal_messages")
    op.drop_table("portal_messages")
