"""the verdict on each received PDF's signatures

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 21:00:00

"""

import sqlalchemy as sa
from alembic import op

from motcua.models.base import UTCDateTime

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "signature_verdicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column(
            "verdict",
            sa.Enum(
                "pending",
                "unsigned",
                "valid",
                "invalid",
                "untrusted",
                "expired",
                "revoked",
                "error",
                name="signatureverdict",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("signer", sa.String(length=255), nullable=True),
        sa.Column("signed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("checked_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachments.id"],
            name=op.f("fk_signature_verdicts_attachment_id_attachments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signature_verdicts")),
        sa.UniqueConstraint("attachment_id", name=op.f("uq_signature_verdicts_attachment_id")),
    )
    op.create_index(
        "ix_signature_verdicts_verdict_claimed",
        "signature_verdicts",
        ["verdict", "claimed_until"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_signature_verdicts_verdict_claimed", table_name="signature_verdicts")
    op.drop_table("signature_verdicts")
