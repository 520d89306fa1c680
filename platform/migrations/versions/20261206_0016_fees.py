"""a procedure's fee lines and a dossier's fees

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 21:00:00

"""

import sqlalchemy as sa
from alembic import op

from motcua.models.base import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "fee_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("fee", "charge", name="feekind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("amount", sa.Numeric(precision=14, scale=0), nullable=True),
        sa.ForeignKeyConstraint(
            ["procedure_id"], ["procedures.id"], name=op.f("fk_fee_lines_procedure_id_procedures")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_lines")),
        sa.UniqueConstraint("procedure_id", "position", name=op.f("uq_fee_lines_procedure_id")),
    )
    op.create_table(
        "dossier_fees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("fee_line_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("fee", "charge", name="feekind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("amount", sa.Numeric(precision=14, scale=0), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "due",
                "notified",
                "confirmed",
                "waived",
                name="feestate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "method",
            sa.Enum(
                "at_desk",
                "bank_transfer",
                "online",
                name="paymentmethod",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("receipt_id", sa.Integer(), nullable=True),
        sa.Column("notified_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("settled_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("settled_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_dossier_fees_dossier_id_dossiers")
        ),
        sa.ForeignKeyConstraint(
            ["fee_line_id"], ["fee_lines.id"], name=op.f("fk_dossier_fees_fee_line_id_fee_lines")
        ),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["attachments.id"], name=op.f("fk_dossier_fees_receipt_id_attachments")
        ),
        sa.ForeignKeyConstraint(
            ["settled_by_id"], ["users.id"], name=op.f("fk_dossier_fees_settled_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_fees")),
    )
    op.create_index(
        op.f("ix_dossier_fees_dossier_id"), "dossier_fees", ["dossier_id"], unique=False
    )
    op.add_column("units", sa.Column("fee_account", sa.Text(), nullable=True))


def downgrade():
    # Not a batch: SQLite (3.35+) drops the column in place; copying units would break its keys.
    op.drop_column("units", "fee_account")
    op.drop_index(op.f("ix_dossier_fees_dossier_id"), table_name="dossier_fees")
    op.drop_table("dossier_fees")
    op.drop_table("fee_lines")
