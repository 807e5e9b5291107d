"""Forecasts: the job, the versions with their rows and accuracy, overrides, the chart."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from forecasting.engine import hierarchy_of
from forecasting.overrides import Override, apply_overrides
from web.app.extensions import db
from web.app.messages import progress_text
from web.app.models import (
    ForecastLevel,
    ForecastOverride,
    ForecastRow,
    ForecastVersion,
    HistoryRow,
    TargetsVersion,
)
from web.app.services._common import (
    JobContextLike,
    _bulk_insert,
    _label,
    actor,
    audit,
    check_length,
    column_length,
    latest,
    local_ts,
    settings,
    to_local,
    to_utc,
)
from web.app.services._documents import events_of, opening_hours_of
from web.app.services._entities import current_entities
from web.app.services._history import history_frame
from web.app.services._scope import CENTER, Scope, scope_entity, scope_filter
from web.pipeline import forecast_history, series_opening_hours
from wfmcore.errors import InputError

if TYPE_CHECKING:
    from forecasting.reconcile import Reconciliation

#: The longest override label a forecast row keeps (its column's length).
_LABEL_MAX = column_length(ForecastRow.override) or 255


def run_forecast_job(ctx: JobContextLike, params: dict[str, Any]) -> str:
    """The ``forecast`` job: forecast a stored history and save the version.

    ``params``: ``history_id``, ``start`` (ISO date or empty), ``days``, ``models`` (list or
    empty for auto), ``origins``.
    """
    center = settings()
    history = history_frame(int(params["history_id"]))
    ctx.progress(0.05, progress_text("history_read", rows=f"{len(history.frame):,}"))
    series = int(history.frame.groupby(["channel", "queue"]).ngroups)
    channel_hours = opening_hours_of(latest(TargetsVersion))
    hours: Mapping[Any, Any] | None = channel_hours
    hierarchy = None
    entities = current_entities()
    if entities is not None and entities.queues():
        # reconciled over queue -> entity -> channel -> center, as `wfm forecast --entities`
        hierarchy = entities.queue_frame()
        hours = series_opening_hours(entities, channel_hours)
        series += hierarchy_of(hierarchy, history.frame)[0].n_aggregates
    done = [0]

    def one_series(n: int) -> None:
        done[0] += n
        fraction = 0.1 + 0.8 * done[0] / max(series, 1)
        ctx.progress(fraction, progress_text("series", done=done[0], total=series))

    models = tuple(params.get("models") or ()) or None
    start = dt.date.fromisoformat(params["start"]) if params.get("start") else None
    result = forecast_history(
        history,
        country=center.country,
        start=start,
        days=int(params.get("days", 7)),
        models=models,
        origins=int(params.get("origins", 4)),
        jobs=int(params.get("jobs", 1)),
        events=events_of(center),
        opening_hours=hours,
        progress=one_series,
        hierarchy=hierarchy,
    )
    ctx.check_cancel()
    ctx.progress(0.92, "saving the forecast")
    version = save_forecast(
        int(params["history_id"]),
        result.forecast,
        result.accuracy,
        interval_min=result.interval_min,
        models=",".join(models) if models else "auto",
        elapsed_s=result.elapsed_s,
        created_by=str(params.get("username", "system")),
    )
    if result.reconciliation is not None:
        version.reconciliation_json = reconciliation_json(result.reconciliation)
    if result.levels is not None:
        save_levels(version.id, result.levels)
    return f"forecast:{version.id}"


def reconciliation_json(rec: Reconciliation) -> str:
    """The method chosen, its note and each method's backtest figures, as stored JSON."""
    methods = rec.methods.astype(object).where(rec.methods.notna(), None)
    return json.dumps(
        {"method": rec.method, "note": rec.note, "methods": methods.to_dict("records")},
        default=str,
    )


def save_levels(forecast_id: int, levels: pd.DataFrame) -> int:
    """Store the aggregate levels (entity, channel, center) of a reconciled forecast.

    The queue level is left out: its series are the forecast's own rows. Returns the number of
    rows written.
    """
    lv = levels[levels["level"].isin(AGGREGATE_LEVELS)]
    rows = pd.DataFrame(
        {
            "forecast_id": forecast_id,
            "level": lv["level"].astype(str),
            "key": lv["key"].astype(str),
            "interval_start": to_utc(lv["interval_start"]),
            **{c: lv[c].astype(float) for c in _BANDS},
        }
    )
    _bulk_insert(ForecastLevel, rows)
    return len(rows)


