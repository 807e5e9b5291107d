"""Contact volume and handle-time forecasting for contact centers.

Reads interval history (:func:`read_history`) or per-contact ACD records (:func:`read_acd`),
knows the local calendar (:func:`day_features`), and forecasts every series
(:func:`run_forecast` with a :class:`ForecastConfig`, giving a :class:`ForecastResult`). Public
names are re-exported here; implementation helpers live in ``_``-prefixed modules.
"""

from forecasting.acd import ACD_FORMATS, ANONYMOUS_BANK, AcdFormat, AcdImport, read_acd
from forecasting.calendar import (
    DAY_TYPES,
    UAE_WEEKENDS,
    CalendarConfig,
    Event,
    WeekendRule,
    day_features,
    interval_day_features,
    load_events,
    ramadan_range,
)
from forecasting.engine import ForecastConfig, ForecastResult, run_forecast
from forecasting.errors import (
    ConfigError,
    ForecastingError,
    InputError,
    InsufficientHistoryError,
)
from forecasting.history import HISTORY_COLUMNS, History, read_history, validate_history
from forecasting.opening_hours import OpeningHours, load_opening_hours

__all__ = [
    "ACD_FORMATS",
    "ANONYMOUS_BANK",
    "DAY_TYPES",
    "HISTORY_COLUMNS",
    "UAE_WEEKENDS",
    "AcdFormat",
    "AcdImport",
    "CalendarConfig",
    "ConfigError",
    "Event",
    "ForecastConfig",
    "ForecastResult",
    "ForecastingError",
    "History",
    "InputError",
    "InsufficientHistoryError",
    "OpeningHours",
    "WeekendRule",
    "day_features",
    "interval_day_features",
    "load_events",
    "load_opening_hours",
    "ramadan_range",
    "read_acd",
    "read_history",
    "run_forecast",
    "validate_history",
]
