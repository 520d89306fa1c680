"""results returned online and papers answered online

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 21:00:00

"""

import sqlalchemy as sa
from alembic import op

from motcua.models.base import UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    # add_column, never a batch copy of dossiers on SQLite (its foreign keys would not copy).
    # Dossiers returned before keep no method (NULL): it was only in their step's data.
    op.add_column(
        "dossiers",
        sa.Column(
            "return_method",
            sa.Enum("at_desk", "post", "online", name="returnmethod", native_enum=False, length=32),
            nullable=True,
        ),
    )
    op.add_column(
        "supplement_requests", sa.Column("answered_at", UTCDateTime(timezone=True), nullable=True)
    )


def downgrade():
    # Plain columns without constraints: SQLite drops them in place (3.35+), no table copy.
    op.drop_column("supplement_requests", "answered_at")
    op.drop_column("dossiers", "return_method")
