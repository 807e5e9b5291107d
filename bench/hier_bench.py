"""Hierarchical reconciliation benchmark on real data: the Anonymous Bank's 6 service types (#19).

The raw per-call months of the Anonymous Bank (``../shared/data/anonymous_bank_1999/raw``: January,
February and October 1999) are read with the product's ACD reader
(:func:`forecasting.acd.read_acd`, its ``anonymous_bank`` preset) into 30-minute history, one queue
per service type (PS, NE, NW, IN, TT, PE; the two stray ``AA`` calls are left out). The months are
two stretches (January-February and October), so each is forecast on its own through
:func:`forecasting.engine.run_forecast` with the queue hierarchy (6 queues -> the center), and the
backtest windows of both are pooled: by default 6 weekly origins in January-February and 2 in
October, 8 in all.

What the data allows: the raw files are three months of one year (January, February and October
1999), not a year, so origins cannot be spread over the year and the seven months between the
stretches cannot be bridged (a 30-minute grid over the gap would be seven months of zeros).
January-February is 8.4 weeks and October 4.4; the engine needs a full week of training before
the first origin (the seasonal naive baseline), so at most 7 + 3 origins exist, and 6 + 2 leaves
2.4 weeks of training before the first origin of each stretch (the ``calendar`` model, which
needs 3 weeks, sits out; ``--origins 5 1`` lets it in). January 11-12 are a recording outage
(1 call and no rows) that the first weeks of training carry.

Printed, each against per-queue seasonal naive in the same run (ratios of WAPE):

- **pooled**: WAPE over every queue-interval of every origin;
- **small**: the same over the queues under 50 calls a day (in the test weeks);
- **total**: WAPE of the center's total (for "before" and the naive: the sum of the queues);
- **cov80 / cov95**: coverage of the 80 % / 95 % bands over the open queue-intervals, each
  origin's bands calibrated on the other origins of its stretch.

"before" is the product without a hierarchy (each queue forecast on its own, the engine's selected
model); "after" is the reconciled forecast with the method the backtest chose in each stretch; the
other rows show each method on its own.

Usage::

    .venv/bin/python bench/hier_bench.py                 # 10-20 s on 2 cores
    .venv/bin/python bench/hier_bench.py --origins 5 1   # all models usable at every origin
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from forecasting.acd import read_acd  # noqa: E402
from forecasting.calendar import CalendarConfig  # noqa: E402
from forecasting.engine import ForecastConfig, run_forecast  # noqa: E402
from forecasting.reconcile import METHODS, SMALL_PER_DAY, coverage_counts  # noqa: E402

SHARED = Path(os.environ.get("WFM_SHARED_DATA", REPO.parent / "shared" / "data"))
TYPES = ("PS", "NW", "NE", "IN", "TT", "PE")


def load_bank() -> pd.DataFrame:
    """30-minute history of the 6 service types (channel ``voice``, queue = type)."""
    raw = SHARED / "anonymous_bank_1999" / "raw"
    frame = read_acd([raw / f"{m}.txt" for m in ("january", "february", "october")]).frame
    frame = frame[frame["queue"].astype(str).str.strip().isin(TYPES)].copy()
    frame["queue"] = frame["queue"].astype(str).str.strip()
    frame["channel"] = "voice"
    return frame[["channel", "queue", "interval_start", "offered", "handled", "aht_s"]]


def stretches(frame: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """January-February and October, each on its own."""
    month = frame["interval_start"].dt.month
    return [("jan-feb", frame[month <= 2]), ("oct", frame[month == 10])]


def run(origins: tuple[int, int], jobs: int) -> None:
    """Forecast both stretches with the hierarchy and print the pooled figures."""
    t0 = time.perf_counter()
    frame = load_bank()
    hierarchy = pd.DataFrame({"channel": "voice", "queue": list(TYPES)})
    parts = []
    for (name, part), n_origins in zip(stretches(frame), origins, strict=True):
        result = run_forecast(
            part,
            ForecastConfig(
                origins=n_origins, calendar=CalendarConfig(country="IL"), n_jobs=jobs, days=7
            ),
            hierarchy=hierarchy,
        )
        rec = result.reconciliation
        assert rec is not None and rec.actual is not None and rec.hierarchy is not None
        print(f"\n{name}: {n_origins} origins, method chosen: {rec.method}")
        print(rec.methods.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
        parts.append(rec)
    day_length = 48
    # queue rows of each stretch, aligned by queue key
    keys = [f"voice/{t}" for t in sorted(TYPES)]
    per_day = {}
    for key in keys:
        total = days = 0.0
        for rec in parts:
            assert rec.actual is not None and rec.hierarchy is not None
            r = rec.hierarchy.rows.index(("queue", key))
            total += float(rec.actual[r].sum())
            days += rec.actual[r].size / day_length
        per_day[key] = total / days
    small = {k for k, v in per_day.items() if v < SMALL_PER_DAY}
    print(
        "\nqueues (calls a day in the test weeks): "
        + ", ".join(
            f"{k.split('/')[1]} {v:.0f}{' (small)' if k in small else ''}"
            for k, v in per_day.items()
        )
    )

    def figures(label: str, pick: str | None) -> dict[str, object]:
        sums = {"err": 0.0, "act": 0.0, "serr": 0.0, "sact": 0.0, "terr": 0.0, "tact": 0.0}
        cov = np.zeros(3, dtype=np.int64)
        for rec in parts:
            assert rec.actual is not None and rec.hierarchy is not None
            name = pick or rec.method
            fc = rec.backtests[name]
            q = [rec.hierarchy.rows.index(("queue", k)) for k in keys]
            a, f = rec.actual[q], fc[q]
            err = np.abs(a - f).reshape(len(q), -1).sum(axis=1)
            act = a.reshape(len(q), -1).sum(axis=1)
            is_small = np.array([k in small for k in keys])
            sums["err"] += float(err.sum())
            sums["act"] += float(act.sum())
            sums["serr"] += float(err[is_small].sum())
            sums["sact"] += float(act[is_small].sum())
            # the total of the queue forecasts (coherent methods: the reconciled center)
            total_a, total_f = a.sum(axis=0), f.sum(axis=0)
            sums["terr"] += float(np.abs(total_a - total_f).sum())
            sums["tact"] += float(total_a.sum())
            if name != "naive":
                cov += coverage_counts(a, f, day_length)
        return {
            "forecast": label,
            "pooled": sums["err"] / sums["act"],
            "small": sums["serr"] / sums["sact"] if sums["sact"] else float("nan"),
            "total": sums["terr"] / sums["tact"],
            "cov80": cov[0] / cov[2] if cov[2] else float("nan"),
            "cov95": cov[1] / cov[2] if cov[2] else float("nan"),
        }

    naive = figures("seasonal naive", "naive")
    rows = [figures("before (one queue at a time)", "base")]
    rows.append(figures("after (reconciled, method by backtest)", None))
    rows += [figures(f"  {m}", m) for m in METHODS]
    print(f"\npooled over {sum(o for o in origins)} origins; WAPE as a ratio to seasonal naive")
    print(f"{'forecast':<40} {'pooled':>7} {'small':>7} {'total':>7} {'cov80':>6} {'cov95':>6}")
    print(
        f"{'seasonal naive (WAPE)':<40} {naive['pooled']:>7.3f} {naive['small']:>7.3f} "
        f"{naive['total']:>7.3f} {'-':>6} {'-':>6}"
    )
    for row in rows:
        print(
            f"{row['forecast']!s:<40} {float(row['pooled']) / float(naive['pooled']):>7.3f} "  # type: ignore[arg-type]
            f"{float(row['small']) / float(naive['small']):>7.3f} "  # type: ignore[arg-type]
            f"{float(row['total']) / float(naive['total']):>7.3f} "  # type: ignore[arg-type]
            f"{float(row['cov80']):>6.3f} {float(row['cov95']):>6.3f}"  # type: ignore[arg-type]
        )
    print("\ngoals: pooled <= 0.70, small <= 0.78, total <= 0.58, cov80 0.72-0.88")
    print(f"elapsed {time.perf_counter() - t0:.1f} s")


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--origins",
        nargs=2,
        type=int,
        default=(6, 2),
        metavar=("JANFEB", "OCT"),
        help="weekly origins in January-February and in October (default 6 2)",
    )
    parser.add_argument("--jobs", type=int, default=1, help="parallel workers")
    args = parser.parse_args()
    run((args.origins[0], args.origins[1]), args.jobs)


if __name__ == "__main__":
    main()
