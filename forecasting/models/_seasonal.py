"""Seasonal naive and seasonal average: vectorised, the baselines of contact-center forecasting."""

from __future__ import annotations

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
