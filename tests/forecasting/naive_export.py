"""A synthetic ACD interval export in naive local time, as Avaya CMS writes one (issue #18).

Contacts are drawn per real (UTC) 30-minute interval of a 24/7 queue, then reported the way an
interval report does: by wall-clock interval, without a UTC offset. On the night the clocks go
back, both occurrences of the doubled hour land in the same wall-clock row (counts summed, AHT
weighted by the calls handled); on the night they go forward the missing hour has no rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The export's own column names (mapped with --column / columns=).
EXPORT_COLUMNS = {
    "Interval": "interval_start",
    "Calls Offered": "offered",
    "ACD Calls": "handled",
    "Abandoned Calls": "abandoned",
    "Avg ACD Time": "aht_s",
}


def true_intervals(tz: str, first_day: str, days: int, seed: int = 3) -> pd.DataFrame:
    """Contacts per real interval: ``interval_start`` (tz-aware), counts and AHT."""
    start = pd.Timestamp(first_day).tz_localize(tz)
    end = (pd.Timestamp(first_day) + pd.Timedelta(days=days)).tz_localize(tz)
    stamps = pd.date_range(start, end, freq="30min", inclusive="left")
    rng = np.random.default_rng(seed)
    hour = stamps.hour + stamps.minute / 60.0
    lam = 2.0 + 14.0 * np.exp(-0.5 * ((hour - 11.0) / 3.0) ** 2) + 6.0 * (hour >= 17) * (hour < 21)
    offered = rng.poisson(lam)
    abandoned = rng.binomial(offered, 0.06)
    handled = offered - abandoned
    aht = np.where(handled > 0, np.round(rng.normal(290.0, 25.0, stamps.size), 1), np.nan)
    return pd.DataFrame(
        {
            "interval_start": stamps,
            "offered": offered,
            "handled": handled,
            "abandoned": abandoned,
            "aht_s": aht,
        }
    )


def naive_export(truth: pd.DataFrame) -> pd.DataFrame:
    """*truth* as a naive-local-time export: one row per wall-clock interval, columns renamed."""
    wall = truth["interval_start"].dt.tz_localize(None)
    work = truth.assign(
        wall=wall, _wa=(truth["aht_s"] * truth["handled"]).fillna(0.0), _w=truth["handled"]
    )
    g = work.groupby("wall", sort=True)
    out = g[["offered", "handled", "abandoned", "_wa", "_w"]].sum().reset_index()
    aht = (out["_wa"] / out["_w"].where(out["_w"] > 0)).round(1)
    frame = pd.DataFrame(
        {
            "Interval": out["wall"].dt.strftime("%Y-%m-%d %H:%M"),
            "Calls Offered": out["offered"],
            "ACD Calls": out["handled"],
            "Abandoned Calls": out["abandoned"],
            "Avg ACD Time": aht,
        }
    )
    return frame


def column_args() -> list[str]:
    """``--column FILE_NAME=NAME`` options mapping the export's names."""
    args: list[str] = []
    for name, contract in EXPORT_COLUMNS.items():
        args += ["--column", f"{name}={contract}"]
    return args
