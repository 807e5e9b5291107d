"""Forecast benchmark: accuracy on real and demo data, and speed at scale (issue #3).

Prints three tables:

1. **US bank** (``../shared/data/us_bank_5min_2003``: calls per 5 minutes, weekdays 07:00-21:00)
   aggregated to 30 and 15 minutes. Weekends, nights and the bank's holidays are *closed* (zero on
   a complete grid), not gaps. Rolling origin over the last 8 weeks, one-week horizon, refit at
   each origin. WAPE / MASE of every model, of the combinations and of the selection, as ratios to
   seasonal naive in the same run; 80 % interval coverage (each origin held out from the
   calibration); fit + forecast seconds per series and origin.
2. **Demo center** (:mod:`web.demo.synthetic`): the same table per series, plus WAPE on
   holidays and on Ramadan days, backtested on every week of the last two years that holds one.
3. **Scale**: 200 synthetic series x 2 years of 30-minute history (50 entities x 4 channels),
   full backtest and selection through :func:`forecasting.engine.run_forecast`, wall time.

"Selection" is scored honestly: at each origin it uses the candidate that won on the *other*
origins (leave-one-origin-out), so the selection never sees the week it is scored on. The
in-sample choice the engine makes is shown as "selected (in-sample)".

Usage::

    .venv/bin/python bench/forecast_bench.py            # everything (several minutes)
    .venv/bin/python bench/forecast_bench.py --part us --origins 4
    .venv/bin/python bench/forecast_bench.py --part scale --series 200 --jobs 2
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from forecasting.backtest import BacktestResult, backtest  # noqa: E402
from forecasting.calendar import CalendarConfig, day_features  # noqa: E402
from forecasting.engine import (  # noqa: E402
    CalendarLookup,
    CandidateScore,
    ForecastConfig,
    _Closed,
    _Factory,
    run_forecast,
    score_candidates,
    select_candidate,
)
from forecasting.metrics import wape  # noqa: E402
from forecasting.models import MODELS, ModelContext  # noqa: E402

SHARED = Path(os.environ.get("WFM_SHARED_DATA", REPO.parent / "shared" / "data"))


# -------------------------------------------------------------------------------------------------
# data


def load_us_bank(interval_min: int) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """The US bank series on a complete grid in America/New_York (closed = 0)."""
    raw = pd.read_csv(SHARED / "us_bank_5min_2003" / "bank_calls.csv")
    # "2003-03-03T07:00:00Z": local clock times stored as UTC -> drop the Z, read as wall clock
    wall = pd.to_datetime(raw["DateTime"].str.rstrip("Z"))
    slot = wall.dt.floor(f"{interval_min}min")
    sums = raw.groupby(slot)["Calls"].sum()
    tz = "America/New_York"
    idx = pd.DatetimeIndex(sums.index).tz_localize(tz)
    full = pd.date_range(
        idx[0].normalize(),
        idx[-1].normalize() + pd.Timedelta(days=1),
        freq=f"{interval_min}min",
        inclusive="left",
    )
    y = pd.Series(sums.to_numpy(dtype=float), index=idx).reindex(full, fill_value=0.0)
    return y.to_numpy(), pd.DatetimeIndex(full)


# -------------------------------------------------------------------------------------------------
# scoring helpers


def loo_selection(bt: BacktestResult, scores: list[CandidateScore]) -> np.ndarray:
    """Forecast of the selection when each origin is chosen on the other origins."""
    k = bt.actual.shape[0]
    out = np.zeros_like(bt.actual)
    for i in range(k):
        others = np.arange(k) != i
        best = min(
            scores,
            key=lambda sc: (wape(bt.actual[others], sc.forecast[others]), len(sc.members)),
        )
        out[i] = best.forecast[i]
    return out


def table(rows: list[dict[str, object]], columns: list[str]) -> str:
    """A plain-text table of *rows* with *columns*: the first left-aligned, the rest right."""
    widths = {c: max(len(c), *(len(_cell(r.get(c))) for r in rows)) for c in columns}
    head = "  ".join(c.rjust(widths[c]) if i else c.ljust(widths[c]) for i, c in enumerate(columns))
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            "  ".join(
                _cell(r.get(c)).rjust(widths[c]) if i else _cell(r.get(c)).ljust(widths[c])
                for i, c in enumerate(columns)
            )
        )
    return "\n".join(lines)


def _cell(x: object) -> str:
    if isinstance(x, float):
        return "-" if not np.isfinite(x) else f"{x:.3f}"
    return "" if x is None else str(x)


def accuracy_rows(
    bt: BacktestResult,
    day_length: int,
    combine: int = 2,
    extra_masks: dict | None = None,
    floor: np.ndarray | None = None,
) -> list[dict[str, object]]:
    """One table row per candidate of a backtest, then the held-out selection.

    Parameters
    ----------
    bt
        The backtest of one series.
    day_length
        Intervals per day (interval calibration bands).
    combine
        Largest combination of models scored.
    extra_masks
        Named boolean ``(origins, horizon)`` masks (e.g. holidays): adds a ``WAPE name/naive``
        column per mask.
    floor
        The generator's expected values, ``(origins, horizon)``: adds a noise-floor row.
    """
    scores = score_candidates(bt, combine, day_length)
    base = next(s for s in scores if s.label == "seasonal_naive")
    rows = []
    chosen = select_candidate(scores)
    for sc in scores:
        row: dict[str, object] = {
            "model": sc.label + (" *" if sc.label == chosen.label else ""),
            "WAPE": sc.wape,
            "WAPE/naive": sc.wape_ratio,
            "MASE": sc.mase,
            "MASE/naive": sc.mase_ratio,
            "bias": sc.bias,
            "cov80": sc.coverage80,
            "cov95": sc.coverage95,
            "fit_s": sc.fit_s,
        }
        for name, mask in (extra_masks or {}).items():
            w = bt.score(sc.forecast, mask)["wape"]
            row[f"WAPE {name}/naive"] = w / bt.score(base.forecast, mask)["wape"]
        rows.append(row)
    sel = loo_selection(bt, scores)
    s = bt.score(sel)
    row = {
        "model": "selection (held-out origin)",
        "WAPE": s["wape"],
        "WAPE/naive": s["wape"] / base.wape,
        "MASE": s["mase"],
        "MASE/naive": s["mase"] / base.mase,
        "bias": s["bias"],
    }
    for name, mask in (extra_masks or {}).items():
        row[f"WAPE {name}/naive"] = (
            bt.score(sel, mask)["wape"] / bt.score(base.forecast, mask)["wape"]
        )
    rows.append(row)
    if floor is not None:
        # the generator's expected values: no model can beat the noise around them on average
        s = bt.score(floor)
        row = {
            "model": "expected values (noise floor)",
            "WAPE": s["wape"],
            "WAPE/naive": s["wape"] / base.wape,
            "MASE": s["mase"],
            "MASE/naive": s["mase"] / base.mase,
        }
        for name, mask in (extra_masks or {}).items():
            row[f"WAPE {name}/naive"] = (
                bt.score(floor, mask)["wape"] / bt.score(base.forecast, mask)["wape"]
            )
        rows.append(row)
    return rows


COLUMNS = ["model", "WAPE", "WAPE/naive", "MASE", "MASE/naive", "bias", "cov80", "cov95", "fit_s"]


# -------------------------------------------------------------------------------------------------
# parts


def part_us(origins: int) -> None:
    """Table 1: every model on the US bank calls at 30 and 15 minutes, last *origins* weeks."""
    calendar = CalendarConfig(country="US")
    for interval_min in (30, 15):
        y, ds = load_us_bank(interval_min)
        days = pd.date_range(ds[0].tz_localize(None).normalize(), periods=len(ds) // 10, freq="D")
        ctx = ModelContext(
            interval_min=interval_min,
            features=CalendarLookup(calendar, day_features(days, calendar)),
        )
        factories = {m: _Factory(m, ctx, None) for m in MODELS}
        t0 = time.perf_counter()
        bt = backtest(
            y, ds, factories, horizon=ctx.week_length, origins=origins, closed=_Closed(None)
        )
        elapsed = time.perf_counter() - t0
        print(
            f"\n## US bank 2003, {interval_min}-minute intervals: {origins} weekly origins, "
            f"one-week horizon ({elapsed:.1f} s)\n"
        )
        print(table(accuracy_rows(bt, ctx.day_length), COLUMNS))
        for m, msg in bt.failed.items():
            print(f"  {m} failed: {msg}")


def part_demo(origins: int, quick: bool) -> None:
    """Table 2: every model per demo series, with WAPE on holidays and Ramadan days."""
    from web.demo.synthetic import SMALL_SPEC, expected_history, generate_history

    hist = generate_history(SMALL_SPEC)
    expected = expected_history(SMALL_SPEC)
    calendar = SMALL_SPEC.calendar
    first = hist["interval_start"].min().tz_localize(None).normalize()
    days = pd.date_range(first, "2026-12-31", freq="D")
    feats = day_features(days, calendar)
    ctx = ModelContext(interval_min=30, features=CalendarLookup(calendar, feats))
    week = ctx.week_length
    for (channel, queue), g in hist.groupby(["channel", "queue"], sort=True):
        y = g["offered"].to_numpy(dtype=float)
        ds = pd.DatetimeIndex(g["interval_start"])
        e = expected[(expected["channel"] == channel) & (expected["queue"] == queue)]
        ey = e.set_index("interval_start")["volume"].reindex(ds).to_numpy(dtype=float)
        factories = {m: _Factory(m, ctx, None) for m in MODELS}
        t0 = time.perf_counter()
        bt = backtest(y, ds, factories, horizon=week, origins=origins, closed=_Closed(None))
        took = time.perf_counter() - t0
        print(f"\n## demo {channel}/{queue}: last {origins} weeks ({took:.1f} s)\n")
        floor = np.stack([ey[o : o + week] for o in bt.origins])
        print(table(accuracy_rows(bt, ctx.day_length, floor=floor), COLUMNS))
        # special days: every week (Monday start) of the last two years with a holiday/Ramadan day
        wall = ds.tz_localize(None)
        day_of = wall.normalize()
        special = feats["is_holiday"] | feats["is_ramadan"]
        special_days = feats.index[special & (feats.index >= day_of[-1] - pd.Timedelta(days=730))]
        mondays = sorted({d - pd.Timedelta(days=d.weekday()) for d in special_days})
        if quick:
            mondays = mondays[::3]
        starts = [int(np.searchsorted(day_of, m)) for m in mondays]
        starts = [s for s in starts if s + week <= len(y) and s > 8 * week]
        t0 = time.perf_counter()
        bt2 = backtest(y, ds, factories, horizon=week, origins=starts, closed=_Closed(None))
        stamp_days = pd.DatetimeIndex(
            [t.tz_localize(None).normalize() for t in bt2.timestamps.ravel()]
        )
        f = feats.reindex(stamp_days)
        hol = f["is_holiday"].to_numpy(dtype=bool).reshape(bt2.actual.shape)
        ram = f["is_ramadan"].to_numpy(dtype=bool) & ~f["is_holiday"].to_numpy(dtype=bool)
        ram = ram.reshape(bt2.actual.shape)
        floor2 = np.stack([ey[o : o + week] for o in bt2.origins])
        rows = accuracy_rows(
            bt2, ctx.day_length, extra_masks={"holiday": hol, "Ramadan": ram}, floor=floor2
        )
        print(
            f"\n   demo {channel}/{queue}: {len(starts)} weeks holding holidays or Ramadan days "
            f"({int(hol.sum() // ctx.day_length)} holiday days, {int(ram.sum() // ctx.day_length)} "
            f"Ramadan days; {time.perf_counter() - t0:.1f} s)\n"
        )
        print(
            table(rows, ["model", "WAPE", "WAPE/naive", "WAPE holiday/naive", "WAPE Ramadan/naive"])
        )


def part_scale(n_series: int, jobs: int, origins: int) -> None:
    """Table 3: wall time of run_forecast on *n_series* synthetic series with *jobs* workers."""
    from web.demo.synthetic import SMALL_SPEC, SeriesSpec, generate_history

    rng = np.random.default_rng(7)
    series = []
    kinds = [("voice", "voice", 24.0), ("chat", "chat", 23.0), ("email", "email", 24.0),
             ("whatsapp", "chat", 23.0)]  # fmt: skip
    for i in range(n_series):
        channel, profile, close = kinds[i % 4]
        series.append(
            SeriesSpec(
                channel,
                f"entity{i // 4:02d}",
                float(rng.uniform(80, 2000)),
                300.0,
                profile,
                open_from_h=7.0 if profile == "chat" else 0.0,
                open_to_h=close,
                growth_per_year=float(rng.uniform(0.0, 0.1)),
            )
        )
    spec = replace(
        SMALL_SPEC, series=tuple(series), start=date(2024, 11, 30), end=date(2026, 11, 29)
    )
    t0 = time.perf_counter()
    hist = generate_history(spec)
    gen_s = time.perf_counter() - t0
    config = ForecastConfig(origins=origins, calendar=spec.calendar, n_jobs=jobs)
    t0 = time.perf_counter()
    result = run_forecast(hist, config)
    wall_s = time.perf_counter() - t0
    acc = result.accuracy
    sel = acc[acc["selected"]]
    print(
        f"\n## scale: {n_series} series x 2 years of 30-minute history ({len(hist):,} rows, "
        f"generated in {gen_s:.1f} s)\n"
    )
    rows = [
        {"what": "wall time, backtest + selection + forecast (s)", "value": wall_s},
        {"what": "series per second", "value": n_series / wall_s},
        {"what": "workers (joblib n_jobs)", "value": jobs},
        {"what": "origins", "value": origins},
        {"what": "median selected WAPE / naive", "value": float(sel["wape_ratio"].median())},
        {"what": "median 80 % coverage", "value": float(sel["coverage80"].median())},
    ]
    print(table(rows, ["what", "value"]))
    print(
        "\n   selected models: "
        + ", ".join(f"{k} {v}" for k, v in sel["model"].value_counts().items())
    )
    fit = acc[~acc["model"].str.startswith("combo")].groupby("model")["fit_s"].mean()
    print("   mean fit+forecast s per origin: " + ", ".join(f"{k} {v:.3f}" for k, v in fit.items()))


def main(argv: list[str] | None = None) -> None:
    """Run the parts asked for on the command line (all three by default)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=["us", "demo", "scale", "all"], default="all")
    parser.add_argument("--origins", type=int, default=8, help="backtest weeks (us, demo)")
    parser.add_argument("--series", type=int, default=200, help="series in the scale run")
    parser.add_argument("--scale-origins", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="fewer special-day weeks")
    args = parser.parse_args(argv)
    if args.part in ("us", "all"):
        part_us(args.origins)
    if args.part in ("demo", "all"):
        part_demo(args.origins, args.quick)
    if args.part in ("scale", "all"):
        part_scale(args.series, args.jobs, args.scale_origins)


if __name__ == "__main__":
    main()
