import numpy as np
import pytest

from forecasting._intervals import calibrate, holdout_coverage, horizon_band
from forecasting.metrics import bias, coverage, mase, seasonal_scale, wape


def test_wape_known_answer() -> None:
    assert wape([10, 20, 30], [12, 18, 30]) == pytest.approx(4 / 60)
    assert wape([0, 0], [1, 2]) != wape([0, 0], [1, 2])  # NaN when actuals sum to 0


def test_bias_sign_and_value() -> None:
    assert bias([10, 10], [12, 13]) == pytest.approx(5 / 20)
    assert bias([10, 10], [8, 7]) == pytest.approx(-5 / 20)


def test_mase_known_answer() -> None:
    train = np.array([1.0, 2, 3, 4, 3, 2])  # season 2: |3-1|,|4-2|,|3-3|,|2-4| -> mean 1.5
    scale = seasonal_scale(train, 2)
    assert scale == pytest.approx(1.5)
    assert mase([5, 5], [4, 7], scale) == pytest.approx(1.5 / 1.5)
    assert np.isnan(seasonal_scale([1.0, 2.0], 2))
    assert np.isnan(mase([1], [1], 0.0))


def test_coverage_counts_bounds_inclusive() -> None:
    assert coverage([1, 2, 3, 4], [1, 0, 0, 5], [1, 1, 3, 6]) == pytest.approx(0.5)


def test_horizon_bands() -> None:
    lead = np.array([0, 47, 48, 95, 96, 191, 192, 335, 400])
    assert horizon_band(lead, 48).tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 3]


def test_calibrated_intervals_cover_nominal_share() -> None:
    rng = np.random.default_rng(3)
    f = np.tile(rng.uniform(20, 200, 336), (6, 1))
    actual = rng.poisson(f).astype(float)
    cal = calibrate(actual, f, 48)
    c80, c95 = holdout_coverage(actual, f, 48)
    assert 0.75 <= c80 <= 0.85
    assert 0.92 <= c95 <= 0.98
    bands = cal.apply(f[0])
    assert np.all(bands["lo-95"] <= bands["lo-80"]) and np.all(bands["lo-80"] <= f[0])
    assert np.all(bands["hi-95"] >= bands["hi-80"]) and np.all(bands["hi-80"] >= f[0])
    assert np.all(bands["lo-95"] >= 0)
