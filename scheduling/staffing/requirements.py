"""From a forecast to the agents each channel needs per interval (the requirements frame).

``read_forecast`` validates a forecast CSV; ``pool_forecast`` merges the queues of a channel
(sum of volume, volume-weighted AHT) into queue ``all``; ``required_agents`` is the vectorised
search for the smallest agent count meeting every target; ``compute_requirements`` puts it
together per channel and interval:

``channel, queue, interval_start, volume, aht_s, agents, staff, service_level, asa_s,
occupancy, abandon_rate``

``agents`` is a whole number on the channel; ``staff = agents / (1 - shrinkage)`` (rounded up to
two decimals, so that ``staff x (1 - shrinkage)`` never falls short of ``agents``) is what the
roster must put on the phones: shrinkage is the time off the phones a roster does not schedule
(absence, sickness, unrostered meetings), while lunch and breaks are rostered. Closed intervals
need 0 agents; open ones at least ``min_staff``. For ``deferred`` channels ``service_level`` is
the share handled within ``respond_within_h`` and ``asa_s`` the mean time to handle, seconds;
``abandon_rate`` is empty where not modelled.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from scheduling.errors import InputError, TargetsError
from scheduling.staffing.chat import chat_metrics
from scheduling.staffing.deferred import deferred_staffing
from scheduling.staffing.erlang import QueueMetrics, erlang_c
from scheduling.staffing.erlang_a import erlang_a
from scheduling.staffing.pools import QueuePlan, plan_queues
from scheduling.staffing.targets import ChannelTargets, Targets
from wfmcore import frames
from wfmcore.defaults import DEFAULT_TZ, MINUTES_PER_DAY
from wfmcore.parse import parse_numbers, parse_text, parse_timestamps, read_csv_checked

if TYPE_CHECKING:
    from wfmcore.entities import EntitySet

REQUIREMENT_COLUMNS = list(frames.REQUIREMENT_COLUMNS)
#: The forecast columns staffing reads.
FORECAST_COLUMNS = list(frames.DEMAND_COLUMNS)

IntArray = NDArray[np.int64]


def read_forecast(
    path: str | Path, tz: str = DEFAULT_TZ, *, aht_s: float | None = None
) -> pd.DataFrame:
    """Read and validate a forecast (or requirements) CSV.

    Parameters
    ----------
    path
        CSV with ``channel, interval_start, volume, aht_s`` (``queue`` optional, default
        ``all``); other columns are kept as they are.
    tz
        Zone of naive timestamps; offsets are converted to it.
    aht_s
        AHT in seconds to assume where the file's ``aht_s`` is empty (a forecast made from a
        history without AHT); ``None``: such a row with volume > 0 is an error.

    Returns
    -------
    pandas.DataFrame
        ``channel, queue`` (str), ``interval_start`` (tz-aware), ``volume``, ``aht_s`` (float;
        ``aht_s`` may be empty where ``volume`` is 0), sorted by channel, queue, interval_start.

    Raises
    ------
    InputError
        Missing columns, bad numbers or timestamps, negative volume, duplicate intervals.
    """
    name = str(path)
    raw = read_csv_checked(path, ["channel", "interval_start", "volume", "aht_s"], error=InputError)
    frame = raw.copy()
    frame["channel"] = parse_text(
        raw["channel"], file=name, column="channel", what="a channel name", error=InputError
    )
    frame["queue"] = (
        parse_text(raw["queue"], file=name, column="queue", default="all", error=InputError)
        if "queue" in raw.columns
        else "all"
    )
    frame["interval_start"] = parse_timestamps(
        raw["interval_start"], tz=tz, file=name, column="interval_start", error=InputError
    )
    frame["volume"] = parse_numbers(
        raw["volume"], file=name, column="volume", min_value=0, error=InputError
    )
    aht = parse_numbers(
        raw["aht_s"], file=name, column="aht_s", min_value=0, required=False, error=InputError
    )
    if aht_s is not None:
        if not (np.isfinite(aht_s) and aht_s > 0):
            raise InputError(f"the AHT to assume must be a positive number of seconds, not {aht_s}")
        aht = np.where(np.isnan(aht), float(aht_s), aht)
    bad = (frame["volume"].to_numpy() > 0) & ~(aht > 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        empty = int((bad & np.isnan(aht)).sum())
        hint = (
            f"; {empty} row(s) with volume have no AHT (a forecast from a history without "
            "aht_s): give the AHT to assume with --aht SECONDS (aht_s= in Python)"
            if empty
            else ""
        )
        raise InputError(
            f"aht_s must be a positive number where volume > 0{hint}",
            file=name,
            row=row + 2,
            column="aht_s",
        )
    frame["aht_s"] = aht
    dup = frame.duplicated(["channel", "queue", "interval_start"]).to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        raise InputError(
            "duplicate interval for this channel and queue",
            file=name,
            row=row + 2,
            column="interval_start",
        )
    if frame.empty:
        raise InputError("no rows", file=name)
    cols = FORECAST_COLUMNS + [c for c in frame.columns if c not in FORECAST_COLUMNS]
    return frame[cols].sort_values(["channel", "queue", "interval_start"], ignore_index=True)


def infer_interval_min(frame: pd.DataFrame, column: str = "interval_start") -> int:
    """The interval length in minutes: the most common step between intervals of a series.

    Raises
    ------
    InputError
        When no series has two intervals, or the step is not a whole number of minutes.
    """
    keys = [c for c in ("channel", "queue") if c in frame.columns]
    ordered = frame.sort_values([*keys, column])
    steps = (
        ordered.groupby(keys, sort=False)[column].diff().dropna()
        if keys
        else (ordered[column].diff().dropna())
    )
    steps = steps[steps > pd.Timedelta(0)]
    if steps.empty:
        raise InputError(
            "cannot infer the interval length from a single interval; pass --interval",
            column=column,
        )
    minutes = steps.mode().iloc[0].total_seconds() / 60.0
    if minutes != int(minutes) or minutes <= 0 or MINUTES_PER_DAY % int(minutes):
        raise InputError(f"interval length of {minutes:g} minutes does not divide a day")
    return int(minutes)


def at_interval(
    forecast: pd.DataFrame, interval_min: int | None, *, file: str | None = None
) -> tuple[pd.DataFrame, int, tuple[str, ...]]:
    """A forecast at the wanted interval length: its own, or a multiple of it (volumes summed).

    Parameters
    ----------
    forecast
        ``channel, queue, interval_start, volume, aht_s`` (from :func:`read_forecast`).
    interval_min
        Wanted length in minutes (``--interval``); ``None`` for the forecast's own.
    file
        Named in messages.

    Returns
    -------
    (frame, interval_min, notes)
        The forecast (``channel, queue, interval_start, volume, aht_s`` when summed: volumes
        added up, AHT volume-weighted), the interval length, and a note when summed.

    Raises
    ------
    InputError
        A wanted length finer than the forecast's, or not a multiple of it: volumes of coarser
        intervals cannot be split without guessing, and reading them as finer ones would staff
        the wrong number of agents.
    """
    if forecast["interval_start"].nunique() < 2 and interval_min is not None:
        return forecast, int(interval_min), ()
    own = infer_interval_min(forecast)
    if interval_min is None or int(interval_min) == own:
        return forecast, own, ()
    wanted = int(interval_min)
    if wanted < own or wanted % own:
        raise InputError(
            f"the forecast has {own}-minute intervals, so --interval {wanted} cannot be made from "
            f"it; expected --interval {own} or a multiple of it (volumes are summed)",
            file=file,
            column="interval_start",
        )
    return (
        _coarser(forecast, wanted),
        wanted,
        (f"{file or 'forecast'}: {own}-minute intervals summed to {wanted}-minute ones",),
    )


def bucket_starts(stamps: pd.Series, interval_min: int) -> pd.Series:
    """Start of the ``interval_min``-minute interval that holds each tz-aware timestamp.

    Intervals are counted from local midnight.
    """
    naive = stamps.dt.tz_localize(None)
    since_midnight = naive - naive.dt.normalize()
    starts: pd.Series = stamps - since_midnight % pd.Timedelta(minutes=interval_min)
    return starts


def _coarser(forecast: pd.DataFrame, interval_min: int) -> pd.DataFrame:
    f = forecast[["channel", "queue", "interval_start", "volume", "aht_s"]].copy()
    f["interval_start"] = bucket_starts(f["interval_start"], interval_min)
    f["work"] = f["volume"] * f["aht_s"].fillna(0.0)
    g = f.groupby(["channel", "queue", "interval_start"], sort=True)
    out = g.agg(volume=("volume", "sum"), work=("work", "sum"), mean_aht=("aht_s", "mean"))
    out = out.reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["aht_s"] = np.where(out["volume"] > 0, out["work"] / out["volume"], out["mean_aht"])
    return out[FORECAST_COLUMNS]


def pool_forecast(forecast: pd.DataFrame) -> pd.DataFrame:
    """Merge the queues of each channel into queue ``all``.

    Volume is summed; ``aht_s`` is the volume-weighted mean (the plain mean where the
    interval's volume is 0).
    """
    f = forecast[["channel", "queue", "interval_start", "volume", "aht_s"]].copy()
    f["work"] = f["volume"] * f["aht_s"].fillna(0.0)
    g = f.groupby(["channel", "interval_start"], sort=True)
    out = g.agg(volume=("volume", "sum"), work=("work", "sum"), mean_aht=("aht_s", "mean"))
    out = out.reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        aht = np.where(out["volume"] > 0, out["work"] / out["volume"], out["mean_aht"])
    out["aht_s"] = aht
    out["queue"] = "all"
    return out[FORECAST_COLUMNS].sort_values(["channel", "interval_start"], ignore_index=True)


def channel_metrics(
    target: ChannelTargets,
    volume: ArrayLike,
    aht_s: ArrayLike,
    agents: ArrayLike,
    *,
    interval_s: float,
    compute_asa: bool = True,
) -> QueueMetrics:
    """Queue performance of a voice or chat channel with whole *agents* (per interval arrays).

    Dispatches on ``target.model`` (``erlang_c``, ``erlang_a``, ``chat``); not for ``deferred``.
    """
    vol = np.asarray(volume, dtype=np.float64)
    aht = np.nan_to_num(np.asarray(aht_s, dtype=np.float64), nan=1.0)
    aht = np.where(aht > 0, aht, 1.0)  # zero-volume intervals may lack an AHT
    if target.model == "erlang_c":
        return erlang_c(
            vol, aht, agents, interval_s=interval_s, answer_within_s=target.answer_within_s
        )
    if target.model == "erlang_a":
        assert target.patience_s is not None
        return erlang_a(
            vol,
            aht,
            agents,
            interval_s=interval_s,
            answer_within_s=target.answer_within_s,
            patience_s=target.patience_s,
            abandon_threshold_s=target.abandon_threshold_s,
            compute_asa=compute_asa,
        )
    if target.model == "chat":
        return chat_metrics(
            vol,
            aht,
            agents,
            interval_s=interval_s,
            answer_within_s=target.answer_within_s,
            concurrency=target.concurrency,
            handle_time_growth=target.handle_time_growth,
            patience_s=target.patience_s,
            compute_asa=compute_asa,
        )
    raise TargetsError(f"channel {target.name!r}: model {target.model!r} has no queue metrics")


def _meets(target: ChannelTargets, m: QueueMetrics) -> NDArray[np.bool_]:
    ok = (m.service_level >= target.service_level - 1e-12) & (
        m.occupancy <= target.max_occupancy + 1e-12
    )
    if target.max_asa_s is not None:
        ok &= m.asa_s <= target.max_asa_s
    if target.max_abandon_rate is not None:
        ok &= m.abandon_rate <= target.max_abandon_rate
    return ok


def required_agents(
    target: ChannelTargets, volume: ArrayLike, aht_s: ArrayLike, *, interval_s: float
) -> IntArray:
    """Smallest whole number of agents meeting every target of *target*, per interval.

    The service level, the optional ASA and abandonment caps and the occupancy cap are all
    monotone in the agent count, so the search is a bisection run on all intervals at once
    (numpy arrays; the loop is over ~log2(N) rounds, not over intervals).

    Parameters
    ----------
    target
        Targets of a voice or chat channel (``erlang_c``, ``erlang_a``, ``chat``).
    volume, aht_s
        Per interval: contacts offered, mean handle time in seconds.
    interval_s
        Interval length, seconds.

    Returns
    -------
    numpy.ndarray
        int64 agents per interval; 0 where the volume is 0 (minimum staff and opening hours
        are applied by :func:`compute_requirements`).
    """
    vol = np.atleast_1d(np.asarray(volume, dtype=np.float64))
    aht = np.atleast_1d(np.nan_to_num(np.asarray(aht_s, dtype=np.float64), nan=0.0))
    vol, aht = np.broadcast_arrays(vol, aht)
    k = target.concurrency if target.model == "chat" else 1
    aht_eff = aht * (1.0 + target.handle_time_growth * (k - 1)) if k > 1 else aht
    load = vol * aht_eff / interval_s / k  # agent-equivalents of work
    need_asa = target.max_asa_s is not None
    active = load > 0
    result = np.zeros(vol.shape, dtype=np.int64)
    if not active.any():
        return result
    v, a, ld = vol[active], aht[active], load[active]
    # lower bound (a count known to fail): without abandonment every offered contact is
    # handled, so the occupancy cap needs N >= load / max_occupancy and stability N > load;
    # with abandonment fewer are handled, see below
    if target.model == "erlang_c" or (target.model == "chat" and target.patience_s is None):
        lo = np.maximum(np.ceil(ld / target.max_occupancy - 1e-9) - 1.0, np.floor(ld))
    else:
        # answered contacts carry at least service_level (and 1 - max_abandon_rate) of the
        # load, and the occupancy cap applies to the carried load
        share = 0.0 if target.abandon_threshold_s > 0 else target.service_level
        if target.max_abandon_rate is not None:
            share = max(share, 1.0 - target.max_abandon_rate)
        lo = np.ceil(share * ld / target.max_occupancy - 1e-9) - 1.0
    lo = np.maximum(lo, 0.0)
    hi = np.maximum(lo + 1.0, np.ceil(ld / target.max_occupancy + 3.0 * np.sqrt(ld) + 3.0))
    cap = 100.0 * ld + 100_000.0

    def meets(n: NDArray[np.float64], idx: NDArray[np.int64]) -> NDArray[np.bool_]:
        m = channel_metrics(target, v[idx], a[idx], n, interval_s=interval_s, compute_asa=need_asa)
        return _meets(target, m)

    all_idx = np.arange(v.size)
    bad = ~meets(hi, all_idx)
    while bad.any():
        idx = np.flatnonzero(bad)
        if np.any(hi[idx] > cap[idx]):
            raise TargetsError(
                f"channel {target.name!r}: the targets need more than "
                f"{int(cap[idx].max()):,} agents in an interval; check max_asa_s, "
                "max_abandon_rate and service_level"
            )
        lo[idx] = hi[idx]
        hi[idx] = hi[idx] * 2.0 + 1.0
        bad[idx] = ~meets(hi[idx], idx)
    # invariant: meets(hi), not meets(lo) (or lo is the floor of the search)
    gap = hi - lo > 1
    while gap.any():
        idx = np.flatnonzero(gap)
        mid = np.floor((lo[idx] + hi[idx]) / 2.0)
        ok = meets(mid, idx)
        hi[idx[ok]] = mid[ok]
        lo[idx[~ok]] = mid[~ok]
        gap = hi - lo > 1
    # lo may itself meet the targets when the search started at the floor 0
    at_floor = lo == 0
    if at_floor.any():
        idx = np.flatnonzero(at_floor)
        ok = meets(np.zeros(idx.size), idx)
        hi[idx[ok]] = 0.0
    result[active] = hi.astype(np.int64)
    return result


def fractional_metrics(
    target: ChannelTargets,
    vol: NDArray[np.float64],
    aht: NDArray[np.float64],
    agents: NDArray[np.float64],
    interval_s: float,
) -> QueueMetrics:
    """Queue metrics for possibly fractional *agents* (e.g. 7.5 from partial-interval cover).

    Linear interpolation between the metrics of the neighbouring whole agent counts;
    occupancy is the handled work divided by the fractional agents.
    """
    lo = np.floor(agents)
    frac = agents - lo
    m_lo = channel_metrics(target, vol, aht, lo, interval_s=interval_s)
    if not (frac > 0).any():
        return m_lo
    m_hi = channel_metrics(target, vol, aht, lo + 1.0, interval_s=interval_s)

    def mix(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
        with np.errstate(invalid="ignore"):
            return np.where(frac > 0, (1.0 - frac) * x + frac * y, x)

    return QueueMetrics(
        wait_probability=mix(m_lo.wait_probability, m_hi.wait_probability),
        service_level=mix(m_lo.service_level, m_hi.service_level),
        asa_s=np.where(np.isinf(m_lo.asa_s) & (frac > 0), m_hi.asa_s, mix(m_lo.asa_s, m_hi.asa_s)),
        occupancy=np.where(
            agents > 0,
            np.minimum(
                mix(m_lo.occupancy * lo, m_hi.occupancy * (lo + 1)) / np.maximum(agents, 1e-12), 1.0
            ),
            m_lo.occupancy,
        ),
        abandon_rate=mix(m_lo.abandon_rate, m_hi.abandon_rate),
    )


def check_channels(
    frame: pd.DataFrame, targets: Targets, *, file: str | None = None, targets_file: str = ""
) -> None:
    """Every channel of a forecast (or schedule) must have targets.

    Raises
    ------
    InputError
        Naming the file, the column and the first channel without targets.
    """
    missing = sorted(set(frame["channel"].astype(str)) - set(targets.names))
    if missing:
        raise InputError(
            f"no targets for channel {missing[0]!r}"
            f"{f' in {targets_file}' if targets_file else ''} (targets define: "
            f"{', '.join(targets.names)}); expected a [channels.{missing[0]}] table"
            f"{f' (and {len(missing) - 1} more channel(s))' if len(missing) > 1 else ''}",
            file=file,
            column="channel",
        )


def _check_channels(frame: pd.DataFrame, targets: Targets) -> None:
    missing = sorted(set(frame["channel"]) - set(targets.names))
    if missing:
        raise TargetsError(
            f"no targets for channel(s) {', '.join(map(repr, missing))} found in the forecast "
            f"(targets define: {', '.join(targets.names)})"
        )


def demand_frame(forecast: pd.DataFrame, targets: Targets) -> pd.DataFrame:
    """The forecast columns staffing needs, pooled per channel when ``targets.pool_queues``."""
    for col in FORECAST_COLUMNS:
        if col not in forecast.columns and col != "queue":
            raise InputError(f"forecast frame lacks column {col!r}")
    f = forecast.copy()
    if "queue" not in f.columns:
        f["queue"] = "all"
    _check_channels(f, targets)
    if targets.pool_queues:
        return pool_forecast(f)
    return f[FORECAST_COLUMNS].sort_values(
        ["channel", "queue", "interval_start"], ignore_index=True
    )


def queue_demand(forecast: pd.DataFrame, targets: Targets) -> pd.DataFrame:
    """The forecast columns staffing needs, per queue (``queue`` defaults to ``all``).

    Raises
    ------
    InputError
        A missing column.
    TargetsError
        A channel without targets.
    """
    for col in FORECAST_COLUMNS:
        if col not in forecast.columns and col != "queue":
            raise InputError(f"forecast frame lacks column {col!r}")
    f = forecast.copy()
    if "queue" not in f.columns:
        f["queue"] = "all"
    _check_channels(f, targets)
    return f[FORECAST_COLUMNS].sort_values(
        ["channel", "queue", "interval_start"], ignore_index=True
    )


def with_pools(demand: pd.DataFrame, plan: QueuePlan) -> pd.DataFrame:
    """*demand* with a ``pool`` column: each row's pool key from *plan*."""
    keys = pd.MultiIndex.from_frame(demand[["channel", "queue"]].astype(str))
    pools = pd.Series([plan.pool_of[k] for k in keys.unique()], index=keys.unique(), dtype=object)
    out = demand.copy()
    out["pool"] = pools.reindex(keys).to_numpy()
    return out


def pooled_series(
    members: pd.DataFrame,
) -> tuple[pd.Series, NDArray[np.float64], NDArray[np.float64]]:
    """Interval starts, summed volume and volume-weighted AHT of a pool's member rows.

    A single member's values are kept as they are; for several, the AHT of an interval without
    volume is the plain mean of the members' (as :func:`pool_forecast`).
    """
    if members["queue"].nunique() == 1:
        g = members.sort_values("interval_start")
        return (
            g["interval_start"].reset_index(drop=True),
            g["volume"].to_numpy(dtype=np.float64),
            g["aht_s"].to_numpy(dtype=np.float64),
        )
    f = members[["interval_start", "volume", "aht_s"]].copy()
    f["work"] = f["volume"] * f["aht_s"].fillna(0.0)
    out = f.groupby("interval_start", sort=True).agg(
        volume=("volume", "sum"), work=("work", "sum"), mean_aht=("aht_s", "mean")
    )
    vol = out["volume"].to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        aht = np.where(vol > 0, out["work"].to_numpy() / vol, out["mean_aht"].to_numpy())
    return pd.Series(out.index, name="interval_start"), vol, aht.astype(np.float64)


def _variants(
    members: pd.DataFrame,
    starts: pd.Series,
    vol: NDArray[np.float64],
    plan: QueuePlan,
    channel: str,
) -> list[tuple[ChannelTargets, NDArray[np.float64]]]:
    """The distinct targets of a pool's members, each with its members' volume per interval."""
    by_target: dict[ChannelTargets, list[str]] = {}
    for queue in pd.unique(members["queue"]):
        by_target.setdefault(plan.target_of[(channel, str(queue))], []).append(str(queue))
    if len(by_target) == 1:
        return [(next(iter(by_target)), vol)]
    out = []
    for target, queues in by_target.items():
        sel = members[members["queue"].isin(queues)]
        own = sel.groupby("interval_start")["volume"].sum().reindex(starts).fillna(0.0)
        out.append((target, own.to_numpy(dtype=np.float64)))
    return out


class _Hours:
    """Open (or working) flags per target and interval grid, computed once per distinct pair.

    Hundreds of queues share a few opening hours and one grid of intervals; the weekly mask
    lookup is the costly part.
    """

    def __init__(self) -> None:
        self._cache: dict[tuple[object, ...], NDArray[np.bool_]] = {}

    def __call__(
        self, target: ChannelTargets, starts: pd.Series, *, working: bool = False
    ) -> NDArray[np.bool_]:
        hours = target.working_hours if working else target.opening_hours
        stamps = pd.DatetimeIndex(starts)
        key = (hours.spec, target.closed_days, stamps.asi8.tobytes(), str(stamps.tz))
        if key not in self._cache:
            self._cache[key] = target.is_working(starts) if working else target.is_open(starts)
        return self._cache[key]


def _staff_variant(
    target: ChannelTargets,
    starts: pd.Series,
    vol: NDArray[np.float64],
    aht: NDArray[np.float64],
    own_vol: NDArray[np.float64],
    interval_min: int,
    only_own: bool | NDArray[np.bool_],
    hours: _Hours,
) -> dict[str, NDArray[np.float64]]:
    """Agents, staff and metrics of the pooled demand staffed to one member target.

    ``only_own`` (per interval, or one flag): the target counts only in intervals where its
    members have volume (and for its ``min_staff`` where they are open), so a strict member
    without contacts in an interval does not staff it. Queueing models are elementwise, so the
    arrays may hold several pools one after another; ``deferred`` carries a backlog and takes
    one pool.
    """
    interval_s = interval_min * 60.0
    if target.model == "deferred":
        staffed = hours(target, starts, working=True)
        assert target.respond_within_h is not None
        agents, res = deferred_staffing(
            vol,
            aht,
            staffed,
            interval_min=interval_min,
            service_level=target.service_level,
            respond_within_h=target.respond_within_h,
            max_occupancy=target.max_occupancy,
            min_staff=target.min_staff,
        )
        if np.any(only_own) and not (own_vol > 0).any():
            agents = np.where(staffed, target.min_staff, 0)
        a = agents.astype(np.float64)
        sl, asa, occ = res.service_level, res.wait_s, res.occupancy
        ab = np.full(vol.shape, np.nan)
    else:
        open_ = hours(target, starts)
        need = required_agents(target, vol, aht, interval_s=interval_s)
        need = np.where(only_own & ~(own_vol > 0), 0, need)
        agents_i = np.where(open_, np.maximum(need, target.min_staff), 0).astype(np.int64)
        m = channel_metrics(target, vol, aht, agents_i, interval_s=interval_s)
        show = open_ | (vol > 0)
        a = agents_i.astype(np.float64)
        sl = np.where(show, m.service_level, np.nan)
        asa = np.where(show, m.asa_s, np.nan)
        occ = np.where(show & (agents_i > 0), m.occupancy, np.nan)
        ab = (
            np.where(show, m.abandon_rate, np.nan)
            if target.model != "erlang_c"
            else np.where(show, 0.0, np.nan)
        )
    # ceil(-1e-6) is -0.0 where no agent is needed; + 0.0 writes it as 0.0 (issue #18)
    staff = np.ceil(a / (1.0 - target.shrinkage) * 100 - 1e-6) / 100 + 0.0
    return {
        "agents": a,
        "staff": staff,
        "service_level": np.asarray(sl, dtype=np.float64),
        "asa_s": np.asarray(asa, dtype=np.float64),
        "occupancy": np.asarray(occ, dtype=np.float64),
        "abandon_rate": np.asarray(ab, dtype=np.float64),
    }


_Pool = tuple[
    object,
    object,
    pd.Series,
    NDArray[np.float64],
    NDArray[np.float64],
    list[tuple[ChannelTargets, NDArray[np.float64]]],
]


def _staff_all(
    pools: list[_Pool], interval_min: int, hours: _Hours
) -> dict[tuple[int, int], dict[str, NDArray[np.float64]]]:
    """:func:`_staff_variant` of every (pool, member target), keyed by their positions.

    The queueing models run once per distinct target over all its pools laid end to end
    (hundreds of small queues share a handful of targets; one vectorised call each instead of
    one per queue); deferred pools run one by one (their backlog carries over).
    """
    done: dict[tuple[int, int], dict[str, NDArray[np.float64]]] = {}
    batches: dict[ChannelTargets, list[tuple[int, int]]] = {}
    for i, (_c, _p, starts, vol, aht, variants) in enumerate(pools):
        for j, (target, own) in enumerate(variants):
            if target.model == "deferred":
                done[(i, j)] = _staff_variant(
                    target, starts, vol, aht, own, interval_min, len(variants) > 1, hours
                )
            else:
                batches.setdefault(target, []).append((i, j))
    for target, keys in batches.items():
        starts = pd.concat([pools[i][2] for i, _ in keys], ignore_index=True)
        res = _staff_variant(
            target,
            starts,
            np.concatenate([pools[i][3] for i, _ in keys]),
            np.concatenate([pools[i][4] for i, _ in keys]),
            np.concatenate([pools[i][5][j][1] for i, j in keys]),
            interval_min,
            np.concatenate([np.full(pools[i][3].size, len(pools[i][5]) > 1) for i, _ in keys]),
            hours,
        )
        edges = np.cumsum([0] + [pools[i][3].size for i, _ in keys])
        for k, key in enumerate(keys):
            done[key] = {c: v[edges[k] : edges[k + 1]] for c, v in res.items()}
    return done


def compute_requirements(
    forecast: pd.DataFrame,
    targets: Targets,
    interval_min: int,
    *,
    entities: EntitySet | None = None,
    plan: QueuePlan | None = None,
) -> pd.DataFrame:
    """Agents and staff needed per channel, pool and interval.

    Parameters
    ----------
    forecast
        Forecast frame (``channel, queue, interval_start, volume, aht_s``; extra columns
        ignored), as from :func:`read_forecast` or the forecasting library.
    targets
        Per-channel targets; every channel of the forecast must have targets.
    interval_min
        Interval length, minutes.
    entities
        The entities file (:func:`wfmcore.entities.read_entities`): each queue is staffed to
        its entity's targets, pooled as each channel's ``pool`` says (default ``queue``, see
        :meth:`Targets.pooling`). ``None``: the channel's targets for every queue, pooled as
        ``pool`` / ``pool_queues`` say (default: the channel).
    plan
        A :class:`~scheduling.staffing.pools.QueuePlan` already made from the forecast
        (:func:`~scheduling.staffing.pools.plan_queues`); made here when ``None``.

    Returns
    -------
    pandas.DataFrame
        The requirements frame (see the module docstring), sorted by channel, queue, time;
        ``queue`` is the pool's key (the queue id when each queue is staffed alone). A pool
        whose members have different targets gets, per interval, the most agents any of those
        targets needs for the pooled volume (only targets whose members have volume there
        count, and ``min_staff`` where they are open); the service columns are those of the
        target that needs the most.
    """
    demand = queue_demand(forecast, targets)
    if plan is None:
        plan = plan_queues(demand, targets, entities)
    pooled = with_pools(demand, plan)
    parts = []
    cols = ["agents", "staff", "service_level", "asa_s", "occupancy", "abandon_rate"]
    hours = _Hours()
    pools = []
    for (channel, pool), members in pooled.groupby(["channel", "pool"], sort=True):
        starts, vol, aht = pooled_series(members)
        pools.append(
            (channel, pool, starts, vol, aht, _variants(members, starts, vol, plan, str(channel)))
        )
    done = _staff_all(pools, interval_min, hours)
    for i, (channel, pool, starts, vol, aht, variants) in enumerate(pools):
        results = [done[(i, j)] for j in range(len(variants))]
        if len(results) == 1:
            best = results[0]
        else:
            agents = np.stack([r["agents"] for r in results])
            pick = np.argmax(agents, axis=0)  # the target that needs the most agents
            cols_idx = np.arange(pick.size)
            best = {c: np.stack([r[c] for r in results])[pick, cols_idx] for c in cols}
            best["staff"] = np.stack([r["staff"] for r in results]).max(axis=0)
        parts.append(
            pd.DataFrame(
                {
                    "channel": channel,
                    "queue": pool,
                    "interval_start": starts.reset_index(drop=True),
                    "volume": vol,
                    "aht_s": aht,
                    "agents": best["agents"].astype(np.int64),
                    **{c: best[c] for c in cols[1:]},
                }
            )
        )
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in REQUIREMENT_COLUMNS})
    req = pd.concat(parts, ignore_index=True)[REQUIREMENT_COLUMNS]
    for col in ("service_level", "asa_s", "occupancy", "abandon_rate"):
        req[col] = req[col].astype("float64").round(4)
    req["aht_s"] = req["aht_s"].astype("float64").round(1)
    return req
