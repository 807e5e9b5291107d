"""The kernel's error base and the libraries' trees built on it."""

from __future__ import annotations

import pytest

import forecasting.errors
import scheduling.errors
from wfmcore import ConfigError, InputError, WfmError


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({}, "bad"),
        ({"file": "a.csv"}, "a.csv: bad"),
        ({"file": "a.csv", "row": 3}, "a.csv, row 3: bad"),
        ({"file": "a.csv", "row": 3, "column": "x"}, "a.csv, row 3, column 'x': bad"),
        ({"column": "x"}, "column 'x': bad"),
    ],
)
def test_input_error_names_file_row_and_column(kwargs: dict, text: str) -> None:
    err = InputError("bad", **kwargs)
    assert str(err) == text and err.detail == "bad"
    assert (err.file, err.row, err.column) == tuple(
        kwargs.get(k) for k in ("file", "row", "column")
    )


def test_library_errors_are_kernel_errors_of_their_own_tree() -> None:
    f_err = forecasting.errors.InputError("bad", file="h.csv", row=2)
    s_err = scheduling.errors.InputError("bad", file="f.csv", row=2)
    assert str(f_err) == "h.csv, row 2: bad" and str(s_err) == "f.csv, row 2: bad"
    assert isinstance(f_err, InputError) and isinstance(f_err, forecasting.errors.ForecastingError)
    assert isinstance(s_err, InputError) and isinstance(s_err, scheduling.errors.SchedulingError)
    assert not isinstance(f_err, scheduling.errors.SchedulingError)
    assert issubclass(forecasting.errors.ConfigError, ConfigError)
    for cls in (
        forecasting.errors.ForecastingError,
        scheduling.errors.SchedulingError,
        InputError,
        ConfigError,
    ):
        assert issubclass(cls, WfmError)
    assert issubclass(InputError, ValueError) and issubclass(ConfigError, ValueError)
