"""The error base every part of contact-wfm shares.

::

    WfmError
     ├── InputError     bad input file: names the file, row and column
     │    ├── forecasting.errors.InputError   (also a ForecastingError)
     │    └── scheduling.errors.InputError    (also a SchedulingError)
     ├── ConfigError    bad option or configuration value (e.g. the opening-hours grammar)
     │    └── forecasting.errors.ConfigError  (also a ForecastingError)
     ├── forecasting.errors.ForecastingError
     └── scheduling.errors.SchedulingError

The kernel's readers take an ``error=`` class so that a library gets errors of its own tree
(``read_csv_checked(path, [...], error=scheduling.errors.InputError)``); called without one they
raise the kernel's :class:`InputError`. Every message is meant to be shown to a planner as it is.
"""

from __future__ import annotations

__all__ = ["ConfigError", "InputError", "WfmError"]


class WfmError(Exception):
    """Base class of every error contact-wfm raises on purpose."""


class InputError(WfmError, ValueError):
    """A problem in an input file, located by file, row and column.

    The message reads ``FILE, row N, column 'X': what; expected ...`` (each part only when
    known).

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

    Attributes
    ----------
    file, row, column
        As given.
    detail
        *message*, without the location.
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


class ConfigError(WfmError, ValueError):
    """An option or configuration value is invalid."""
