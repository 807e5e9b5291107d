"""The database: SQLAlchemy 2 typed models of everything the web app keeps.

Every timestamp column holds **UTC, without a zone** (``DateTime`` is naive on SQLite); the
services convert to and from the center's zone (:class:`CenterSettings`). Interval tables
(history, forecast, requirements, coverage) are rows, one per series and interval, with an
index for the queries the pages make; shifts and their activities are rows too. Small
documents (rules and targets TOML, accuracy reports, summaries) are stored as text.

Versions are immutable once published (rosters) or once written (forecasts, requirements,
rules and targets versions): a change makes a new row that names its parent.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import secrets
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from web.app.extensions import Base

ROLES: tuple[str, ...] = ("admin", "planner", "manager", "agent")
JOB_STATUSES: tuple[str, ...] = ("queued", "running", "succeeded", "failed", "cancelled")
#: A roster a planner sent to a manager: fits ``rosters.status`` (``String(16)``), which the old
#: ``awaiting_approval`` (17) did not on PostgreSQL; SQLite files may still hold the old value.
AWAITING_APPROVAL = "pending_approval"
AWAITING_STATUSES: tuple[str, ...] = (AWAITING_APPROVAL, "awaiting_approval")


def utcnow() -> dt.datetime:
    """Now, UTC, without a zone (how every timestamp column stores time)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class User(Base):
    """A person who signs in; ``role`` is one of :data:`ROLES`; agent users name their agent.

    It has what Flask-Login asks of a user (``is_authenticated``, ``is_active``,
    ``is_anonymous``, ``get_id``). The id kept in a session is ``"<id>:<session_token>"``;
    :meth:`end_sessions` draws a new token, so every session (and remember-me cookie) issued
    before no longer loads a user (:func:`user_for_session_id`). Signing out, a new password
    and deactivation draw one.
    """

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # the interface language the user chose (``en``, ``ar``); empty = the browser's
    locale: Mapped[str] = mapped_column(String(8), default="", server_default="")
    # every session carries this token; rotating it ends every session of the user
    session_token: Mapped[str] = mapped_column(String(64), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    def set_password(self, password: str) -> None:
        """Store a Werkzeug scrypt hash of ``password`` (which ends every session)."""
        self.password_hash = generate_password_hash(password, method="scrypt")

    def end_sessions(self) -> None:
        """End every session of the user: a new session token (saved with the unit of work)."""
        self.session_token = secrets.token_hex(32)

    @validates("password_hash", "active")
    def _end_sessions_on_change(self, key: str, value: Any) -> Any:
        """A new password or a deactivation ends every session, whoever makes the change."""
        if getattr(self, key) != value and (key == "password_hash" or not value):
            self.end_sessions()
        return value

    def check_password(self, password: str) -> bool:
        """Whether ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        """Deactivated users cannot sign in (Flask-Login reads this)."""
        return bool(self.active)

    @property
    def is_authenticated(self) -> bool:
        """A stored user is a signed-in one (anonymous visitors are Flask-Login's own)."""
        return True

    @property
    def is_anonymous(self) -> bool:
        """Never anonymous."""
        return False

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session: ``"<id>:<session_token>"``."""
        return f"{self.id}:{self.session_token}"


def user_for_session_id(session_id: str, lookup: Any) -> User | None:
    """The user a session's id names, if that session is still theirs.

    Parameters
    ----------
    session_id
        ``"<id>:<session_token>"`` from :meth:`User.get_id` (an id alone, as sessions made
        before tokens kept, is refused).
    lookup
        ``lookup(User, id)`` returns the user or ``None`` (``db.session.get``).

    Returns
    -------
    User or None
        The user when the token is current and the user active; else ``None`` (signed out).
    """
    user_id, sep, token = session_id.partition(":")
    if not sep or not token or not user_id.isdigit():
        return None
    user: User | None = lookup(User, int(user_id))
    if user is None or not user.active or not user.session_token:
        return None
    if not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


class CenterSettings(Base):
    """The center's settings: one row (``id = 1``)."""

    __tablename__ = "center_settings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="Contact center")
    tz: Mapped[str] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(8))
    interval_min: Mapped[int] = mapped_column(Integer, default=30)
    # planner events (``events.csv``: name,start,end[,effect]) for the calendar model
    events_csv: Mapped[str] = mapped_column(Text, default="")


class Channel(Base):
    """A contact channel (voice, chat, email, ...) and its queues."""

    __tablename__ = "channels"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(255), default="")
    queues: Mapped[list[Queue]] = relationship(
        back_populates="channel", cascade="all, delete-orphan", order_by="Queue.name"
    )


