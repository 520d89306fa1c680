"""supplement steps: a step that waits for the applicant's missing papers; requests made at
the desk before receipt

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 22:39:07

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "waits_for_applicant", sa.Boolean(), server_default=sa.text("false"), nullable=False
            )
        )
    with op.batch_alter_table("supplement_requests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("at_receipt", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("supplement_requests", schema=None) as batch_op:
        batch_op.drop_column("at_receipt")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("waits_for_applicant")
