"""The thin glue between the database and the libraries.

Rows in, frames out (and back): the history, forecast, requirement, shift and coverage tables
become the libraries' documented frames here, and the library results become rows. Every
computation is a library call, the same the ``wfm`` verbs make: the steps of
:mod:`web.pipeline`, :func:`scheduling.staffing.requirements.compute_requirements`, the
roster solve (through :func:`web.pipeline.roster_step`) and
:func:`scheduling.roster.check.check_roster`. Stored documents (rules, targets, agents,
events) are validated by the same readers as the files the CLI reads, so the messages match.

Each ``save_*``/``import_*``/``edit_*`` function adds everything that belongs together to the
session and leaves the commit to its caller, so a unit of work is one transaction (the views
and the job runner commit once, or roll back on any error).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import io
import json
import math
import tempfile
import zoneinfo
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from flask_login import current_user
from sqlalchemy import delete, func, insert, select

from forecasting.acd import read_acd
from forecasting.calendar import Event, load_events
from forecasting.history import History, read_history, validate_history
from forecasting.opening_hours import OpeningHours, load_opening_hours
from forecasting.overrides import Override, apply_overrides
from scheduling.roster.agents import Agent as AgentRecord
from scheduling.roster.agents import read_agents
from scheduling.roster.check import Violation, check_roster
from scheduling.roster.problem import rest_chain
from scheduling.roster.records import Activity, RosterShift
from scheduling.roster.rules import RosterRules, load_rules
from scheduling.roster.summary import coverage_figures
from scheduling.staffing.evaluate import roster_to_scheduled
from scheduling.staffing.requirements import compute_requirements
from scheduling.staffing.targets import Targets, load_targets
from web.app.extensions import db
from web.app.models import (
    Agent,
    AuditEntry,
    CenterSettings,
    Channel,
    CoverageRow,
    ForecastOverride,
    ForecastRow,
    ForecastVersion,
    HistoryRow,
    HistoryUpload,
    Queue,
    RequirementRow,
    RequirementSet,
    RosterVersion,
    RulesVersion,
    Shift,
    ShiftActivity,
    TargetsVersion,
    utcnow,
)
from web.pipeline import forecast_history, roster_coverage
from wfmcore.defaults import DEFAULT_COUNTRY, DEFAULT_TZ
from wfmcore.errors import InputError, WfmError
from wfmcore.frames import ROSTER_COLUMNS
from wfmcore.parse import format_hhmm, parse_hhmm

M = TypeVar("M")

# ------------------------------------------------------------------------------------------
# small helpers


def actor() -> str:
    """The signed-in user's name, or ``system`` (jobs, commands)."""
    try:
        if current_user and current_user.is_authenticated:
            return str(current_user.username)
    except RuntimeError:  # outside a request
        pass
    return "system"


def audit(action: str, target: str = "", detail: str = "", *, username: str | None = None) -> None:
    """Add an audit entry to the session (committed with the unit of work it records)."""
    db.session.add(
        AuditEntry(
            username=username or actor(),
            action=action,
            target=target,
            detail=detail[:2000],
        )
    )


def settings() -> CenterSettings:
    """The center's settings row, created with the defaults when missing."""
    row = db.session.get(CenterSettings, 1)
    if row is None:
        row = CenterSettings(id=1, tz=DEFAULT_TZ, country=DEFAULT_COUNTRY, interval_min=30)
        db.session.add(row)
        db.session.flush()
    return row


def latest(model: type[M]) -> M | None:
    """The newest row of ``model`` (highest id)."""
    key: Any = model
    row: M | None = db.session.scalar(select(key).order_by(key.id.desc()).limit(1))
    return row


def to_utc(values: pd.Series) -> list[dt.datetime]:
    """Tz-aware timestamps as naive UTC datetimes (how the database stores time)."""
    stamps = pd.DatetimeIndex(values).tz_convert("UTC").tz_localize(None)
    return list(stamps.to_pydatetime())


def to_local(values: Sequence[Any] | pd.Series, tz: str) -> pd.Series:
    """Naive UTC datetimes (or ISO strings, as a raw SQLite query returns them) in zone ``tz``.

    Through ``datetime64`` first: ``pd.to_datetime`` on a column of Python datetimes is slow.
    """
    raw = values.to_numpy() if isinstance(values, pd.Series) else list(values)
    stamps = np.asarray(raw, dtype="datetime64[us]")
    return pd.Series(pd.DatetimeIndex(stamps).tz_localize("UTC").tz_convert(tz))


