"""Contact volume and handle-time forecasting for contact centers.

Public API is re-exported here; implementation helpers live in ``_``-prefixed modules.
"""

from forecasting.errors import (
    ConfigError,
    ForecastingError,
    InputError,
    InsufficientHistoryError,
)

__all__ = [
    "ConfigError",
    "ForecastingError",
    "InputError",
    "InsufficientHistoryError",
]
