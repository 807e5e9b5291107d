"""Per-series models: interface, known answers, properties, calendar behaviour."""

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from forecasting.calendar import CalendarConfig, day_features
from forecasting.engine import CalendarLookup
from forecasting.errors import ConfigError, InsufficientHistoryError
from forecasting.models import (
    MODELS,
    PREDICTION_KEYS,
    AhtModel,
    HoltWinters,
    ModelContext,
    MSTLModel,
    SeasonalAverage,
    SeasonalNaive,
    TwoStageCalendar,
    WeekdayProfile,
    make_model,
)

TZ = "Asia/Dubai"


def periodic_series(weeks: int, seed: int = 0, noise: float = 0.0, start: str = "2025-01-06"):
    ds = pd.date_range(start, periods=weeks * 336, freq="30min", tz=TZ)
    wall = ds.tz_localize(None)
    hour = wall.hour + wall.minute / 60
    shape = np.exp(-(((hour - 11) / 3) ** 2)) + 0.6 * np.exp(-(((hour - 17) / 2.5) ** 2))
    day = np.where(np.asarray(wall.day_of_week) >= 5, 0.4, 1.0)
    mean = np.asarray(80 * shape * day + 1, dtype=float)
    rng = np.random.default_rng(seed)
    y = mean + (rng.normal(0, noise, mean.size) if noise else 0)
    return np.clip(y, 0, None), ds, mean


def calendar_context(start: str = "2020-01-01", end: str = "2027-12-31") -> ModelContext:
    cal = CalendarConfig()
    frame = day_features(pd.date_range(start, end, freq="D"), cal)
    return ModelContext(interval_min=30, features=CalendarLookup(cal, frame))


@pytest.mark.parametrize("alias", sorted(MODELS))
def test_every_model_follows_the_interface(alias: str) -> None:
    y, ds, _ = periodic_series(8, noise=3.0)
    model = make_model(alias, calendar_context())
    assert model.fit(y, ds) is model
    out = model.predict(400)
    assert set(out) == set(PREDICTION_KEYS)
    for key in PREDICTION_KEYS:
        assert out[key].shape == (400,)
        assert np.all(out[key] >= 0), key
    assert np.all(out["lo-95"] <= out["lo-80"] + 1e-9)
    assert np.all(out["hi-80"] <= out["hi-95"] + 1e-9)
    assert model.alias == alias


def test_seasonal_naive_repeats_last_week() -> None:
    y = np.arange(3 * 336, dtype=float)
    out = SeasonalNaive(ModelContext()).fit(y).predict(500)["mean"]
    np.testing.assert_array_equal(out[:336], y[-336:])
    np.testing.assert_array_equal(out[336:], y[-336 : -336 + 164])


def test_seasonal_average_known_answer_and_short_history_fallback() -> None:
    weeks = np.stack([np.full(336, v) for v in (1.0, 2.0, 3.0, 4.0, 5.0)])
    out = SeasonalAverage(ModelContext(), k=4).fit(weeks.ravel()).predict(10)["mean"]
    assert out == pytest.approx(np.full(10, 3.5))
    short = SeasonalAverage(ModelContext(), k=4).fit(weeks[:2].ravel())
    assert short.k_used_ == 2
    assert short.predict(3)["mean"] == pytest.approx([1.5] * 3)


def test_weekday_profile_without_prior_is_the_seasonal_average() -> None:
    y, ds, _ = periodic_series(5, noise=4.0, seed=3)
    plain = SeasonalAverage(ModelContext(), k=4).fit(y, ds).predict(500)["mean"]
    out = WeekdayProfile(ModelContext(), k=4, prior=0.0).fit(y, ds).predict(500)["mean"]
    np.testing.assert_allclose(out, plain, atol=1e-9)


