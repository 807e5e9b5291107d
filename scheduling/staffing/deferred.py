"""Deferred work (email, social, back-office): "P % handled within H hours".

Nobody waits on the line, so work can be moved to any interval inside its response window.

**Backlog model.** Work arrives uniformly within each interval (``volume x aht_s`` seconds of
work); agents on duty clear it first-in first-out at ``max_occupancy`` of their time. The backlog
is a fluid queue (Lindley recursion ``Q_k = max(0, Q_{k-1} + a_k - c_k)`` over sub-steps of an
interval, vectorised by a running minimum), and each contact's handling time is read off the
cumulative departure curve. :func:`simulate_backlog` gives per interval the share of its contacts
handled within ``H`` and their mean wait.

**Planning.** :func:`deferred_staffing` starts from the latest possible cumulative capacity, "all
work arriving up to ``t - H`` is done by ``t``", the least capacity any plan can have by every
``t``; capacity due in unstaffed hours is ramped in evenly over the staffed block before them
(never before the work has arrived). In steady state every feasible plan supplies the same
agent-hours, so the plan is made for half the window (``_PLAN_SHARE``): the same hours, but
contacts wait at most about half the window instead of nearly all of it, so a forecast error
eats into a margin before it breaches the target. Agents are whole
numbers, rounded so cumulative capacity never falls behind the plan, and at least
``min_staff`` in staffed intervals. The horizon is treated as repeating (steady state): work due
in its first hours arrived in the last hours of the "previous" horizon, so Monday morning is
staffed for Sunday's backlog. In steady state every plan must supply the whole workload, so a
target below 100 % cannot lower the hours; the plan's achieved share is reported per interval
by the backlog simulation (it may fall short when work arrives in long unstaffed stretches
with a short window: no staffing inside the staffed hours can fix that).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
_SUBSTEPS = 6
#: The plan clears work within this share of the response window (a safety margin: a
#: forecast error then eats into the margin before it breaches the target).
_PLAN_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class BacklogResult:
    """Per-interval outcome of the FIFO backlog (arrays, one value per interval).

    Attributes
    ----------
    service_level
        Share of the interval's contacts handled within the response window (contacts still
        unhandled at the end of the horizon count as met if their deadline lies beyond it).
    wait_s
        Mean time from arrival to handling of the interval's contacts, seconds (``nan`` if none,
        ``inf`` if some are never handled within the horizon).
    occupancy
        Work done / (agents x interval length).
    backlog_s
        Work waiting at the end of the interval, seconds of handle time.
    """

    service_level: FloatArray
    wait_s: FloatArray
    occupancy: FloatArray
    backlog_s: FloatArray


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def _fluid(
    work_s: FloatArray, capacity_s: FloatArray, interval_s: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Cumulative arrival and departure curves at sub-step edges (time in seconds)."""
    m = _SUBSTEPS
    a = np.repeat(work_s / m, m)
    c = np.repeat(capacity_s / m, m)
    s = np.concatenate(([0.0], np.cumsum(a - c)))
    q = s - np.minimum.accumulate(np.minimum(s, 0.0))
    cum_a = np.concatenate(([0.0], np.cumsum(a)))
    cum_d = cum_a - q
    times = np.arange(cum_a.size, dtype=np.float64) * (interval_s / m)
    return times, cum_a, np.maximum.accumulate(cum_d), q


def _first_time(curve: FloatArray, times: FloatArray, level: FloatArray) -> FloatArray:
    """First time a non-decreasing piecewise-linear *curve* reaches *level* (``inf`` if never)."""
    idx = np.searchsorted(curve, level - 1e-9, side="left")
    out = np.full(level.shape, np.inf)
    ok = idx < curve.size
    i = idx[ok]
    prev = np.maximum(i - 1, 0)
    c0, c1 = curve[prev], curve[i]
    t0, t1 = times[prev], times[i]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(c1 > c0, (level[ok] - c0) / (c1 - c0), 1.0)
    out[ok] = np.where(i == 0, times[0], t0 + np.clip(frac, 0.0, 1.0) * (t1 - t0))
    return out


