"""Requirements: the job, the rows, the daily totals and the chart."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from scheduling.staffing.requirements import compute_requirements
from web.app.extensions import db
from web.app.models import (
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
from web.app.services._forecast import forecast_frame
from web.app.services._history import _wide_chart


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
        day=f["interval_start"].dt.strftime("%Y-%m-%d"),
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
