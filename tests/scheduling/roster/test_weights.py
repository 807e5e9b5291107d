"""Under-staffing weights from the service level lost (``under_staffing_from``)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from scheduling.errors import InputError
from scheduling.roster.problem import build_problem
from scheduling.roster.rules import rules_from_dict
from scheduling.roster.solve import SolverOptions, solve
from scheduling.roster.weights import FLOOR, service_level_weights, with_service_level_weights
from scheduling.staffing.erlang import service_level
from scheduling.staffing.targets import targets_from_dict
from tests.scheduling.roster.test_solver import DAY0, TZ, agent

TARGETS = targets_from_dict(
    {
        "channels": {
            "voice": {"model": "erlang_c", "service_level": 0.8, "answer_within_s": 20},
            "email": {"model": "deferred", "service_level": 0.9, "respond_within_h": 24},
        }
    }
)
RULES = rules_from_dict(
    {
        "week": {"days_off": 0, "days_off_consecutive": False, "min_rest_h": 12},
        "shift": [{"name": "s4", "length_h": 4, "starts": ["08:00-12:00"], "start_step_min": 240}],
        "weights": {
            "under_staffing": [10, 15, 20],
            "under_staffing_from": "service_level",
            "over_staffing": 0,
            "paid_hour": 0,
            "start_band": 0,
        },
    }
)
AHT = 180.0


def frame(
    voice: dict[int, tuple[float, float]], email: dict[int, float] | None = None
) -> pd.DataFrame:
    """One day of requirements: ``voice[slot] = (volume, agents)``, e-mail staff per slot."""
    rows = []
    for k in range(48):
        ts = pd.Timestamp(dt.datetime.combine(DAY0, dt.time()), tz=TZ) + pd.Timedelta(
            minutes=30 * k
        )
        vol, need = voice.get(k, (0.0, 0.0))
        rows.append(
            {
                "channel": "voice",
                "queue": "all",
                "interval_start": ts,
                "volume": vol,
                "aht_s": AHT,
                "agents": need,
                "staff": need,
            }
        )
        if email is not None:
            s = email.get(k, 0.0)
            rows.append(
                {
                    "channel": "email",
                    "queue": "all",
                    "interval_start": ts,
                    "volume": 10 * s,
                    "aht_s": 300.0,
                    "agents": s,
                    "staff": s,
                }
            )
    return pd.DataFrame(rows)


def test_weights_follow_the_erlang_service_level_loss() -> None:
    voice = {16: (60.0, 8.0), 17: (20.0, 8.0), 18: (60.0, 4.0)}
    req = frame(voice, email={16: 2.0})
    problem = build_problem(req, [agent("A", ("voice", "email"))], RULES, tz=TZ)
    w = service_level_weights(problem, req, TARGETS)
    assert set(w) == {"voice"}  # the deferred channel keeps the fixed list
    a = w["voice"]
    assert a.shape == (problem.n_intervals, 3)

    # independent check with the Erlang C formula: contacts late per missing agent
    def loss(vol: float, n: int) -> float:
        traffic = vol * AHT / 1800

        def sl(m: int) -> float:
            return float(service_level(traffic, m, AHT, 20.0)) if m > 0 else 0.0

        return vol * (sl(n) - sl(n - 1))

    raw = {i: loss(vol, int(n)) for i, (vol, n) in voice.items()}
    mean = np.mean(list(raw.values()))
    for i in voice:
        expected = np.clip(10 * raw[i] / mean, FLOOR * 10, 5 * 20)
        assert a[i, 0] == pytest.approx(expected, rel=1e-6)
    assert (np.diff(a, axis=1) >= 0).all()  # convex in the number missing
    assert (a >= FLOOR * 10 - 1e-9).all()
    np.testing.assert_allclose(a[0], [10, 15, 20])  # no contacts: the fixed list


def test_solver_covers_the_interval_where_a_missing_agent_costs_more_service() -> None:
    # one agent, one 4-hour shift: 08-12 has 3x the calls of 12-16 at the same staffing, so
    # the agent answers more calls in time there (0.6 Erlang: 6 x 0.43 against 2 x 0.82)
    busy = {k: (6.0, 1.0) for k in range(16, 24)}
    quiet = {k: (2.0, 1.0) for k in range(24, 32)}
    req = frame({**busy, **quiet})
    problem = build_problem(req, [agent("A")], RULES, tz=TZ)
    weighted = with_service_level_weights(problem, req, TARGETS)
    assert any("service level lost" in n for n in weighted.notes)
    sol = solve(weighted, SolverOptions(time_limit_s=10))
    assert sol.status == "optimal"
    (shift,) = sol.shifts
    assert shift.start.hour == 8


def test_service_level_weights_need_volume_and_targets() -> None:
    req = frame({16: (10.0, 2.0)}).drop(columns=["volume"])
    problem = build_problem(req, [agent("A")], RULES, tz=TZ)
    with pytest.raises(InputError, match="volume"):
        service_level_weights(problem, req, TARGETS)
    chat = targets_from_dict({"channels": {"chat": {"model": "chat"}}})
    req = frame({16: (10.0, 2.0)})
    with pytest.raises(InputError, match="no targets for channel 'voice'"):
        service_level_weights(build_problem(req, [agent("A")], RULES, tz=TZ), req, chat)


def test_pipeline_falls_back_to_fixed_weights_without_targets_and_says_so() -> None:
    from web.pipeline import roster_step

    req = frame({k: (6.0, 1.0) for k in range(16, 32)})
    run = roster_step(req, [agent("A")], RULES, tz=TZ, targets=None, time_limit_s=5)
    assert any("fixed under-staffing weights" in n for n in run.summary.notes)
    run = roster_step(req, [agent("A")], RULES, tz=TZ, targets=TARGETS, time_limit_s=5)
    assert any("service level lost" in n for n in run.summary.notes)