def simulate_backlog(
    volume: ArrayLike,
    aht_s: ArrayLike,
    agents: ArrayLike,
    *,
    interval_min: int,
    respond_within_h: float,
    max_occupancy: float = 1.0,
) -> BacklogResult:
    """Interval-by-interval FIFO backlog simulation (see the module docstring).

    Parameters
    ----------
    volume
        Contacts arriving per interval.
    aht_s
        Handle time per contact, seconds, per interval.
    agents
        Agents on duty per interval (may be fractional).
    interval_min
        Interval length, minutes.
    respond_within_h
        Response window H, hours.
    max_occupancy
        Share of an agent's time spent on the work.

    Returns
    -------
    BacklogResult
    """
    vol = _f(volume)
    aht = np.nan_to_num(_f(aht_s), nan=0.0)
    n = _f(agents)
    interval_s = interval_min * 60.0
    window_s = respond_within_h * 3600.0
    times, cum_a, cum_d, q = _fluid(vol * aht, n * max_occupancy * interval_s, interval_s)
    m = _SUBSTEPS
    k = vol.size * m
    # each sub-step's contacts, represented by 4 points spread over the sub-step
    pts = (np.arange(4) + 0.5) / 4
    arrival_t = (np.arange(k)[:, None] + pts[None, :]) * (interval_s / m)
    level = cum_a[:-1, None] + pts[None, :] * (cum_a[1:] - cum_a[:-1])[:, None]
    done_t = _first_time(cum_d, times, level.ravel()).reshape(level.shape)
    wait = done_t - arrival_t
    horizon_end = times[-1]
    censored = ~np.isfinite(done_t)
    met = (wait <= window_s + 1e-6) | (censored & (arrival_t + window_s > horizon_end))
    weight = np.repeat(vol / m, m)
    met_share = met.mean(axis=1)
    mean_wait = wait.mean(axis=1)
    per = vol.size
    with np.errstate(divide="ignore", invalid="ignore"):
        met_i = (met_share * weight).reshape(per, m).sum(axis=1)
        sl = np.where(vol > 0, met_i / vol, np.nan)
        w_i = (np.where(weight > 0, mean_wait, 0.0) * weight).reshape(per, m).sum(axis=1)
        wait_s = np.where(vol > 0, w_i / vol, np.nan)
        done_work = np.diff(cum_d[::m])
        occ = np.where(n > 0, done_work / (n * interval_s), np.nan)
    return BacklogResult(
        service_level=np.clip(sl, 0.0, 1.0),
        wait_s=wait_s,
        occupancy=occ,
        backlog_s=q[m::m],
    )


def _copies(window: int, size: int) -> tuple[int, int]:
    """Copies of the horizon to run before (warm-up) and after (so nothing is cut off)."""
    span = int(np.ceil((window + 1) / size))
    return 1 + span, span


def steady_state_backlog(
    volume: ArrayLike,
    aht_s: ArrayLike,
    agents: ArrayLike,
    *,
    interval_min: int,
    respond_within_h: float,
    max_occupancy: float = 1.0,
) -> BacklogResult:
    """:func:`simulate_backlog` of a horizon that repeats (steady state, nothing cut off).

    The horizon is run several times in a row and the copy in the middle is reported, so work
    left at the end of one copy carries into the next as it would week after week.
    """
    vol = _f(volume)
    size = vol.size
    if size == 0:
        empty = np.zeros(0)
        return BacklogResult(empty, empty, empty, empty)
    window = max(1, int(np.floor(respond_within_h * 3600.0 / (interval_min * 60.0) + 1e-9)))
    before, after = _copies(window, size)
    reps = before + 1 + after
    res = simulate_backlog(
        np.tile(vol, reps),
        np.tile(np.nan_to_num(_f(aht_s), nan=0.0), reps),
        np.tile(_f(agents), reps),
        interval_min=interval_min,
        respond_within_h=respond_within_h,
        max_occupancy=max_occupancy,
    )
    keep = slice(before * size, (before + 1) * size)
    return BacklogResult(
        res.service_level[keep], res.wait_s[keep], res.occupancy[keep], res.backlog_s[keep]
    )


