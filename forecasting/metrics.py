"""Forecast accuracy metrics (pure numpy; arrays of any matching shape).

* **WAPE** = sum |actual - forecast| / sum actual (0 = perfect; 1 = as bad as forecasting zero).
* **MASE** = mean |actual - forecast| / mean |y_t - y_{t-m}| of the training series (m = one week):
  below 1 beats the in-sample seasonal naive.
* **bias** = sum (forecast - actual) / sum actual (positive = over-forecast).
* **coverage** = share of actuals inside [lo, hi].
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def wape(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Weighted absolute percentage error, as a ratio.

    Parameters
    ----------
    actual, forecast
        Contacts per interval, same shape.

    Returns
    -------
    float
        ``sum|a - f| / sum|a|``; NaN when the actuals sum to zero.
    """
    a = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    denom = np.abs(a).sum()
    return float(np.abs(a - f).sum() / denom) if denom > 0 else float("nan")


def bias(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Relative bias ``sum(f - a) / sum(a)`` (positive = over-forecast); NaN when sum(a) == 0."""
    a = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    denom = np.abs(a).sum()
    return float((f - a).sum() / denom) if denom > 0 else float("nan")


def seasonal_scale(train: ArrayLike, season_length: int) -> float:
    """Mean absolute seasonal difference of *train*: the MASE denominator.

    Parameters
    ----------
    train
        Training series, shape ``(n,)`` with ``n > season_length``.
    season_length
        Season in intervals (336 = one week of 30-minute intervals).

    Returns
    -------
    float
        ``mean |y_t - y_{t-m}|``; NaN when the series is too short.
    """
    y = np.asarray(train, dtype=float)
    if y.size <= season_length:
        return float("nan")
    return float(np.mean(np.abs(y[season_length:] - y[:-season_length])))


def mase(actual: ArrayLike, forecast: ArrayLike, scale: float) -> float:
    """Mean absolute scaled error given the training scale (:func:`seasonal_scale`)."""
    a = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    if not np.isfinite(scale) or scale <= 0:
        return float("nan")
    return float(np.mean(np.abs(a - f)) / scale)


def coverage(actual: ArrayLike, lo: ArrayLike, hi: ArrayLike) -> float:
    """Share of *actual* inside ``[lo, hi]`` (NaN for empty input)."""
    a = np.asarray(actual, dtype=float)
    if a.size == 0:
        return float("nan")
    inside = (a >= np.asarray(lo, dtype=float)) & (a <= np.asarray(hi, dtype=float))
    return float(inside.mean())
