"""Erlang B/C/A against published values, an independent birth-death solution and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.staffing.erlang import (
    erlang_b,
    erlang_c,
    erlang_c_wait_probability,
    log_erlang_b,
    service_level,
)
from scheduling.staffing.erlang_a import erlang_a


# --- Erlang C: the classic 100 calls / 30 min, AHT 180 s example (10 Erlangs) ------------------
@pytest.mark.parametrize(("agents", "sl"), [(11, 0.390), (12, 0.640), (14, 0.888)])
def test_erlang_c_published_service_level(agents: int, sl: float) -> None:
    m = erlang_c(100, 180, agents, interval_s=1800, answer_within_s=20)
    assert float(m.service_level) == pytest.approx(sl, abs=0.0015)


def test_erlang_c_published_wait_probability_and_asa() -> None:
    m = erlang_c(100, 180, 14, interval_s=1800, answer_within_s=20)
    assert float(m.wait_probability) == pytest.approx(0.174, abs=0.0005)
    # ASA = C AHT / (N - A) = 0.1741 * 180 / 4
    assert float(m.asa_s) == pytest.approx(0.17413 * 180 / 4, rel=1e-3)
    assert float(m.occupancy) == pytest.approx(10 / 14)


def _erlang_b_exact(a: float, n: int) -> float:
    """Erlang B by the textbook recursion in plain floats (small n only)."""
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


@pytest.mark.parametrize(("a", "n"), [(0.5, 1), (2.0, 3), (10.0, 11), (10.0, 20), (50.0, 40)])
def test_erlang_b_matches_recursion(a: float, n: int) -> None:
    assert float(erlang_b(a, n)) == pytest.approx(_erlang_b_exact(a, n), rel=1e-10)


def test_erlang_b_edge_cases() -> None:
    assert float(erlang_b(0.0, 5)) == 0.0
    assert float(erlang_b(3.0, 0)) == 1.0
    # far overloaded: B -> 1 - N/A
    assert float(erlang_b(10_000.0, 20)) == pytest.approx(1 - 20 / 10_000, abs=1e-5)


def test_huge_cases_are_finite_and_exact() -> None:
    a = np.array([10_000.0, 9_900.0, 9_800.0, 1.0, 10_000.0])
    n = np.array([10_000, 10_000, 10_000, 10_000, 10_200])
    c = erlang_c_wait_probability(a, n)
    assert np.all(np.isfinite(c))
    assert c[0] == 1.0  # A = N is unstable
    assert 0 < c[2] < c[1] < 1
    assert c[3] == 0.0
    # recursion in log space for a big case against the Poisson ratio formula with mpmath-free
    # check: B(N, A) for A = N = 10,000 ~ sqrt(2 / (pi A)) (normal approximation)
    b = float(erlang_b(10_000.0, 10_000))
    assert b == pytest.approx(math.sqrt(2 / (math.pi * 10_000)), rel=0.02)
    lb = log_erlang_b([1.0, 5.0], [10_000, 10_000])
    assert np.all(np.isfinite(lb)) and np.all(lb < -10_000)
    m = erlang_a(
        2_000_000, 180, [10_000, 9_000], interval_s=1800, answer_within_s=20, patience_s=120
    )
    for arr in (m.service_level, m.abandon_rate, m.asa_s, m.occupancy, m.wait_probability):
        assert np.all(np.isfinite(arr))


@settings(max_examples=60, deadline=None)
@given(
    a=st.floats(0.1, 500.0),
    extra=st.integers(1, 60),
    t=st.floats(0.0, 120.0),
)
def test_more_agents_never_lower_service_level(a: float, extra: int, t: float) -> None:
    n = np.arange(math.floor(a) + 1, math.floor(a) + 1 + extra)
    sl = service_level(a, n, 180.0, t)
    assert np.all(np.diff(sl) >= -1e-12)
    ma = erlang_a(a * 10, 180.0, n, interval_s=1800, answer_within_s=t, patience_s=90.0)
    assert np.all(np.diff(ma.service_level) >= -1e-9)
    assert np.all(np.diff(ma.abandon_rate) <= 1e-12)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300), t=st.floats(0.0, 120.0))
def test_more_traffic_never_raises_service_level(n: int, t: float) -> None:
    a = np.linspace(0.01, n * 1.2, 40)
    sl = service_level(a, n, 180.0, t)
    assert np.all(np.diff(sl) <= 1e-12)
    ma = erlang_a(a * 10, 180.0, n, interval_s=1800, answer_within_s=t, patience_s=90.0)
    assert np.all(np.diff(ma.service_level) <= 1e-9)


def test_unstable_erlang_c() -> None:
    m = erlang_c(200, 180, [10, 20, 0], interval_s=1800, answer_within_s=20)
    assert list(m.service_level) == [0.0, 0.0, 0.0]
    assert np.all(np.isinf(m.asa_s))
    idle = erlang_c(0, 180, 3, interval_s=1800, answer_within_s=20)
    assert float(idle.service_level) == 1.0 and float(idle.asa_s) == 0.0


# --- Erlang A against an independent birth-death computation ------------------------------------
def _birth_death(vol: float, aht: float, n: int, t: float, pat: float, k_max: int = 2500):
    """Stationary M/M/n+M by truncated state enumeration; SL via the delayed caller's race."""
    from scipy.linalg import expm

    lam, mu, th = vol / 1800, 1 / aht, 1 / pat
    logp = np.zeros(k_max)
    for s in range(1, k_max):
        out = min(s, n) * mu + max(s - n, 0) * th
        logp[s] = logp[s - 1] + math.log(lam / out)
    p = np.exp(logp - logp.max())
    p /= p.sum()
    pw = p[n:].sum()
    eq = sum(p[s] * (s - n) for s in range(n, k_max))
    pab = th * eq / lam
    jm = 300
    q = np.zeros((jm + 2, jm + 2))
    for k in range(jm + 1):  # k contacts ahead; own patience kills at rate th
        q[k, k] = -(n * mu + k * th + th)
        if k > 0:
            q[k, k - 1] = n * mu + k * th
        else:
            q[k, jm + 1] = n * mu
    m = expm(q * t)
    sl = p[:n].sum() + sum(p[n + k] * m[k, jm + 1] for k in range(jm + 1))
    return pw, pab, sl


