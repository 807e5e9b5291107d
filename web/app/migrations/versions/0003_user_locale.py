"""Each user's interface language (``users.locale``: ``en``, ``ar`` or empty = the browser's).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``users.locale``."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(8), server_default="", nullable=False))


def downgrade() -> None:
    """Drop ``users.locale``."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locale")
