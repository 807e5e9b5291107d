"""Shift trades between agents (``shift_trades``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``shift_trades``."""
    op.create_table(
        "shift_trades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("roster_id", sa.Integer(), nullable=False),
        sa.Column("giver", sa.String(length=64), nullable=False),
        sa.Column("give_date", sa.Date(), nullable=False),
        sa.Column("taker", sa.String(length=64), nullable=True),
        sa.Column("take_date", sa.Date(), nullable=True),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("violations", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("new_roster_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["roster_id"], ["rosters.id"], name=op.f("fk_shift_trades_roster_id_rosters")
        ),
        sa.ForeignKeyConstraint(
            ["new_roster_id"], ["rosters.id"], name=op.f("fk_shift_trades_new_roster_id_rosters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_trades")),
    )
    op.create_index("ix_shift_trades_status", "shift_trades", ["status", "id"])


def downgrade() -> None:
    """Drop ``shift_trades``."""
    op.drop_index("ix_shift_trades_status", table_name="shift_trades")
    op.drop_table("shift_trades")
