"""mail delivery that survives a killed worker: each mail's Message-ID, stored at its first claim,
and the moment a worker began sending it (set before the SMTP conversation, cleared with its
outcome)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 16:00:00

"""

import sqlalchemy as sa
from alembic import op

from motcua.models.base import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    # Nullable columns: both databases add them in place (no batch copy of the table).
    op.add_column("notifications", sa.Column("message_id", sa.String(length=255), nullable=True))
    op.add_column(
        "notifications", sa.Column("sending_at", UTCDateTime(timezone=True), nullable=True)
    )


def downgrade():
    # Not batch mode: on SQLite it would copy the table; both databases drop a plain column.
    op.execute("ALTER TABLE notifications DROP COLUMN sending_at")
    op.execute("ALTER TABLE notifications DROP COLUMN message_id")
