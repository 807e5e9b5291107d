"""The history page's chart stored with each upload (``histories.chart_json``).

Computing the last four weeks of a half-million-row upload took longer than a page may take,
so the upload stores it; existing rows get ``{}`` and the chart is computed for them on demand.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``histories.chart_json``."""
    with op.batch_alter_table("histories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chart_json", sa.Text(), server_default="{}", nullable=False))


def downgrade() -> None:
    """Drop ``histories.chart_json``."""
    with op.batch_alter_table("histories", schema=None) as batch_op:
        batch_op.drop_column("chart_json")
