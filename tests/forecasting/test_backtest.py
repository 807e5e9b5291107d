"""Rolling-origin backtest with fake models (fast, exact)."""

import numpy as np
import pandas as pd
import pytest

from forecasting.backtest import backtest
from forecasting.errors import InsufficientHistoryError
from forecasting.models._base import ForecastModel, ModelContext

WEEK = 336


class LastValue(ForecastModel):
    """Forecast the last value seen; records the training lengths it saw."""

    alias = "last_value"
    seen: list[int] = []

    def _fit(self, y, ds):
        LastValue.seen.append(y.size)
        self.last_ = y[-1]

    def _predict_mean(self, h):
        return np.full(h, self.last_)


class Broken(ForecastModel):
    alias = "broken"

    def _fit(self, y, ds):
        raise ValueError("matrix is singular")

    def _predict_mean(self, h):  # pragma: no cover - never reached
        return np.zeros(h)


def series(weeks: int) -> tuple[np.ndarray, pd.DatetimeIndex]:
    ds = pd.date_range("2025-01-06", periods=weeks * WEEK, freq="30min", tz="Asia/Dubai")
    return np.arange(weeks * WEEK, dtype=float), ds


def test_origins_are_the_last_weeks_and_models_refit_at_each() -> None:
    y, ds = series(6)
    LastValue.seen = []
    bt = backtest(y, ds, {"last": lambda: LastValue(ModelContext())}, horizon=WEEK, origins=3)
    assert bt.origins.tolist() == [3 * WEEK, 4 * WEEK, 5 * WEEK]
    assert LastValue.seen == [3 * WEEK, 4 * WEEK, 5 * WEEK]  # refit on all data before each origin
    np.testing.assert_array_equal(bt.actual[0], y[3 * WEEK : 4 * WEEK])
    np.testing.assert_array_equal(bt.forecasts["last"][1], np.full(WEEK, 4 * WEEK - 1))
    assert bt.timestamps[2, 0] == ds[5 * WEEK]


def test_scores_known_answer() -> None:
    y, ds = series(3)
    bt = backtest(y, ds, {"last": lambda: LastValue(ModelContext())}, horizon=WEEK, origins=1)
    # forecast = 2*WEEK-1 everywhere, actual = 2*WEEK .. 3*WEEK-1: errors 1..WEEK
    errors = np.arange(1, WEEK + 1)
    score = bt.score(bt.forecasts["last"])
    assert score["wape"] == pytest.approx(errors.sum() / y[2 * WEEK :].sum())
    assert score["bias"] == pytest.approx(-errors.sum() / y[2 * WEEK :].sum())
    # MASE scale: a ramp's seasonal difference is WEEK everywhere
    assert score["mase"] == pytest.approx(errors.mean() / WEEK)


def test_closed_intervals_are_zeroed_and_failures_reported() -> None:
    y, ds = series(3)

    def closed(train_y, train_ds, future):
        return np.asarray(future.hour < 6)

    bt = backtest(
        y,
        ds,
        {"last": lambda: LastValue(ModelContext()), "broken": lambda: Broken(ModelContext())},
        horizon=WEEK,
        origins=1,
        closed=closed,
    )
    hours = np.array([t.hour for t in bt.timestamps[0]])
    assert np.all(bt.forecasts["last"][0][hours < 6] == 0)
    assert np.all(bt.forecasts["last"][0][hours >= 6] > 0)
    assert "broken" not in bt.forecasts
    assert "singular" in bt.failed["broken"]


@pytest.mark.parametrize("origins", [3, [0], [2 * WEEK]])
def test_not_enough_history_for_the_origins(origins) -> None:
    y, ds = series(2)
    with pytest.raises(InsufficientHistoryError):
        backtest(y, ds, {"last": lambda: LastValue(ModelContext())}, horizon=WEEK, origins=origins)
