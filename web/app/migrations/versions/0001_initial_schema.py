"""Initial schema.

Users, center settings, channels and queues, agents, rules and targets versions, histories with
their interval rows, forecasts (rows, overrides), requirement sets (rows), rosters (shifts,
activities, coverage rows), jobs and the audit log.

Generated with Alembic's autogenerate from ``web/app/models.py`` and reviewed by hand: the
constraint names follow the models' naming convention (the same on SQLite and PostgreSQL), the
interval tables' ids are 64-bit on PostgreSQL, and every index is one a page queries by.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create every table and index."""
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("skills", sa.String(length=255), nullable=False),
        sa.Column("min_hours_week", sa.Float(), nullable=False),
        sa.Column("max_hours_week", sa.Float(), nullable=False),
        sa.Column("max_days_week", sa.Integer(), nullable=False),
        sa.Column("earliest_start", sa.String(length=5), nullable=False),
        sa.Column("latest_end", sa.String(length=5), nullable=False),
        sa.Column("unavailable", sa.Text(), nullable=False),
        sa.Column("preferred_start", sa.String(length=5), nullable=False),
        sa.Column("preferred_days_off", sa.String(length=64), nullable=False),
        sa.Column("group", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("agent_id", name=op.f("uq_agents_agent_id")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=120), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_at", ["at"], unique=False)

    op.create_table(
        "center_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=False),
        sa.Column("interval_min", sa.Integer(), nullable=False),
        sa.Column("events_csv", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_settings")),
    )
    op.create_table(
        "channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channels")),
        sa.UniqueConstraint("name", name=op.f("uq_channels_name")),
    )
    op.create_table(
        "histories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("interval_min", sa.Integer(), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("first_utc", sa.DateTime(), nullable=False),
        sa.Column("last_utc", sa.DateTime(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("imputed", sa.Integer(), nullable=False),
        sa.Column("summary_json", sa.Text(), nullable=False),
        sa.Column("warnings_json", sa.Text(), nullable=False),
        sa.Column("opening_hours_json", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_histories")),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("objective", sa.Float(), nullable=True),
        sa.Column("bound", sa.Float(), nullable=True),
        sa.Column("params_json", sa.Text(), nullable=False),
        sa.Column("result", sa.String(length=64), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_status", ["status", "id"], unique=False)

    op.create_table(
        "rules_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rules_versions")),
    )
    op.create_table(
        "targets_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targets_versions")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("agent_id", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "forecasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("history_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("interval_min", sa.Integer(), nullable=False),
        sa.Column("models", sa.String(length=255), nullable=False),
        sa.Column("accuracy_json", sa.Text(), nullable=False),
        sa.Column("elapsed_s", sa.Float(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["history_id"], ["histories.id"], name=op.f("fk_forecasts_history_id_histories")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["forecasts.id"], name=op.f("fk_forecasts_parent_id_forecasts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecasts")),
    )
    op.create_table(
        "history_rows",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("history_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("interval_start", sa.DateTime(), nullable=False),
        sa.Column("offered", sa.Float(), nullable=False),
        sa.Column("handled", sa.Float(), nullable=True),
        sa.Column("abandoned", sa.Float(), nullable=True),
        sa.Column("aht_s", sa.Float(), nullable=True),
        sa.Column("imputed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["history_id"],
            ["histories.id"],
            name=op.f("fk_history_rows_history_id_histories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_history_rows")),
    )
    with op.batch_alter_table("history_rows", schema=None) as batch_op:
        batch_op.create_index(
            "ix_history_rows_lookup", ["history_id", "channel", "interval_start"], unique=False
        )

    op.create_table(
        "queues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_queues_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queues")),
        sa.UniqueConstraint("channel_id", "name", name=op.f("uq_queues_channel_id")),
    )
    op.create_table(
        "forecast_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forecast_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("start_utc", sa.DateTime(), nullable=False),
        sa.Column("end_utc", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("note", sa.String(length=255), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["forecast_id"],
            ["forecasts.id"],
            name=op.f("fk_forecast_overrides_forecast_id_forecasts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_overrides")),
    )
    op.create_table(
        "forecast_rows",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("forecast_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("interval_start", sa.DateTime(), nullable=False),
        sa.Column("volume", sa.Float(), nullable=False),
        sa.Column("volume_lo", sa.Float(), nullable=True),
        sa.Column("volume_hi", sa.Float(), nullable=True),
        sa.Column("volume_lo95", sa.Float(), nullable=True),
        sa.Column("volume_hi95", sa.Float(), nullable=True),
        sa.Column("aht_s", sa.Float(), nullable=True),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("override", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["forecast_id"],
            ["forecasts.id"],
            name=op.f("fk_forecast_rows_forecast_id_forecasts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_rows")),
    )
    with op.batch_alter_table("forecast_rows", schema=None) as batch_op:
        batch_op.create_index(
            "ix_forecast_rows_lookup", ["forecast_id", "channel", "interval_start"], unique=False
        )

    op.create_table(
        "requirement_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forecast_id", sa.Integer(), nullable=False),
        sa.Column("targets_id", sa.Integer(), nullable=False),
        sa.Column("interval_min", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["forecast_id"],
            ["forecasts.id"],
            name=op.f("fk_requirement_sets_forecast_id_forecasts"),
        ),
        sa.ForeignKeyConstraint(
            ["targets_id"],
            ["targets_versions.id"],
            name=op.f("fk_requirement_sets_targets_id_targets_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requirement_sets")),
    )
    op.create_table(
        "requirement_rows",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("requirement_set_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("interval_start", sa.DateTime(), nullable=False),
        sa.Column("volume", sa.Float(), nullable=False),
        sa.Column("aht_s", sa.Float(), nullable=True),
        sa.Column("agents", sa.Float(), nullable=False),
        sa.Column("staff", sa.Float(), nullable=False),
        sa.Column("service_level", sa.Float(), nullable=True),
        sa.Column("asa_s", sa.Float(), nullable=True),
        sa.Column("occupancy", sa.Float(), nullable=True),
        sa.Column("abandon_rate", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["requirement_set_id"],
            ["requirement_sets.id"],
            name=op.f("fk_requirement_rows_requirement_set_id_requirement_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requirement_rows")),
    )
    with op.batch_alter_table("requirement_rows", schema=None) as batch_op:
        batch_op.create_index(
            "ix_requirement_rows_lookup",
            ["requirement_set_id", "channel", "interval_start"],
            unique=False,
        )

    op.create_table(
        "rosters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requirement_set_id", sa.Integer(), nullable=False),
        sa.Column("rules_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("interval_min", sa.Integer(), nullable=False),
        sa.Column("summary_json", sa.Text(), nullable=False),
        sa.Column("violations_json", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=255), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("published_by", sa.String(length=80), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["rosters.id"], name=op.f("fk_rosters_parent_id_rosters")
        ),
        sa.ForeignKeyConstraint(
            ["requirement_set_id"],
            ["requirement_sets.id"],
            name=op.f("fk_rosters_requirement_set_id_requirement_sets"),
        ),
        sa.ForeignKeyConstraint(
            ["rules_id"], ["rules_versions.id"], name=op.f("fk_rosters_rules_id_rules_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rosters")),
    )
    op.create_table(
        "coverage_rows",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("roster_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("interval_start", sa.DateTime(), nullable=False),
        sa.Column("required", sa.Float(), nullable=False),
        sa.Column("available", sa.Float(), nullable=False),
        sa.Column("scheduled", sa.Float(), nullable=False),
        sa.Column("volume", sa.Float(), nullable=True),
        sa.Column("service_level", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["roster_id"],
            ["rosters.id"],
            name=op.f("fk_coverage_rows_roster_id_rosters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverage_rows")),
    )
    with op.batch_alter_table("coverage_rows", schema=None) as batch_op:
        batch_op.create_index(
            "ix_coverage_rows_lookup", ["roster_id", "channel", "interval_start"], unique=False
        )

    op.create_table(
        "shifts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("roster_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("shift_type", sa.String(length=64), nullable=False),
        sa.Column("start_utc", sa.DateTime(), nullable=False),
        sa.Column("end_utc", sa.DateTime(), nullable=False),
        sa.Column("paid_min", sa.Integer(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["roster_id"],
            ["rosters.id"],
            name=op.f("fk_shifts_roster_id_rosters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shifts")),
        sa.UniqueConstraint("roster_id", "agent_id", "date", name=op.f("uq_shifts_roster_id")),
    )
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.create_index("ix_shifts_agent", ["agent_id", "date"], unique=False)

    op.create_table(
        "shift_activities",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shift_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("activity", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("start_utc", sa.DateTime(), nullable=False),
        sa.Column("end_utc", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shift_id"],
            ["shifts.id"],
            name=op.f("fk_shift_activities_shift_id_shifts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_activities")),
    )
    with op.batch_alter_table("shift_activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shift_activities_shift_id"), ["shift_id"], unique=False
        )


def downgrade() -> None:
    """Drop everything (the reverse order)."""
    with op.batch_alter_table("shift_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shift_activities_shift_id"))

    op.drop_table("shift_activities")
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.drop_index("ix_shifts_agent")

    op.drop_table("shifts")
    with op.batch_alter_table("coverage_rows", schema=None) as batch_op:
        batch_op.drop_index("ix_coverage_rows_lookup")

    op.drop_table("coverage_rows")
    op.drop_table("rosters")
    with op.batch_alter_table("requirement_rows", schema=None) as batch_op:
        batch_op.drop_index("ix_requirement_rows_lookup")

    op.drop_table("requirement_rows")
    op.drop_table("requirement_sets")
    with op.batch_alter_table("forecast_rows", schema=None) as batch_op:
        batch_op.drop_index("ix_forecast_rows_lookup")

    op.drop_table("forecast_rows")
    op.drop_table("forecast_overrides")
    op.drop_table("queues")
    with op.batch_alter_table("history_rows", schema=None) as batch_op:
        batch_op.drop_index("ix_history_rows_lookup")

    op.drop_table("history_rows")
    op.drop_table("forecasts")
    op.drop_table("users")
    op.drop_table("targets_versions")
    op.drop_table("rules_versions")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_status")

    op.drop_table("jobs")
    op.drop_table("histories")
    op.drop_table("channels")
    op.drop_table("center_settings")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_at")

    op.drop_table("audit_log")
    op.drop_table("agents")