@functools.lru_cache(maxsize=16)
def _zone(tz: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(tz)


def local_ts(value: dt.datetime, tz: str) -> dt.datetime:
    """One naive UTC datetime as a local, zone-aware datetime (fast: pages convert thousands)."""
    return value.replace(tzinfo=dt.UTC).astimezone(_zone(tz))


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for a bulk insert: NaN becomes NULL."""
    clean = frame.astype(object).where(frame.notna(), None)
    return list(clean.to_dict("records"))  # type: ignore[arg-type]


def _float(x: Any) -> float | None:
    if x is None:
        return None
    value = float(x)
    return None if math.isnan(value) else value


@contextmanager
def temp_file(content: str | bytes, suffix: str, name: str = "upload") -> Iterator[Path]:
    """A temporary file holding ``content``, named ``name + suffix`` (messages name it)."""
    with tempfile.TemporaryDirectory(prefix="wfm-") as folder:
        path = Path(folder) / f"{Path(name).stem or 'upload'}{suffix}"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        try:
            yield path
        except WfmError as exc:  # messages name the file as uploaded, not the server's path
            exc.args = tuple(
                a.replace(f"{folder}/", "") if isinstance(a, str) else a for a in exc.args
            )
            if isinstance(getattr(exc, "file", None), str):
                exc.file = Path(exc.file).name  # type: ignore[attr-defined]
            raise


# ------------------------------------------------------------------------------------------
# stored documents, validated by the CLI's readers


def rules_of(version: RulesVersion) -> RosterRules:
    """The labour rules of a stored ``rules.toml`` version."""
    with temp_file(version.text, ".toml", version.filename or "rules") as path:
        return load_rules(path)


def targets_of(version: TargetsVersion) -> Targets:
    """The service targets of a stored ``targets.toml`` version."""
    with temp_file(version.text, ".toml", version.filename or "targets") as path:
        return load_targets(path)


def opening_hours_of(version: TargetsVersion | None) -> dict[str, OpeningHours] | None:
    """Per channel, the opening hours a targets version gives (``None`` without targets)."""
    if version is None:
        return None
    with temp_file(version.text, ".toml", version.filename or "targets") as path:
        return load_opening_hours(path)


def events_of(center: CenterSettings) -> tuple[Event, ...]:
    """The planner events stored in the settings (``events.csv`` text)."""
    if not center.events_csv.strip():
        return ()
    with temp_file(center.events_csv, ".csv", "events") as path:
        return load_events(path)


def save_rules(text: str, filename: str) -> RulesVersion:
    """Validate ``rules.toml`` text (the CLI's messages) and add it as the current version."""
    with temp_file(text, ".toml", filename or "rules") as path:
        load_rules(path)
    row = RulesVersion(text=text, filename=filename, created_by=actor())
    db.session.add(row)
    db.session.flush()
    audit("rules_uploaded", f"rules:{row.id}", filename)
    return row


def save_targets(text: str, filename: str) -> TargetsVersion:
    """Validate ``targets.toml`` text and add it as the current version."""
    with temp_file(text, ".toml", filename or "targets") as path:
        load_targets(path)
    row = TargetsVersion(text=text, filename=filename, created_by=actor())
    db.session.add(row)
    db.session.flush()
    audit("targets_uploaded", f"targets:{row.id}", filename)
    return row


# ------------------------------------------------------------------------------------------
# history


def import_history(path: Path, filename: str, *, kind: str = "interval") -> HistoryUpload:
    """Validate an uploaded history (interval CSV, or an ACD per-contact export) and add it
    with its interval rows.

    Raises
    ------
    wfmcore.errors.InputError
        The file is not valid (names the row and column); nothing is added.
    """
    center = settings()
    hours = opening_hours_of(latest(TargetsVersion))
    history: History
    if kind == "acd":
        acd = read_acd([path], format="anonymous_bank", interval_min=center.interval_min)
        frame = acd.frame[
            [
                c
                for c in (
                    "channel",
                    "queue",
                    "interval_start",
                    "offered",
                    "handled",
                    "abandoned",
                    "aht_s",
                )
                if c in acd.frame.columns
            ]
        ]
        history = validate_history(frame, source=filename, tz=center.tz, opening_hours=hours)
        history = dataclasses.replace(history, warnings=(*acd.warnings, *history.warnings))
    else:
        history = read_history(path, tz=center.tz, opening_hours=hours)
    return save_history(history, filename, kind=kind)


def save_history(history: History, filename: str, *, kind: str = "interval") -> HistoryUpload:
    """Add a validated history and its rows (one bulk insert) to the session."""
    f = history.frame
    summary = history.summary()
    summary_rows = [
        {
            "channel": str(r["channel"]),
            "queue": str(r["queue"]),
            "first": pd.Timestamp(r["first"]).isoformat(),
            "last": pd.Timestamp(r["last"]).isoformat(),
            "intervals": int(r["intervals"]),
            "imputed": int(r["imputed"]),
            "offered": float(r["offered"]),
            "handled": _float(r["handled"]),
            "abandoned": _float(r["abandoned"]),
            "aht_s": _float(r["aht_s"]),
        }
        for r in summary.to_dict("records")
    ]
    upload = HistoryUpload(
        filename=filename,
        kind=kind,
        interval_min=history.interval_min,
        tz=history.tz,
        first_utc=to_utc(pd.Series([f["interval_start"].min()]))[0],
        last_utc=to_utc(pd.Series([f["interval_start"].max()]))[0],
        rows=len(f),
        imputed=int(f["imputed"].sum()),
        summary_json=json.dumps(summary_rows),
        warnings_json=json.dumps(list(history.warnings)),
        opening_hours_json=json.dumps(
            {f"{c}/{q}": str(oh) for (c, q), oh in sorted(history.opening_hours.items())}
        ),
        created_by=actor(),
    )
    db.session.add(upload)
    db.session.flush()
    rows = pd.DataFrame(
        {
            "history_id": upload.id,
            "channel": f["channel"].astype(str),
            "queue": f["queue"].astype(str),
            "interval_start": to_utc(f["interval_start"]),
            "offered": f["offered"].astype(float),
            "handled": f["handled"].astype(float),
            "abandoned": f["abandoned"].astype(float),
            "aht_s": f["aht_s"].astype(float),
            "imputed": f["imputed"].astype(bool),
        }
    )
    _bulk_insert(HistoryRow, rows)
    upload.chart_json = json.dumps(_history_chart_data(upload, CHART_WEEKS))
    _add_channels(summary_rows)
    audit("history_uploaded", f"history:{upload.id}", f"{filename}: {len(f):,} interval rows")
    return upload


def _add_channels(series: Sequence[dict[str, Any]]) -> None:
    """Add the channels and queues of a history to the settings' list (never removes)."""
    for item in series:
        channel = db.session.scalar(select(Channel).where(Channel.name == item["channel"]))
        if channel is None:
            channel = Channel(name=item["channel"], description="")
            db.session.add(channel)
        if item["queue"] not in {q.name for q in channel.queues}:
            channel.queues.append(Queue(name=item["queue"]))


def _bulk_insert(model: type[Any], rows: pd.DataFrame, chunk: int = 50_000) -> None:
    """``INSERT`` many rows, in chunks, inside the current transaction."""
    records = _records(rows)
    for i in range(0, len(records), chunk):
        db.session.execute(insert(model), records[i : i + chunk])


def history_frame(history_id: int) -> History:
    """A stored history as the library's :class:`~forecasting.history.History`."""
    upload = db.get_or_404(HistoryUpload, history_id)
    stmt = (
        select(
            HistoryRow.channel,
            HistoryRow.queue,
            HistoryRow.interval_start,
            HistoryRow.offered,
            HistoryRow.handled,
            HistoryRow.abandoned,
            HistoryRow.aht_s,
            HistoryRow.imputed,
        )
        .where(HistoryRow.history_id == history_id)
        .order_by(HistoryRow.channel, HistoryRow.queue, HistoryRow.interval_start)
    )
    frame = pd.DataFrame(
        db.session.execute(stmt).all(),
        columns=[
            "channel",
            "queue",
            "interval_start",
            "offered",
            "handled",
            "abandoned",
            "aht_s",
            "imputed",
        ],
    )
    frame["interval_start"] = to_local(frame["interval_start"], upload.tz).to_numpy()
    for col in ("offered", "handled", "abandoned", "aht_s"):
        frame[col] = frame[col].astype(float)
    frame["imputed"] = frame["imputed"].astype(bool)
    gaps = pd.DataFrame(columns=["channel", "queue", "interval_start", "offered", "method"])
    return History(
        frame=frame,
        interval_min=upload.interval_min,
        tz=upload.tz,
        gaps=gaps,
        warnings=tuple(upload.warnings),
        source=upload.filename,
    )


def _label(ts: dt.datetime) -> str:
    return f"{ts:%a %d %b %H:%M}"


#: Weeks of history the history page charts (stored with each upload).
CHART_WEEKS = 4


def history_chart(history_id: int, weeks: int = CHART_WEEKS) -> dict[str, Any]:
    """Offered contacts per channel and interval over the last ``weeks`` weeks (chart data);
    the default is the chart stored with the upload."""
    upload = db.get_or_404(HistoryUpload, history_id)
    if weeks != CHART_WEEKS:
        return _history_chart_data(upload, weeks)
    if upload.chart_json in ("", "{}"):  # an upload from before revision 0002: fill it once
        upload.chart_json = json.dumps(_history_chart_data(upload, weeks))
        db.session.commit()
    return dict(json.loads(upload.chart_json))


def _history_chart_data(upload: HistoryUpload, weeks: int) -> dict[str, Any]:
    """One range query per series, so each uses the ``(history_id, channel, interval_start)``
    index instead of scanning the whole upload."""
    since = upload.last_utc - dt.timedelta(days=7 * weeks) + dt.timedelta(minutes=1)
    parts: list[Any] = []
    for channel in sorted({str(item["channel"]) for item in upload.summary}):
        stmt = select(HistoryRow.channel, HistoryRow.interval_start, HistoryRow.offered).where(
            HistoryRow.history_id == upload.id,
            HistoryRow.channel == channel,
            HistoryRow.interval_start >= since,
        )
        parts.extend(db.session.execute(stmt).all())
    frame = pd.DataFrame(parts, columns=["channel", "t", "offered"])
    return _wide_chart(frame, "t", "offered", upload.tz)


def _wide_chart(frame: pd.DataFrame, time_col: str, value_col: str, tz: str) -> dict[str, Any]:
    if frame.empty:
        return {"labels": [], "series": {}}
    wide = frame.pivot_table(index=time_col, columns="channel", values=value_col, aggfunc="sum")
    wide = wide.sort_index().fillna(0.0)
    labels = [_label(local_ts(t, tz)) for t in pd.DatetimeIndex(wide.index).to_pydatetime()]
    return {
        "labels": labels,
        "series": {str(c): np.round(wide[c].to_numpy(float), 2).tolist() for c in wide.columns},
    }


# ------------------------------------------------------------------------------------------
# forecast


def run_forecast_job(ctx: JobContextLike, params: dict[str, Any]) -> str:
    """The ``forecast`` job: forecast a stored history and save the version.

    ``params``: ``history_id``, ``start`` (ISO date or empty), ``days``, ``models`` (list or
    empty for auto), ``origins``.
    """
    center = settings()
    history = history_frame(int(params["history_id"]))
    ctx.progress(0.05, f"history read: {len(history.frame):,} rows")
    series = int(history.frame.groupby(["channel", "queue"]).ngroups)
    done = [0]

    def one_series(n: int) -> None:
        done[0] += n
        ctx.progress(0.1 + 0.8 * done[0] / max(series, 1), f"{done[0]}/{series} series")

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
        opening_hours=opening_hours_of(latest(TargetsVersion)),
        progress=one_series,
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
    return f"forecast:{version.id}"


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
            "override": f["override"].fillna("").astype(str) if "override" in f.columns else "",
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
    """One series' forecast with its 80 % and 95 % bands, and the history of the week before
    and of the same week a year (52 weeks) before, interval by interval."""
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


# ------------------------------------------------------------------------------------------
# requirements


def run_requirements_job(ctx: JobContextLike, params: dict[str, Any]) -> str:
    """The ``requirements`` job: staff a stored forecast under the current targets."""
    forecast = db.get_or_404(ForecastVersion, int(params["forecast_id"]))
    targets_row = db.get_or_404(TargetsVersion, int(params["targets_id"]))
    targets = targets_of(targets_row)
    frame = forecast_frame(forecast.id)
    ctx.progress(0.2, "computing requirements")
    req = compute_requirements(frame, targets, forecast.interval_min)
    ctx.check_cancel()
    ctx.progress(0.8, "saving")
    saved = save_requirements(
        forecast.id,
        targets_row.id,
        req,
        forecast.interval_min,
        created_by=str(params.get("username", "system")),
    )
    return f"requirements:{saved.id}"


REQUIREMENT_VALUES = (
    "volume",
    "aht_s",
    "agents",
    "staff",
    "service_level",
    "asa_s",
    "occupancy",
    "abandon_rate",
)


def save_requirements(
    forecast_id: int,
    targets_id: int,
    req: pd.DataFrame,
    interval_min: int,
    *,
    created_by: str | None = None,
) -> RequirementSet:
    """Add a requirement set with its rows."""
    row = RequirementSet(
        forecast_id=forecast_id,
        targets_id=targets_id,
        interval_min=interval_min,
        created_by=created_by or actor(),
    )
    db.session.add(row)
    db.session.flush()
    rows = pd.DataFrame(
        {
            "requirement_set_id": row.id,
            "channel": req["channel"].astype(str),
            "queue": req["queue"].astype(str),
            "interval_start": to_utc(req["interval_start"]),
            **{c: req[c].astype(float) if c in req.columns else np.nan for c in REQUIREMENT_VALUES},
        }
    )
    _bulk_insert(RequirementRow, rows)
    audit(
        "requirements_generated",
        f"requirements:{row.id}",
        f"forecast:{forecast_id}, targets:{targets_id}",
        username=created_by,
    )
    return row


def requirements_frame(set_id: int) -> pd.DataFrame:
    """A stored requirement set as the requirements frame."""
    center = settings()
    cols = ["channel", "queue", "interval_start", *REQUIREMENT_VALUES]
    stmt = (
        select(*[getattr(RequirementRow, c) for c in cols])
        .where(RequirementRow.requirement_set_id == set_id)
        .order_by(RequirementRow.channel, RequirementRow.queue, RequirementRow.interval_start)
    )
    frame = pd.DataFrame(db.session.execute(stmt).all(), columns=cols)
    frame["interval_start"] = to_local(frame["interval_start"], center.tz).to_numpy()
    for c in REQUIREMENT_VALUES:
        frame[c] = frame[c].astype(float)
    return frame


def requirements_daily(set_id: int) -> list[dict[str, Any]]:
    """Per channel and day: volume, peak agents, agent and staff hours, weighted SL."""
    req_set = db.get_or_404(RequirementSet, set_id)
    f = requirements_frame(set_id)
    if f.empty:
        return []
    hours = req_set.interval_min / 60
    f = f.assign(
        day=f["interval_start"].dt.strftime("%a %Y-%m-%d"),
        w_sl=f["service_level"].fillna(0.0) * f["volume"],
    )
    g = f.groupby(["day", "channel"], sort=False).agg(
        volume=("volume", "sum"),
        peak_agents=("agents", "max"),
        agents=("agents", "sum"),
        staff=("staff", "sum"),
        w_sl=("w_sl", "sum"),
    )
    out = []
    for key, r in g.iterrows():
        parts: tuple[Any, ...] = tuple(key)  # type: ignore[arg-type]
        day, channel = parts
        out.append(
            {
                "day": str(day),
                "channel": str(channel),
                "volume": round(float(r["volume"])),
                "peak_agents": round(float(r["peak_agents"]), 1),
                "agent_hours": round(float(r["agents"]) * hours, 1),
                "staff_hours": round(float(r["staff"]) * hours, 1),
                "service_level": float(r["w_sl"] / r["volume"]) if r["volume"] > 0 else None,
            }
        )
    return out


def requirements_chart(set_id: int) -> dict[str, Any]:
    """Agents and staff per channel and interval (chart data)."""
    center = settings()
    stmt = (
        select(
            RequirementRow.channel,
            RequirementRow.interval_start,
            func.sum(RequirementRow.agents),
            func.sum(RequirementRow.staff),
        )
        .where(RequirementRow.requirement_set_id == set_id)
        .group_by(RequirementRow.channel, RequirementRow.interval_start)
        .order_by(RequirementRow.interval_start)
    )
    frame = pd.DataFrame(
        db.session.execute(stmt).all(), columns=["channel", "t", "agents", "staff"]
    )
    agents = _wide_chart(frame, "t", "agents", center.tz)
    staff = _wide_chart(frame, "t", "staff", center.tz)
    return {"labels": agents["labels"], "agents": agents["series"], "staff": staff["series"]}


# ------------------------------------------------------------------------------------------
# agents


AGENT_FIELDS = (
    "agent_id",
    "name",
    "skills",
    "min_hours_week",
    "max_hours_week",
    "max_days_week",
    "earliest_start",
    "latest_end",
    "unavailable",
    "preferred_start",
    "preferred_days_off",
    "group",
)


def _agent_row_values(row: Agent) -> dict[str, str]:
    def num(x: float) -> str:
        return f"{x:g}"

    return {
        "agent_id": row.agent_id,
        "name": row.name,
        "skills": row.skills,
        "min_hours_week": num(row.min_hours_week),
        "max_hours_week": num(row.max_hours_week),
        "max_days_week": str(row.max_days_week),
        "earliest_start": row.earliest_start,
        "latest_end": row.latest_end,
        "unavailable": row.unavailable,
        "preferred_start": row.preferred_start,
        "preferred_days_off": row.preferred_days_off,
        "group": row.group,
    }


def agents_csv_text(rows: Sequence[Agent]) -> str:
    """``agents.csv`` of ``rows`` (the CLI's format)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(AGENT_FIELDS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(_agent_row_values(row))
    return buf.getvalue()


def agent_records(*, active_only: bool = True) -> tuple[AgentRecord, ...]:
    """The stored agents as the roster library's records (validated by ``read_agents``)."""
    stmt = select(Agent).order_by(Agent.id)
    if active_only:
        stmt = stmt.where(Agent.active.is_(True))
    rows = list(db.session.scalars(stmt))
    if not rows:
        return ()
    with temp_file(agents_csv_text(rows), ".csv", "agents") as path:
        return read_agents(path).agents


def validate_agent_values(values: dict[str, str]) -> dict[str, Any]:
    """Validate one agent's fields with the CLI's reader (messages name the column)."""
    row = {k: str(values.get(k, "")).strip() for k in AGENT_FIELDS}
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(AGENT_FIELDS), lineterminator="\n")
    writer.writeheader()
    writer.writerow(row)
    with temp_file(buf.getvalue(), ".csv", "agent") as path:
        read_agents(path)
    return {
        **row,
        "min_hours_week": float(row["min_hours_week"]),
        "max_hours_week": float(row["max_hours_week"]),
        "max_days_week": int(row["max_days_week"]),
    }


def save_agent(values: dict[str, str], agent: Agent | None = None) -> Agent:
    """Add or change one agent after validating it as a row of ``agents.csv``."""
    clean = validate_agent_values(values)
    if agent is None:
        clash = db.session.scalar(select(Agent).where(Agent.agent_id == clean["agent_id"]))
        if clash is not None:
            raise InputError(f"agent_id {clean['agent_id']!r} exists already", column="agent_id")
        agent = Agent(**clean, active=True)
        db.session.add(agent)
        audit("agent_added", f"agent:{clean['agent_id']}")
    else:
        for k, v in clean.items():
            if k != "agent_id":
                setattr(agent, k, v)
        audit("agent_edited", f"agent:{agent.agent_id}")
    return agent


def import_agents(path: Path, filename: str) -> tuple[int, int, int]:
    """Replace the agent list from ``agents.csv``: add new ids, update known ones, deactivate
    those not in the file. Validation as ``wfm roster --agents``.

    Returns
    -------
    tuple of int
        Added, updated, deactivated.
    """
    parsed = read_agents(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    frame.columns = [str(c).strip() for c in frame.columns]
    if "group" not in frame.columns and "contract" in frame.columns:
        frame["group"] = frame["contract"]
    known = {a.agent_id: a for a in db.session.scalars(select(Agent))}
    added = updated = 0
    for rec, _agent in zip(frame.to_dict("records"), parsed.agents, strict=True):
        values = {k: str(rec.get(k, "")).strip() for k in AGENT_FIELDS}
        values["min_hours_week"] = values["min_hours_week"] or "0"
        row = known.pop(values["agent_id"], None)
        numbers = {
            "min_hours_week": float(values["min_hours_week"]),
            "max_hours_week": float(values["max_hours_week"]),
            "max_days_week": int(values["max_days_week"]),
        }
        if row is None:
            db.session.add(Agent(**{**values, **numbers}, active=True))
            added += 1
        else:
            for k, v in {**values, **numbers}.items():
                setattr(row, k, v)
            row.active = True
            updated += 1
    deactivated = 0
    for row in known.values():
        if row.active:
            row.active = False
            deactivated += 1
    audit(
        "agents_imported",
        "agents",
        f"{filename}: {added} added, {updated} updated, {deactivated} deactivated",
    )
    return added, updated, deactivated


# ------------------------------------------------------------------------------------------
# rosters


@dataclass(frozen=True, slots=True)
class JobContextLike:
    """What a job handler may call (see :class:`web.app.jobs.JobContext`)."""

    progress: Callable[..., None]
    check_cancel: Callable[[], None]
    stop: Any = None


def _shift_records(shifts: Sequence[RosterShift]) -> list[dict[str, Any]]:
    return [
        {
            "agent_id": s.agent_id,
            "date": s.date,
            "channel": s.channel,
            "shift_type": s.shift_type,
            "start": s.start,
            "end": s.end,
            "paid_min": s.paid_min,
            "locked": False,
            "activities": [(a.activity, a.channel, a.start, a.end) for a in s.activities()],
        }
        for s in shifts
    ]


def save_roster(
    *,
    requirement_set_id: int,
    rules_id: int,
    shifts: Sequence[dict[str, Any]],
    coverage: pd.DataFrame,
    summary: dict[str, Any],
    violations: Sequence[Violation],
    first_day: dt.date,
    days: int,
    interval_min: int,
    parent_id: int | None = None,
    note: str = "",
    created_by: str | None = None,
) -> RosterVersion:
    """Add a draft roster version: its shifts, their activities and its coverage rows."""
    roster = RosterVersion(
        requirement_set_id=requirement_set_id,
        rules_id=rules_id,
        parent_id=parent_id,
        status="draft",
        first_day=first_day,
        days=days,
        interval_min=interval_min,
        summary_json=json.dumps(summary, default=str),
        violations_json=json.dumps([_violation_dict(v) for v in violations]),
        note=note,
        created_by=created_by or actor(),
    )
    db.session.add(roster)
    db.session.flush()
    _insert_shifts(roster.id, shifts)
    _insert_coverage(roster.id, coverage)
    return roster


def _violation_dict(v: Violation) -> dict[str, Any]:
    return {
        "agent_id": v.agent_id,
        "date": v.date.isoformat() if v.date else None,
        "rule": v.rule,
        "message": v.message,
    }


def _insert_shifts(roster_id: int, shifts: Sequence[dict[str, Any]]) -> None:
    if not shifts:
        return
    ids = db.session.execute(
        insert(Shift).returning(Shift.id, sort_by_parameter_order=True),
        [
            {
                "roster_id": roster_id,
                "agent_id": s["agent_id"],
                "date": s["date"],
                "channel": s["channel"],
                "shift_type": s["shift_type"],
                "start_utc": _utc(s["start"]),
                "end_utc": _utc(s["end"]),
                "paid_min": int(s["paid_min"]),
                "locked": bool(s.get("locked", False)),
            }
            for s in shifts
        ],
    ).scalars()
    acts = []
    for shift_id, s in zip(ids, shifts, strict=True):
        for activity, channel, start, end in s["activities"]:
            acts.append(
                {
                    "shift_id": shift_id,
                    "activity": activity,
                    "channel": channel or "",
                    "start_utc": _utc(start),
                    "end_utc": _utc(end),
                }
            )
    if acts:
        db.session.execute(insert(ShiftActivity), acts)


def _utc(value: Any) -> dt.datetime:
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    out: dt.datetime = ts.to_pydatetime()
    return out


def _insert_coverage(roster_id: int, coverage: pd.DataFrame) -> None:
    c = coverage
    rows = pd.DataFrame(
        {
            "roster_id": roster_id,
            "channel": c["channel"].astype(str),
            "interval_start": to_utc(c["interval_start"]),
            "required": c["required"].astype(float),
            "available": c["available"].astype(float),
            "scheduled": c["scheduled"].astype(float),
            "volume": c["volume"].astype(float) if "volume" in c.columns else np.nan,
            "service_level": c["service_level"].astype(float)
            if "service_level" in c.columns
            else np.nan,
        }
    )
    _bulk_insert(CoverageRow, rows)


def run_roster_job(ctx: JobContextLike, params: dict[str, Any]) -> str:
    """The ``roster`` job: solve the week (or re-optimise around a roster's locked shifts).

    ``params``: ``requirement_set_id``, ``rules_id``, ``time_limit_s``, ``seed`` and, for a
    re-optimisation, ``base_roster_id``. Agents with a locked shift in the base roster keep
    their whole week; the others are rostered again against what the locked ones leave
    uncovered, changing as little as possible (the ``change`` weight).
    """
    from web.pipeline import roster_step

    center = settings()
    req_set = db.get_or_404(RequirementSet, int(params["requirement_set_id"]))
    rules_row = db.get_or_404(RulesVersion, int(params["rules_id"]))
    rules = rules_of(rules_row)
    targets = targets_of(db.get_or_404(TargetsVersion, req_set.targets_id))
    requirements = requirements_frame(req_set.id)
    agents = agent_records()
    if not agents:
        raise InputError("no active agents: add or import agents first")
    base_id = params.get("base_roster_id")
    fixed: list[dict[str, Any]] = []
    previous = None
    solve_req, solve_agents = requirements, agents
    if base_id:
        base_frame = roster_frame_of(int(base_id))
        locked_agents = _locked_agents(int(base_id))
        fixed = [s for s in _stored_shifts(int(base_id)) if s["agent_id"] in locked_agents]
        solve_agents = tuple(a for a in agents if a.agent_id not in locked_agents)
        fixed_frame = base_frame[base_frame["agent_id"].isin(locked_agents)]
        solve_req = _residual_requirements(requirements, fixed_frame, req_set.interval_min)
        previous = base_frame[~base_frame["agent_id"].isin(locked_agents)]
    ctx.progress(0.02, f"rostering {len(solve_agents)} agents")
    time_limit = float(params.get("time_limit_s", 60.0))

    def on_progress(p: Any) -> None:
        ctx.progress(
            min(0.95, 0.05 + 0.9 * p.wall_time_s / max(time_limit, 0.1)),
            f"{p.phase}: solution {p.solutions}",
            objective=float(p.objective),
            bound=float(p.best_bound),
        )

    run = roster_step(
        solve_req,
        solve_agents,
        rules,
        tz=center.tz,
        targets=targets,
        previous=previous if previous is not None and not previous.empty else None,
        time_limit_s=time_limit,
        seed=int(params.get("seed", 0)),
        progress=on_progress,
        stop=ctx.stop,
    )
    ctx.check_cancel()
    ctx.progress(0.96, "checking and saving")
    shifts = fixed + _shift_records(run.shifts)
    summary = run.summary.to_dict()
    violations: Sequence[Violation] = run.violations
    coverage = run.coverage
    if base_id:
        merged = pd.concat(
            [roster_frame_of(int(base_id)).query("agent_id in @locked_agents"), run.roster],
            ignore_index=True,
        )
        coverage, summary, violations = _reassess(
            merged, requirements, agents, rules, targets, center.tz, summary
        )
        summary["notes"] = [
            *summary.get("notes", []),
            f"re-optimised around the locked weeks of {len(locked_agents)} agent(s)",
        ]
    roster = save_roster(
        requirement_set_id=req_set.id,
        rules_id=rules_row.id,
        shifts=shifts,
        coverage=coverage,
        summary=summary,
        violations=violations,
        first_day=run.dates[0],
        days=len(run.dates),
        interval_min=req_set.interval_min,
        parent_id=int(base_id) if base_id else None,
        note="re-optimised" if base_id else "",
        created_by=str(params.get("username", "system")),
    )
    audit(
        "roster_reoptimised" if base_id else "roster_generated",
        f"roster:{roster.id}",
        f"requirements:{req_set.id}, rules:{rules_row.id}, time limit {time_limit:g} s",
        username=str(params.get("username", "system")),
    )
    return f"roster:{roster.id}"


def _locked_agents(roster_id: int) -> set[str]:
    stmt = select(Shift.agent_id).where(Shift.roster_id == roster_id, Shift.locked.is_(True))
    return {str(a) for a in db.session.scalars(stmt)}


def _residual_requirements(
    requirements: pd.DataFrame, fixed: pd.DataFrame, interval_min: int
) -> pd.DataFrame:
    """Requirements per channel (queues pooled) less what the fixed shifts put on the phones."""
    r = requirements.assign(_w=requirements["aht_s"].fillna(0.0) * requirements["volume"])
    g = r.groupby(["channel", "interval_start"], as_index=False).agg(
        volume=("volume", "sum"),
        _w=("_w", "sum"),
        agents=("agents", "sum"),
        staff=("staff", "sum"),
    )
    g["aht_s"] = (g.pop("_w") / g["volume"]).where(g["volume"] > 0)
    g["queue"] = "all"
    if fixed.empty:
        return g
    on = roster_to_scheduled(fixed, g["interval_start"], interval_min)
    g = g.merge(on, on=["channel", "interval_start"], how="left", suffixes=("", "_fixed"))
    taken = g.pop("agents_fixed").fillna(0.0)
    g["staff"] = (g["staff"] - taken).clip(lower=0.0)
    g["agents"] = (g["agents"] - taken).clip(lower=0.0)
    return g


def _reassess(
    frame: pd.DataFrame,
    requirements: pd.DataFrame,
    agents: Sequence[AgentRecord],
    rules: RosterRules,
    targets: Targets | None,
    tz: str,
    summary: dict[str, Any],
) -> tuple[pd.DataFrame, dict[str, Any], list[Violation]]:
    """Coverage, summary figures and the checker's verdict of a roster frame that the solver
    did not produce whole (edited, or merged around locked shifts)."""
    coverage, week_sl, dates, interval_min = roster_coverage(
        frame, requirements, agents, rules, tz=tz, targets=targets
    )
    violations = check_roster(frame, agents, rules, dates)
    channels = coverage_figures(coverage, interval_min)
    out = dict(summary)
    out["channels"] = {c: dataclasses.asdict(v) for c, v in channels.items()}
    out["under_staffing_h"] = round(sum(c.under_h for c in channels.values()), 2)
    out["over_staffing_h"] = round(sum(c.over_h for c in channels.values()), 2)
    out["violations"] = len(violations)
    if week_sl:
        out["expected_service_level_week"] = week_sl
    if "service_level" in coverage.columns:
        sl: dict[str, float | None] = {}
        for c, g in coverage.groupby("channel"):
            g = g[g["service_level"].notna()]
            w = g["volume"]
            sl[str(c)] = (
                round(float((g["service_level"] * w).sum() / w.sum()), 4) if w.sum() > 0 else None
            )
        out["expected_service_level"] = sl
    keys = frame.drop_duplicates(["agent_id", "date"])
    out["shifts"] = len(keys)
    out["agents_rostered"] = int(keys["agent_id"].nunique())
    return coverage, out, violations


def _stored_shifts(roster_id: int) -> list[dict[str, Any]]:
    """A stored roster's shifts as records for :func:`save_roster` (locks kept)."""
    center = settings()
    shifts = list(
        db.session.scalars(select(Shift).where(Shift.roster_id == roster_id).order_by(Shift.id))
    )
    acts: dict[int, list[tuple[str, str, dt.datetime, dt.datetime]]] = {}
    stmt = (
        select(ShiftActivity)
        .join(Shift)
        .where(Shift.roster_id == roster_id)
        .order_by(ShiftActivity.shift_id, ShiftActivity.start_utc)
    )
    for a in db.session.scalars(stmt):
        acts.setdefault(a.shift_id, []).append(
            (
                a.activity,
                a.channel,
                local_ts(a.start_utc, center.tz),
                local_ts(a.end_utc, center.tz),
            )
        )
    return [
        {
            "agent_id": s.agent_id,
            "date": s.date,
            "channel": s.channel,
            "shift_type": s.shift_type,
            "start": local_ts(s.start_utc, center.tz),
            "end": local_ts(s.end_utc, center.tz),
            "paid_min": s.paid_min,
            "locked": s.locked,
            "activities": acts.get(s.id, []),
        }
        for s in shifts
    ]


def roster_frame_of(roster_id: int) -> pd.DataFrame:
    """A stored roster as the roster frame (one row per activity, tz-aware times)."""
    center = settings()
    stmt = (
        select(
            Shift.agent_id,
            Shift.date,
            ShiftActivity.activity,
            ShiftActivity.channel,
            ShiftActivity.start_utc,
            ShiftActivity.end_utc,
        )
        .join(Shift, ShiftActivity.shift_id == Shift.id)
        .where(Shift.roster_id == roster_id)
        .order_by(Shift.agent_id, Shift.date, ShiftActivity.start_utc)
    )
    frame = pd.DataFrame(db.session.execute(stmt).all(), columns=list(ROSTER_COLUMNS))
    if frame.empty:
        return frame
    frame["date"] = [
        d if isinstance(d, dt.date) else dt.date.fromisoformat(d) for d in frame["date"]
    ]
    frame["start"] = to_local(frame["start"], center.tz).to_numpy()
    frame["end"] = to_local(frame["end"], center.tz).to_numpy()
    frame["start"] = pd.DatetimeIndex(frame["start"])
    frame["end"] = pd.DatetimeIndex(frame["end"])
    return frame


def roster_dates(roster: RosterVersion) -> list[dt.date]:
    """The planned days of a roster."""
    return [roster.first_day + dt.timedelta(days=k) for k in range(roster.days)]


def roster_grid(roster_id: int) -> dict[str, Any]:
    """The grid of agents x days: per cell the shift's times, type, channel, lunch and breaks.

    Two queries (shifts, activities) and no library call, so the page stays fast.
    """
    roster = db.get_or_404(RosterVersion, roster_id)
    center = settings()
    dates = roster_dates(roster)
    agents = list(db.session.scalars(select(Agent).order_by(Agent.agent_id)))
    shifts = db.session.execute(
        select(
            Shift.id,
            Shift.agent_id,
            Shift.date,
            Shift.channel,
            Shift.shift_type,
            Shift.start_utc,
            Shift.end_utc,
            Shift.locked,
        ).where(Shift.roster_id == roster_id)
    ).all()
    rests: dict[int, list[str]] = {}
    stmt = (
        select(ShiftActivity.shift_id, ShiftActivity.activity, ShiftActivity.start_utc)
        .join(Shift, ShiftActivity.shift_id == Shift.id)
        .where(Shift.roster_id == roster_id, ShiftActivity.activity != "work")
        .order_by(ShiftActivity.start_utc)
    )
    for shift_id, activity, start in db.session.execute(stmt):
        t = f"{local_ts(start, center.tz):%H:%M}"
        rests.setdefault(shift_id, []).append(("L " if activity == "lunch" else "B ") + t)
    cells: dict[str, dict[str, dict[str, Any]]] = {}
    for sid, aid, date, channel, stype, start, end, locked in shifts:
        day = date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date))
        cells.setdefault(aid, {})[day.isoformat()] = {
            "start": f"{local_ts(start, center.tz):%H:%M}",
            "end": f"{local_ts(end, center.tz):%H:%M}",
            "type": stype,
            "channel": channel,
            "rests": rests.get(sid, []),
            "locked": bool(locked),
        }
    rows = []
    shown = {a.agent_id for a in agents if a.active} | set(cells)
    for a in agents:
        if a.agent_id in shown:
            rows.append(
                {
                    "agent_id": a.agent_id,
                    "name": a.name,
                    "skills": a.skills,
                    "cells": cells.get(a.agent_id, {}),
                }
            )
    return {
        "dates": [d.isoformat() for d in dates],
        "day_labels": [f"{d:%a %d %b}" for d in dates],
        "rows": rows,
    }


