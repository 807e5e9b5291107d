"""Rolling-origin backtest of several models on one series.

At each origin the models are refitted on the history before it and forecast the next ``horizon``
intervals (one week by default); the origins are the last ``n`` week boundaries of the history, so
the test windows are the last ``n`` weeks, back to back. Forecasts of intervals known to be closed
are set to zero before scoring, exactly as in the final forecast.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from forecasting.errors import ForecastingError, InsufficientHistoryError
from forecasting.metrics import bias, mase, seasonal_scale, wape
from forecasting.models._base import ForecastModel

#: ``closed(train_y, train_ds, future_ds) -> bool array``: which future intervals are closed.
ClosedFunc = Callable[[NDArray[np.float64], pd.DatetimeIndex, pd.DatetimeIndex], NDArray[np.bool_]]


@dataclass(frozen=True, slots=True)
class BacktestResult:
    """Forecasts and actuals of every origin.

    Attributes
    ----------
    origins
        Positions (index into the series) where each test window starts, shape ``(k,)``.
    actual
        Actual values, shape ``(k, horizon)``.
    timestamps
        Interval starts of the test windows, shape ``(k, horizon)`` (object array of Timestamps).
    forecasts
        Point forecasts per model alias, each ``(k, horizon)``.
    scales
        MASE denominators (seasonal naive MAE of each origin's training data), shape ``(k,)``.
    fit_s
        Mean seconds to fit and predict once, per alias.
    failed
        Models that raised, with the message.
    """

    origins: NDArray[np.intp]
    actual: NDArray[np.float64]
    timestamps: NDArray[np.object_]
    forecasts: dict[str, NDArray[np.float64]]
    scales: NDArray[np.float64]
    fit_s: dict[str, float]
    failed: dict[str, str] = field(default_factory=dict)

    def score(
        self, forecast: NDArray[np.float64], mask: NDArray[np.bool_] | None = None
    ) -> dict[str, float]:
        """WAPE, MASE (mean over origins) and bias of a ``(k, horizon)`` forecast.

        Parameters
        ----------
        forecast
            Point forecasts aligned with :attr:`actual`.
        mask
            Optional boolean ``(k, horizon)`` selecting the intervals to score (e.g. holidays).
        """
        a, f = self.actual, forecast
        if mask is None:
            mask = np.ones(a.shape, dtype=bool)
        per_origin = np.array(
            [
                mase(a[i][mask[i]], f[i][mask[i]], self.scales[i])
                for i in range(a.shape[0])
                if mask[i].any()
            ]
        )
        finite = per_origin[np.isfinite(per_origin)]
        return {
            "wape": wape(a[mask], f[mask]),
            "mase": float(finite.mean()) if finite.size else float("nan"),
            "bias": bias(a[mask], f[mask]),
        }


def backtest(
    y: NDArray[np.float64],
    ds: pd.DatetimeIndex,
    models: Mapping[str, Callable[[], ForecastModel]],
    *,
    horizon: int,
    origins: int | Sequence[int] = 4,
    closed: ClosedFunc | None = None,
    season_length: int | None = None,
) -> BacktestResult:
    """Refit and forecast each model at each origin.

    Parameters
    ----------
    y
        The series, shape ``(n,)``.
    ds
        Its interval starts, shape ``(n,)``.
    models
        Factories of fresh models by alias.
    horizon
        Intervals forecast at each origin (one week = 336 at 30 minutes).
    origins
        Number of origins (the last ``origins`` windows of length ``horizon``), or explicit start
        positions of the test windows.
    closed
        Optional function marking closed future intervals (their forecast becomes 0).
    season_length
        Season for the MASE scale (default ``horizon``).

    Returns
    -------
    BacktestResult

    Raises
    ------
    InsufficientHistoryError
        When the first origin leaves no training data or a window runs past the end.
    """
    n = y.size
    if isinstance(origins, int):
        starts = np.array([n - k * horizon for k in range(origins, 0, -1)], dtype=int)
    else:
        starts = np.asarray(list(origins), dtype=int)
    if starts.size == 0 or starts.min() <= 0 or starts.max() + horizon > n:
        raise InsufficientHistoryError(
            f"backtest needs {horizon} intervals after each origin and history before the first "
            f"(series of {n} intervals)"
        )
    m = season_length or horizon
    k = starts.size
    actual = np.stack([y[s : s + horizon] for s in starts])
    stamps = np.stack([np.asarray(ds[s : s + horizon], dtype=object) for s in starts])
    scales = np.array([seasonal_scale(y[:s], m) for s in starts])
    forecasts: dict[str, NDArray[np.float64]] = {}
    fit_s: dict[str, float] = {}
    failed: dict[str, str] = {}
    # which test intervals are closed depends on the origin, not on the model: computed once
    shut = (
        [closed(y[:s], ds[:s], ds[s : s + horizon]) for s in starts] if closed is not None else None
    )
    for alias, factory in models.items():
        out = np.zeros((k, horizon))
        t0 = time.perf_counter()
        try:
            for i, s in enumerate(starts):
                model = factory().fit(y[:s], ds[:s])
                pred = model.predict(horizon)["mean"]
                if shut is not None:
                    pred = np.where(shut[i], 0.0, pred)
                out[i] = pred
        except (ForecastingError, ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
            # one failing model must not sink the series: it is reported and left out
            failed[alias] = (
                f"{type(exc).__name__}: {exc}"
                if not isinstance(exc, ForecastingError)
                else str(exc)
            )
            continue
        forecasts[alias] = out
        fit_s[alias] = (time.perf_counter() - t0) / k
    return BacktestResult(
        origins=starts,
        actual=actual,
        timestamps=stamps,
        forecasts=forecasts,
        scales=scales,
        fit_s=fit_s,
        failed=failed,
    )
