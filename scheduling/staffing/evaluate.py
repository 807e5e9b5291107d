"""How well a given staffing serves the forecast: per interval, per day and per week.

* :func:`roster_to_scheduled` turns a roster (one row per activity) into agents on duty per
  channel and interval: the share of each interval covered by ``work`` activities, so partial
  intervals count fractionally; ``break`` and ``lunch`` are excluded (whether the roster
  splits ``work`` around them or lists them inside a longer ``work`` row).
* :func:`evaluate_staffing` computes, analytically, service level, ASA, occupancy and
  abandonment per interval with the channel's model (fractional agents interpolate linearly
  between the neighbouring whole numbers; deferred channels run the FIFO backlog).
* :func:`simulate_staffing` gives the same from the discrete-event simulation, with 95 %
  confidence half-widths; :func:`summarize_evaluation` aggregates per day or week,
  volume-weighted.
* :func:`check_schedule` refuses a schedule the forecast cannot judge (a channel without
  targets or forecast, counts for intervals the forecast does not have, a roster with no work
  inside the forecast), naming the file and row. A roster's work that runs past the forecast's
  first or last interval (a Sunday night shift ending on Monday) is left out of the evaluation
  with a note giving its minutes, never dropped without a word.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from scheduling.errors import InputError
from scheduling.staffing.deferred import steady_state_backlog
from scheduling.staffing.requirements import bucket_starts, demand_frame, fractional_metrics
from scheduling.staffing.simulation import mean_ci, simulate_queue
from scheduling.staffing.targets import Targets
from wfmcore.defaults import DEFAULT_TZ
from wfmcore.frames import read_roster
from wfmcore.parse import parse_numbers, parse_text, parse_timestamps, read_csv_checked

EVALUATION_COLUMNS = [
    "channel",
    "queue",
    "interval_start",
    "volume",
    "aht_s",
    "agents",
    "service_level",
    "asa_s",
    "occupancy",
    "abandon_rate",
]
_PAUSES = ("break", "lunch")


def read_schedule(path: str | Path, tz: str = DEFAULT_TZ) -> tuple[str, pd.DataFrame]:
    """Read a roster CSV or a scheduled-counts CSV.

    Returns
    -------
    (kind, frame)
        ``("roster", frame)`` with tz-aware ``start``/``end`` when the file has ``agent_id`` and
        ``activity`` columns, else ``("counts", frame)`` with ``channel, interval_start, agents``.

    Raises
    ------
    InputError
        Missing columns, bad timestamps or numbers; for a roster every check of
        :func:`wfmcore.frames.read_roster`.
    """
    name = str(path)
    head = read_csv_checked(path, [], error=InputError)
    if {"agent_id", "activity"} <= set(head.columns):
        return "roster", read_roster(path, tz, error=InputError)
    raw = read_csv_checked(path, ["channel", "interval_start", "agents"], error=InputError)
    frame = pd.DataFrame(
        {
            "channel": parse_text(
                raw["channel"], file=name, column="channel", what="a channel name", error=InputError
            ),
            "interval_start": parse_timestamps(
                raw["interval_start"], tz=tz, file=name, column="interval_start", error=InputError
            ),
            "agents": parse_numbers(
                raw["agents"], file=name, column="agents", min_value=0, error=InputError
            ),
            "row": np.arange(2, len(raw) + 2),
        }
    )
    return "counts", frame


def check_schedule(
    kind: str,
    schedule: pd.DataFrame,
    forecast: pd.DataFrame,
    targets: Targets,
    interval_min: int,
    *,
    file: str | None = None,
) -> list[str]:
    """Refuse work the forecast cannot judge, naming the file, row and column.

    Parameters
    ----------
    kind, schedule
        From :func:`read_schedule` (rows carry their file ``row``).
    forecast
        The forecast evaluated against (``channel, interval_start``).
    targets
        The service targets.
    interval_min
        Interval length, minutes.
    file
        The schedule's file, for messages.

    Returns
    -------
    list of str
        Notes: the minutes of a roster's work outside the forecast's span (before its first or
        after its last interval), which the evaluation leaves out.

    Raises
    ------
    InputError
        Work on a channel without targets, or that the forecast does not have; a count for an
        interval the forecast does not have; a roster without any work inside the forecast.
    """
    rows = schedule[schedule["activity"] == "work"] if kind == "roster" else schedule
    rows = rows.sort_values("row")
    fc_channels = set(forecast["channel"].astype(str))
    channels = rows["channel"].astype(str).to_numpy()
    lines = rows["row"].to_numpy(dtype=np.int64)
    for channel, row in zip(channels, lines, strict=True):
        if channel not in targets:
            raise InputError(
                f"channel {channel!r} has no service targets (targets define: "
                f"{', '.join(targets.names)}); expected one of those",
                file=file,
                row=int(row),
                column="channel",
            )
        if channel not in fc_channels:
            raise InputError(
                f"the forecast has no {channel!r} rows (it has: {', '.join(sorted(fc_channels))});"
                " expected a forecast of every channel the schedule works",
                file=file,
                row=int(row),
                column="channel",
            )
    step = pd.Timedelta(minutes=interval_min)
    first, last = forecast["interval_start"].min(), forecast["interval_start"].max() + step
    span = f"{first.isoformat()} .. {last.isoformat()}"
    if kind == "roster":
        return _work_outside(rows, first, last, span, file)
    else:
        known = set(zip(forecast["channel"].astype(str), forecast["interval_start"], strict=True))
        outside = np.array(
            [
                (str(c), t) not in known
                for c, t in zip(rows["channel"], rows["interval_start"], strict=True)
            ],
            dtype=bool,
        )
        what, column = "a count for an interval", "interval_start"
    if outside.any():
        pos = int(np.flatnonzero(outside)[0])
        count = int(outside.sum())
        raise InputError(
            f"{what} outside the forecast's intervals ({span}); expected the forecast's "
            f"days{'' if count == 1 else f' (and {count - 1} more rows)'}",
            file=file,
            row=int(rows["row"].iloc[pos]),
            column=column,
        )
    return []


def _work_outside(
    rows: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp, span: str, file: str | None
) -> list[str]:
    """Notes on the work before *first* or from *last* on; refuse a roster with none inside.

    A week's roster holds whole shifts, so the last night's shift runs past the forecast's last
    interval: only the part inside is evaluated, and the note says how much is left out.
    """
    start = rows["start"].astype("datetime64[ns, UTC]").astype("int64").to_numpy()
    end = rows["end"].astype("datetime64[ns, UTC]").astype("int64").to_numpy()
    lo, hi = first.as_unit("ns").value, last.as_unit("ns").value
    ns_per_min = 60_000_000_000
    minutes = (end - start) / ns_per_min
    before = np.clip(np.minimum(end, lo) - start, 0, None) / ns_per_min
    after = np.clip(end - np.maximum(start, hi), 0, None) / ns_per_min
    out_min = np.minimum(before + after, minutes)
    if not len(rows) or out_min.sum() >= minutes.sum():
        raise InputError(
            f"no work inside the forecast's intervals ({span}); expected a roster of the "
            "forecast's days",
            file=file,
            row=int(rows["row"].iloc[0]) if len(rows) else None,
            column="start",
        )
    touched = out_min > 0
    if not touched.any():
        return []
    where = f"{file}: " if file else ""
    lines = rows["row"].to_numpy()[touched]
    count = int(touched.sum())
    return [
        f"{where}{out_min.sum():g} minutes of work in {count} row(s) (first: row "
        f"{int(lines.min())}) fall outside the forecast's intervals ({span}), e.g. a night "
        "shift that ends after the forecast's last day; they are left out of the evaluation"
    ]


def counts_at_interval(
    counts: pd.DataFrame, interval_min: int, *, file: str | None = None
) -> pd.DataFrame:
    """Scheduled counts at a coarser interval.

    agents averaged over each interval (what a roster gives when counted on the coarser grid).

    Raises
    ------
    InputError
        When the counts' own intervals are coarser than ``interval_min`` or do not divide it.

    """
    steps = counts.sort_values(["channel", "interval_start"]).groupby("channel")["interval_start"]
    diffs = steps.diff().dropna()
    diffs = diffs[diffs > pd.Timedelta(0)]
    own = int(diffs.min().total_seconds() // 60) if len(diffs) else interval_min
    if own == interval_min:
        return counts
    if own > interval_min or interval_min % own:
        raise InputError(
            f"the scheduled counts have {own}-minute intervals, so --interval {interval_min} "
            f"cannot be made from them; expected {own} or a multiple of it",
            file=file,
            column="interval_start",
        )
    out = counts.assign(interval_start=bucket_starts(counts["interval_start"], interval_min))
    g = out.groupby(["channel", "interval_start"], sort=True)
    agg = g.agg(agents=("agents", "sum"), row=("row", "min")).reset_index()
    agg["agents"] = agg["agents"] * own / interval_min
    return agg


def roster_to_scheduled(
    roster: pd.DataFrame, intervals: pd.DatetimeIndex | pd.Series, interval_min: int | None = None
) -> pd.DataFrame:
    """Agents on duty per channel and interval from a roster.

    Parameters
    ----------
    roster
        ``agent_id, activity, channel, start, end`` (tz-aware ``start``/``end``; extra columns
        ignored). ``work`` rows count for their channel; ``break``/``lunch`` rows that fall
        inside a ``work`` row of the same agent are taken out of it.
    intervals
        Interval starts to report (tz-aware), e.g. the forecast's.
    interval_min
        Interval length in minutes (default: the smallest step between *intervals*).

    Returns
    -------
    pandas.DataFrame
        ``channel, interval_start, agents`` for every channel of the roster and every interval;
        ``agents`` is fractional when work covers part of an interval.
    """
    starts = pd.DatetimeIndex(pd.Series(intervals).drop_duplicates().sort_values()).as_unit("ns")
    if interval_min is None:
        steps = np.diff(starts.asi8)
        if steps.size == 0:
            raise InputError("cannot infer the interval length from a single interval")
        interval_min = int(steps[steps > 0].min() // 60_000_000_000)
    length_ns = np.int64(interval_min) * 60 * 1_000_000_000
    s_ns = starts.asi8
    e_ns = s_ns + length_ns
    work = roster[roster["activity"] == "work"]
    pauses = roster[roster["activity"].isin(_PAUSES)]
    pieces = [
        (
            work["channel"].to_numpy(dtype=object),
            work["start"].astype("datetime64[ns, UTC]").astype("int64").to_numpy(),
            work["end"].astype("datetime64[ns, UTC]").astype("int64").to_numpy(),
            np.ones(len(work)),
        )
    ]
    if not pauses.empty and not work.empty:
        w = work[["agent_id", "channel", "start", "end"]].reset_index(drop=True)
        p = pauses[["agent_id", "start", "end"]].rename(columns={"start": "ps", "end": "pe"})
        m = w.merge(p, on="agent_id")
        o_s = np.maximum(
            m["start"].astype("datetime64[ns, UTC]").astype("int64").to_numpy(),
            m["ps"].astype("datetime64[ns, UTC]").astype("int64").to_numpy(),
        )
        o_e = np.minimum(
            m["end"].astype("datetime64[ns, UTC]").astype("int64").to_numpy(),
            m["pe"].astype("datetime64[ns, UTC]").astype("int64").to_numpy(),
        )
        keep = o_e > o_s
        pieces.append(
            (m["channel"].to_numpy(dtype=object)[keep], o_s[keep], o_e[keep], -np.ones(keep.sum()))
        )
    channel = np.concatenate([pc[0] for pc in pieces])
    a_s = np.concatenate([pc[1] for pc in pieces])
    a_e = np.concatenate([pc[2] for pc in pieces])
    sign = np.concatenate([pc[3] for pc in pieces])
    channels = sorted(set(channel.tolist()))
    frames = []
    for ch in channels:
        sel = channel == ch
        cov = np.zeros(s_ns.size)
        cs, ce, sg = a_s[sel], a_e[sel], sign[sel]
        for lo in range(0, cs.size, 4096):  # rows x intervals overlap, in blocks
            ov = np.minimum(ce[lo : lo + 4096, None], e_ns[None, :]) - np.maximum(
                cs[lo : lo + 4096, None], s_ns[None, :]
            )
            cov += (np.clip(ov, 0, None) / length_ns * sg[lo : lo + 4096, None]).sum(axis=0)
        frames.append(
            pd.DataFrame(
                {"channel": ch, "interval_start": starts, "agents": np.round(cov, 6).clip(0)}
            )
        )
    if not frames:
        return pd.DataFrame(
            {
                "channel": pd.Series(dtype="str"),
                "interval_start": pd.Series(dtype=starts.dtype),
                "agents": pd.Series(dtype="float64"),
            }
        )
    return pd.concat(frames, ignore_index=True)


def _join(scheduled: pd.DataFrame, demand: pd.DataFrame) -> pd.DataFrame:
    sched = scheduled.groupby(["channel", "interval_start"], as_index=False)["agents"].sum()
    joined = demand.merge(sched, on=["channel", "interval_start"], how="left")
    joined["agents"] = joined["agents"].fillna(0.0).astype("float64")
    return joined


def evaluate_staffing(
    scheduled: pd.DataFrame, demand: pd.DataFrame, targets: Targets, interval_min: int
) -> pd.DataFrame:
    """Analytic service per interval for scheduled agents against a forecast or requirements.

    Parameters
    ----------
    scheduled
        ``channel, interval_start, agents``: rostered agents on the channel's phones (may be
        fractional). The queue model gets ``agents x (1 - shrinkage)``: the channel's
        ``shrinkage`` is the time off the phones that a roster does not schedule (absence,
        sickness, unrostered meetings), so it is taken off what the roster puts there.
    demand
        A forecast or requirements frame (``channel, queue, interval_start, volume, aht_s``);
        the queues of a channel are pooled (queue ``all``). Its intervals are the
        ones reported; scheduled agents outside them are ignored, missing ones count as 0.
    targets
        Per-channel targets (models and parameters).
    interval_min
        Interval length, minutes.

    Returns
    -------
    pandas.DataFrame
        ``channel, queue, interval_start, volume, aht_s, agents, service_level, asa_s,
        occupancy, abandon_rate`` (deferred: share handled within the window and mean time to
        handle). Empty cells where an interval has neither volume nor agents.
    """
    # agents are skilled per channel, so a channel's queues are always evaluated together
    joined = _join(scheduled, demand_frame(demand, replace(targets, pool_queues=True)))
    interval_s = interval_min * 60.0
    parts = []
    for (channel, _q), g in joined.groupby(["channel", "queue"], sort=True):
        target = targets[str(channel)]
        g = g.sort_values("interval_start").reset_index(drop=True)
        vol = g["volume"].to_numpy(dtype=np.float64)
        aht = g["aht_s"].to_numpy(dtype=np.float64)
        # rostered agents on the phones are absent the unscheduled shrinkage share of the time
        ag = g["agents"].to_numpy(dtype=np.float64) * (1.0 - target.shrinkage)
        out = g[["channel", "queue", "interval_start", "volume", "aht_s", "agents"]].copy()
        if target.model == "deferred":
            assert target.respond_within_h is not None
            res = steady_state_backlog(
                vol,
                aht,
                ag,
                interval_min=interval_min,
                respond_within_h=target.respond_within_h,
                max_occupancy=target.max_occupancy,
            )
            out["service_level"] = res.service_level
            out["asa_s"] = res.wait_s
            out["occupancy"] = res.occupancy
            out["abandon_rate"] = np.nan
        else:
            m = fractional_metrics(target, vol, aht, ag, interval_s)
            show = (vol > 0) | (ag > 0)
            out["service_level"] = np.where(show, m.service_level, np.nan)
            out["asa_s"] = np.where(show, m.asa_s, np.nan)
            out["occupancy"] = np.where(ag > 0, m.occupancy, np.nan)
            out["abandon_rate"] = np.where(show, m.abandon_rate, np.nan)
        parts.append(out)
    frame = pd.concat(parts, ignore_index=True)[EVALUATION_COLUMNS]
    for col in ("service_level", "asa_s", "occupancy", "abandon_rate"):
        frame[col] = frame[col].astype("float64").round(4)
    return frame


def summarize_evaluation(frame: pd.DataFrame, by: str = "day") -> pd.DataFrame:
    """Volume-weighted service per channel and day (``by="day"``) or week (``by="week"``).

    Service level, ASA and abandonment are weighted by volume (ASA by answered volume),
    occupancy by agent time; ``agent_hours`` is the scheduled time. Intervals without a value
    (no volume) are left out of the weights. Columns ``*_lo``/``*_hi`` of a simulated frame
    are not aggregated.
    """
    if by not in ("day", "week"):
        raise ValueError("by must be 'day' or 'week'")
    f = frame.copy()
    ts = f["interval_start"]
    if by == "day":
        f["period"] = ts.dt.strftime("%Y-%m-%d")
    else:
        f["period"] = (ts - pd.to_timedelta(ts.dt.day_of_week, unit="D")).dt.strftime("%Y-%m-%d")
    steps = f.groupby(["channel", "queue"])["interval_start"].diff().dropna()
    hours = steps[steps > pd.Timedelta(0)].min().total_seconds() / 3600.0 if len(steps) else 0.5
    rows = []
    for (channel, queue, period), g in f.groupby(["channel", "queue", "period"], sort=True):
        vol = g["volume"].to_numpy(dtype=np.float64)

        def wmean(col: str, w: NDArray[np.float64], g: pd.DataFrame = g) -> float:
            x = g[col].to_numpy(dtype=np.float64)
            ok = ~np.isnan(x) & np.isfinite(x) & (w > 0)
            if ok.any():
                return float(np.sum(x[ok] * w[ok]) / np.sum(w[ok]))
            return float("inf") if np.isinf(x).any() else float("nan")

        answered = vol * (1.0 - np.nan_to_num(g["abandon_rate"].to_numpy(dtype=np.float64)))
        rows.append(
            {
                "channel": channel,
                "queue": queue,
                by: period,
                "volume": round(float(vol.sum()), 2),
                "agent_hours": round(float(g["agents"].sum() * hours), 2),
                "service_level": round(wmean("service_level", vol), 4),
                "asa_s": round(wmean("asa_s", answered), 2),
                "occupancy": round(wmean("occupancy", g["agents"].to_numpy(dtype=float)), 4),
                "abandon_rate": round(wmean("abandon_rate", vol), 4),
            }
        )
    return pd.DataFrame(rows)


def simulate_staffing(
    scheduled: pd.DataFrame,
    demand: pd.DataFrame,
    targets: Targets,
    interval_min: int,
    *,
    replications: int = 10,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulated service of scheduled agents, per interval and per day, with 95 % intervals.

    Queue channels are simulated with :func:`scheduling.staffing.simulation.simulate_queue`; the
    queue carries over between intervals. Deferred channels have no randomness in their backlog
    model and are reported as by :func:`evaluate_staffing`.

    Returns
    -------
    (per_interval, per_day)
        ``per_interval``: the evaluation columns plus ``service_level_hw``,
        ``abandon_rate_hw`` (half-widths). ``per_day``: ``channel, queue, day, volume,
        service_level, service_level_hw, abandon_rate, abandon_rate_hw, asa_s, occupancy``
        (ratios of the day's totals, averaged over replications).
    """
    analytic = evaluate_staffing(scheduled, demand, targets, interval_min)
    per_interval = []
    per_day = []
    for idx_key, (key, g) in enumerate(analytic.groupby(["channel", "queue"], sort=True)):
        channel, queue = key
        target = targets[str(channel)]
        g = g.sort_values("interval_start").reset_index(drop=True)
        out = g.copy()
        days = g["interval_start"].dt.strftime("%Y-%m-%d").to_numpy()
        if target.model == "deferred":
            out["service_level_hw"] = 0.0
            out["abandon_rate_hw"] = np.nan
            per_interval.append(out)
            summary = summarize_evaluation(g, by="day").rename(columns={"day": "day"})
            summary["service_level_hw"] = 0.0
            summary["abandon_rate_hw"] = np.nan
            per_day.append(summary)
            continue
        patience = target.patience_s if target.model != "erlang_c" else None
        res = simulate_queue(
            g["volume"].to_numpy(dtype=np.float64),
            g["aht_s"].to_numpy(dtype=np.float64),
            g["agents"].to_numpy(dtype=np.float64) * (1.0 - target.shrinkage),
            interval_min=interval_min,
            answer_within_s=target.answer_within_s,
            patience_s=patience,
            abandon_threshold_s=target.abandon_threshold_s,
            concurrency=target.concurrency if target.model == "chat" else 1,
            handle_time_growth=target.handle_time_growth if target.model == "chat" else 0.0,
            replications=replications,
            seed=seed + 1000 * idx_key,
        )
        sl, sl_hw = mean_ci(res.service_level())
        ab, ab_hw = mean_ci(res.abandon_rate())
        asa, _ = mean_ci(res.asa_s())
        occ, _ = mean_ci(res.occupancy())
        out["service_level"] = np.round(sl, 4)
        out["service_level_hw"] = np.round(sl_hw, 4)
        out["asa_s"] = np.round(asa, 2)
        out["occupancy"] = np.round(occ, 4)
        out["abandon_rate"] = np.round(ab, 4)
        out["abandon_rate_hw"] = np.round(ab_hw, 4)
        per_interval.append(out)
        for day in sorted(set(days)):
            sel = days == day
            day_res = res.select(sel)
            d_sl, d_sl_hw = mean_ci(day_res.service_level(axis=1))
            d_ab, d_ab_hw = mean_ci(day_res.abandon_rate(axis=1))
            d_asa, _ = mean_ci(day_res.asa_s(axis=1))
            d_occ, _ = mean_ci(day_res.occupancy(axis=1))
            per_day.append(
                pd.DataFrame(
                    [
                        {
                            "channel": channel,
                            "queue": queue,
                            "day": day,
                            "volume": round(float(g["volume"].to_numpy()[sel].sum()), 2),
                            "service_level": round(float(d_sl), 4),
                            "service_level_hw": round(float(d_sl_hw), 4),
                            "abandon_rate": round(float(d_ab), 4),
                            "abandon_rate_hw": round(float(d_ab_hw), 4),
                            "asa_s": round(float(d_asa), 2),
                            "occupancy": round(float(d_occ), 4),
                        }
                    ]
                )
            )
    interval_frame = pd.concat(per_interval, ignore_index=True)
    day_cols = [
        "channel",
        "queue",
        "day",
        "volume",
        "service_level",
        "service_level_hw",
        "abandon_rate",
        "abandon_rate_hw",
        "asa_s",
        "occupancy",
    ]
    day_frame = pd.concat(per_day, ignore_index=True)
    return interval_frame, day_frame[[c for c in day_cols if c in day_frame.columns]]
