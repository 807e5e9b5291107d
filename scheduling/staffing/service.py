"""Expected service per queue, per entity and per channel of a staffing (or a roster).

Agents are skilled per channel (skills per queue are the next issue), so a roster gives agents
per channel and interval. :func:`evaluate_queues` turns them into service per queue:

* **channel pool**: every queue of the channel shares the channel's agents and, in one
  first-come-first-served queue, the same wait distribution; each queue's service level is
  that distribution read at the queue's own ``answer_within_s`` (and its own model
  parameters), so a stricter entity shows a lower service level on the same agents.
* **queue, entity or group pools**: the channel's agents are split over its pools in proportion
  to the pools' requirements in that interval (:func:`split_scheduled`; by volume where no pool
  needs agents, evenly where none has volume either). That is the assumption of a planner who
  assigns the channel's agents where the requirements are; it is the no-sharing bound the
  roster staffs to (its channel requirement is the sum of its pools').

:func:`summarize_service` aggregates per queue, entity or channel: volumes summed, service
level, abandonment and the target volume-weighted, ASA weighted by answered contacts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from scheduling.staffing.deferred import steady_state_backlog
from scheduling.staffing.pools import QueuePlan, plan_queues
from scheduling.staffing.requirements import (
    compute_requirements,
    fractional_metrics,
    pooled_series,
    queue_demand,
    with_pools,
)
from scheduling.staffing.targets import ChannelTargets, Targets

if TYPE_CHECKING:
    from wfmcore.entities import EntitySet

QUEUE_SERVICE_COLUMNS = [
    "channel",
    "queue",
    "entity",
    "pool",
    "interval_start",
    "volume",
    "aht_s",
    "agents",
    "service_level",
    "asa_s",
    "occupancy",
    "abandon_rate",
    "target_service_level",
]
BY = ("queue", "entity", "channel")


def split_scheduled(scheduled: pd.DataFrame, requirements: pd.DataFrame) -> pd.DataFrame:
    """Share each channel's scheduled agents among its pools, in proportion to requirements.

    Parameters
    ----------
    scheduled
        ``channel, interval_start, agents`` (agents on the channel's phones, may be fractional).
    requirements
        ``channel, queue, interval_start, agents, volume`` per pool (``queue`` = pool key), as
        from :func:`scheduling.staffing.requirements.compute_requirements`.

    Returns
    -------
    pandas.DataFrame
        ``channel, pool, interval_start, agents``: a pool's share of its channel's agents.
        Where no pool of the channel needs agents the share follows volume; where none has
        volume it is even. A channel with one pool keeps all its agents.
    """
    sched = scheduled.groupby(["channel", "interval_start"], as_index=False)["agents"].sum()
    req = requirements[["channel", "queue", "interval_start", "agents", "volume"]].rename(
        columns={"queue": "pool", "agents": "need"}
    )
    req = req.astype({"need": "float64", "volume": "float64"})
    keys = ["channel", "interval_start"]
    tot = req.groupby(keys)[["need", "volume"]].transform("sum")
    n = req.groupby(keys)["pool"].transform("count").to_numpy(dtype=np.float64)
    need, vol = req["need"].to_numpy(), req["volume"].to_numpy()
    t_need, t_vol = tot["need"].to_numpy(), tot["volume"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(t_need > 0, need / t_need, np.where(t_vol > 0, vol / t_vol, 1.0 / n))
    req["share"] = share
    out = req.merge(sched, on=keys, how="left")
    out["agents"] = out["agents"].fillna(0.0).astype("float64") * out["share"]
    return out[["channel", "pool", "interval_start", "agents"]]


def _variant_metrics(
    target: ChannelTargets,
    vol: NDArray[np.float64],
    aht: NDArray[np.float64],
    agents: NDArray[np.float64],
    interval_min: int,
) -> dict[str, NDArray[np.float64]]:
    """The pool's service read with one member target (its shrinkage, model, answer time)."""
    on_phones = agents * (1.0 - target.shrinkage)
    if target.model == "deferred":
        assert target.respond_within_h is not None
        res = steady_state_backlog(
            vol,
            aht,
            on_phones,
            interval_min=interval_min,
            respond_within_h=target.respond_within_h,
            max_occupancy=target.max_occupancy,
        )
        return {
            "service_level": np.asarray(res.service_level, dtype=np.float64),
            "asa_s": np.asarray(res.wait_s, dtype=np.float64),
            "occupancy": np.asarray(res.occupancy, dtype=np.float64),
            "abandon_rate": np.full(vol.shape, np.nan),
        }
    m = fractional_metrics(target, vol, aht, on_phones, interval_min * 60.0)
    return {
        "service_level": m.service_level,
        "asa_s": m.asa_s,
        "occupancy": np.where(on_phones > 0, m.occupancy, np.nan),
        "abandon_rate": m.abandon_rate,
    }


def evaluate_queues(
    scheduled: pd.DataFrame,
    demand: pd.DataFrame,
    targets: Targets,
    interval_min: int,
    *,
    entities: EntitySet | None = None,
    plan: QueuePlan | None = None,
) -> pd.DataFrame:
    """Expected service per queue and interval of agents scheduled per channel.

    Parameters
    ----------
    scheduled
        ``channel, interval_start, agents``: rostered agents on the channel's phones (e.g.
        :func:`scheduling.staffing.evaluate.roster_to_scheduled`); the queue model gets
        ``agents x (1 - shrinkage)``, as in :func:`~scheduling.staffing.evaluate.evaluate_staffing`.
    demand
        The forecast per queue (``channel, queue, interval_start, volume, aht_s``).
    targets
        The channels' targets.
    interval_min
        Interval length, minutes.
    entities
        The entities file: each queue's targets and entity, and the pools of ``entity`` and
        ``group`` pooling; ``None``: the channel's targets for every queue.
    plan
        The pools, when already made (:func:`~scheduling.staffing.pools.plan_queues`).

    Returns
    -------
    pandas.DataFrame
        :data:`QUEUE_SERVICE_COLUMNS`, one row per queue and interval of *demand*: ``agents``
        are the pool's agents (its share of the channel's, see the module docstring), the
        service columns are the pool's wait read with the queue's own targets, and
        ``target_service_level`` is the queue's target. Service cells are empty where the
        queue has no volume and its pool no agents; ``entity`` is empty without *entities*.
    """
    f = queue_demand(demand, targets)
    if plan is None:
        plan = plan_queues(f, targets, entities)
    req = compute_requirements(f, targets, interval_min, plan=plan)
    shares = split_scheduled(scheduled, req)
    pooled = with_pools(f, plan)
    share_of = {
        (str(c), str(p)): g.set_index("interval_start")["agents"]
        for (c, p), g in shares.groupby(["channel", "pool"], sort=False)
    }
    parts = []
    for (channel, pool), members in pooled.groupby(["channel", "pool"], sort=True):
        starts, vol, aht = pooled_series(members)
        index = pd.DatetimeIndex(starts)
        ag = share_of[(str(channel), str(pool))].reindex(index).fillna(0.0).to_numpy(np.float64)
        cache: dict[ChannelTargets, dict[str, NDArray[np.float64]]] = {}
        groups = (
            [(members["queue"].iloc[0], members)]
            if members["queue"].nunique() == 1
            else list(members.groupby("queue", sort=True))
        )
        for queue, rows in groups:
            target = plan.target_of[(str(channel), str(queue))]
            if target not in cache:
                cache[target] = _variant_metrics(target, vol, aht, ag, interval_min)
            metrics = cache[target]
            rows = rows.sort_values("interval_start")
            pos = index.get_indexer(pd.DatetimeIndex(rows["interval_start"]))
            q_vol = rows["volume"].to_numpy(dtype=np.float64)
            q_ag = ag[pos]
            show = (q_vol > 0) | (q_ag > 0)
            parts.append(
                pd.DataFrame(
                    {
                        "channel": channel,
                        "queue": queue,
                        "entity": plan.entity_of.get((str(channel), str(queue)), ""),
                        "pool": pool,
                        "interval_start": rows["interval_start"].reset_index(drop=True),
                        "volume": q_vol,
                        "aht_s": rows["aht_s"].to_numpy(dtype=np.float64),
                        "agents": np.round(q_ag, 4),
                        **{
                            col: np.where(show, metrics[col][pos], np.nan)
                            for col in ("service_level", "asa_s", "occupancy", "abandon_rate")
                        },
                        "target_service_level": target.service_level,
                    }
                )
            )
    frame = pd.concat(parts, ignore_index=True)[QUEUE_SERVICE_COLUMNS]
    for col in ("service_level", "asa_s", "occupancy", "abandon_rate"):
        frame[col] = frame[col].astype("float64").round(4)
    return frame


def _wmean(x: NDArray[np.float64], w: NDArray[np.float64]) -> float:
    ok = np.isfinite(x) & (w > 0)
    if ok.any():
        return float(np.sum(x[ok] * w[ok]) / np.sum(w[ok]))
    return float("inf") if (np.isinf(x) & (w > 0)).any() else float("nan")


def summarize_service(frame: pd.DataFrame, by: str = "entity") -> pd.DataFrame:
    """Service per queue, entity or channel over the whole period of :func:`evaluate_queues`.

    Parameters
    ----------
    frame
        From :func:`evaluate_queues`.
    by
        ``"queue"`` (one row per channel and queue), ``"entity"`` (per entity, over all its
        queues and channels) or ``"channel"``.

    Returns
    -------
    pandas.DataFrame
        The keys, then ``volume``, ``service_level``, ``target_service_level`` (both weighted
        by volume), ``gap`` (service level minus target), ``asa_s`` (weighted by answered
        contacts) and ``abandon_rate`` (by volume; empty where not modelled). Entities are
        ranked worst first (smallest gap); queues and channels are in key order.
    """
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}")
    keys = {"queue": ["channel", "queue", "entity"], "entity": ["entity"], "channel": ["channel"]}[
        by
    ]
    rows = []
    for key, g in frame.groupby(keys, sort=True):
        vol = g["volume"].to_numpy(dtype=np.float64)
        ab = g["abandon_rate"].to_numpy(dtype=np.float64)
        answered = vol * (1.0 - np.nan_to_num(ab))
        sl = _wmean(g["service_level"].to_numpy(dtype=np.float64), vol)
        target = _wmean(g["target_service_level"].to_numpy(dtype=np.float64), vol)
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        row.update(
            volume=round(float(vol.sum()), 2),
            service_level=round(sl, 4),
            target_service_level=round(target, 4),
            gap=round(sl - target, 4),
            asa_s=round(_wmean(g["asa_s"].to_numpy(dtype=np.float64), answered), 2),
            abandon_rate=round(_wmean(ab, vol), 4),
        )
        rows.append(row)
    cols = [*keys, "volume", "service_level", "target_service_level", "gap", "asa_s"]
    out = pd.DataFrame(rows, columns=[*cols, "abandon_rate"])
    if by == "entity":
        out = out.sort_values(["gap", "entity"], ignore_index=True, na_position="last")
    return out
