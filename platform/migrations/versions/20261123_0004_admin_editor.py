"""admin editor: drafts of diagrams, the template version a variant comes from, the audit log

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 20:00:00

"""

import sqlalchemy as sa
from alembic import op

import motcua.models.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", motcua.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=False),
        sa.Column("target_key", sa.String(length=255), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_audit_log_actor_id_users")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_audit_log_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(
            "ix_audit_log_target", ["target_type", "target_key", "at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_log_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "process_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("unit_key", sa.Integer(), nullable=False),
        sa.Column("bpmn_xml", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("template_version_id", sa.Integer(), nullable=True),
        sa.Column("new_steps", sa.JSON(), nullable=False),
        sa.Column("updated_at", motcua.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["procedures.id"],
            name=op.f("fk_process_drafts_procedure_id_procedures"),
        ),
        sa.ForeignKeyConstraint(
            ["template_version_id"],
            ["process_versions.id"],
            name=op.f("fk_process_drafts_template_version_id_process_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_process_drafts_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_process_drafts_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_drafts")),
        sa.UniqueConstraint(
            "procedure_id", "unit_key", name=op.f("uq_process_drafts_procedure_id")
        ),
    )
    with op.batch_alter_table("process_drafts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_process_drafts_procedure_id"), ["procedure_id"], unique=False
        )

    with op.batch_alter_table("process_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template_version_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_process_versions_template_version_id_process_versions"),
            "process_versions",
            ["template_version_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("process_versions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_process_versions_template_version_id_process_versions"),
            type_="foreignkey",
        )
        batch_op.drop_column("template_version_id")

    with op.batch_alter_table("process_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_process_drafts_procedure_id"))

    op.drop_table("process_drafts")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_unit_id"))
        batch_op.drop_index("ix_audit_log_target")
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
