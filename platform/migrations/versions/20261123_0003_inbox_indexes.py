"""inbox indexes: an officer's finished steps; trigram search on dossier code and applicant

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 19:15:00

"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_tasks_assignee_status_completed", "tasks", ["assignee_id", "status", "completed_at"]
    )
    for column in ("code", "applicant_name"):
        op.create_index(
            f"ix_dossiers_{column}_trgm",
            "dossiers",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade():
    op.drop_index("ix_dossiers_applicant_name_trgm", table_name="dossiers")
    op.drop_index("ix_dossiers_code_trgm", table_name="dossiers")
    op.drop_index("ix_tasks_assignee_status_completed", table_name="tasks")
