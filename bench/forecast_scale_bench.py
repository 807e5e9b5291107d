"""Forecasting at scale: N synthetic series of two years at 30 minutes, locally or on Dask (#19).

Builds ``--series`` seeded synthetic queues (``<entity>.<language>`` on voice, chat, whatsapp and
email) with a realistic shape: an intraday curve with zero contacts at night for the day-time
queues, a weekly cycle with a quiet Friday/Saturday, a mild yearly swing and growth, Ramadan
evenings busier, Poisson noise, and a long tail of volumes from about 5 to 2,000 contacts a day
(log-uniform). AHT is recorded with noise. It then runs :func:`forecasting.engine.run_forecast`
with the default config (4 origins, backtest, combinations, selection, interval calibration,
final fit and AHT) and prints:

* wall time and series per second of the whole run (``--jobs`` local workers, or ``--dask``);
* a **baseline from the same process**: the first ``--baseline-series`` series forecast with
  ``n_jobs=1``, and the same series through the fast path, so the ratio is measured on the same
  machine under the same load;
* the per-stage split of the single-process baseline: backtest, AHT backtest, final fit and AHT
  forecast, measured by timing those engine functions in this process.

``--code DIR`` imports ``forecasting`` from another checkout (e.g. ``git archive`` of an older
commit) to measure the code before a change with the same data and harness.

Usage::

    .venv/bin/python bench/forecast_scale_bench.py --series 1000 --jobs 2
    .venv/bin/python bench/forecast_scale_bench.py --series 5000 --dask local --batch 1000
    .venv/bin/python bench/forecast_scale_bench.py --series 200 --dask tcp://10.0.0.5:8786

Series are forecast in batches of ``--batch`` series per ``run_forecast`` call (default: all at
once) so that 5,000 two-year series (175 million intervals) need not sit in memory at once.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent

CHANNELS = ("voice", "chat", "whatsapp", "email")
TZ = "Asia/Dubai"


def synthetic_history(
    n_series: int,
    *,
    seed: int = 19,
    start: str = "2024-12-01",
    days: int = 728,
    interval_min: int = 30,
    offset: int = 0,
) -> pd.DataFrame:
    """A long history frame of *n_series* seeded synthetic queues (see the module docstring).

    Series ``offset .. offset + n_series - 1`` of the same seeded population: batches of one
    population can be generated one at a time.
    """
    per_day = 1440 // interval_min
    stamps = pd.date_range(start, periods=days * per_day, freq=f"{interval_min}min", tz=TZ)
    wall = stamps.tz_localize(None)
    hour = (wall.hour + wall.minute / 60).to_numpy()
    weekday = wall.day_of_week.to_numpy()
    t_years = np.arange(len(stamps)) / (per_day * 365.25)
    doy = wall.day_of_year.to_numpy()
    # Ramadan 2025: Mar 1 - Mar 29, 2026: Feb 18 - Mar 19 (busier evenings, quieter mornings)
    day = wall.normalize()
    ramadan = np.asarray(
        ((day >= "2025-03-01") & (day <= "2025-03-29"))
        | ((day >= "2026-02-18") & (day <= "2026-03-19"))
    )
    weekly = np.array([1.05, 1.0, 1.0, 0.97, 0.75, 0.55, 0.9])[weekday]
    day_curve = np.exp(-0.5 * ((hour - 10.5) / 2.2) ** 2) + 0.7 * np.exp(
        -0.5 * ((hour - 16.5) / 2.5) ** 2
    )
    ramadan_curve = np.exp(-0.5 * ((hour - 20.5) / 2.0) ** 2) + 0.5 * np.exp(
        -0.5 * ((hour - 11.0) / 2.0) ** 2
    )
    frames = []
    for i in range(offset, offset + n_series):
        rng = np.random.default_rng([seed, i])
        channel = CHANNELS[i % len(CHANNELS)]
        entity = f"e{i // 8:04d}"
        language = "ar" if (i // 4) % 2 == 0 else "en"
        daily = float(np.exp(rng.uniform(np.log(5.0), np.log(2000.0))))
        hours24 = channel == "voice" and rng.random() < 0.5
        curve = np.where(ramadan, ramadan_curve, day_curve)
        if hours24:
            curve = curve + 0.03  # a 24/7 queue: a thin night
        else:
            curve = np.where((hour >= 7.0) & (hour < 22.0), curve, 0.0)  # closed at night
        shape = curve / (
            day_curve.reshape(days, per_day)[0].sum() + (0.03 * per_day if hours24 else 0)
        )
        yearly = 1.0 + 0.08 * np.sin(2 * np.pi * (doy / 365.25 + rng.uniform()))
        growth = (1.0 + rng.uniform(-0.05, 0.15)) ** t_years
        rate = daily * shape * weekly * yearly * growth
        offered = rng.poisson(rate).astype(float)
        aht_mean = {"voice": 240.0, "chat": 420.0, "whatsapp": 480.0, "email": 600.0}[channel]
        aht = np.where(offered > 0, aht_mean * rng.lognormal(0.0, 0.25, len(stamps)), np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "channel": channel,
                    "queue": f"{entity}.{language}",
                    "interval_start": stamps,
                    "offered": offered,
                    "handled": offered,
                    "aht_s": aht,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


class StageTimer:
    """Wall time spent inside some engine functions (single-process runs only)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextlib.contextmanager
    def patch(self, module: Any, names: dict[str, str]) -> Iterator[None]:
        """Time ``module.<name>`` under the label ``names[name]`` while the block runs."""
        originals = {name: getattr(module, name) for name in names}

        def timed(label: str, func: Callable[..., Any]) -> Callable[..., Any]:
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                t0 = time.perf_counter()
                try:
                    return func(*args, **kwargs)
                finally:
                    self.seconds[label] += time.perf_counter() - t0

            return wrapper

        for name, label in names.items():
            setattr(module, name, timed(label, originals[name]))
        try:
            yield
        finally:
            for name, func in originals.items():
                setattr(module, name, func)


