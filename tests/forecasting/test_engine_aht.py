"""AHT without a ``handled`` column, and the AHT's backtest accuracy (issue #18, case 1)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.engine import ForecastConfig, run_forecast, summary_table

TZ = "Asia/Dubai"
WEEK = 7 * 48


def _history(*, handled: bool, abandoned: bool = True, aht: bool = True) -> pd.DataFrame:
    """Three weeks, 24/7: 10 offered per interval; 2 or 6 abandoned (alternating).

    AHT is 200 s for two weeks; in the third (the backtest week) 260 s in the intervals with 2
    abandoned and 200 s in the others.
    """
    stamps = pd.date_range("2025-10-06", periods=3 * WEEK, freq="30min", tz=TZ)
    even = np.arange(stamps.size) % 2 == 0
    lost = np.where(even, 2.0, 6.0)
    test_week = np.arange(stamps.size) >= 2 * WEEK
    frame = pd.DataFrame({"interval_start": stamps, "offered": 10.0})
    if handled:
        frame["handled"] = 10.0 - lost
    if abandoned:
        frame["abandoned"] = lost
    if aht:
        frame["aht_s"] = np.where(test_week & even, 260.0, 200.0)
    return frame


def _run(history: pd.DataFrame):  # type: ignore[no-untyped-def]
    config = ForecastConfig(days=2, origins=1, models=("seasonal_naive",), combine=1)
    return run_forecast(history, config)


def test_aht_is_weighted_by_offered_minus_abandoned_without_handled() -> None:
    without = _run(_history(handled=False))
    with_handled = _run(_history(handled=True))
    aht = without.forecast["aht_s"].to_numpy()
    assert np.isfinite(aht).all() and (aht > 0).all()
    # offered - abandoned is what was handled here: the same AHT forecast to the second
    assert aht == pytest.approx(with_handled.forecast["aht_s"].to_numpy())
    notes = [w for w in without.warnings if "AHT weighted by" in w]
    assert notes == [
        "voice/all: AHT weighted by offered minus abandoned (the history has no handled counts)"
    ]
    assert "AHT weighted by offered minus abandoned" in without.accuracy["note"].iloc[0]
    assert not [w for w in with_handled.warnings if "AHT" in w]


def test_aht_is_weighted_by_offered_without_handled_or_abandoned() -> None:
    result = _run(_history(handled=False, abandoned=False))
    assert np.isfinite(result.forecast["aht_s"]).all()
    assert any("AHT weighted by offered (the history" in w for w in result.warnings)


def test_a_history_without_aht_says_the_forecast_has_none() -> None:
    result = _run(_history(handled=True, aht=False))
    assert result.forecast["aht_s"].isna().all()
    note = next(w for w in result.warnings if "no aht_s" in w)
    assert "--aht SECONDS" in note
    assert result.accuracy["aht_wape"].isna().all()


def test_aht_accuracy_is_the_volume_weighted_backtest_error() -> None:
    """Backtest week: forecast 200 s everywhere; actual 260 s (weight 8) and 200 s (weight 4).

    WAPE = sum(w |f - a|) / sum(w a) = 8 * 60 / (8 * 260 + 4 * 200) = 1/6, bias = -1/6. Weighted
    by offered instead (10 each) it would be 60 / 460 = 0.130: the weights are what was handled.
    """
    for handled in (True, False):
        acc = _run(_history(handled=handled)).accuracy
        assert acc["aht_wape"].iloc[0] == pytest.approx(480.0 / 2880.0)
        assert acc["aht_bias"].iloc[0] == pytest.approx(-480.0 / 2880.0)
        table = summary_table(acc)
        assert "AHT WAPE" in table.splitlines()[0] and "AHT bias" in table.splitlines()[0]
        assert "0.167" in table.splitlines()[1] and "-0.167" in table.splitlines()[1]