#: Levels stored in ``forecast_levels`` (the queues are the forecast rows).
AGGREGATE_LEVELS = ("center", "channel", "entity")

_BANDS = ("volume", "volume_lo", "volume_hi", "volume_lo95", "volume_hi95")


def save_forecast(
    history_id: int,
    forecast: pd.DataFrame,
    accuracy: pd.DataFrame,
    *,
    interval_min: int,
    models: str = "auto",
    elapsed_s: float = 0.0,
    parent_id: int | None = None,
    created_by: str | None = None,
) -> ForecastVersion:
    """Add a forecast version with its rows and accuracy report."""
    first = pd.Timestamp(forecast["interval_start"].min())
    last = pd.Timestamp(forecast["interval_start"].max())
    acc = accuracy.astype(object).where(accuracy.notna(), None)
    version = ForecastVersion(
        history_id=history_id,
        parent_id=parent_id,
        first_day=first.date(),
        days=(last.date() - first.date()).days + 1,
        interval_min=interval_min,
        models=models,
        accuracy_json=json.dumps(acc.to_dict("records"), default=str),
        elapsed_s=float(elapsed_s),
        created_by=created_by or actor(),
    )
    db.session.add(version)
    db.session.flush()
    f = forecast
    rows = pd.DataFrame(
        {
            "forecast_id": version.id,
            "channel": f["channel"].astype(str),
            "queue": f["queue"].astype(str),
            "interval_start": to_utc(f["interval_start"]),
            **{
                c: f[c].astype(float) if c in f.columns else np.nan
                for c in ("volume", "volume_lo", "volume_hi", "volume_lo95", "volume_hi95", "aht_s")
            },
            "model": f["model"].fillna("").astype(str) if "model" in f.columns else "",
            "override": f["override"].fillna("").astype(str).str.slice(0, _LABEL_MAX)
            if "override" in f.columns
            else "",
        }
    )
    _bulk_insert(ForecastRow, rows)
    audit(
        "forecast_generated" if parent_id is None else "forecast_overridden",
        f"forecast:{version.id}",
        f"from history:{history_id}, models {models}",
        username=created_by,
    )
    return version


FORECAST_FRAME_COLUMNS = (
    "channel",
    "queue",
    "interval_start",
    "volume",
    "volume_lo",
    "volume_hi",
    "aht_s",
    "model",
    "volume_lo95",
    "volume_hi95",
    "override",
)


def forecast_frame(forecast_id: int, *, channel: str | None = None) -> pd.DataFrame:
    """A stored forecast as the forecast frame (tz-aware ``interval_start``)."""
    center = settings()
    cols = [getattr(ForecastRow, c) for c in FORECAST_FRAME_COLUMNS]
    stmt = select(*cols).where(ForecastRow.forecast_id == forecast_id)
    if channel is not None:
        stmt = stmt.where(ForecastRow.channel == channel)
    stmt = stmt.order_by(ForecastRow.channel, ForecastRow.queue, ForecastRow.interval_start)
    frame = pd.DataFrame(db.session.execute(stmt).all(), columns=list(FORECAST_FRAME_COLUMNS))
    frame["interval_start"] = to_local(frame["interval_start"], center.tz).to_numpy()
    for c in ("volume", "volume_lo", "volume_hi", "volume_lo95", "volume_hi95", "aht_s"):
        frame[c] = frame[c].astype(float)
    return frame


