"""Hierarchical reconciliation: coherence, nesting, method choice and band coverage (#19)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecasting.engine import ForecastConfig, run_forecast
from forecasting.overrides import Override
from forecasting.reconcile import (
    LEVEL_COLUMNS,
    METHODS,
    build_hierarchy,
    choose_and_reconcile,
    reconcile,
    top_down_shares,
)

TZ = "Asia/Dubai"
DAY = 48
WEEK = 7 * DAY


def small_center(weeks: int = 5, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """3 entities x 2 languages x 2 channels (12 queues), 07:00-22:00, a long tail of volumes."""
    ds = pd.date_range("2026-01-04", periods=weeks * WEEK, freq="30min", tz=TZ)
    hour = np.asarray(ds.hour + ds.minute / 60)
    shape = np.where((hour >= 7) & (hour < 22), np.exp(-(((hour - 13) / 4) ** 2)), 0.0)
    rng = np.random.default_rng(seed)
    frames, rows = [], []
    for entity, scale in (("rta", 12.0), ("dewa", 2.0), ("tiny", 0.25)):
        for language, lw in (("ar", 1.0), ("en", 0.4)):
            for channel, cw in (("voice", 1.0), ("chat", 0.6)):
                queue = f"{entity}.{language}"
                offered = rng.poisson(scale * lw * cw * shape).astype(float)
                frames.append(
                    pd.DataFrame(
                        {
                            "channel": channel,
                            "queue": queue,
                            "interval_start": ds,
                            "offered": offered,
                        }
                    )
                )
                rows.append({"channel": channel, "queue": queue, "entity": entity})
    return pd.concat(frames, ignore_index=True), pd.DataFrame(rows)


CONFIG = ForecastConfig(models=("seasonal_naive", "seasonal_avg"), origins=2, days=2)


@pytest.fixture(scope="module")
def center_result():
    history, hierarchy = small_center()
    return run_forecast(history, CONFIG, hierarchy=hierarchy), hierarchy


def pivot(levels: pd.DataFrame, level: str) -> pd.DataFrame:
    part = levels[levels["level"] == level]
    return part.pivot(index="interval_start", columns="key", values="volume")


def test_whole_hierarchy_is_coherent_and_bands_nest(center_result):
    result, hierarchy = center_result
    levels = result.levels
    assert list(levels.columns) == LEVEL_COLUMNS
    assert set(levels["level"]) == {"queue", "entity", "channel", "center"}
    queues = pivot(levels, "queue")
    assert queues.shape[1] == 12
    # the forecast frame's queue rows are the levels frame's queue rows
    fc = result.forecast.assign(key=result.forecast["channel"] + "/" + result.forecast["queue"])
    same = fc.pivot(index="interval_start", columns="key", values="volume")
    np.testing.assert_allclose(same[queues.columns].to_numpy(), queues.to_numpy())
    center = pivot(levels, "center")["all"]
    np.testing.assert_allclose(queues.sum(axis=1), center, rtol=1e-9, atol=1e-9)
    for channel, group in hierarchy.groupby("channel"):
        cols = [f"{channel}/{q}" for q in group["queue"]]
        np.testing.assert_allclose(queues[cols].sum(axis=1), pivot(levels, "channel")[channel])
    entities = pivot(levels, "entity")
    assert set(entities.columns) == {"rta", "dewa", "tiny"}
    for entity, group in hierarchy.groupby("entity"):
        cols = [f"{c}/{q}" for c, q in zip(group["channel"], group["queue"], strict=True)]
        np.testing.assert_allclose(queues[cols].sum(axis=1), entities[entity])
    np.testing.assert_allclose(entities.sum(axis=1), center)
    v = levels
    assert (v["volume_lo95"] >= 0).all()
    assert (v["volume_lo95"] <= v["volume_lo"] + 1e-12).all()
    assert (v["volume_lo"] <= v["volume"] + 1e-12).all()
    assert (v["volume"] <= v["volume_hi"] + 1e-12).all()
    assert (v["volume_hi"] <= v["volume_hi95"] + 1e-12).all()
    # the night is closed: zero at every level, bands too
    night = v[v["interval_start"].dt.hour < 5]
    assert len(night) and (night[["volume", "volume_hi", "volume_hi95"]] == 0).all().all()


def test_reconciliation_report_names_the_backtest_choice(center_result):
    result, _ = center_result
    rec = result.reconciliation
    assert rec is not None and rec.method in METHODS
    table = rec.methods.set_index("method")
    tried = table.drop(index="base")
    best = min(tried.index, key=lambda m: (tried.loc[m, "wape_queue"], METHODS.index(m)))
    assert rec.method == best
    assert bool(table.loc[rec.method, "selected"]) and int(table["selected"].sum()) == 1
    acc = result.accuracy
    extra = acc[acc["model"] == f"reconciled({rec.method})"]
    assert len(extra) == 12 and not extra["selected"].any()
    # the selected per-queue models are still reported as before
    assert int(acc["selected"].fillna(False).astype(bool).sum()) == 12


def test_overrides_apply_to_queues_and_levels_re_sum():
    history, hierarchy = small_center(weeks=4)
    config = ForecastConfig(models=("seasonal_naive",), origins=1, days=1)
    plain = run_forecast(history, config, hierarchy=hierarchy)
    day = plain.forecast["interval_start"].min().normalize()
    ov = Override(
        channel="voice",
        queue="rta.ar",
        start=day,
        end=day + pd.Timedelta(days=1),
        action="multiply",
        value=2.0,
    )
    result = run_forecast(history, config, hierarchy=hierarchy, overrides=[ov])
    fc = result.forecast
    hit = (fc["channel"] == "voice") & (fc["queue"] == "rta.ar")
    base = plain.forecast
    np.testing.assert_allclose(
        fc.loc[hit, "volume"].to_numpy(),
        2 * base.loc[hit, "volume"].to_numpy(),
    )
    levels = result.levels
    center = levels[levels["level"] == "center"].set_index("interval_start")["volume"]
    sums = fc.groupby("interval_start")["volume"].sum()
    np.testing.assert_allclose(center.loc[sums.index].to_numpy(), sums.to_numpy())
    rta = levels[(levels["level"] == "entity") & (levels["key"] == "rta")]
    rta_sum = fc[fc["queue"].str.startswith("rta.")].groupby("interval_start")["volume"].sum()
    np.testing.assert_allclose(
        rta.set_index("interval_start")["volume"].loc[rta_sum.index], rta_sum
    )


def test_without_hierarchy_nothing_changes():
    history, hierarchy = small_center(weeks=3)
    config = ForecastConfig(models=("seasonal_naive",), origins=1, days=1)
    plain = run_forecast(history, config)
    assert plain.levels is None and plain.reconciliation is None
    assert not plain.accuracy["model"].str.startswith("reconciled").any()


def test_duplicate_aggregates_are_aliases_not_rows():
    frame = pd.DataFrame(
        {
            "channel": ["voice", "voice", "chat"],
            "queue": ["a.ar", "a.en", "b.ar"],
            "entity": ["a", "a", "b"],
        }
    )
    hier = build_hierarchy(frame)
    # voice == entity a (same two queues); chat == b == queue chat/b.ar
    assert hier.rows[: hier.n_aggregates] == (("center", "all"), ("channel", "voice"))
    assert hier.aliases[("entity", "a")] == hier.aliases[("channel", "voice")]
    assert hier.rows[hier.aliases[("entity", "b")]] == ("queue", "chat/b.ar")
    assert hier.rows[hier.aliases[("channel", "chat")]] == ("queue", "chat/b.ar")
    no_entity = build_hierarchy(frame.drop(columns="entity"))
    assert {lv for lv, _ in no_entity.rows} == {"center", "channel", "queue"}


# -------------------------------------------------------------------------------------------------
# properties on random hierarchies


@st.composite
def hierarchies(draw):
    channels = draw(st.lists(st.sampled_from(["voice", "chat", "email"]), min_size=1, unique=True))
    entities = draw(st.lists(st.sampled_from(list("abcde")), min_size=1, max_size=4, unique=True))
    langs = ["ar", "en"]
    cells = [(c, e, lang) for c in channels for e in entities for lang in langs]
    keep = draw(
        st.lists(st.booleans(), min_size=len(cells), max_size=len(cells)).filter(lambda k: any(k))
    )
    rows = [
        {"channel": c, "queue": f"{e}.{lang}", "entity": e}
        for (c, e, lang), k in zip(cells, keep, strict=True)
        if k
    ]
    return build_hierarchy(pd.DataFrame(rows))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hier=hierarchies(), seed=st.integers(0, 10_000), method=st.sampled_from(METHODS))
def test_any_method_gives_coherent_non_negative_output(hier, seed, method):
    rng = np.random.default_rng(seed)
    h = 12
    y_hat = rng.gamma(2.0, 5.0, size=(len(hier.rows), h))  # incoherent base forecasts
    residuals = rng.normal(0, 3, size=(len(hier.rows), 40))
    shares = rng.dirichlet(np.ones(hier.n_bottom), size=h).T
    out = reconcile(hier, y_hat, method, residuals=residuals, shares=shares)
    bottom = out[hier.idx_bottom]
    assert (bottom >= 0).all()
    np.testing.assert_allclose(out, hier.S @ bottom, rtol=1e-9, atol=1e-9)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hier=hierarchies(),
    seed=st.integers(0, 10_000),
    method=st.sampled_from(["bottom_up", "ols", "wls_struct", "mint_shrink"]),
)
def test_coherent_input_is_left_unchanged(hier, seed, method):
    rng = np.random.default_rng(seed)
    bottom = rng.gamma(2.0, 5.0, size=(hier.n_bottom, 10))
    y_hat = hier.S @ bottom
    residuals = rng.normal(0, 3, size=(len(hier.rows), 60))
    out = reconcile(hier, y_hat, method, residuals=residuals)
    np.testing.assert_allclose(out, y_hat, rtol=1e-6, atol=1e-6)


# -------------------------------------------------------------------------------------------------
# method choice and bands, on backtest arrays


def poisson_hierarchy(k=4, seed=0):
    """Six queues of one channel with a day shape; actuals Poisson; ``(n, k, WEEK)`` arrays."""
    hier = build_hierarchy(
        pd.DataFrame(
            {
                "channel": "voice",
                "queue": [f"q{i}" for i in range(6)],
                "entity": ["x", "x", "y", "y", "z", "z"],
            }
        )
    )
    rng = np.random.default_rng(seed)
    t = np.arange(WEEK) % DAY
    shape = np.exp(-(((t - 26) / 8.0) ** 2))
    lam_b = np.array([40.0, 10.0, 4.0, 1.5, 0.8, 0.3])[:, None] * shape  # (6, WEEK)
    lam = hier.S @ lam_b
    bottom_actual = rng.poisson(np.broadcast_to(lam_b[:, None, :], (6, k, WEEK))).astype(float)
    actual = np.tensordot(hier.S, bottom_actual, axes=(1, 0))
    return hier, lam, actual, rng, shape


def test_choice_follows_the_backtest():
    hier, lam, actual, rng, shape = poisson_hierarchy()
    n, k, h = actual.shape
    closed = np.zeros((hier.n_bottom, k, h), dtype=bool)
    # queues forecast exactly, aggregates badly: bottom-up must win
    base = actual * rng.uniform(0.5, 1.5, size=actual.shape)
    base[hier.idx_bottom] = actual[hier.idx_bottom]
    rec = choose_and_reconcile(
        hier,
        lam,
        closed[:, 0],
        actual=actual,
        base=base,
        naive=base,
        bt_closed=closed,
        day_length=DAY,
    )
    assert rec.method == "bottom_up"
    # the center is forecast exactly, the queues badly, and the shares are the true ones:
    # the top-down split must win
    base = actual * rng.uniform(0.2, 1.8, size=actual.shape)
    center = hier.aliases[("center", "all")]
    base[center] = actual[center]
    true_share = lam[hier.idx_bottom] / lam[center]
    shares = np.nan_to_num(true_share)
    rec = choose_and_reconcile(
        hier,
        lam,
        closed[:, 0],
        actual=actual,
        base=base,
        naive=base,
        bt_closed=closed,
        day_length=DAY,
        shares=shares,
        bt_shares=np.repeat(shares[:, None, :], k, axis=1),
    )
    table = rec.methods.set_index("method")
    assert rec.method == table.drop(index="base")["wape_queue"].idxmin()
    assert rec.method in ("top_down", "mint_top_down")
    assert table.loc[rec.method, "wape_queue"] < table.loc["bottom_up", "wape_queue"]


def test_bands_stay_calibrated_on_a_poisson_hierarchy():
    hier, lam, actual, rng, _ = poisson_hierarchy(k=6, seed=3)
    n, k, h = actual.shape
    # base forecasts: the truth with a little multiplicative error per origin
    base = np.broadcast_to(lam[:, None, :], actual.shape) * rng.uniform(0.9, 1.1, (n, k, 1))
    closed = np.zeros((hier.n_bottom, k, h), dtype=bool)
    rec = choose_and_reconcile(
        hier,
        lam,
        closed[:, 0],
        actual=actual,
        base=base,
        naive=np.roll(actual, 1, axis=1),
        bt_closed=closed,
        day_length=DAY,
        methods=("bottom_up", "wls_struct", "mint_shrink"),
    )
    row = rec.methods.set_index("method").loc[rec.method]
    assert 0.72 <= row["coverage80_queue"] <= 0.90
    assert 0.90 <= row["coverage95_queue"] <= 0.99
    assert 0.70 <= row["coverage80_center"] <= 0.92
    for key in ("volume_lo", "volume_hi", "volume_lo95", "volume_hi95"):
        assert rec.bands[key].shape == rec.reconciled.shape
    assert (rec.bands["volume_lo95"] <= rec.bands["volume_lo"] + 1e-12).all()
    assert (rec.bands["volume_hi"] <= rec.bands["volume_hi95"] + 1e-12).all()


def test_top_down_shares_sum_to_one_and_follow_the_history():
    slots = np.arange(4 * WEEK) % DAY
    history = np.vstack([np.where(slots < 24, 9.0, 1.0), np.where(slots < 24, 1.0, 9.0)])
    shares = top_down_shares(history, slots, np.array([0, 30]), DAY, prior=0.0)
    np.testing.assert_allclose(shares.sum(axis=0), 1.0)
    np.testing.assert_allclose(shares[:, 0], [0.9, 0.1])
    np.testing.assert_allclose(shares[:, 1], [0.1, 0.9])
