"""Forecast levels (entity, channel, center), the reconciliation and the pooling used (#19).

- ``forecast_levels``: a reconciled forecast's series at every level (``level`` queue,
  entity, channel or center, ``key`` ``channel/queue``, the entity id, the channel or ``all``)
  with its 80 % and 95 % bands and the history of the week before and 52 weeks before
  (``last_week``, ``last_year``), for the pages' scope picker: one index lookup per chart.
- ``forecasts.reconciliation_json``: the reconciliation method chosen and each method's
  backtest figures (empty without an entities file).
- ``requirement_sets.pooling_json``: the pooling used per channel (``queue``, ``entity``,
  ``group`` or ``channel``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the table and the two columns."""
    op.create_table(
        "forecast_levels",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("forecast_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("interval_start", sa.DateTime(), nullable=False),
        sa.Column("volume", sa.Float(), nullable=False),
        sa.Column("volume_lo", sa.Float(), nullable=True),
        sa.Column("volume_hi", sa.Float(), nullable=True),
        sa.Column("volume_lo95", sa.Float(), nullable=True),
        sa.Column("volume_hi95", sa.Float(), nullable=True),
        sa.Column("last_week", sa.Float(), nullable=True),
        sa.Column("last_year", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["forecast_id"],
            ["forecasts.id"],
            name=op.f("fk_forecast_levels_forecast_id_forecasts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_levels")),
    )
    op.create_index(
        "ix_forecast_levels_lookup",
        "forecast_levels",
        ["forecast_id", "level", "key", "interval_start"],
    )
    with op.batch_alter_table("forecasts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reconciliation_json", sa.Text(), server_default="{}", nullable=False)
        )
    with op.batch_alter_table("requirement_sets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pooling_json", sa.Text(), server_default="{}", nullable=False)
        )


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("requirement_sets", schema=None) as batch_op:
        batch_op.drop_column("pooling_json")
    with op.batch_alter_table("forecasts", schema=None) as batch_op:
        batch_op.drop_column("reconciliation_json")
    op.drop_index("ix_forecast_levels_lookup", table_name="forecast_levels")
    op.drop_table("forecast_levels")