def coverage_chart(roster_id: int) -> dict[str, Any]:
    """Per channel and interval: required and on the phones, and the expected service level."""
    center = settings()
    stmt = (
        select(
            CoverageRow.channel,
            CoverageRow.interval_start,
            CoverageRow.required,
            CoverageRow.available,
            CoverageRow.service_level,
        )
        .where(CoverageRow.roster_id == roster_id)
        .order_by(CoverageRow.channel, CoverageRow.interval_start)
    )
    out: dict[str, Any] = {"labels": [], "channels": {}}
    labels_done = False
    current: str | None = None
    for channel, t, req, avail, sl in db.session.execute(stmt):
        if channel != current:
            if current is not None:
                labels_done = True
            current = channel
            out["channels"][channel] = {"required": [], "on_phones": [], "service_level": []}
        ch = out["channels"][channel]
        ch["required"].append(round(req, 2))
        ch["on_phones"].append(round(avail, 2))
        ch["service_level"].append(None if sl is None else round(sl, 4))
        if not labels_done:
            out["labels"].append(_label(local_ts(t, center.tz)))
    return out


def copy_roster(roster: RosterVersion, note: str) -> RosterVersion:
    """A new draft with the shifts, coverage and summary of ``roster`` (its parent)."""
    coverage = coverage_frame_of(roster.id)
    new = save_roster(
        requirement_set_id=roster.requirement_set_id,
        rules_id=roster.rules_id,
        shifts=_stored_shifts(roster.id),
        coverage=coverage,
        summary=roster.summary,
        violations=[],
        first_day=roster.first_day,
        days=roster.days,
        interval_min=roster.interval_min,
        parent_id=roster.id,
        note=note,
    )
    new.violations_json = roster.violations_json
    return new


