"""Errors raised by :mod:`forecasting`.

::

    ForecastingError
     ├── InputError              bad input file: names the file, row and column
     ├── ConfigError             bad option or configuration value
     └── InsufficientHistoryError  too little history for what was asked

Every message is meant to be shown to a planner as it is.
"""

from __future__ import annotations


class ForecastingError(Exception):
    """Base class of every error the forecasting library raises on purpose."""


class InputError(ForecastingError, ValueError):
    """A problem in an input file, located by file, row and column.

    Parameters
    ----------
    message
        What is wrong and what was expected.
    file
        Path or name of the file.
    row
        1-based line number in the file (the header is line 1), or ``None``.
    column
        Column name, or ``None`` when the problem is not in one column.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.column = column
        self.detail = message
        where = []
        if file is not None:
            where.append(str(file))
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class ConfigError(ForecastingError, ValueError):
    """An option or configuration value is invalid."""


class InsufficientHistoryError(ForecastingError, ValueError):
    """The history is too short for the requested model or horizon."""
