"""What a change of service targets costs, at once.

The staffing before and after, and the service the current roster would give under the new
targets.

:func:`what_if` runs :func:`~scheduling.staffing.requirements.compute_requirements` on the same
forecast under both sets of targets and, given the roster's agents on the phones,
:func:`~scheduling.staffing.evaluate.evaluate_staffing` under the new ones. Both are vectorised
over intervals, so a week of three channels at 30 minutes takes milliseconds: a manager's form
can show the effect while they type.

With entities (``entities_before`` / ``entities_after``, e.g. one entity's target overrides
edited) each queue is staffed to its entity's targets and :attr:`WhatIf.entities` gives the
effect per entity beside the center's per channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scheduling.staffing.evaluate import evaluate_staffing
from scheduling.staffing.pools import QueuePlan, plan_queues
from scheduling.staffing.requirements import compute_requirements, queue_demand, with_pools
from scheduling.staffing.service import evaluate_queues, summarize_service
from scheduling.staffing.targets import Targets

if TYPE_CHECKING:
    from wfmcore.entities import EntitySet


@dataclass(frozen=True, slots=True)
class WhatIf:
    """Staffing before and after a change of targets.

    ``daily``: per ``channel`` and ``day`` (a date), ``agent_h_before/after`` (agent-hours the
    queues need) and ``staff_h_before/after`` (hours on the phones to roster, shrinkage
    included: the paid hours on the phones the targets cost), and ``peak_before/after`` (most
    agents needed in one interval). ``week``: the same summed per channel. ``service_level``:
    per channel, the week's volume-weighted expected service level of the roster
    (``scheduled``) under the targets before and after (``None`` without a roster), and the
    channels' new targets (with entities: over the channel's queues, each with its entity's
    targets, and the volume-weighted target). ``entities`` (with entities only): per ``entity``,
    ``agent_h_before/after`` and ``staff_h_before/after`` (a pool's hours shared among its
    member queues by their volume in each interval; a queue staffed alone keeps its own) and,
    with a roster, ``service_level_before/after`` and ``target_after`` (volume-weighted over
    the entity's queues, :func:`~scheduling.staffing.service.summarize_service`).
    """

    daily: pd.DataFrame
    week: pd.DataFrame
    service_level: pd.DataFrame | None
    entities: pd.DataFrame | None = None


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


def entity_hours(
    requirements: pd.DataFrame,
    forecast: pd.DataFrame,
    targets: Targets,
    plan: QueuePlan,
    interval_min: int,
) -> pd.DataFrame:
    """Agent-hours and staff-hours of the requirements per entity.

    A pool's agents in an interval are shared among its member queues by their volume there
    (evenly where the pool has none); a queue staffed alone keeps its own.

    Returns
    -------
    pandas.DataFrame
        ``entity, agent_h, staff_h``, sorted by entity.
    """
    demand = with_pools(queue_demand(forecast, targets), plan)
    demand["entity"] = [
        plan.entity_of.get((str(c), str(q)), "")
        for c, q in zip(demand["channel"], demand["queue"], strict=True)
    ]
    keys = ["channel", "pool", "interval_start"]
    pool_vol = demand.groupby(keys)["volume"].transform("sum").to_numpy(dtype=np.float64)
    count = demand.groupby(keys)["volume"].transform("count").to_numpy(dtype=np.float64)
    vol = demand["volume"].to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        demand["share"] = np.where(pool_vol > 0, vol / pool_vol, 1.0 / count)
    req = requirements[["channel", "queue", "interval_start", "agents", "staff"]].rename(
        columns={"queue": "pool"}
    )
    joined = demand.merge(req, on=keys, how="left")
    hours = interval_min / 60.0
    joined["agent_h"] = joined["agents"].fillna(0.0) * joined["share"] * hours
    joined["staff_h"] = joined["staff"].fillna(0.0) * joined["share"] * hours
    out = joined.groupby("entity", sort=True)[["agent_h", "staff_h"]].sum().round(2)
    return out.reset_index()


def _entity_effect(
    forecast: pd.DataFrame,
    targets: tuple[Targets, Targets],
    entities: tuple[EntitySet | None, EntitySet | None],
    req: tuple[pd.DataFrame, pd.DataFrame],
    plans: tuple[QueuePlan, QueuePlan],
    interval_min: int,
    scheduled: pd.DataFrame | None,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Per entity hours (and service), and per channel service from the queues' service."""
    parts = []
    channel_parts = []
    for k, suffix in enumerate(("before", "after")):
        hours = entity_hours(req[k], forecast, targets[k], plans[k], interval_min)
        parts.append(hours.set_index("entity").add_suffix(f"_{suffix}"))
        if scheduled is not None:
            frame = evaluate_queues(
                scheduled, forecast, targets[k], interval_min, entities=entities[k], plan=plans[k]
            )
            sl = summarize_service(frame, by="entity").set_index("entity")
            by_channel = summarize_service(frame, by="channel").set_index("channel")
            parts.append(sl[["service_level"]].add_suffix(f"_{suffix}"))
            channel_parts.append(by_channel[["service_level"]].add_suffix(f"_{suffix}"))
            if suffix == "after":
                parts.append(sl[["target_service_level"]].rename(columns=lambda _: "target_after"))
                channel_parts.append(
                    by_channel[["target_service_level"]].rename(columns=lambda _: "target_after")
                )
    out = pd.concat(parts, axis=1).rename_axis("entity").reset_index()
    channels = (
        pd.concat(channel_parts, axis=1).rename_axis("channel").reset_index()
        if channel_parts
        else None
    )
    return out.replace([np.inf, -np.inf], np.nan), (
        None if channels is None else channels.replace([np.inf, -np.inf], np.nan)
    )


def what_if(
    forecast: pd.DataFrame,
    before: Targets,
    after: Targets,
    interval_min: int,
    scheduled: pd.DataFrame | None = None,
    *,
    entities_before: EntitySet | None = None,
    entities_after: EntitySet | None = None,
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
    entities_before, entities_after
        The entities in force and the proposed ones (e.g. one entity's overrides edited):
        each queue is staffed to its entity's targets (:mod:`scheduling.staffing.pools`) and
        :attr:`WhatIf.entities` is filled. One of them given alone stands for both.

    Returns
    -------
    WhatIf
    """
    with_entities = entities_before is not None or entities_after is not None
    if with_entities:
        entities_before = entities_before if entities_before is not None else entities_after
        entities_after = entities_after if entities_after is not None else entities_before
    plans = None
    if with_entities:
        demand = queue_demand(forecast, before)
        plans = (
            plan_queues(demand, before, entities_before),
            plan_queues(demand, after, entities_after),
        )
    req_before = compute_requirements(
        forecast, before, interval_min, plan=None if plans is None else plans[0]
    )
    req_after = compute_requirements(
        forecast, after, interval_min, plan=None if plans is None else plans[1]
    )
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
    per_entity = None
    if plans is not None:
        per_entity, per_channel = _entity_effect(
            forecast,
            (before, after),
            (entities_before, entities_after),
            (req_before, req_after),
            plans,
            interval_min,
            scheduled,
        )
        if per_channel is not None:  # the queues' own targets, not the channel's alone
            service = per_channel
    return WhatIf(daily=daily, week=week, service_level=service, entities=per_entity)
