"""Forecasting models: one small interface (:class:`ForecastModel`), one series each.

=================  ==========================================================================
alias              model
=================  ==========================================================================
seasonal_naive     same interval last week (the baseline; always run)
seasonal_avg       mean of the same interval over the last k weeks (k = 4)
profile            weekday totals (k-week mean) x intraday profile shrunk towards similar days
holt_winters       additive Holt-Winters with the weekly season (statsmodels)
mstl               MSTL with daily and weekly seasons plus a damped Holt trend (statsmodels)
calendar           two-stage: daily totals with calendar regressors x intraday profile per day type
=================  ==========================================================================

:class:`AhtModel` forecasts average handle time per interval of the week.
"""

from __future__ import annotations

from collections.abc import Callable

from forecasting.errors import ConfigError
from forecasting.models._aht import AhtModel
from forecasting.models._base import (
    PREDICTION_KEYS,
    FeatureFunc,
    ForecastModel,
    ModelContext,
    OpenFunc,
)
from forecasting.models._calendar import TwoStageCalendar
from forecasting.models._ets import HoltWinters
from forecasting.models._mstl import MSTLModel
from forecasting.models._seasonal import SeasonalAverage, SeasonalNaive, WeekdayProfile

#: Model factories by alias: ``factory(context, is_open) -> ForecastModel``.
MODELS: dict[str, Callable[[ModelContext, OpenFunc | None], ForecastModel]] = {
    "seasonal_naive": lambda ctx, is_open: SeasonalNaive(ctx),
    "seasonal_avg": lambda ctx, is_open: SeasonalAverage(ctx),
    "profile": lambda ctx, is_open: WeekdayProfile(ctx),
    "holt_winters": lambda ctx, is_open: HoltWinters(ctx),
    "mstl": lambda ctx, is_open: MSTLModel(ctx),
    "calendar": lambda ctx, is_open: TwoStageCalendar(ctx, is_open=is_open),
}

#: The baseline every accuracy ratio is measured against.
BASELINE = "seasonal_naive"


def make_model(alias: str, context: ModelContext, is_open: OpenFunc | None = None) -> ForecastModel:
    """A fresh, unfitted model by alias.

    Raises
    ------
    ConfigError
        Unknown alias (the message lists the known ones).
    """
    try:
        factory = MODELS[alias]
    except KeyError:
        raise ConfigError(f"unknown model {alias!r}; known models: {', '.join(MODELS)}") from None
    return factory(context, is_open)


__all__ = [
    "BASELINE",
    "MODELS",
    "PREDICTION_KEYS",
    "AhtModel",
    "FeatureFunc",
    "ForecastModel",
    "HoltWinters",
    "MSTLModel",
    "ModelContext",
    "OpenFunc",
    "SeasonalAverage",
    "SeasonalNaive",
    "TwoStageCalendar",
    "WeekdayProfile",
    "make_model",
]