class Queue(Base):
    """A queue of a channel (e.g. voice/residency)."""

    __tablename__ = "queues"
    __table_args__ = (UniqueConstraint("channel_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    channel: Mapped[Channel] = relationship(back_populates="queues")


class Agent(Base):
    """An agent.

    The columns of ``agents.csv`` (times ``HH:MM``, dates and days ``;``-separated), and whether
    they are active (inactive agents are not rostered).
    """

    __tablename__ = "agents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    skills: Mapped[str] = mapped_column(String(255))
    min_hours_week: Mapped[float] = mapped_column(Float)
    max_hours_week: Mapped[float] = mapped_column(Float)
    max_days_week: Mapped[int] = mapped_column(Integer)
    earliest_start: Mapped[str] = mapped_column(String(5), default="")
    latest_end: Mapped[str] = mapped_column(String(5), default="")
    unavailable: Mapped[str] = mapped_column(Text, default="")
    preferred_start: Mapped[str] = mapped_column(String(5), default="")
    preferred_days_off: Mapped[str] = mapped_column(String(64), default="")
    group: Mapped[str] = mapped_column(String(64), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class TextVersion:
    """Columns of a versioned TOML document (rules, targets)."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(String(255), default="")
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class RulesVersion(TextVersion, Base):
    """One version of ``rules.toml`` (the newest is current)."""

    __tablename__ = "rules_versions"


class TargetsVersion(TextVersion, Base):
    """One version of ``targets.toml`` (the newest is current); ``note`` says what changed."""

    __tablename__ = "targets_versions"
    note: Mapped[str] = mapped_column(Text, default="", server_default="")


class EntitiesVersion(TextVersion, Base):
    """One version of ``entities.toml`` (the newest is current); ``note`` says what changed.

    Every save (an import, an added, edited or deactivated entity) makes a new version.
    """

    __tablename__ = "entities_versions"
    note: Mapped[str] = mapped_column(Text, default="", server_default="")


class QueueMapEntry(Base):
    """How an ACD export's own queue name maps onto an entity's queue.

    ``channel`` empty (``NULL``) maps the name on any channel; a row for the name's own channel
    wins over it. One row per ``(acd_queue, channel)`` (the services refuse a second ``NULL``
    row, which a unique index would let through).
    """

    __tablename__ = "queue_map"
    __table_args__ = (UniqueConstraint("acd_queue", "channel"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    acd_queue: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(64), nullable=True)
    entity: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(3))
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class HistoryUpload(Base):
    """One validated history upload; its interval rows are :class:`HistoryRow`."""

    __tablename__ = "histories"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16), default="interval")  # interval | acd
    interval_min: Mapped[int] = mapped_column(Integer)
    tz: Mapped[str] = mapped_column(String(64))
    first_utc: Mapped[dt.datetime] = mapped_column(DateTime)
    last_utc: Mapped[dt.datetime] = mapped_column(DateTime)
    rows: Mapped[int] = mapped_column(Integer)
    imputed: Mapped[int] = mapped_column(Integer, default=0)
    summary_json: Mapped[str] = mapped_column(Text, default="[]")
    warnings_json: Mapped[str] = mapped_column(Text, default="[]")
    opening_hours_json: Mapped[str] = mapped_column(Text, default="{}")
    # the history page's chart (the last four weeks per channel), stored with the upload
    chart_json: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    # queue names of the file that neither are an entity's queue nor are mapped (held back):
    # ``[{"channel", "acd_queue", "rows", "offered"}]``
    unmapped_json: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def summary(self) -> list[dict[str, Any]]:
        """Per-series totals as stored (see :meth:`forecasting.history.History.summary`)."""
        return list(json.loads(self.summary_json))

    @property
    def warnings(self) -> list[str]:
        """The reader's warnings."""
        return list(json.loads(self.warnings_json))

    @property
    def unmapped(self) -> list[dict[str, Any]]:
        """Queue names held back: channel, acd_queue, rows, offered."""
        return list(json.loads(self.unmapped_json or "[]"))


class HistoryRow(Base):
    """One series interval of a history upload (the history frame's contract)."""

    __tablename__ = "history_rows"
    __table_args__ = (Index("ix_history_rows_lookup", "history_id", "channel", "interval_start"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    history_id: Mapped[int] = mapped_column(ForeignKey("histories.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(64))
    interval_start: Mapped[dt.datetime] = mapped_column(DateTime)
    offered: Mapped[float] = mapped_column(Float)
    handled: Mapped[float | None] = mapped_column(Float, nullable=True)
    abandoned: Mapped[float | None] = mapped_column(Float, nullable=True)
    aht_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    imputed: Mapped[bool] = mapped_column(Boolean, default=False)


class ForecastVersion(Base):
    """A forecast: its rows (:class:`ForecastRow`), accuracy report and overrides.

    Adding an override makes a new version (``parent_id``) with the overrides applied.
    """

    __tablename__ = "forecasts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    history_id: Mapped[int] = mapped_column(ForeignKey("histories.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("forecasts.id"), nullable=True)
    first_day: Mapped[dt.date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    interval_min: Mapped[int] = mapped_column(Integer)
    models: Mapped[str] = mapped_column(String(255), default="auto")
    accuracy_json: Mapped[str] = mapped_column(Text, default="[]")
    # the reconciliation over the entities' hierarchy: {"method": ..., "note": ...,
    # "methods": [each method's backtest figures]}; "{}" without an entities file
    reconciliation_json: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    elapsed_s: Mapped[float] = mapped_column(Float, default=0.0)
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    overrides: Mapped[list[ForecastOverride]] = relationship(
        back_populates="forecast", order_by="ForecastOverride.id"
    )

    @property
    def accuracy(self) -> list[dict[str, Any]]:
        """The backtest's accuracy rows (columns of ``FORECAST.accuracy.csv``)."""
        return list(json.loads(self.accuracy_json))

    @property
    def reconciliation(self) -> dict[str, Any]:
        """The reconciliation chosen and each method's figures (empty when not reconciled)."""
        return dict(json.loads(self.reconciliation_json or "{}"))


class ForecastRow(Base):
    """One series interval of a forecast (the forecast frame's contract)."""

    __tablename__ = "forecast_rows"
    __table_args__ = (Index("ix_forecast_rows_lookup", "forecast_id", "channel", "interval_start"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    forecast_id: Mapped[int] = mapped_column(ForeignKey("forecasts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(64))
    interval_start: Mapped[dt.datetime] = mapped_column(DateTime)
    volume: Mapped[float] = mapped_column(Float)
    volume_lo: Mapped[float | None] = mapped_column(Float, nullable=True)
    volume_hi: Mapped[float | None] = mapped_column(Float, nullable=True)
    volume_lo95: Mapped[float | None] = mapped_column(Float, nullable=True)
    volume_hi95: Mapped[float | None] = mapped_column(Float, nullable=True)
    aht_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    model: Mapped[str] = mapped_column(String(64), default="")
    override: Mapped[str] = mapped_column(String(255), default="")


class ForecastLevel(Base):
    """One interval of a reconciled forecast's level: a queue, an entity, a channel, the center.

    ``key`` is ``channel/queue``, the entity id, the channel or ``all`` (the center). With the
    history of the same series a week and 52 weeks before, so a chart is one index lookup.
    """

    __tablename__ = "forecast_levels"
    __table_args__ = (
        Index("ix_forecast_levels_lookup", "forecast_id", "level", "key", "interval_start"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    forecast_id: Mapped[int] = mapped_column(ForeignKey("forecasts.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))
    interval_start: Mapped[dt.datetime] = mapped_column(DateTime)
    volume: Mapped[float] = mapped_column(Float)
    volume_lo: Mapped[float | None] = mapped_column(Float, nullable=True)
    volume_hi: Mapped[float | None] = mapped_column(Float, nullable=True)
    volume_lo95: Mapped[float | None] = mapped_column(Float, nullable=True)
    volume_hi95: Mapped[float | None] = mapped_column(Float, nullable=True)
    # the history summed over the same series a week and 52 weeks before (chart comparisons)
    last_week: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_year: Mapped[float | None] = mapped_column(Float, nullable=True)


class ForecastOverride(Base):
    """A planner override of a forecast version (times UTC; ``queue`` empty = every queue)."""

    __tablename__ = "forecast_overrides"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    forecast_id: Mapped[int] = mapped_column(ForeignKey("forecasts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(64), default="")
    start_utc: Mapped[dt.datetime] = mapped_column(DateTime)
    end_utc: Mapped[dt.datetime] = mapped_column(DateTime)
    action: Mapped[str] = mapped_column(String(16))
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(String(255), default="")
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    forecast: Mapped[ForecastVersion] = relationship(back_populates="overrides")


class RequirementSet(Base):
    """Requirements computed from a forecast under a targets version."""

    __tablename__ = "requirement_sets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    forecast_id: Mapped[int] = mapped_column(ForeignKey("forecasts.id"))
    targets_id: Mapped[int] = mapped_column(ForeignKey("targets_versions.id"))
    interval_min: Mapped[int] = mapped_column(Integer)
    # the pooling used per channel: {channel: "queue" | "entity" | "group" | "channel"}
    pooling_json: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def pooling(self) -> dict[str, str]:
        """The pooling used per channel (empty for sets made before it was recorded)."""
        return {str(k): str(v) for k, v in json.loads(self.pooling_json or "{}").items()}


class RequirementRow(Base):
    """One channel interval of a requirement set (the requirements frame's contract)."""

    __tablename__ = "requirement_rows"
    __table_args__ = (
        Index("ix_requirement_rows_lookup", "requirement_set_id", "channel", "interval_start"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    requirement_set_id: Mapped[int] = mapped_column(
        ForeignKey("requirement_sets.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(64))
    interval_start: Mapped[dt.datetime] = mapped_column(DateTime)
    volume: Mapped[float] = mapped_column(Float)
    aht_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    agents: Mapped[float] = mapped_column(Float)
    staff: Mapped[float] = mapped_column(Float)
    service_level: Mapped[float | None] = mapped_column(Float, nullable=True)
    asa_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    occupancy: Mapped[float | None] = mapped_column(Float, nullable=True)
    abandon_rate: Mapped[float | None] = mapped_column(Float, nullable=True)


class RosterVersion(Base):
    """A roster.

    ``draft`` (editable) or ``published`` (immutable; a change copies it into a new draft naming it
    as ``parent_id``). Its summary and checker verdict are stored as JSON when it is written, so
    pages never recompute them.
    """

    __tablename__ = "rosters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requirement_set_id: Mapped[int] = mapped_column(ForeignKey("requirement_sets.id"))
    rules_id: Mapped[int] = mapped_column(ForeignKey("rules_versions.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("rosters.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    first_day: Mapped[dt.date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    interval_min: Mapped[int] = mapped_column(Integer)
    summary_json: Mapped[str] = mapped_column(Text, default="{}")
    violations_json: Mapped[str] = mapped_column(Text, default="[]")
    note: Mapped[str] = mapped_column(String(255), default="")
    # the reason given when a roster the checker faults was published anyway (audited)
    publish_override: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    published_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    @property
    def summary(self) -> dict[str, Any]:
        """The stored ``RosterSummary.to_dict()`` (plus the web's own keys)."""
        return dict(json.loads(self.summary_json))

    @property
    def violations(self) -> list[dict[str, Any]]:
        """The independent checker's verdict: ``agent_id, date, rule, message`` per violation."""
        return list(json.loads(self.violations_json))


class Shift(Base):
    """An agent's shift on one day of a roster; ``locked`` shifts survive a re-optimisation."""

    __tablename__ = "shifts"
    __table_args__ = (
        UniqueConstraint("roster_id", "agent_id", "date"),
        Index("ix_shifts_agent", "agent_id", "date"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("rosters.id", ondelete="CASCADE"))
    agent_id: Mapped[str] = mapped_column(String(64))
    date: Mapped[dt.date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(64))
    shift_type: Mapped[str] = mapped_column(String(64))
    start_utc: Mapped[dt.datetime] = mapped_column(DateTime)
    end_utc: Mapped[dt.datetime] = mapped_column(DateTime)
    paid_min: Mapped[int] = mapped_column(Integer)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    activities: Mapped[list[ShiftActivity]] = relationship(
        back_populates="shift", cascade="all, delete-orphan", order_by="ShiftActivity.start_utc"
    )


class ShiftActivity(Base):
    """One roster row of a shift: ``work`` (with its channel), ``lunch`` or ``break``."""

    __tablename__ = "shift_activities"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"), index=True)
    activity: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(64), default="")
    start_utc: Mapped[dt.datetime] = mapped_column(DateTime)
    end_utc: Mapped[dt.datetime] = mapped_column(DateTime)
    shift: Mapped[Shift] = relationship(back_populates="activities")


class CoverageRow(Base):
    """One channel interval of a roster's coverage, on the phones (see the README)."""

    __tablename__ = "coverage_rows"
    __table_args__ = (Index("ix_coverage_rows_lookup", "roster_id", "channel", "interval_start"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("rosters.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(64))
    interval_start: Mapped[dt.datetime] = mapped_column(DateTime)
    required: Mapped[float] = mapped_column(Float)
    available: Mapped[float] = mapped_column(Float)
    scheduled: Mapped[float] = mapped_column(Float)
    volume: Mapped[float | None] = mapped_column(Float, nullable=True)
    service_level: Mapped[float | None] = mapped_column(Float, nullable=True)


class Job(Base):
    """A background job (forecast, requirements, roster, re-optimise) and its progress.

    ``progress`` is 0..1; for a roster ``objective`` and ``bound`` follow the solver;
    ``result`` names what it wrote (``forecast:7``, ``roster:3``); ``cancel_requested`` asks
    the runner to stop it.
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status", "status", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    objective: Mapped[float | None] = mapped_column(Float, nullable=True)
    bound: Mapped[float | None] = mapped_column(Float, nullable=True)
    params_json: Mapped[str] = mapped_column(Text, default="{}")
    result: Mapped[str | None] = mapped_column(String(64), nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    # the runner holding a running job (host:pid) and its last sign of life
    worker: Mapped[str] = mapped_column(String(64), default="", server_default="")
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    @property
    def params(self) -> dict[str, Any]:
        """The job's parameters."""
        return dict(json.loads(self.params_json))

    @property
    def done(self) -> bool:
        """Whether the job has ended (succeeded, failed or cancelled)."""
        return self.status in ("succeeded", "failed", "cancelled")


class AuditEntry(Base):
    """Who did what, and when: uploads, generations, edits, publications, sign-ins."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    username: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(120), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


class FeedToken(Base):
    """An agent's calendar-feed secret, stored as its SHA-256 hash (never the token itself).

    The token is 32 random bytes (``secrets.token_urlsafe``); the feed looks a request's token
    up by its hash, so a leaked table gives no working URL. Resetting replaces the row.
    """

    __tablename__ = "feed_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(64), unique=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


TIME_OFF_STATUSES: tuple[str, ...] = ("pending", "approved", "declined", "cancelled")


class TimeOffRequest(Base):
    """An agent's request for a day or a range of days off, and its decision."""

    __tablename__ = "time_off_requests"
    __table_args__ = (Index("ix_time_off_agent", "agent_id", "first_day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(64))
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str] = mapped_column(String(255), default="")
    # days of a published roster the approved request falls on (``;``-separated ISO dates)
    conflicts: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def days(self) -> list[dt.date]:
        """Every day of the request."""
        n = (self.last_day - self.first_day).days + 1
        return [self.first_day + dt.timedelta(days=k) for k in range(n)]


class AppSetting(Base):
    """A setting managers change in the browser (approvals, the paid-hours budget)."""

    __tablename__ = "app_settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(80), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


TRADE_STATUSES: tuple[str, ...] = (
    "offered",
    "accepted",
    "approved",
    "refused",
    "declined",
    "cancelled",
)


class ShiftTrade(Base):
    """A shift trade between two agents on a published roster.

    ``giver`` offers their shift of ``give_date`` (to anyone qualified when ``taker`` is empty,
    or to the named colleague); with ``take_date`` it is a swap. A colleague accepts; the rule
    checker validates both weeks (``refused`` with the rules named in ``violations``); then a
    manager or planner approves (when required), which publishes a new roster version
    (``new_roster_id``).
    """

    __tablename__ = "shift_trades"
    __table_args__ = (Index("ix_shift_trades_status", "status", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("rosters.id"))
    giver: Mapped[str] = mapped_column(String(64))
    give_date: Mapped[dt.date] = mapped_column(Date)
    taker: Mapped[str | None] = mapped_column(String(64), nullable=True)
    take_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    channel: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="offered")
    violations: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(String(255), default="")
    decided_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    new_roster_id: Mapped[int | None] = mapped_column(ForeignKey("rosters.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