def test_weekday_profile_keeps_each_days_total_and_borrows_the_shape() -> None:
    # a small queue: about 10 contacts a working day, the same shape every working day
    _, ds, mean = periodic_series(4)
    rng = np.random.default_rng(7)
    small = mean * 10.0 / mean[:48].sum()
    y = rng.poisson(small).astype(float)
    model = WeekdayProfile(ModelContext(), k=4, prior=400.0).fit(y, ds)
    out = model.predict(336)["mean"]
    # each day of the week keeps its own mean total over the 4 weeks
    np.testing.assert_allclose(
        out.reshape(7, 48).sum(axis=1), y.reshape(4, 7, 48).sum(axis=2).mean(axis=0)
    )
    # and its shape is the pooled working days', so it is closer to the truth than the
    # per-interval average of 4 noisy weeks
    avg = SeasonalAverage(ModelContext(), k=4).fit(y, ds).predict(336)["mean"]
    truth = small[:336]
    assert np.abs(out - truth).sum() < 0.7 * np.abs(avg - truth).sum()


def test_weekday_profile_lets_a_busy_day_keep_its_own_shape() -> None:
    # thousands of contacts a day: a day whose shape differs from its neighbours keeps it
    y, ds, _ = periodic_series(4)
    y = y * 50.0
    days = y.reshape(4, 7, 48)
    days[:, 2, :] = days[:, 2, ::-1]  # Wednesday peaks in the evening
    out = WeekdayProfile(ModelContext()).fit(days.ravel(), ds).predict(336)["mean"]
    plain = days.mean(axis=0).ravel()
    assert np.abs(out - plain).sum() < 0.02 * plain.sum()


def test_weekday_profile_rejects_bad_settings() -> None:
    with pytest.raises(ConfigError, match="k >= 1"):
        WeekdayProfile(ModelContext(), k=0)
    with pytest.raises(ConfigError, match="non-negative"):
        WeekdayProfile(ModelContext(), prior=-1.0)


@pytest.mark.parametrize(("cls", "max_wape"), [(HoltWinters, 0.06), (MSTLModel, 0.2)])
def test_statsmodels_models_learn_a_clean_weekly_pattern(cls: type, max_wape: float) -> None:
    y, ds, mean = periodic_series(6, noise=0.5)
    out = cls(ModelContext()).fit(y, ds).predict(336)["mean"]
    truth = mean[:336]  # the pattern repeats weekly; history starts on a Monday
    assert np.abs(out - truth).sum() / truth.sum() < max_wape
    # and clearly better than a flat forecast at the mean
    assert np.abs(out - truth).sum() < 0.5 * np.abs(truth.mean() - truth).sum()


@pytest.mark.parametrize(
    ("cls", "weeks"),
    [(SeasonalNaive, 0.5), (HoltWinters, 1.5), (MSTLModel, 1.5), (TwoStageCalendar, 2)],
)
def test_too_short_history_is_a_clear_error(cls: type, weeks: float) -> None:
    n = int(weeks * 336)
    y, ds, _ = periodic_series(3)
    with pytest.raises(InsufficientHistoryError, match="weeks of history"):
        cls(calendar_context()).fit(y[:n], ds[:n])


def test_bad_inputs() -> None:
    with pytest.raises(ConfigError, match="missing values"):
        SeasonalNaive().fit(np.full(400, np.nan))
    with pytest.raises(ConfigError, match="not fitted"):
        SeasonalNaive().predict(3)
    with pytest.raises(ConfigError, match="unknown model"):
        make_model("prophet", ModelContext())
    with pytest.raises(ConfigError, match="calendar"):
        TwoStageCalendar(ModelContext()).fit(*periodic_series(4)[:2])
    with pytest.raises(ConfigError, match="divide a day"):
        ModelContext(interval_min=7)


# ---------------------------------------------------------------------------------------------
# the two-stage calendar model on demo-like data


@pytest.fixture(scope="module")
def voice_history() -> pd.DataFrame:
    from web.demo.synthetic import SMALL_SPEC, generate_history

    spec = replace(SMALL_SPEC, series=SMALL_SPEC.series[:1])
    return generate_history(spec, date(2023, 6, 1), date(2026, 6, 30), seed=5)


def _fit_until(history: pd.DataFrame, last_day: str, ctx: ModelContext) -> TwoStageCalendar:
    cut = history[history["interval_start"] < pd.Timestamp(last_day, tz=TZ) + pd.Timedelta(days=1)]
    ds = pd.DatetimeIndex(cut["interval_start"])
    return TwoStageCalendar(ctx).fit(cut["offered"].to_numpy(dtype=float), ds)


