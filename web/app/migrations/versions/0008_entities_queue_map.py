"""Entities (a versioned ``entities.toml``), the ACD queue map and held-back queue names.

- ``entities_versions``: every version of ``entities.toml`` (the newest is current), like the
  rules and targets versions.
- ``queue_map``: an ACD export's own queue name (on one channel, or any when ``channel`` is
  ``NULL``) mapped onto an entity and a language; unique per ``(acd_queue, channel)``.
- ``histories.unmapped_json``: the queue names of an upload that were neither an entity's
  queue nor mapped, with their rows and volume (held back, listed on the pages).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the two tables and the column."""
    op.create_table(
        "entities_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entities_versions")),
    )
    op.create_table(
        "queue_map",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("acd_queue", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("language", sa.String(3), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_map")),
        sa.UniqueConstraint("acd_queue", "channel", name=op.f("uq_queue_map_acd_queue")),
    )
    with op.batch_alter_table("histories", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unmapped_json", sa.Text(), server_default="[]", nullable=False)
        )


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("histories", schema=None) as batch_op:
        batch_op.drop_column("unmapped_json")
    op.drop_table("queue_map")
    op.drop_table("entities_versions")