def run_batches(
    run: Callable[[pd.DataFrame], Any], n_series: int, batch: int
) -> tuple[float, float, float, list[Any]]:
    """Generate and forecast *n_series* in batches: (forecast s, generation s, CPU s, results)."""
    forecast_s = gen_s = cpu_s = 0.0
    results = []
    for offset in range(0, n_series, batch):
        t0 = time.perf_counter()
        hist = synthetic_history(min(batch, n_series - offset), offset=offset)
        gen_s += time.perf_counter() - t0
        t0, c0 = time.perf_counter(), cpu_seconds()
        results.append(run(hist))
        forecast_s += time.perf_counter() - t0
        cpu_s += cpu_seconds() - c0
        del hist
    return forecast_s, gen_s, cpu_s, results


def cpu_seconds() -> float:
    """CPU seconds of this process and its live children (joblib and Dask workers).

    The machine may be shared: CPU time per series does not grow with other people's load the
    way wall time does, so both are printed.
    """
    import psutil

    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            total += sum(child.cpu_times()[:2])
    return total


def main(argv: list[str] | None = None) -> None:
    """Parse the options, run the baseline and the scale run, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2, help="local joblib workers (-1 = all)")
    parser.add_argument(
        "--dask", default=None, help="'local' (LocalCluster) or a scheduler address"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="LocalCluster workers (--dask local)"
    )
    parser.add_argument("--batch", type=int, default=0, help="series per run_forecast call")
    parser.add_argument("--baseline-series", type=int, default=40)
    parser.add_argument("--code", type=Path, default=REPO, help="checkout to import from")
    parser.add_argument("--baseline-only", action="store_true", help="skip the scale run")
    parser.add_argument(
        "--hierarchy",
        action="store_true",
        help="reconcile queue -> entity -> channel -> center (forecasts the totals too)",
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.code.resolve()))

    import forecasting.engine as engine
    from forecasting.engine import ForecastConfig, run_forecast

    batch = args.batch or args.series

    def levels(hist: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """``hierarchy=`` of run_forecast: each queue's entity is the part before the dot."""
        if not args.hierarchy:
            return {}
        frame = hist[["channel", "queue"]].drop_duplicates().reset_index(drop=True)
        frame["entity"] = frame["queue"].str.split(".").str[0]
        return {"hierarchy": frame}

    load0 = os.getloadavg()[0]
    print(f"code: {args.code.resolve()}")

    # baseline: same process, same machine, n_jobs=1, with the stage split
    nb = min(args.baseline_series, args.series)
    hist = synthetic_history(nb)
    timer = StageTimer()
    stages = {
        "backtest": "backtest (volume models)",
        "_aht_backtest": "AHT backtest",
        "_final_forecast": "final fit + forecast (incl. AHT)",
        "_aht_forecast": "AHT forecast",
    }
    t0, c0 = time.perf_counter(), time.process_time()
    with timer.patch(engine, stages):
        run_forecast(hist, ForecastConfig(n_jobs=1))
    base_s, base_cpu = time.perf_counter() - t0, time.process_time() - c0
    del hist
    print(f"\n## baseline: {nb} series, n_jobs=1, one process")
    print(f"   wall {base_s:.1f} s, {nb / base_s:.2f} series/s, {base_s / nb * 1000:.0f} ms/series")
    print(f"   CPU {base_cpu / nb * 1000:.0f} ms/series")
    for label, s in timer.seconds.items():
        print(f"   {label:<34} {s:7.1f} s  {100 * s / base_s:5.1f} %")

    if args.baseline_only:
        return
    # the scale run
    dask_ctx: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    config = ForecastConfig(n_jobs=args.jobs)
    where = f"joblib n_jobs={args.jobs}"
    if args.dask:
        if "dask" not in ForecastConfig.__dataclass_fields__:
            raise SystemExit("this checkout's ForecastConfig has no dask option")
        if args.dask == "local":
            from distributed import Client, LocalCluster

            cluster = LocalCluster(
                n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=":0"
            )
            client = Client(cluster)
            dask_ctx = contextlib.ExitStack()
            dask_ctx.enter_context(cluster)
            dask_ctx.enter_context(client)
            config = ForecastConfig(dask=client.scheduler.address)
            where = f"Dask LocalCluster, {args.workers} worker processes x 1 thread"
        else:
            config = ForecastConfig(dask=args.dask)
            where = f"Dask scheduler {args.dask}"
    with dask_ctx:
        forecast_s, gen_s, cpu_s, results = run_batches(
            lambda h: run_forecast(h, config, **levels(h)), args.series, batch
        )
    sel = pd.concat([r.accuracy for r in results])
    sel = sel[sel["selected"].astype(bool)]
    rows = sum(len(r.forecast) for r in results)
    what = "reconciled over entity, channel, center" if args.hierarchy else "no hierarchy"
    print(
        f"\n## scale: {args.series} series x 728 days at 30 min ({what}), {where}, "
        f"batches of {batch}"
    )
    print(f"   history generated in {gen_s:.1f} s (not counted)")
    print(f"   wall {forecast_s:.1f} s, {args.series / forecast_s:.2f} series/s")
    print(
        f"   CPU {cpu_s:.0f} s in all ({cpu_s / args.series * 1000:.0f} ms/series; workers of a "
        f"remote scheduler not counted); load average before/after "
        f"{load0:.1f}/{os.getloadavg()[0]:.1f}"
    )
    print(
        f"   forecast rows {rows:,}; selected: "
        + ", ".join(f"{k} {v}" for k, v in sel["model"].value_counts().head(6).items())
    )
    print(
        f"   median selected WAPE / naive {float(sel['wape_ratio'].median()):.3f}, "
        f"median cov80 {float(sel['coverage80'].median()):.3f}"
    )
    rec = [r.reconciliation for r in results if getattr(r, "reconciliation", None) is not None]
    if rec:
        print("   reconciliation method: " + ", ".join(sorted({str(r.method) for r in rec})))
    print(f"   speed vs the n_jobs=1 baseline: {args.series / forecast_s / (nb / base_s):.2f}x")


if __name__ == "__main__":
    main()
