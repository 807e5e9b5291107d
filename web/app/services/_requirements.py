"""Requirements: the job, the rows, the daily totals and the chart."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from scheduling.staffing.pools import plan_queues
from scheduling.staffing.requirements import compute_requirements
from web.app.extensions import db
from web.app.models import (
    ForecastLevel,
    ForecastRow,
    ForecastVersion,
    RequirementRow,
    RequirementSet,
    TargetsVersion,
)
from web.app.services._common import (
    JobContextLike,
    _bulk_insert,
    actor,
    audit,
    settings,
    to_local,
    to_utc,
)
from web.app.services._documents import targets_of
from web.app.services._entities import current_entities
from web.app.services._forecast import forecast_frame
from web.app.services._history import _wide_chart
from web.app.services._scope import CENTER, Scope, scope_filter, scope_queue_keys


def run_requirements_job(ctx: JobContextLike, params: dict[str, Any]) -> str:
    """The ``requirements`` job: staff a stored forecast under the current targets."""
    forecast = db.get_or_404(ForecastVersion, int(params["forecast_id"]))
    targets_row = db.get_or_404(TargetsVersion, int(params["targets_id"]))
    targets = targets_of(targets_row)
    frame = forecast_frame(forecast.id)
    ctx.progress(0.2, "computing requirements")
    # with an entities file each queue is staffed to its entity's targets, pooled as each
    # channel's `pool` says (as `wfm requirements --entities`)
    entities = current_entities()
    plan = plan_queues(frame, targets, entities)
    req = compute_requirements(frame, targets, forecast.interval_min, entities=entities, plan=plan)
    ctx.check_cancel()
    ctx.progress(0.8, "saving")
    saved = save_requirements(
        forecast.id,
        targets_row.id,
        req,
        forecast.interval_min,
        created_by=str(params.get("username", "system")),
    )
    saved.pooling_json = json.dumps(dict(sorted(plan.pooling.items())))
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


def requirements_frame(set_id: int, scope: Scope = CENTER) -> pd.DataFrame:
    """A stored requirement set as the requirements frame (the rows of *scope*).

    For an entity or a queue staffed in a pool it shares with others, the rows are the pool's
    (see :func:`web.app.services._scope.scope_filter`).
    """
    center = settings()
    cols = ["channel", "queue", "interval_start", *REQUIREMENT_VALUES]
    where = _scope_where(set_id, scope)
    stmt = (
        select(*[getattr(RequirementRow, c) for c in cols])
        .where(RequirementRow.requirement_set_id == set_id, where)
        .order_by(RequirementRow.channel, RequirementRow.queue, RequirementRow.interval_start)
    )
    frame = pd.DataFrame(db.session.execute(stmt).all(), columns=cols)
    frame["interval_start"] = to_local(frame["interval_start"], center.tz).to_numpy()
    for c in REQUIREMENT_VALUES:
        frame[c] = frame[c].astype(float)
    return frame


def _scope_where(set_id: int, scope: Scope) -> Any:
    req_set = db.get_or_404(RequirementSet, set_id)
    where, _ = scope_filter(
        scope, RequirementRow.channel, RequirementRow.queue, _pooling_or_default(req_set)
    )
    return where


def _pooling_or_default(req_set: RequirementSet) -> dict[str, str]:
    """The set's pooling; a set stored before it was recorded: each queue alone."""
    return req_set.pooling or {}


def shared_pools(set_id: int, scope: Scope) -> list[dict[str, str]]:
    """The channels whose pool the scope cannot be split from: channel, pool key and pooling."""
    req_set = db.get_or_404(RequirementSet, set_id)
    pooling = _pooling_or_default(req_set)
    _, shared = scope_filter(scope, RequirementRow.channel, RequirementRow.queue, pooling)
    return [{"channel": c, "pool": k, "pooling": pooling.get(c, "")} for c, k in shared]


