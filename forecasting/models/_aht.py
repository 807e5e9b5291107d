"""Average handle time forecast per interval of the week, with day-type effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from forecasting.models._base import FloatArray, ModelContext, quiet_numerics

_ORDINARY = ("workday", "short_day", "weekend")
_SPECIAL = ("holiday", "ramadan_workday", "ramadan_short_day", "ramadan_weekend")


class AhtModel:
    """AHT per interval of the week from smoothed recent weeks, times a factor per day type.

    The base is the handled-weighted mean AHT per (weekday, wall-clock interval) over the last
    ``weeks`` weeks with weights halving every ``halflife_weeks``, shrunk towards the
    interval-of-day mean and the series mean where few contacts were handled (``prior_contacts``
    pseudo-contacts).
    Holidays and Ramadan days get a multiplicative factor: their handled-weighted mean AHT over the
    last two years divided by that of ordinary days of the same period (shrunk towards 1).

    Parameters
    ----------
    context
        Interval length and (optional) calendar.
    weeks, halflife_weeks, prior_contacts
        Smoothing settings described above.
    """

    alias = "aht_week_profile"

    def __init__(
        self,
        context: ModelContext | None = None,
        *,
        weeks: int = 8,
        halflife_weeks: float = 4.0,
        prior_contacts: float = 20.0,
    ) -> None:
        self.context = context or ModelContext()
        self.weeks = weeks
        self.halflife_weeks = halflife_weeks
        self.prior_contacts = prior_contacts

    def fit(self, aht_s: FloatArray, handled: FloatArray, ds: pd.DatetimeIndex) -> AhtModel:
        """Fit on one series.

        Parameters
        ----------
        aht_s
            AHT per interval in seconds (NaN where nothing was handled), shape ``(n,)``.
        handled
            Contacts handled per interval (the weights), shape ``(n,)``.
        ds
            Interval starts (tz-aware), shape ``(n,)``.

        Returns
        -------
        AhtModel
            ``self``, with ``profile_`` (seconds per interval of the week), ``factors_`` (per day
            type) and ``mean_`` (seconds; NaN when the history has no AHT at all).
        """
        ctx = self.context
        aht = np.asarray(aht_s, dtype=np.float64)
        weight = np.asarray(handled, dtype=np.float64)
        ok = np.isfinite(aht) & np.isfinite(weight) & (weight > 0) & (aht > 0)
        weight = np.where(ok, weight, 0.0)
        aht = np.where(ok, aht, 0.0)
        wall = _wall_ns(ds)
        slot, sow = _slots(wall, ctx.interval_min)
        self.mean_ = float(np.sum(weight * aht) / weight.sum()) if weight.sum() > 0 else np.nan
        self.factors_: dict[str, float] = {}
        day_type = None
        if ctx.features is not None and weight.sum() > 0:
            # one calendar row per day, spread to the intervals by the day's position
            dates, of_day = _days(wall)
            kinds = ctx.features(dates)["day_type"].astype(str).to_numpy()
            day_type = (
                np.isin(kinds, _ORDINARY)[of_day],
                {kind: (kinds == kind)[of_day] for kind in _SPECIAL},
            )
        age_weeks = (wall[-1] - wall) / (7 * _DAY_NS)
        recent = age_weeks < self.weeks
        usable = recent.copy()
        if day_type is not None:
            is_ordinary, is_kind = day_type
            usable &= is_ordinary
            two_years = age_weeks < 104
            ordinary = two_years & is_ordinary
            base = _wmean(aht[ordinary], weight[ordinary])
            for kind in _SPECIAL:
                sel = two_years & is_kind[kind]
                w = weight[sel].sum()
                if w > 0 and np.isfinite(base) and base > 0:
                    ratio = _wmean(aht[sel], weight[sel]) / base
                    k = self.prior_contacts * 5
                    self.factors_[kind] = float((ratio * w + k) / (w + k))
        decay = 0.5 ** (age_weeks / self.halflife_weeks)
        w = np.where(usable, weight * decay, 0.0)
        with quiet_numerics():
            wsum_sow = np.bincount(sow, weights=w, minlength=ctx.week_length)
            asum_sow = np.bincount(sow, weights=w * aht, minlength=ctx.week_length)
            wsum_day = np.bincount(slot, weights=w, minlength=ctx.day_length)
            asum_day = np.bincount(slot, weights=w * aht, minlength=ctx.day_length)
            overall = asum_day.sum() / wsum_day.sum() if wsum_day.sum() > 0 else self.mean_
            k = self.prior_contacts
            by_slot = (asum_day + k * overall) / (wsum_day + k)
            prior = np.tile(by_slot, 7)
            self.profile_: FloatArray = (asum_sow + k * prior) / (wsum_sow + k)
        return self

    def predict_at(self, timestamps: pd.DatetimeIndex) -> FloatArray:
        """AHT in seconds for each of *timestamps* (tz-aware interval starts)."""
        ctx = self.context
        wall = _wall_ns(timestamps)
        sow = _slots(wall, ctx.interval_min)[1]
        out: FloatArray = self.profile_[sow].astype(np.float64)
        if self.factors_ and ctx.features is not None:
            dates, of_day = _days(wall)
            kinds = ctx.features(dates)["day_type"].astype(str).to_numpy()
            factor = np.array([self.factors_.get(k, 1.0) for k in kinds], dtype=np.float64)
            out = out * factor[of_day]
        return out


_DAY_NS = 86_400 * 10**9
_MINUTE_NS = 60 * 10**9


def _wall_ns(stamps: pd.DatetimeIndex) -> NDArray[np.int64]:
    """Wall-clock times as nanoseconds since 1970-01-01 (naive), one per stamp."""
    wall = stamps.tz_localize(None) if stamps.tz is not None else stamps
    return np.asarray(wall.as_unit("ns").asi8, dtype=np.int64)


def _slots(
    wall: NDArray[np.int64], interval_min: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Interval of the day and interval of the week (Monday 00:00 = 0) of wall-clock times."""
    slot = (wall % _DAY_NS) // (interval_min * _MINUTE_NS)
    weekday = (wall // _DAY_NS + 3) % 7  # 1970-01-01 was a Thursday
    return slot, weekday * (1440 // interval_min) + slot


def _days(wall: NDArray[np.int64]) -> tuple[pd.DatetimeIndex, NDArray[np.intp]]:
    """The distinct days (naive midnights, in order of appearance) and each time's day."""
    day = wall // _DAY_NS
    first, of_day = np.unique(day, return_inverse=True)
    return pd.DatetimeIndex(first * _DAY_NS), of_day.reshape(-1)


def _wmean(values: FloatArray, weights: FloatArray) -> float:
    total = weights.sum()
    return float(np.sum(values * weights) / total) if total > 0 else float("nan")
