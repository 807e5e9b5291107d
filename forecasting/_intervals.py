"""Prediction intervals calibrated from backtest errors, per horizon band.

Errors grow with the level (Poisson-like noise plus a multiplicative model error), so they are
first normalised: ``z = (actual - forecast) / s(forecast)`` with ``s(f)^2 = a f + b f^2`` fitted to
the squared backtest errors (non-negative least squares). The 10/90 % and 2.5/97.5 % empirical
quantiles of ``z`` per horizon band (lead day 1, 2, 3-4, 5+) then give the 80 % and 95 % intervals:
``[f + q_lo s(f), f + q_hi s(f)]``, clipped at zero. Closed intervals (forecast and actual both
zero) are left out of the calibration.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import nnls

FloatArray = NDArray[np.float64]

#: Lead-day bands: band i covers lead days [_BAND_START[i], _BAND_START[i + 1]).
_BAND_START = (0, 1, 2, 4)
_QUANTILES = {"lo-80": 0.10, "hi-80": 0.90, "lo-95": 0.025, "hi-95": 0.975}


def horizon_band(lead: NDArray[np.intp], day_length: int) -> NDArray[np.intp]:
    """Band index (0..3) of each 0-based lead interval: lead day 1, 2, 3-4, 5 and later."""
    day = np.asarray(lead) // day_length
    return np.searchsorted(np.array(_BAND_START), day, side="right") - 1


@dataclass(frozen=True, slots=True)
class IntervalCalibration:
    """Error scale model and normalised-error quantiles per horizon band.

    Attributes
    ----------
    a, b
        Variance model ``s(f)^2 = a f + b f^2``.
    quantiles
        Array ``(bands, 4)``: the quantiles for ``lo-80, hi-80, lo-95, hi-95``.
    day_length
        Intervals per day (to map lead to band).
    """

    a: float
    b: float
    quantiles: FloatArray
    day_length: int

    def scale(self, forecast: FloatArray) -> FloatArray:
        """Error scale ``s(f)`` for forecasts *f*."""
        f = np.clip(np.asarray(forecast, dtype=np.float64), 0.0, None)
        return np.sqrt(self.a * f + self.b * f * f)

    def apply(
        self, mean: FloatArray, lead: NDArray[np.intp] | None = None
    ) -> dict[str, FloatArray]:
        """Intervals around *mean* (lead 0 = first forecast interval when *lead* is None)."""
        mean = np.asarray(mean, dtype=np.float64)
        if lead is None:
            lead = np.arange(mean.size)
        band = horizon_band(lead, self.day_length)
        s = self.scale(mean)
        out = {"mean": mean}
        for j, key in enumerate(_QUANTILES):
            q = self.quantiles[band, j]
            out[key] = np.clip(mean + q * s, 0.0, None)
        # an interval always contains the point forecast
        for lo, hi in (("lo-80", "hi-80"), ("lo-95", "hi-95")):
            out[lo] = np.minimum(out[lo], mean)
            out[hi] = np.maximum(out[hi], mean)
        return out


def calibrate(actual: FloatArray, forecast: FloatArray, day_length: int) -> IntervalCalibration:
    """Fit the error model on backtest windows.

    Parameters
    ----------
    actual, forecast
        Arrays ``(origins, horizon)`` from a backtest (lead = column index).
    day_length
        Intervals per day.

    Returns
    -------
    IntervalCalibration
    """
    a_arr = np.asarray(actual, dtype=float)
    f_arr = np.clip(np.asarray(forecast, dtype=float), 0.0, None)
    lead = np.broadcast_to(np.arange(a_arr.shape[-1]), a_arr.shape)
    keep = (f_arr > 0) | (a_arr > 0)
    err = (a_arr - f_arr)[keep]
    f = f_arr[keep]
    if err.size < 10:
        # too few errors to calibrate: Poisson-like bands
        return IntervalCalibration(1.0, 0.0, _normal_quantiles(), day_length)
    coef, _ = nnls(np.column_stack([f, f * f]), err * err)
    a, b = float(coef[0]), float(coef[1])
    if a <= 0 and b <= 0:
        a = float(np.mean(err * err) / max(np.mean(f), 1e-9)) or 1e-6
    s = np.sqrt(a * f + b * f * f)
    ok = s > 0
    z = err[ok] / s[ok]
    band = horizon_band(lead[keep][ok], day_length)
    qs = np.empty((len(_BAND_START), 4))
    overall = np.quantile(z, list(_QUANTILES.values())) if z.size else _normal_quantiles()[0]
    for i in range(len(_BAND_START)):
        zb = z[band == i]
        qs[i] = np.quantile(zb, list(_QUANTILES.values())) if zb.size >= 30 else overall
    return IntervalCalibration(a, b, qs, day_length)


def _normal_quantiles() -> FloatArray:
    row = np.array([-1.2815515655446004, 1.2815515655446004, -1.959963984540054, 1.959963984540054])
    return np.tile(row, (len(_BAND_START), 1))


def holdout_coverage(
    actual: FloatArray, forecast: FloatArray, day_length: int
) -> tuple[float, float]:
    """Empirical 80 % and 95 % coverage, each origin scored with intervals calibrated on the others.

    Parameters
    ----------
    actual, forecast
        Arrays ``(origins, horizon)``.
    day_length
        Intervals per day.

    Returns
    -------
    (float, float)
        Coverage of the 80 % and the 95 % interval over open intervals; NaN with fewer than two
        origins.
    """
    k = actual.shape[0]
    if k < 2:
        return float("nan"), float("nan")
    hits80: list[NDArray[np.bool_]] = []
    hits95: list[NDArray[np.bool_]] = []
    for i in range(k):
        others = np.arange(k) != i
        cal = calibrate(actual[others], forecast[others], day_length)
        bands = cal.apply(forecast[i])
        open_ = (forecast[i] > 0) | (actual[i] > 0)
        a = actual[i][open_]
        hits80.append((a >= bands["lo-80"][open_]) & (a <= bands["hi-80"][open_]))
        hits95.append((a >= bands["lo-95"][open_]) & (a <= bands["hi-95"][open_]))
    h80, h95 = np.concatenate(hits80), np.concatenate(hits95)
    return (
        float(h80.mean()) if h80.size else float("nan"),
        float(h95.mean()) if h95.size else float("nan"),
    )
