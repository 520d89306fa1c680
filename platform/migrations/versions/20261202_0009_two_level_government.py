"""two-level local government: units' identifiers and retirement, the procedures a unit
offers, the dossier's receiving unit and hand-over

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 09:50:00

"""

import sqlalchemy as sa
from alembic import op

import motcua.models.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("identifier", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("retired_at", motcua.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("successor_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_units_identifier"), ["identifier"])
        batch_op.create_index(batch_op.f("ix_units_successor_id"), ["successor_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_units_successor_id_units"), "units", ["successor_id"], ["id"]
        )

    with op.batch_alter_table("procedures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("level_note", sa.Text(), nullable=False, server_default=""))

    op.create_table(
        "procedure_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("since", motcua.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["by_id"], ["users.id"], name=op.f("fk_procedure_offers_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["procedures.id"],
            name=op.f("fk_procedure_offers_procedure_id_procedures"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_procedure_offers_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_offers")),
        sa.UniqueConstraint("unit_id", "procedure_id", name=op.f("uq_procedure_offers_unit_id")),
    )
    with op.batch_alter_table("procedure_offers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_procedure_offers_procedure_id"), ["procedure_id"], unique=False
        )
    # A unit already working a procedure (its variant published, or dossiers received) offers it.
    op.execute(
        "INSERT INTO procedure_offers (unit_id, procedure_id, since) "
        "SELECT unit_id, procedure_id, CURRENT_TIMESTAMP FROM ("
        "SELECT unit_id, procedure_id FROM process_versions "
        "WHERE unit_id IS NOT NULL AND status = 'published' "
        "UNION SELECT unit_id, procedure_id FROM dossiers) AS worked"
    )

    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receiving_unit_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "handed_over_at", motcua.models.base.UTCDateTime(timezone=True), nullable=True
            )
        )
    op.execute("UPDATE dossiers SET receiving_unit_id = unit_id")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.alter_column("receiving_unit_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(
            batch_op.f("ix_dossiers_receiving_unit_id"), ["receiving_unit_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_dossiers_receiving_unit_id_units"), "units", ["receiving_unit_id"], ["id"]
        )
    # The reports read a year of finished dossiers from this index alone: it now carries the
    # receiving unit too.
    op.drop_index("ix_dossiers_finished_at", table_name="dossiers")
    _finished_index(["status", "appointment_at", "unit_id", "receiving_unit_id", "procedure_id", "id"])


def _finished_index(include):
    op.create_index(
        "ix_dossiers_finished_at",
        "dossiers",
        ["finished_at", "received_at"],
        postgresql_include=include,
    )


def downgrade():
    op.drop_index("ix_dossiers_finished_at", table_name="dossiers")
    _finished_index(["status", "appointment_at", "unit_id", "procedure_id", "id"])
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_dossiers_receiving_unit_id_units"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_dossiers_receiving_unit_id"))
        batch_op.drop_column("handed_over_at")
        batch_op.drop_column("receiving_unit_id")
    with op.batch_alter_table("procedure_offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedure_offers_procedure_id"))
    op.drop_table("procedure_offers")
    with op.batch_alter_table("procedures", schema=None) as batch_op:
        batch_op.drop_column("level_note")
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_units_successor_id_units"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_units_successor_id"))
        batch_op.drop_constraint(batch_op.f("uq_units_identifier"), type_="unique")
        batch_op.drop_column("successor_id")
        batch_op.drop_column("retired_at")
        batch_op.drop_column("identifier")
