"""Agents' self-service: calendar-feed tokens (hashed) and time-off requests.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``feed_tokens`` and ``time_off_requests``."""
    op.create_table(
        "feed_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_tokens")),
        sa.UniqueConstraint("agent_id", name=op.f("uq_feed_tokens_agent_id")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_feed_tokens_token_sha256")),
    )
    op.create_table(
        "time_off_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("conflicts", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_off_requests")),
    )
    op.create_index("ix_time_off_agent", "time_off_requests", ["agent_id", "first_day"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_time_off_agent", table_name="time_off_requests")
    op.drop_table("time_off_requests")
    op.drop_table("feed_tokens")
