"""Errors raised by :mod:`forecasting`.

::

    wfmcore.errors.WfmError
     └── ForecastingError
          ├── InputError              bad input file: names the file, row and column
          │                           (also a wfmcore.errors.InputError)
          ├── ConfigError             bad option or configuration value
          │                           (also a wfmcore.errors.ConfigError)
          └── InsufficientHistoryError  too little history for what was asked

Every message is meant to be shown to a planner as it is.
"""

from __future__ import annotations

from wfmcore import errors as _core


class ForecastingError(_core.WfmError):
    """Base class of every error the forecasting library raises on purpose."""


class InputError(_core.InputError, ForecastingError):
    """A problem in an input file, located by file, row and column.

    See :class:`wfmcore.errors.InputError`.
    """


class ConfigError(_core.ConfigError, ForecastingError):
    """An option or configuration value is invalid."""


class InsufficientHistoryError(ForecastingError, ValueError):
    """The history is too short for the requested model or horizon."""