def add_override(
    forecast_id: int,
    *,
    channel: str,
    queue: str,
    start: dt.datetime,
    end: dt.datetime,
    action: str,
    value: float,
    note: str,
) -> ForecastVersion:
    """A new forecast version: ``forecast_id``'s rows with one more override applied.

    ``start``/``end`` are local wall-clock times (``end`` exclusive). The parent's overrides
    are carried over, so the new version lists them all.

    Raises
    ------
    wfmcore.errors.InputError
        Unknown channel, end not after start, a bad action or value.
    """
    parent = db.get_or_404(ForecastVersion, forecast_id)
    center = settings()
    frame = forecast_frame(forecast_id)
    if channel not in set(frame["channel"]):
        raise InputError(f"unknown channel {channel!r}", column="channel")
    if end <= start:
        raise InputError("the end must be after the start", column="end")
    if action not in ("multiply", "add"):
        raise InputError(f"action must be multiply or add, got {action!r}", column="action")
    if action == "multiply" and value < 0:
        raise InputError("a factor must be at least 0", column="value")
    check_length(queue, ForecastOverride.queue)
    check_length(note, ForecastOverride.note)
    ov = Override(
        channel=channel,
        queue=queue or None,
        start=pd.Timestamp(start).tz_localize(center.tz),
        end=pd.Timestamp(end).tz_localize(center.tz),
        action=action,
        value=float(value),
        note=note,
    )
    new_frame = apply_overrides(frame, [ov], opening_hours=opening_hours_of(latest(TargetsVersion)))
    if "override" in frame.columns:  # keep the earlier overrides' labels where both apply
        earlier = frame["override"].fillna("")
        added = new_frame["override"].fillna("")
        new_frame["override"] = np.where(
            (earlier != "") & (added != earlier), earlier + "; " + added, added
        )
    version = save_forecast(
        parent.history_id,
        new_frame,
        pd.DataFrame(parent.accuracy),
        interval_min=parent.interval_min,
        models=parent.models,
        elapsed_s=parent.elapsed_s,
        parent_id=parent.id,
    )
    # the method stays the parent's; the levels are re-summed from the overridden queue rows
    # on the pages (no stored levels: the parent's would not add up any more)
    version.reconciliation_json = parent.reconciliation_json
    for old in parent.overrides:
        db.session.add(
            ForecastOverride(
                forecast_id=version.id,
                channel=old.channel,
                queue=old.queue,
                start_utc=old.start_utc,
                end_utc=old.end_utc,
                action=old.action,
                value=old.value,
                note=old.note,
                created_by=old.created_by,
                created_at=old.created_at,
            )
        )
    db.session.add(
        ForecastOverride(
            forecast_id=version.id,
            channel=channel,
            queue=queue,
            start_utc=to_utc(pd.Series([ov.start]))[0],
            end_utc=to_utc(pd.Series([ov.end]))[0],
            action=action,
            value=float(value),
            note=note,
            created_by=actor(),
        )
    )
    return version


def forecast_chart(forecast_id: int, channel: str, queue: str) -> dict[str, Any]:
    """One series' forecast with its 80 % and 95 % bands, and history to compare with.

    The history is that of the week before and of the same week a year (52 weeks) before,
    interval by interval.
    """
    version = db.get_or_404(ForecastVersion, forecast_id)
    center = settings()
    f = forecast_frame(forecast_id, channel=channel)
    f = f[f["queue"] == queue]
    out: dict[str, Any] = {"labels": [_label(t) for t in f["interval_start"]]}
    for c in ("volume", "volume_lo", "volume_hi", "volume_lo95", "volume_hi95"):
        out[c] = [None if pd.isna(v) else round(float(v), 2) for v in f[c]]
    stamps = to_utc(f["interval_start"]) if len(f) else []
    for key, lag in (("last_week", 7), ("last_year", 364)):
        shifted = [t - dt.timedelta(days=lag) for t in stamps]
        values: dict[dt.datetime, float] = {}
        if shifted:
            stmt = select(HistoryRow.interval_start, HistoryRow.offered).where(
                HistoryRow.history_id == version.history_id,
                HistoryRow.channel == channel,
                HistoryRow.queue == queue,
                HistoryRow.interval_start >= shifted[0],
                HistoryRow.interval_start <= shifted[-1],
            )
            values = {
                pd.Timestamp(t).to_pydatetime(): float(v) for t, v in db.session.execute(stmt)
            }
        out[key] = [values.get(t) for t in shifted]
    out["tz"] = center.tz
    return out


def forecast_series(forecast_id: int) -> list[tuple[str, str]]:
    """The (channel, queue) pairs of a forecast."""
    stmt = (
        select(ForecastRow.channel, ForecastRow.queue)
        .where(ForecastRow.forecast_id == forecast_id)
        .distinct()
        .order_by(ForecastRow.channel, ForecastRow.queue)
    )
    return [(str(c), str(q)) for c, q in db.session.execute(stmt)]