def _daily(model: TwoStageCalendar, h: int) -> pd.Series:
    mean = model.predict(h)["mean"]
    idx = model.future_index(h).tz_localize(None).normalize()
    return pd.Series(mean, index=idx).groupby(level=0).sum()


def test_calendar_model_conserves_daily_totals(voice_history: pd.DataFrame) -> None:
    model = _fit_until(voice_history, "2025-11-23", calendar_context())
    daily = _daily(model, 14 * 48)
    np.testing.assert_allclose(daily.to_numpy(), model.daily_forecast_.to_numpy(), rtol=1e-9)


def test_calendar_model_forecasts_holidays_and_eid_lower(voice_history: pd.DataFrame) -> None:
    ctx = calendar_context()
    # National Day 2025 (the `holidays` package puts it on Mon-Tue 1-2 Dec) against the same
    # weekdays of the week before
    daily = _daily(_fit_until(voice_history, "2025-11-23", ctx), 14 * 48)
    feats = ctx.features(pd.DatetimeIndex(daily.index))
    holidays = feats.index[feats["is_holiday"]]
    assert len(holidays) >= 2
    for day in holidays:
        assert daily[day] < 0.6 * daily[day - pd.Timedelta(days=7)]
    # Eid al-Fitr 2026 (Umm al-Qura 1 Shawwal 1447 = 2026-03-20) against an ordinary Ramadan day
    daily = _daily(_fit_until(voice_history, "2026-03-08", ctx), 14 * 48)
    assert daily["2026-03-20"] < 0.5 * daily["2026-03-10"]


def test_calendar_model_shifts_ramadan_demand_to_the_evening(voice_history: pd.DataFrame) -> None:
    # Ramadan 2026 starts 2026-02-18 (Umm al-Qura); train to 2026-02-08, forecast two weeks
    model = _fit_until(voice_history, "2026-02-08", calendar_context())
    h = 14 * 48
    mean = pd.Series(model.predict(h)["mean"], index=model.future_index(h).tz_localize(None))
    evening = mean[mean.index.hour >= 20].groupby(mean[mean.index.hour >= 20].index.date).sum()
    total = mean.groupby(mean.index.date).sum()
    share = evening / total
    ramadan_workday = date(2026, 2, 18)  # Wednesday
    plain_workday = date(2026, 2, 11)  # the Wednesday before
    assert share[ramadan_workday] > 1.3 * share[plain_workday]


def test_calendar_model_applies_future_event_effect(voice_history: pd.DataFrame) -> None:
    from forecasting.calendar import Event

    cal = CalendarConfig(
        events=(Event("SMS campaign", date(2025, 11, 26), date(2025, 11, 26), 1.5),)
    )
    frame = day_features(pd.date_range("2020-01-01", "2027-12-31", freq="D"), cal)
    with_event = ModelContext(interval_min=30, features=CalendarLookup(cal, frame))
    base = _daily(_fit_until(voice_history, "2025-11-23", calendar_context()), 7 * 48)
    boosted = _daily(_fit_until(voice_history, "2025-11-23", with_event), 7 * 48)
    assert boosted["2025-11-26"] == pytest.approx(1.5 * base["2025-11-26"], rel=1e-6)
    assert boosted["2025-11-25"] == pytest.approx(base["2025-11-25"], rel=1e-6)


def test_calendar_model_renormalises_over_open_intervals() -> None:
    y, ds, _ = periodic_series(6, noise=1.0)

    def day_only(ts: pd.DatetimeIndex) -> np.ndarray:
        return np.asarray((ts.hour >= 8) & (ts.hour < 20))

    model = TwoStageCalendar(calendar_context(), is_open=day_only).fit(y, ds)
    mean = model.predict(7 * 48)["mean"]
    closed = ~day_only(model.future_index(7 * 48))
    assert np.all(mean[closed] == 0)
    assert mean.sum() == pytest.approx(model.daily_forecast_.sum(), rel=1e-9)