def _plan(
    work_s: FloatArray,
    staffed: NDArray[np.bool_],
    unit_s: float,
    window: int,
    slack_s: float,
    min_staff: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Integer agents per interval meeting the latest cumulative capacity less *slack_s*."""
    cum_w = np.cumsum(work_s)
    due_idx = np.arange(work_s.size) - window + 1
    need = np.where(due_idx >= 0, cum_w[np.clip(due_idx, 0, None)], 0.0) - slack_s
    need = np.maximum(need, 0.0)
    # Capacity due in an unstaffed stretch must be in place by the end of the staffed block
    # before it; ramp it in evenly over that block rather than all in its last interval.
    need_adj = need.copy()
    size = need.size
    t = size - 1
    while t >= 0:
        if staffed[t]:
            end = t
            while t >= 0 and staffed[t]:
                t -= 1
            start = t + 1
            closed_end = end
            while closed_end + 1 < size and not staffed[closed_end + 1]:
                closed_end += 1
            target = need[closed_end]
            base = need[start - 1] if start > 0 else 0.0
            length = end - start + 1
            ramp = base + (target - base) * (np.arange(1, length + 1) / length)
            need_adj[start : end + 1] = np.maximum(need[start : end + 1], ramp)
        else:
            t -= 1
    # work cannot be done before it arrives
    need_adj = np.minimum(need_adj, cum_w)
    agents = np.zeros(work_s.size)
    done = 0.0
    for t in range(work_s.size):
        if not staffed[t]:
            continue
        extra = max(0.0, need_adj[t] - done)
        n_t = max(float(min_staff[t]), float(np.ceil(extra / unit_s - 1e-9)))
        agents[t] = n_t
        done += n_t * unit_s
    return agents


def deferred_staffing(
    volume: ArrayLike,
    aht_s: ArrayLike,
    staffed: ArrayLike,
    *,
    interval_min: int,
    service_level: float,
    respond_within_h: float,
    max_occupancy: float = 1.0,
    min_staff: ArrayLike = 0,
) -> tuple[FloatArray, BacklogResult]:
    """Least agent-hours per-interval staffing giving ``service_level`` handled within the window.

    Parameters
    ----------
    volume
        Contacts arriving per interval (arrivals may fall in unstaffed hours).
    aht_s
        Handle time per contact, seconds.
    staffed
        bool per interval: whether agents may work then.
    interval_min
        Interval length, minutes.
    service_level
        Target share P handled within the window.
    respond_within_h
        Response window H, hours.
    max_occupancy
        Share of agent time spent on the work.
    min_staff
        Minimum agents per staffed interval (scalar or per interval).

    Returns
    -------
    (agents, BacklogResult)
        Whole agents per interval and the backlog outcome of that plan (steady state).
    """
    vol = _f(volume)
    aht = np.nan_to_num(_f(aht_s), nan=0.0)
    open_ = np.asarray(staffed, dtype=bool)
    mins = np.broadcast_to(_f(min_staff), vol.shape) * open_
    size = vol.size
    if size == 0:
        empty = np.zeros(0)
        return empty, BacklogResult(empty, empty, empty, empty)
    interval_s = interval_min * 60.0
    window = max(1, int(np.floor(respond_within_h * 3600.0 / interval_s + 1e-9)))
    plan_window = max(1, int(np.floor(window * _PLAN_SHARE + 1e-9)))
    if not open_.any():
        res = simulate_backlog(
            vol,
            aht,
            np.zeros(size),
            interval_min=interval_min,
            respond_within_h=respond_within_h,
            max_occupancy=max_occupancy,
        )
        return np.zeros(size), res
    # steady state: plan over repeated copies of the horizon and keep a middle one, so the
    # work due early in the horizon (arrived late in the "previous" one) is planned for
    before, after = _copies(window, size)
    reps = before + 1 + after
    plan = _plan(
        np.tile(vol * aht, reps),
        np.tile(open_, reps),
        interval_s * max_occupancy,
        plan_window,
        0.0,
        np.tile(mins, reps),
    )
    agents = plan[before * size : (before + 1) * size]
    res = steady_state_backlog(
        vol,
        aht,
        agents,
        interval_min=interval_min,
        respond_within_h=respond_within_h,
        max_occupancy=max_occupancy,
    )
    return agents, res