def _history_sums(
    version: ForecastVersion, stamps: list[dt.datetime], where: Any, channels: list[str]
) -> dict[str, list[float | None]]:
    """The history summed over a scope, the week before and 52 weeks before *stamps*."""
    out: dict[str, list[float | None]] = {}
    for key, lag in (("last_week", 7), ("last_year", 364)):
        shifted = [t - dt.timedelta(days=lag) for t in stamps]
        values: dict[dt.datetime, float] = {}
        if shifted:
            stmt = (
                select(HistoryRow.interval_start, func.sum(HistoryRow.offered))
                .where(
                    HistoryRow.history_id == version.history_id,
                    HistoryRow.channel.in_(channels),
                    HistoryRow.interval_start >= shifted[0],
                    HistoryRow.interval_start <= shifted[-1],
                    where,
                )
                .group_by(HistoryRow.interval_start)
            )
            values = {
                pd.Timestamp(t).to_pydatetime(): float(v) for t, v in db.session.execute(stmt)
            }
        out[key] = [values.get(t) for t in shifted]
    return out


def scope_forecast_chart(forecast_id: int, scope: Scope) -> dict[str, Any]:
    """The forecast of a scope with its bands, and the history beside it.

    A queue is :func:`forecast_chart`. An entity, a channel or the center is its reconciled
    series from the levels table; a version without levels (no entities file, or an override
    of a reconciled one) sums its queue rows, without bands (the sum of the queues' bands is
    no band of the total). ``reconciled`` says which.
    """
    if scope.kind == "queue":
        one = forecast_chart(forecast_id, scope.channel, scope.queue)
        one["reconciled"] = False
        return one
    version = db.get_or_404(ForecastVersion, forecast_id)
    center = settings()
    level, key = scope.level_key
    cols = [getattr(ForecastLevel, c) for c in ("interval_start", *_BANDS)]
    stmt = (
        select(*cols)
        .where(
            ForecastLevel.forecast_id == forecast_id,
            ForecastLevel.level == level,
            ForecastLevel.key == key,
        )
        .order_by(ForecastLevel.interval_start)
    )
    rows: list[Any] = list(db.session.execute(stmt).all())
    reconciled = bool(rows)
    where, _ = scope_filter(scope, ForecastRow.channel, ForecastRow.queue)
    if not rows:
        stmt = (
            select(ForecastRow.interval_start, func.sum(ForecastRow.volume))
            .where(ForecastRow.forecast_id == forecast_id, where)
            .group_by(ForecastRow.interval_start)
            .order_by(ForecastRow.interval_start)
        )
        rows = [(t, v, None, None, None, None) for t, v in db.session.execute(stmt)]
    stamps = [pd.Timestamp(r[0]).to_pydatetime() for r in rows]
    out = {
        "labels": [_label(local_ts(t, center.tz)) for t in stamps],
        "reconciled": reconciled,
        "tz": center.tz,
    }
    for i, c in enumerate(_BANDS, start=1):
        out[c] = [None if r[i] is None else round(float(r[i]), 2) for r in rows]
    hist_where, _ = scope_filter(scope, HistoryRow.channel, HistoryRow.queue)
    channels = forecast_channels(forecast_id) if scope.kind == "center" else None
    channels = channels or scope_channels(forecast_id, scope)
    out.update(_history_sums(version, stamps, hist_where, channels))
    return out


def scope_channels(forecast_id: int, scope: Scope) -> list[str]:
    """The channels a scope spans in a forecast."""
    if scope.kind in ("channel", "queue"):
        return [scope.channel]
    stmt = select(ForecastRow.channel).where(ForecastRow.forecast_id == forecast_id)
    if scope.kind == "entity":
        entity = scope_entity(scope.entity)
        return list(entity.channels) if entity is not None else []
    return [str(c) for c in db.session.scalars(stmt.distinct().order_by(ForecastRow.channel))]


def forecast_channels(forecast_id: int) -> list[str]:
    """The channels of a forecast (from its levels when it has some: a few rows, not all)."""
    stmt = (
        select(ForecastLevel.key)
        .where(ForecastLevel.forecast_id == forecast_id, ForecastLevel.level == "channel")
        .distinct()
        .order_by(ForecastLevel.key)
    )
    found = [str(c) for c in db.session.scalars(stmt)]
    return found or scope_channels(forecast_id, CENTER)


def has_levels(forecast_id: int) -> bool:
    """Whether a forecast has stored levels (it was reconciled over the entities)."""
    stmt = select(ForecastLevel.id).where(ForecastLevel.forecast_id == forecast_id).limit(1)
    return db.session.execute(stmt).first() is not None
