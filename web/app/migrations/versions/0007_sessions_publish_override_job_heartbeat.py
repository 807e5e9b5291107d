"""Revocable sessions, audited publish overrides and job heartbeats.

- ``users.session_token``: a random token that every session of the user carries; signing out,
  a password change or deactivation rotates it, which ends every session of that user.
- ``rosters.publish_override``: the reason given when a roster the checker faults is published
  anyway (empty otherwise); audited and shown on the approval.
- ``jobs.worker`` and ``jobs.heartbeat_at``: which runner holds a running job and when it last
  reported, so that a job whose worker process died can be told from one still working.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the three groups of columns."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_token", sa.String(64), server_default="", nullable=False)
        )
    with op.batch_alter_table("rosters", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("publish_override", sa.Text(), server_default="", nullable=False)
        )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("worker", sa.String(64), server_default="", nullable=False))
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("worker")
    with op.batch_alter_table("rosters", schema=None) as batch_op:
        batch_op.drop_column("publish_override")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_token")
