"""Chat with concurrency: the N x k slot model against a simulation of agents with k slots."""

from __future__ import annotations

import numpy as np
import pytest

from scheduling.staffing.chat import chat_aht_s, chat_metrics
from scheduling.staffing.erlang import erlang_c
from scheduling.staffing.simulation import mean_ci, simulate_queue

WARMUP = 4


def _sim_sl(volume: float, agents: int, k: int, growth: float, seed: int) -> tuple[float, float]:
    intervals = 50
    res = simulate_queue(
        np.full(intervals, volume),
        np.full(intervals, 300.0),
        np.full(intervals, agents),
        interval_min=30,
        answer_within_s=60,
        concurrency=k,
        handle_time_growth=growth,
        replications=8,
        seed=seed,
    )
    n = res.answered_within[:, WARMUP:].sum(1)
    d = res.offered[:, WARMUP:].sum(1)
    mean, half = mean_ci(n / d)
    return float(mean), float(half)


def test_chat_aht_grows_per_extra_chat() -> None:
    assert float(chat_aht_s(300, 3, 0.15)) == pytest.approx(300 * 1.30)
    assert float(chat_aht_s(300, 1, 0.5)) == 300


def test_concurrency_one_is_erlang_c() -> None:
    c = erlang_c(100, 180, 12, interval_s=1800, answer_within_s=20)
    k1 = chat_metrics(100, 180, 12, interval_s=1800, answer_within_s=20, concurrency=1)
    assert float(k1.service_level) == pytest.approx(float(c.service_level))


def test_exact_without_handle_time_growth() -> None:
    """With *k* slots per agent and a fixed handle time, N agents are N k servers: exact."""
    m = chat_metrics(75, 300, 5, interval_s=1800, answer_within_s=60, concurrency=3)
    mean, half = _sim_sl(75, 5, 3, 0.0, seed=21)
    assert abs(mean - float(m.service_level)) <= half + 0.01


def test_conservative_with_handle_time_growth() -> None:
    """Chats are faster below full concurrency, so the model's service level is a lower bound."""
    m = chat_metrics(
        55, 300, 5, interval_s=1800, answer_within_s=60, concurrency=3, handle_time_growth=0.2
    )
    mean, half = _sim_sl(55, 5, 3, 0.2, seed=22)
    assert float(m.service_level) <= mean + half
    assert float(m.service_level) > 0.5  # and not uselessly so


def test_chat_with_patience_uses_erlang_a() -> None:
    no_ab = chat_metrics(90, 300, 5, interval_s=1800, answer_within_s=60, concurrency=3)
    ab = chat_metrics(
        90, 300, 5, interval_s=1800, answer_within_s=60, concurrency=3, patience_s=120.0
    )
    assert float(ab.abandon_rate) > 0
    assert float(no_ab.abandon_rate) == 0