def requirements_daily(set_id: int, scope: Scope = CENTER) -> list[dict[str, Any]]:
    """Per channel and day: volume, peak agents, agent and staff hours, weighted SL.

    Summed in SQL over the scope's rows per interval first (agents add up across separately
    staffed pools), then per day: the peak is that of the scope's total.
    """
    req_set = db.get_or_404(RequirementSet, set_id)
    center = settings()
    where = _scope_where(set_id, scope)
    R = RequirementRow
    stmt = (
        select(
            R.channel,
            R.interval_start,
            func.sum(R.volume),
            func.sum(R.agents),
            func.sum(R.staff),
            func.sum(func.coalesce(R.service_level, 0.0) * R.volume),
        )
        .where(R.requirement_set_id == set_id, where)
        .group_by(R.channel, R.interval_start)
        .order_by(R.interval_start, R.channel)
    )
    f = pd.DataFrame(
        db.session.execute(stmt).all(),
        columns=["channel", "interval_start", "volume", "agents", "staff", "w_sl"],
    )
    if f.empty:
        return []
    for c in ("volume", "agents", "staff", "w_sl"):
        f[c] = f[c].astype(float)
    f["interval_start"] = to_local(f["interval_start"], center.tz).to_numpy()
    hours = req_set.interval_min / 60
    f = f.assign(day=f["interval_start"].dt.strftime("%Y-%m-%d"))
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


def requirements_chart(set_id: int, scope: Scope = CENTER) -> dict[str, Any]:
    """Agents and staff per channel and interval over the scope's rows (chart data)."""
    center = settings()
    where = _scope_where(set_id, scope)
    stmt = (
        select(
            RequirementRow.channel,
            RequirementRow.interval_start,
            func.sum(RequirementRow.agents),
            func.sum(RequirementRow.staff),
        )
        .where(RequirementRow.requirement_set_id == set_id, where)
        .group_by(RequirementRow.channel, RequirementRow.interval_start)
        .order_by(RequirementRow.interval_start)
    )
    frame = pd.DataFrame(
        db.session.execute(stmt).all(), columns=["channel", "t", "agents", "staff"]
    )
    agents = _wide_chart(frame, "t", "agents", center.tz)
    staff = _wide_chart(frame, "t", "staff", center.tz)
    return {"labels": agents["labels"], "agents": agents["series"], "staff": staff["series"]}


def entity_volume_daily(forecast_id: int, scope: Scope) -> list[dict[str, Any]]:
    """Per day and channel, the forecast volume of the scope's own queues (SQL sums)."""
    center = settings()
    keys = scope_queue_keys(scope)
    L = ForecastLevel
    stmt = (  # the stored queue levels: an index lookup per queue
        select(L.key, L.interval_start, L.volume).where(
            L.forecast_id == forecast_id, L.level == "queue", L.key.in_(keys)
        )
    )
    f = pd.DataFrame(db.session.execute(stmt).all(), columns=["channel", "t", "volume"])
    if not f.empty:
        f["channel"] = f["channel"].str.split("/", n=1).str[0]
    else:  # a forecast without levels: its rows
        where, _ = scope_filter(scope, ForecastRow.channel, ForecastRow.queue)
        stmt = (
            select(ForecastRow.channel, ForecastRow.interval_start, func.sum(ForecastRow.volume))
            .where(ForecastRow.forecast_id == forecast_id, where)
            .group_by(ForecastRow.channel, ForecastRow.interval_start)
        )
        f = pd.DataFrame(db.session.execute(stmt).all(), columns=["channel", "t", "volume"])
    if f.empty:
        return []
    f["volume"] = f["volume"].astype(float)
    f["day"] = to_local(f["t"], center.tz).dt.strftime("%Y-%m-%d").to_numpy()
    g = f.groupby(["day", "channel"], sort=True)["volume"].sum()
    return [
        {"day": str(key[0]), "channel": str(key[1]), "volume": round(float(v))}  # type: ignore[index]
        for key, v in g.items()
    ]
