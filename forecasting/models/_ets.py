"""Holt-Winters (additive ETS with the weekly season), from statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from forecasting.models._base import FittedSmoothing, FloatArray, ForecastModel, tile_season


class HoltWinters(ForecastModel):
    """Additive Holt-Winters with the weekly season, fitted on the last ``fit_weeks`` weeks.

    Heuristic initialisation (no 336 initial states to optimise), no brute-force start and SLSQP
    keep the fit at about 30 ms with the same backtest accuracy as statsmodels' defaults (US bank
    data). If the optimiser fails, the model falls back to the seasonal average of the fit window.
    """

    alias = "holt_winters"
    min_weeks = 2.0

    def _fit(self, y: FloatArray, ds: pd.DatetimeIndex | None) -> None:
        m = self.context.week_length
        weeks = max(2, min(self.context.fit_weeks, y.size // m))
        window = y[-weeks * m :]
        self.result_: FittedSmoothing | None = None
        try:
            self.result_ = ExponentialSmoothing(
                window,
                trend=None,
                seasonal="add",
                seasonal_periods=m,
                initialization_method="heuristic",
            ).fit(use_brute=False, method="SLSQP")
            self.sigma_ = float(np.std(self.result_.resid))
        except (ValueError, np.linalg.LinAlgError):
            self.result_ = None
        if self.result_ is None or not np.isfinite(self.sigma_):
            self.fallback_: FloatArray = window.reshape(weeks, m).mean(axis=0)
            self._set_sigma_from_seasonal_errors(y)

    def _predict_mean(self, h: int) -> FloatArray:
        if self.result_ is None:
            return tile_season(self.fallback_, h)
        # without trend the forecast is the last level plus the last season, repeated: the same
        # numbers as ``result_.forecast(h)``, which reruns the whole smoother first (7 ms)
        level = np.asarray(self.result_.level, dtype=np.float64)
        season = np.asarray(self.result_.season, dtype=np.float64)
        m = self.context.week_length
        out: FloatArray = level[-1] + tile_season(season[-m:], h)
        return out
