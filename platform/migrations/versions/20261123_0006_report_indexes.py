"""report indexes: dossiers by receipt and by finishing time, steps by completion time

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 21:03:36

"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_dossiers_received_at", "dossiers", ["received_at"])
    op.create_index(
        "ix_dossiers_finished_at",
        "dossiers",
        ["finished_at", "received_at"],
        postgresql_include=["status", "appointment_at", "unit_id", "procedure_id", "id"],
    )
    op.create_index("ix_tasks_completed_at", "tasks", ["completed_at"])


def downgrade():
    op.drop_index("ix_tasks_completed_at", table_name="tasks")
    op.drop_index("ix_dossiers_finished_at", table_name="dossiers")
    op.drop_index("ix_dossiers_received_at", table_name="dossiers")