# ---------------------------------------------------------------------------------------------
# AHT


def test_aht_model_known_answer_and_day_type_factor() -> None:
    ctx = calendar_context()
    ds = pd.date_range("2025-10-06", periods=10 * 336, freq="30min", tz=TZ)
    handled = np.full(ds.size, 10.0)
    aht = np.where(np.asarray(ds.hour) < 12, 300.0, 360.0)
    model = AhtModel(ctx).fit(aht, handled, ds)
    future = pd.date_range("2025-12-15", periods=48, freq="30min", tz=TZ)
    out = model.predict_at(future)
    # shrinkage towards the daily mean is tiny with this many contacts
    assert out[np.asarray(future.hour) < 12] == pytest.approx(300.0, rel=0.01)
    assert out[np.asarray(future.hour) >= 12] == pytest.approx(360.0, rel=0.01)
    # no AHT at all -> NaN, not a crash
    empty = AhtModel(ctx).fit(np.full(ds.size, np.nan), handled, ds)
    assert np.isnan(empty.mean_)


def test_aht_model_learns_holiday_factor() -> None:
    ctx = calendar_context()
    ds = pd.date_range("2024-01-01", "2025-11-30 23:30", freq="30min", tz=TZ)
    feats = ctx.features(pd.DatetimeIndex(ds.tz_localize(None).normalize().unique()))
    holiday = feats["is_holiday"].reindex(ds.tz_localize(None).normalize()).to_numpy(dtype=bool)
    aht = np.where(holiday, 400.0, 300.0)
    model = AhtModel(ctx).fit(aht, np.full(ds.size, 10.0), ds)
    assert model.factors_["holiday"] == pytest.approx(400 / 300, rel=0.05)
    national_day = pd.date_range("2025-12-02", periods=48, freq="30min", tz=TZ)
    assert model.predict_at(national_day) == pytest.approx(400.0, rel=0.05)


def test_calendar_model_across_a_dst_change() -> None:
    cal = CalendarConfig(country="GB")
    frame = day_features(pd.date_range("2024-01-01", "2024-12-31", freq="D"), cal)
    ctx = ModelContext(interval_min=30, features=CalendarLookup(cal, frame))
    ds = pd.date_range("2024-08-05", "2024-10-20 23:30", freq="30min", tz="Europe/London")
    wall = ds.tz_localize(None)
    y = np.asarray(10 + 20 * np.exp(-(((wall.hour - 12) / 3) ** 2)), dtype=float)
    model = TwoStageCalendar(ctx).fit(y, ds)
    h = 14 * 48 + 2  # 27 October 2024 has 50 half-hours
    mean = model.predict(h)["mean"]
    future = model.future_index(h)
    assert future[-1] == pd.Timestamp("2024-11-03 23:30", tz="Europe/London")
    daily = pd.Series(mean, index=future.tz_localize(None).normalize()).groupby(level=0).sum()
    np.testing.assert_allclose(daily.to_numpy(), model.daily_forecast_.to_numpy(), rtol=1e-9)
    assert (future.tz_localize(None).normalize() == pd.Timestamp("2024-10-27")).sum() == 50


def test_an_event_seen_in_history_is_learned_not_counted_twice() -> None:
    from forecasting.calendar import Event

    y, ds, _ = periodic_series(8, noise=0.5)
    wall_days = ds.tz_localize(None).normalize()
    boost = np.asarray((wall_days >= pd.Timestamp("2025-02-17")), dtype=bool)
    y = np.where(boost, 1.3 * y, y)  # a campaign running since 17 Feb, into the forecast
    cal = CalendarConfig(events=(Event("campaign", date(2025, 2, 17), date(2025, 3, 31), 1.3),))
    frame = day_features(pd.date_range("2024-12-01", "2025-04-30", freq="D"), cal)
    ctx = ModelContext(interval_min=30, features=CalendarLookup(cal, frame))
    model = TwoStageCalendar(ctx).fit(y, ds)
    model.predict(7 * 48)
    last_week = y[-7 * 48 :].sum()
    assert model.daily_forecast_.sum() == pytest.approx(last_week, rel=0.05)