def coverage_frame_of(roster_id: int) -> pd.DataFrame:
    """A stored roster's coverage table."""
    center = settings()
    cols = [
        "channel",
        "interval_start",
        "required",
        "available",
        "scheduled",
        "volume",
        "service_level",
    ]
    stmt = (
        select(*[getattr(CoverageRow, c) for c in cols])
        .where(CoverageRow.roster_id == roster_id)
        .order_by(CoverageRow.channel, CoverageRow.interval_start)
    )
    frame = pd.DataFrame(db.session.execute(stmt).all(), columns=cols)
    frame["interval_start"] = to_local(frame["interval_start"], center.tz).to_numpy()
    return frame


def _rest_offsets(rules: RosterRules, shift_type: Any, keep: Sequence[int] | None) -> list[int]:
    """Offsets (minutes after the start) of a shift type's rest periods: ``keep`` when they
    are allowed, else the middle allowed offset of each period in order."""
    chain = rest_chain(rules, shift_type)
    if keep is not None and len(keep) == len(chain):
        ok, prev = True, None
        for slot, off in zip(chain, keep, strict=True):
            if off not in slot.offsets_min or (
                prev is not None and off < prev + slot.after_prev_min
            ):
                ok = False
            prev = off
        if ok:
            return list(keep)
    out: list[int] = []
    prev = None
    for slot in chain:
        allowed = [o for o in slot.offsets_min if prev is None or o >= prev + slot.after_prev_min]
        off = allowed[len(allowed) // 2] if allowed else slot.offsets_min[-1]
        out.append(off)
        prev = off
    return out


def edit_shift(
    roster_id: int,
    *,
    agent_id: str,
    date: dt.date,
    day_off: bool,
    start: str = "",
    shift_type: str = "",
    channel: str = "",
) -> tuple[RosterVersion, list[Violation]]:
    """Change one agent's day by hand and run the rule checker on the roster.

    A published roster is never changed: the edit goes into a new draft copied from it. The
    edited shift is locked (a re-optimisation keeps it). Coverage, summary figures and the
    checker's verdict are stored with the draft.

    Returns
    -------
    tuple
        The draft edited and the checker's violations of the whole roster.
    """
    roster = db.get_or_404(RosterVersion, roster_id)
    if roster.status == "published":
        roster = copy_roster(roster, f"edited from published version {roster.id}")
    center = settings()
    rules_row = db.get_or_404(RulesVersion, roster.rules_id)
    rules = rules_of(rules_row)
    if date not in roster_dates(roster):
        raise InputError(f"{date} is not a day of this roster", column="date")
    existing = db.session.scalar(
        select(Shift).where(
            Shift.roster_id == roster.id, Shift.agent_id == agent_id, Shift.date == date
        )
    )
    keep: list[int] | None = None
    if existing is not None:
        if existing.shift_type == shift_type:
            keep = [
                int((a.start_utc - existing.start_utc).total_seconds() // 60)
                for a in existing.activities
                if a.activity != "work"
            ]
        db.session.delete(existing)
        db.session.flush()
    if day_off:
        detail = "day off"
    else:
        types = {t.name: t for t in rules.shift_types}
        if shift_type not in types:
            raise InputError(f"unknown shift type {shift_type!r}", column="shift_type")
        st = types[shift_type]
        try:
            minute = parse_hhmm(start)
        except ValueError:
            raise InputError(f"expected HH:MM, got {start!r}", column="start") from None
        begin = pd.Timestamp(dt.datetime.combine(date, dt.time())).tz_localize(center.tz)
        begin = begin + pd.Timedelta(minutes=minute)
        end = begin + pd.Timedelta(minutes=st.length_min)
        offsets = _rest_offsets(rules, st, keep)
        chain = rest_chain(rules, st)
        rests = tuple(
            Activity(
                slot.kind,
                begin + pd.Timedelta(minutes=o),
                begin + pd.Timedelta(minutes=o + slot.length_min),
            )
            for slot, o in zip(chain, offsets, strict=True)
        )
        shift = RosterShift(
            agent_id=agent_id,
            date=date,
            channel=channel,
            shift_type=st.name,
            start=begin,
            end=end,
            paid_min=st.paid_min,
            rests=rests,
        )
        record = _shift_records([shift])[0]
        record["locked"] = True
        _insert_shifts(roster.id, [record])
        detail = f"{format_hhmm(minute)} {st.name} on {channel}"
    db.session.flush()
    frame = roster_frame_of(roster.id)
    req_set = db.get_or_404(RequirementSet, roster.requirement_set_id)
    targets = targets_of(db.get_or_404(TargetsVersion, req_set.targets_id))
    coverage, summary, violations = _reassess(
        frame,
        requirements_frame(req_set.id),
        agent_records(active_only=False),
        rules,
        targets,
        center.tz,
        roster.summary,
    )
    summary["notes"] = [*summary.get("notes", []), f"edited by hand: {agent_id} {date}"]
    roster.summary_json = json.dumps(summary, default=str)
    roster.violations_json = json.dumps([_violation_dict(v) for v in violations])
    db.session.execute(delete(CoverageRow).where(CoverageRow.roster_id == roster.id))
    _insert_coverage(roster.id, coverage)
    audit("shift_edited", f"roster:{roster.id}", f"{agent_id} {date}: {detail}")
    return roster, violations


def publish_roster(roster_id: int) -> RosterVersion:
    """Publish a draft: from now on it is immutable."""
    roster = db.get_or_404(RosterVersion, roster_id)
    if roster.status == "published":
        raise InputError(f"roster version {roster.id} is published already")
    roster.status = "published"
    roster.published_by = actor()
    roster.published_at = utcnow()
    audit("roster_published", f"roster:{roster.id}", roster.note)
    return roster


def _roster_rows(roster_id: int) -> list[tuple[str, dt.date, str, str, dt.datetime, dt.datetime]]:
    """A stored roster's rows (``ROSTER_COLUMNS``, local times), straight from one query."""
    center = settings()
    stmt = (
        select(
            Shift.agent_id,
            Shift.date,
            ShiftActivity.activity,
            ShiftActivity.channel,
            ShiftActivity.start_utc,
            ShiftActivity.end_utc,
        )
        .join(Shift, ShiftActivity.shift_id == Shift.id)
        .where(Shift.roster_id == roster_id)
        .order_by(Shift.agent_id, Shift.date, ShiftActivity.start_utc)
    )
    return [
        (aid, day, act, chan, local_ts(start, center.tz), local_ts(end, center.tz))
        for aid, day, act, chan, start, end in db.session.execute(stmt)
    ]


def roster_csv(roster_id: int) -> str:
    """The roster CSV (``ROSTER_COLUMNS``, ISO times with offset), as ``wfm roster`` writes."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(ROSTER_COLUMNS)
    for aid, day, act, chan, start, end in _roster_rows(roster_id):
        writer.writerow([aid, day.isoformat(), act, chan, start.isoformat(), end.isoformat()])
    return buf.getvalue()


def roster_xlsx(roster_id: int) -> bytes:
    """An Excel workbook: the grid (agents x days) and the activity rows (write-only mode:
    streamed, several times faster than a full workbook)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    grid = roster_grid(roster_id)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("grid")
    bold = Font(bold=True)
    header = []
    for title in ["agent_id", "name", *grid["dates"]]:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in grid["rows"]:
        values = [row["agent_id"], row["name"]]
        for d in grid["dates"]:
            c = row["cells"].get(d)
            values.append(
                f"{c['start']}-{c['end']} {c['channel']} ({', '.join(c['rests'])})" if c else "off"
            )
        sheet.append(values)
    rows = book.create_sheet("activities")
    rows.append(list(ROSTER_COLUMNS))
    for aid, day, act, chan, start, end in _roster_rows(roster_id):
        rows.append(
            [aid, day.isoformat(), act, chan, f"{start:%Y-%m-%d %H:%M}", f"{end:%Y-%m-%d %H:%M}"]
        )
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
