"""PNG plots of forecasts: history tail, forecast and its 80 % / 95 % bands, one file per series.

Drawn on matplotlib's Agg canvas directly (no pyplot, no display needed).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def plot_forecasts(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    directory: str | Path,
    *,
    tail_days: int = 14,
) -> list[Path]:
    """Write ``<channel>_<queue>.png`` per series into *directory*.

    Parameters
    ----------
    history
        History frame (``channel, queue, interval_start, offered``).
    forecast
        Forecast frame (``channel, queue, interval_start, volume, volume_lo, volume_hi`` and
        optionally ``volume_lo95, volume_hi95, model``).
    directory
        Output folder (created if missing).
    tail_days
        Days of history shown before the forecast.

    Returns
    -------
    list of Path
        The files written.
    """
    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for (channel, queue), fc in forecast.groupby(["channel", "queue"], sort=True):
        hist = history[(history["channel"] == channel) & (history["queue"] == queue)]
        if len(fc):
            cutoff = fc["interval_start"].min() - pd.Timedelta(days=tail_days)
            hist = hist[hist["interval_start"] >= cutoff]
        # a bare Figure on the Agg canvas: no pyplot state, no GUI backend, safe in threads
        fig = Figure(figsize=(12, 4), dpi=100)
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        ax.plot(hist["interval_start"], hist["offered"], color="0.35", lw=0.8, label="history")
        x = fc["interval_start"]
        if "volume_lo95" in fc and "volume_hi95" in fc:
            ax.fill_between(
                x,
                fc["volume_lo95"],
                fc["volume_hi95"],
                color="tab:blue",
                alpha=0.15,
                lw=0,
                label="95 %",
            )
        ax.fill_between(
            x,
            fc["volume_lo"],
            fc["volume_hi"],
            color="tab:blue",
            alpha=0.3,
            lw=0,
            label="80 %",
        )
        model = str(fc["model"].iloc[0]) if "model" in fc and len(fc) else ""
        ax.plot(x, fc["volume"], color="tab:blue", lw=1.2, label=f"forecast {model}".strip())
        ax.set_title(f"{channel} / {queue}")
        ax.set_ylabel("contacts per interval")
        ax.legend(loc="upper left", fontsize=8)
        ax.grid(alpha=0.3)
        fig.autofmt_xdate()
        path = out_dir / f"{_slug(str(channel))}_{_slug(str(queue))}.png"
        tmp = path.with_name(f".{path.name}.tmp.png")
        fig.savefig(tmp, format="png", bbox_inches="tight")
        tmp.replace(path)
        written.append(path)
    return written


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "series"
