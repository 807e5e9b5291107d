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
    HistoryUpload,
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
        save_levels(version.id, result.levels, history.frame, hierarchy)
    return f"forecast:{version.id}"


def reconciliation_json(rec: Reconciliation) -> str:
    """The method chosen, its note and each method's backtest figures, as stored JSON."""
    methods = rec.methods.astype(object).where(rec.methods.notna(), None)
    return json.dumps(
        {"method": rec.method, "note": rec.note, "methods": methods.to_dict("records")},
        default=str,
    )


def save_levels(
    forecast_id: int,
    levels: pd.DataFrame,
    history: pd.DataFrame | None = None,
    hierarchy: pd.DataFrame | None = None,
) -> int:
    """Store every level of a reconciled forecast, with the history beside each series.

    ``history`` (the history frame) and ``hierarchy`` (``channel, queue, entity``) give each
    level's offered contacts a week and 52 weeks before each interval (``last_week``,
    ``last_year``). Returns the number of rows written.
    """
    lv = levels.reset_index(drop=True)
    stamps = pd.DatetimeIndex(lv["interval_start"])
    lags: dict[str, Any] = {"last_week": np.nan, "last_year": np.nan}
    if history is not None and len(history):
        shifted = {
            name: (stamps - pd.Timedelta(days=days)).tz_convert("UTC")
            for name, days in (("last_week", 7), ("last_year", 364))
        }
        wanted = shifted["last_week"].union(shifted["last_year"])
        past = _history_by_level(history, hierarchy, wanted)
        for name, when in shifted.items():
            keys = pd.MultiIndex.from_arrays([lv["level"], lv["key"], when])
            lags[name] = past.reindex(keys).to_numpy()
    rows = pd.DataFrame(
        {
            "forecast_id": forecast_id,
            "level": lv["level"].astype(str),
            "key": lv["key"].astype(str),
            "interval_start": to_utc(lv["interval_start"]),
            **{c: lv[c].astype(float) for c in _BANDS},
            **lags,
        }
    )
    _bulk_insert(ForecastLevel, rows)
    return len(rows)


def _history_by_level(
    history: pd.DataFrame, hierarchy: pd.DataFrame | None, wanted: pd.DatetimeIndex
) -> pd.Series:
    """Offered contacts per (level, key, UTC interval start in ``wanted``) for every level."""
    t = pd.DatetimeIndex(history["interval_start"]).tz_convert("UTC")
    keep = t.isin(wanted)
    h = pd.DataFrame(
        {
            "channel": history["channel"].to_numpy()[keep].astype(str),
            "queue": history["queue"].to_numpy()[keep].astype(str),
            "t": t[keep],
            "offered": history["offered"].to_numpy()[keep].astype(float),
        }
    )
    entity_of: dict[tuple[str, str], str] = {}
    if hierarchy is not None and "entity" in hierarchy.columns:
        triples = zip(hierarchy["channel"], hierarchy["queue"], hierarchy["entity"], strict=True)
        for c, q, e in triples:
            if isinstance(e, str) and e:
                entity_of[(str(c), str(q))] = e
    h["entity"] = [entity_of.get(k) for k in zip(h["channel"], h["queue"], strict=True)]
    parts = [
        h.groupby(["channel", "queue", "t"])["offered"]
        .sum()
        .reset_index()
        .assign(level="queue", key=lambda f: f["channel"] + "/" + f["queue"]),
        h.groupby(["channel", "t"])["offered"]
        .sum()
        .reset_index()
        .assign(level="channel", key=lambda f: f["channel"]),
        h.dropna(subset=["entity"])
        .groupby(["entity", "t"])["offered"]
        .sum()
        .reset_index()
        .assign(level="entity", key=lambda f: f["entity"]),
        h.groupby("t")["offered"].sum().reset_index().assign(level="center", key="all"),
    ]
    out = pd.concat([p[["level", "key", "t", "offered"]] for p in parts], ignore_index=True)
    return out.set_index(["level", "key", "t"])["offered"].astype(float)


_BANDS = ("volume", "volume_lo", "volume_hi", "volume_lo95", "volume_hi95")
_LAGS = ("last_week", "last_year")


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
        # empty intervals are not stored (sparse history, #19): inside the series' range they
        # are 0, outside it there is no history
        first, last = _series_range(version.history_id, channel, queue)
        out[key] = [
            values.get(
                t, 0.0 if first is not None and last is not None and first <= t <= last else None
            )
            for t in shifted
        ]
    out["tz"] = center.tz
    return out


def _series_range(
    history_id: int, channel: str, queue: str
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """First and last interval (naive UTC, as stored) of a history's series, from its summary."""
    upload = db.session.get(HistoryUpload, history_id)
    for item in upload.summary if upload is not None else ():
        if item["channel"] == channel and item["queue"] == queue:
            first = pd.Timestamp(item["first"]).tz_convert("UTC").tz_localize(None)
            last = pd.Timestamp(item["last"]).tz_convert("UTC").tz_localize(None)
            return first.to_pydatetime(), last.to_pydatetime()
    return None, None


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
        # empty intervals are not stored (sparse history, #19): inside the history they are 0
        upload = db.session.get(HistoryUpload, version.history_id)
        first, last = (upload.first_utc, upload.last_utc) if upload is not None else (None, None)
        out[key] = [
            values.get(
                t, 0.0 if first is not None and last is not None and first <= t <= last else None
            )
            for t in shifted
        ]
    return out


def scope_forecast_chart(forecast_id: int, scope: Scope) -> dict[str, Any]:
    """The forecast of a scope with its bands, and the history beside it.

    A queue is :func:`forecast_chart`. An entity, a channel or the center is its reconciled
    series from the levels table; a version without levels (no entities file, or an override
    of a reconciled one) sums its queue rows, without bands (the sum of the queues' bands is
    no band of the total). ``reconciled`` says which.
    """
    version = db.get_or_404(ForecastVersion, forecast_id)
    center = settings()
    level, key = scope.level_key
    cols = [getattr(ForecastLevel, c) for c in ("interval_start", *_BANDS, *_LAGS)]
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
    if not rows and scope.kind == "queue":
        one = forecast_chart(forecast_id, scope.channel, scope.queue)
        one["reconciled"] = False
        return one
    where, _ = scope_filter(scope, ForecastRow.channel, ForecastRow.queue)
    if not rows:
        stmt = (
            select(ForecastRow.interval_start, func.sum(ForecastRow.volume))
            .where(ForecastRow.forecast_id == forecast_id, where)
            .group_by(ForecastRow.interval_start)
            .order_by(ForecastRow.interval_start)
        )
        rows = [(t, v, None, None, None, None, None, None) for t, v in db.session.execute(stmt)]
    stamps = [pd.Timestamp(r[0]).to_pydatetime() for r in rows]
    out = {
        "labels": [_label(local_ts(t, center.tz)) for t in stamps],
        "reconciled": reconciled,
        "tz": center.tz,
    }
    for i, c in enumerate(_BANDS, start=1):
        out[c] = [None if r[i] is None else round(float(r[i]), 2) for r in rows]
    if reconciled:  # the history beside it was stored with the level
        for i, c in enumerate(_LAGS, start=1 + len(_BANDS)):
            out[c] = [None if r[i] is None else float(r[i]) for r in rows]
        return out
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
