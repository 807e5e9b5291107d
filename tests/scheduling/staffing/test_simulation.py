"""The discrete-event simulation against the analytic models (and the models against it)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scheduling.staffing.erlang import erlang_c
from scheduling.staffing.erlang_a import erlang_a
from scheduling.staffing.simulation import (
    SimulationResult,
    _Arrivals,
    _EventLoop,
    _QueueSpec,
    mean_ci,
    simulate_queue,
)

WARMUP = 4  # intervals dropped so the stationary formulas apply


def _pooled(res: SimulationResult, num: str, den: str) -> tuple[float, float]:
    n = getattr(res, num)[:, WARMUP:].sum(axis=1)
    d = getattr(res, den)[:, WARMUP:].sum(axis=1)
    mean, half = mean_ci(n / d)
    return float(mean), float(half)


def _within(sim: tuple[float, float], analytic: float, slack: float = 0.0) -> None:
    mean, half = sim
    assert abs(mean - analytic) <= half + slack, f"sim {mean:.4f} ± {half:.4f} vs {analytic:.4f}"


def test_erlang_c_against_simulation() -> None:
    intervals = 60
    res = simulate_queue(
        np.full(intervals, 100.0),
        np.full(intervals, 180.0),
        np.full(intervals, 12),
        interval_min=30,
        answer_within_s=20,
        replications=8,
        seed=11,
    )
    m = erlang_c(100, 180, 12, interval_s=1800, answer_within_s=20)
    _within(_pooled(res, "answered_within", "offered"), float(m.service_level), 0.005)
    _within(_pooled(res, "wait_answered_s", "answered"), float(m.asa_s), 1.0)
    _within(_pooled(res, "busy_s", "capacity_s"), float(m.occupancy), 0.005)
    assert res.abandoned.sum() == 0


@pytest.mark.parametrize(("agents", "patience_s"), [(9, 120.0), (11, 300.0)])
def test_erlang_a_against_simulation(agents: int, patience_s: float) -> None:
    intervals = 60
    res = simulate_queue(
        np.full(intervals, 100.0),
        np.full(intervals, 180.0),
        np.full(intervals, agents),
        interval_min=30,
        answer_within_s=20,
        patience_s=patience_s,
        replications=8,
        seed=5,
    )
    m = erlang_a(100, 180, agents, interval_s=1800, answer_within_s=20, patience_s=patience_s)
    _within(_pooled(res, "answered_within", "offered"), float(m.service_level), 0.005)
    _within(_pooled(res, "abandoned", "offered"), float(m.abandon_rate), 0.003)
    _within(_pooled(res, "wait_answered_s", "answered"), float(m.asa_s), 0.5)
    _within(_pooled(res, "busy_s", "capacity_s"), float(m.occupancy), 0.005)


def test_erlang_a_short_abandon_convention_against_simulation() -> None:
    intervals = 60
    kw = dict(interval_min=30, answer_within_s=20, patience_s=90.0, abandon_threshold_s=10.0)
    res = simulate_queue(
        np.full(intervals, 120.0),
        np.full(intervals, 180.0),
        np.full(intervals, 11),
        replications=8,
        seed=3,
        **kw,  # type: ignore[arg-type]
    )
    m = erlang_a(
        120,
        180,
        11,
        interval_s=1800,
        answer_within_s=20,
        patience_s=90.0,
        abandon_threshold_s=10.0,
    )
    n = res.answered_within[:, WARMUP:].sum(1)
    d = (res.offered - res.abandoned_short)[:, WARMUP:].sum(1)
    _within(tuple(float(v) for v in mean_ci(n / d)), float(m.service_level), 0.005)  # type: ignore[arg-type]


def test_seeded_and_reproducible() -> None:
    kw = dict(interval_min=30, answer_within_s=20, patience_s=60.0, replications=2)
    a = simulate_queue([50, 80], [200, 200], [5, 7], seed=4, **kw)  # type: ignore[arg-type]
    b = simulate_queue([50, 80], [200, 200], [5, 7], seed=4, **kw)  # type: ignore[arg-type]
    c = simulate_queue([50, 80], [200, 200], [5, 7], seed=5, **kw)  # type: ignore[arg-type]
    assert np.array_equal(a.answered_within, b.answered_within)
    assert not np.array_equal(a.wait_answered_s, c.wait_answered_s)


def test_every_contact_has_an_outcome() -> None:
    res = simulate_queue(
        [200, 50, 0],
        [300, 300, 300],
        [3, 12, 12],
        interval_min=30,
        answer_within_s=20,
        patience_s=600.0,
        replications=3,
        seed=1,
    )
    assert np.array_equal(res.offered, res.answered + res.abandoned)


def test_queue_carries_over_between_intervals() -> None:
    """An overloaded interval leaves a queue that hurts the next one; Erlang ignores this."""
    agents = [5, 14]
    res = simulate_queue(
        [150, 100],
        [180, 180],
        agents,
        interval_min=30,
        answer_within_s=20,
        replications=10,
        seed=2,
    )
    sl_second, half = mean_ci(res.service_level()[:, 1])
    analytic = float(erlang_c(100, 180, 14, interval_s=1800, answer_within_s=20).service_level)
    assert float(sl_second) + float(half) < analytic - 0.2


def test_lognormal_handle_times_keep_the_mean() -> None:
    res = simulate_queue(
        np.full(20, 60.0),
        np.full(20, 240.0),
        np.full(20, 30),
        interval_min=30,
        answer_within_s=20,
        service="lognormal",
        aht_cv=0.6,
        replications=3,
        seed=9,
    )
    # with ample agents nobody waits: occupancy = load / agents
    occ = float(mean_ci(res.occupancy(axis=1))[0])
    assert occ == pytest.approx(60 * 240 / 1800 / 30, rel=0.06)
    with pytest.raises(ValueError, match="service"):
        simulate_queue([1], [1], [1], interval_min=30, answer_within_s=20, service="gamma")


def _spec(**kw: object) -> _QueueSpec:
    base: dict[str, object] = {
        "interval_s": 1800.0,
        "answer_within_s": 150.0,
        "patience_s": None,
        "abandon_threshold_s": 0.0,
        "service": "exponential",
        "aht_cv": 1.0,
        "concurrency": 1,
        "handle_time_growth": 0.0,
    }
    base.update(kw)
    return _QueueSpec(**base)  # type: ignore[arg-type]


def _run(patience: list[float], spec: _QueueSpec) -> _EventLoop:
    # three contacts at 0, 10 and 20 s, 100 s each when handled alone, one agent
    arrivals = _Arrivals(1, [0.0, 10.0, 20.0], [0, 0, 0], [100.0, 100.0, 100.0], patience)
    loop = _EventLoop(arrivals, [1], spec)
    loop.run()
    return loop


def test_event_loop_serves_first_come_first_served() -> None:
    # answered at 0, 100 and 200 s: waits 0, 90 and 180 s; the agent is busy 0..300 s
    loop = _run([math.inf] * 3, _spec())
    assert (loop.answered, loop.within, loop.waited) == ([3.0], [2.0], [270.0])
    assert (loop.abandoned, loop.busy_s) == ([0.0], [300.0])


def test_event_loop_lets_the_impatient_abandon() -> None:
    # the third contact would wait 180 s but gives up after 150 s (counted when reached)
    loop = _run([math.inf, math.inf, 150.0], _spec())
    assert (loop.answered, loop.waited, loop.abandoned, loop.busy_s) == (
        [2.0],
        [90.0],
        [1.0],
        [200.0],
    )
    assert loop.abandoned_short == [0.0]
    short = _run([math.inf, math.inf, 150.0], _spec(abandon_threshold_s=150.0))
    assert short.abandoned_short == [1.0]


def test_event_loop_chat_slots_slow_down_with_concurrency() -> None:
    # one agent with two slots: the second chat takes 1.5 x 100 s (0..100, 10..160); the third
    # waits for a slot until 100 s and takes 150 s; busy slot-seconds 10 + 2 x 150 + 90 = 400
    loop = _run([math.inf] * 3, _spec(concurrency=2, handle_time_growth=0.5, answer_within_s=20))
    assert (loop.answered, loop.within, loop.waited, loop.busy_s) == ([3.0], [2.0], [80.0], [400.0])
