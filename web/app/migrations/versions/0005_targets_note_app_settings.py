"""Managers: what each targets version changed and the managers' settings table.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``targets_versions.note`` and create ``app_settings``."""
    with op.batch_alter_table("targets_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text(), server_default="", nullable=False))
    op.create_table(
        "app_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_app_settings")),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("app_settings")
    with op.batch_alter_table("targets_versions", schema=None) as batch_op:
        batch_op.drop_column("note")
