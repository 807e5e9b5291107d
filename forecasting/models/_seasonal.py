"""Seasonal naive, seasonal average and the weekday profile: the vectorised baselines."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.errors import ConfigError
from forecasting.models._base import FloatArray, ForecastModel, ModelContext, tile_season


class SeasonalNaive(ForecastModel):
    """Same interval last week. Always run: it is the baseline every ratio is measured against."""

    alias = "seasonal_naive"
    min_weeks = 1.0

    def _fit(self, y: FloatArray, ds: pd.DatetimeIndex | None) -> None:
        m = self.context.week_length
        self.season_: FloatArray = y[-m:].copy()
        self._set_sigma_from_seasonal_errors(y)

    def _predict_mean(self, h: int) -> FloatArray:
        return tile_season(self.season_, h)


class SeasonalAverage(ForecastModel):
    """Mean of the same interval over the last ``k`` weeks (the workhorse of commercial WFM tools).

    With fewer than ``k`` full weeks it averages the weeks there are (documented fallback).
    """

    alias = "seasonal_avg"
    min_weeks = 1.0

    def __init__(self, context: ModelContext | None = None, k: int = 4) -> None:
        super().__init__(context)
        if k < 1:
            raise ConfigError(f"seasonal average needs k >= 1 weeks, got {k}")
        self.k = k

    def _fit(self, y: FloatArray, ds: pd.DatetimeIndex | None) -> None:
        m = self.context.week_length
        k = min(self.k, y.size // m)
        self.k_used_ = k
        self.season_: FloatArray = y[y.size - k * m :].reshape(k, m).mean(axis=0)
        self._set_sigma_from_seasonal_errors(y)

    def _predict_mean(self, h: int) -> FloatArray:
        return tile_season(self.season_, h)


class WeekdayProfile(ForecastModel):
    """Each weekday's total times its intraday profile, the profile shrunk towards similar days.

    Stage 1: the total of each day of the week is the mean of that day over the last ``k`` weeks
    (as :class:`SeasonalAverage` would sum to). Stage 2 splits it by that day's intraday profile
    (shares of the day per interval over the same ``k`` weeks), shrunk towards the pooled
    profile of the *similar* days of the week, those whose mean total is within
    :attr:`similar` of its own (the working days of any week, whatever its weekend):
    ``share = (count + prior * parent_share) / (day_total + prior)``. A busy queue keeps its own
    weekday profile (thousands of contacts outweigh the prior); a queue with a few contacts a day
    borrows the shape of its pooled working days instead of the noise of two or three weeks, the
    "borrow strength" of issue #19 inside one series.

    Parameters
    ----------
    context
        Shared settings.
    k
        Weeks averaged (fewer when the history is shorter).
    prior
        Pseudo-count of contacts (per day of the week, over the ``k`` weeks) at the parent
        profile.
    similar
        Relative difference of mean daily totals under which two days of the week share a
        parent profile.
    """

    alias = "profile"
    min_weeks = 1.0

    def __init__(
        self,
        context: ModelContext | None = None,
        k: int = 4,
        prior: float = 400.0,
        similar: float = 0.3,
    ) -> None:
        super().__init__(context)
        if k < 1:
            raise ConfigError(f"weekday profile needs k >= 1 weeks, got {k}")
        if prior < 0 or similar < 0:
            raise ConfigError("weekday profile needs a non-negative prior and similarity")
        self.k, self.prior, self.similar = k, prior, similar

    def _fit(self, y: FloatArray, ds: pd.DatetimeIndex | None) -> None:
        m, d = self.context.week_length, self.context.day_length
        k = min(self.k, y.size // m)
        weeks = y[y.size - k * m :].reshape(k, 7, d)
        counts = weeks.sum(axis=0)  # (7, d): contacts per day of the week and interval
        totals = counts.sum(axis=1)  # (7,)
        daily = totals / k
        shares = np.zeros_like(counts)
        for day in range(7):
            near = np.abs(daily - daily[day]) <= self.similar * max(daily[day], 1e-9)
            pooled = counts[near].sum(axis=0)
            parent = pooled / pooled.sum() if pooled.sum() > 0 else np.full(d, 1.0 / d)
            shares[day] = (counts[day] + self.prior * parent) / (totals[day] + self.prior)
        self.daily_: FloatArray = daily
        self.season_: FloatArray = (daily[:, None] * shares).ravel()
        self._set_sigma_from_seasonal_errors(y)

    def _predict_mean(self, h: int) -> FloatArray:
        return tile_season(self.season_, h)
