"""What a change of service targets costs, at once.

The staffing before and after, and the service the current roster would give under the new
targets.

:func:`what_if` runs :func:`~scheduling.staffing.requirements.compute_requirements` on the same
forecast under both sets of targets and, given the roster's agents on the phones,
:func:`~scheduling.staffing.evaluate.evaluate_staffing` under the new ones. Both are vectorised
over intervals, so a week of three channels at 30 minutes takes milliseconds: a manager's form
can show the effect while they type.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scheduling.staffing.evaluate import evaluate_staffing
from scheduling.staffing.requirements import compute_requirements
from scheduling.staffing.targets import Targets


@dataclass(frozen=True, slots=True)
class WhatIf:
    """Staffing before and after a change of targets.

    ``daily``: per ``channel`` and ``day`` (a date), ``agent_h_before/after`` (agent-hours the
    queues need) and ``staff_h_before/after`` (hours on the phones to roster, shrinkage
    included: the paid hours on the phones the targets cost), and ``peak_before/after`` (most
    agents needed in one interval). ``week``: the same summed per channel. ``service_level``:
    per channel, the week's volume-weighted expected service level of the roster
    (``scheduled``) under the targets before and after (``None`` without a roster), and the
    channels' new targets.
    """

    daily: pd.DataFrame
    week: pd.DataFrame
    service_level: pd.DataFrame | None


def _per_day(req: pd.DataFrame, interval_min: int, suffix: str) -> pd.DataFrame:
    hours = interval_min / 60
    frame = req.assign(day=req["interval_start"].dt.date)
    out = frame.groupby(["channel", "day"], sort=True).agg(
        agent_h=("agents", "sum"), staff_h=("staff", "sum"), peak=("agents", "max")
    )
    out["agent_h"] *= hours
    out["staff_h"] *= hours
    return out.add_suffix(f"_{suffix}")


def _week_service_level(
    scheduled: pd.DataFrame, demand: pd.DataFrame, targets: Targets, interval_min: int
) -> pd.Series:
    ev = evaluate_staffing(scheduled, demand, targets, interval_min)
    ok = ev["volume"].to_numpy() > 0
    ev = ev[ok & ev["service_level"].notna().to_numpy()]
    weighted = (ev["service_level"] * ev["volume"]).groupby(ev["channel"]).sum()
    volume = ev.groupby("channel")["volume"].sum()
    return (weighted / volume).round(4)


def what_if(
    forecast: pd.DataFrame,
    before: Targets,
    after: Targets,
    interval_min: int,
    scheduled: pd.DataFrame | None = None,
) -> WhatIf:
    """The staffing a change of targets costs, and the roster's service under it.

    Parameters
    ----------
    forecast
        Forecast (or requirements) frame: ``channel, queue, interval_start, volume, aht_s``.
    before, after
        The targets in force and the proposed ones (same channels).
    interval_min
        Interval length, minutes.
    scheduled
        The current roster's agents on the phones, ``channel, interval_start, agents`` (e.g.
        from :func:`~scheduling.staffing.evaluate.roster_to_scheduled`), or ``None``.

    Returns
    -------
    WhatIf
    """
    req_before = compute_requirements(forecast, before, interval_min)
    req_after = compute_requirements(forecast, after, interval_min)
    daily = _per_day(req_before, interval_min, "before").join(
        _per_day(req_after, interval_min, "after")
    )
    daily = daily.round(2).reset_index()
    week = (
        daily.drop(columns="day")
        .groupby("channel", sort=True)
        .agg(
            {
                "agent_h_before": "sum",
                "agent_h_after": "sum",
                "staff_h_before": "sum",
                "staff_h_after": "sum",
                "peak_before": "max",
                "peak_after": "max",
            }
        )
    )
    week = week.round(2).reset_index()
    service = None
    if scheduled is not None:
        demand = forecast[["channel", "queue", "interval_start", "volume", "aht_s"]]
        sl = pd.DataFrame(
            {
                "service_level_before": _week_service_level(
                    scheduled, demand, before, interval_min
                ),
                "service_level_after": _week_service_level(scheduled, demand, after, interval_min),
            }
        )
        sl["target_after"] = [after[str(c)].service_level for c in sl.index]
        service = sl.rename_axis("channel").reset_index()
        service = service.replace([np.inf, -np.inf], np.nan)
    return WhatIf(daily=daily, week=week, service_level=service)