@pytest.mark.parametrize(
    "case",
    [
        (100, 180, 11, 20, 120),
        (100, 180, 9, 20, 120),
        (300, 240, 30, 20, 60),
        (20, 300, 2, 20, 300),
    ],
)
def test_erlang_a_matches_birth_death(case: tuple[float, float, int, float, float]) -> None:
    vol, aht, n, t, pat = case
    pw, pab, sl = _birth_death(vol, aht, n, t, pat)
    m = erlang_a(vol, aht, n, interval_s=1800, answer_within_s=t, patience_s=pat)
    assert float(m.wait_probability) == pytest.approx(pw, rel=1e-8)
    assert float(m.abandon_rate) == pytest.approx(pab, rel=1e-8)
    assert float(m.service_level) == pytest.approx(sl, rel=1e-7)
    served = 1 - pab
    assert float(m.occupancy) == pytest.approx(vol * aht / 1800 * served / n, rel=1e-8)


def test_erlang_a_tends_to_erlang_c_with_endless_patience() -> None:
    c = erlang_c(100, 180, 12, interval_s=1800, answer_within_s=20)
    a = erlang_a(100, 180, 12, interval_s=1800, answer_within_s=20, patience_s=1e7)
    assert float(a.service_level) == pytest.approx(float(c.service_level), abs=1e-3)
    assert float(a.asa_s) == pytest.approx(float(c.asa_s), rel=1e-2)
    assert float(a.abandon_rate) < 1e-4
    # the same through the short-abandon convention (the series branch of the formulas)
    short = erlang_a(
        100, 180, 12, interval_s=1800, answer_within_s=20, patience_s=1e7, abandon_threshold_s=5
    )
    assert float(short.service_level) == pytest.approx(float(c.service_level), abs=1e-3)


def test_erlang_a_negligible_load_is_idle() -> None:
    m = erlang_a([5.8e-194, 1e-20], 84.0, 1, interval_s=1800, answer_within_s=20, patience_s=120)
    assert list(m.service_level) == [1.0, 1.0]
    assert np.all(np.isfinite(m.asa_s)) and np.all(m.abandon_rate < 1e-15)


def test_erlang_a_stable_when_overloaded_and_short_abandon_threshold() -> None:
    m = erlang_a(200, 180, 10, interval_s=1800, answer_within_s=20, patience_s=60)
    assert 0 < float(m.service_level) < 1 and float(m.abandon_rate) > 0.4
    assert np.isfinite(m.asa_s)
    excl = erlang_a(
        200, 180, 10, interval_s=1800, answer_within_s=20, patience_s=60, abandon_threshold_s=5
    )
    assert float(excl.service_level) > float(m.service_level)
    none = erlang_a(100, 180, 0, interval_s=1800, answer_within_s=20, patience_s=60)
    assert float(none.service_level) == 0.0 and float(none.abandon_rate) == 1.0
