"""Lunch and breaks, all measured on the phones.

The rest chain, the model's rest counts and their split per agent, and the shift-by-shift placer
and polish.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from scheduling.errors import RulesError
from scheduling.roster.agents import Agent
from scheduling.roster.breaks import RestPlacer, polish_rests, rest_combinations
from scheduling.roster.model import split_rests
from scheduling.roster.objective import coverage_cost, on_phones
from scheduling.roster.problem import Assignment, RosterProblem, build_problem, rest_chain
from scheduling.roster.rules import RosterRules, rules_from_dict

TZ = "Asia/Dubai"
DAY0 = dt.date(2026, 11, 30)


def day_rules(starts: str, min_gap: int = 60) -> RosterRules:
    """One 9-hour shift type with a 1-hour lunch and two 15-minute breaks."""
    return rules_from_dict(
        {
            "week": {"days_off": 0, "days_off_consecutive": False},
            "breaks": {"step_min": 15, "min_gap_min": min_gap},
            "shift": [
                {
                    "name": "d",
                    "length_h": 9,
                    "starts": [starts],
                    "start_step_min": 30,
                    "lunch": {"length_min": 60, "earliest_min": 180, "latest_min": 300},
                    "breaks": [
                        {"length_min": 15, "earliest_min": 60, "latest_min": 120},
                        {"length_min": 15, "earliest_min": 390, "latest_min": 480},
                    ],
                }
            ],
        }
    )


def one_day(rules: RosterRules, need: list[float], n_agents: int = 1) -> RosterProblem:
    rows = [
        {
            "channel": "voice",
            "interval_start": pd.Timestamp(dt.datetime.combine(DAY0, dt.time()), tz=TZ)
            + pd.Timedelta(minutes=30 * k),
            "staff": need[k],
        }
        for k in range(48)
    ]
    agents = [Agent(f"A{i}", f"A{i}", ("voice",), 0, 70, 7) for i in range(n_agents)]
    return build_problem(pd.DataFrame(rows), agents, rules, tz=TZ)


def test_rest_chain_orders_by_window_and_keeps_reachable_offsets() -> None:
    rules = day_rules("08:00-08:00")
    chain = rest_chain(rules, rules.shift_types[0])
    assert [s.kind for s in chain] == ["break", "lunch", "break"]  # by window, not by file
    assert chain[0].offsets_min == tuple(range(60, 121, 15))
    # lunch at least 15 + 60 after the first break's start; the second break 60 + 60 after lunch
    assert [s.after_prev_min for s in chain] == [0, 75, 120]
    assert chain[1].offsets_min == tuple(range(180, 301, 15))
    assert chain[2].offsets_min == tuple(range(390, 481, 15))
    # a tighter gap drops the offsets no combination can use
    tight = rest_chain(day_rules("08:00-08:00", min_gap=150), rules.shift_types[0])
    assert tight[1].offsets_min[0] == 60 + 15 + 150  # 225
    assert tight[1].offsets_min[-1] <= 480 - 60 - 150  # 270


def test_rest_chain_without_any_combination_names_the_shift() -> None:
    # refused when the rules are read, before any roster is built
    with pytest.raises(RulesError, match=r"shift\[0\] \(d\).*min_gap_min"):
        day_rules("08:00-08:00", min_gap=400)
    wide = day_rules("08:00-08:00")
    tight = dataclasses.replace(wide, break_min_gap_min=400)  # built in code, not read
    with pytest.raises(RulesError, match="shift 'd'.*min_gap_min"):
        rest_chain(tight, wide.shift_types[0])


def test_combinations_respect_windows_and_gap() -> None:
    problem = one_day(day_rules("08:00-08:00"), [0.0] * 48)
    chain = problem.rest_chains[0]
    table = rest_combinations(problem, 0)
    offs = np.array([[chain[j].offsets_min[o] for j, o in enumerate(row)] for row in table])
    b1, lunch, b2 = offs[:, 0], offs[:, 1], offs[:, 2]
    assert ((lunch >= 180) & (lunch <= 300)).all()
    assert ((b1 >= 60) & (b1 <= 120)).all() and ((b2 >= 390) & (b2 <= 480)).all()
    assert (lunch - (b1 + 15) >= 60).all() and (b2 - (lunch + 60) >= 60).all()
    count = sum(  # a brute-force count of the same set
        1
        for lu in range(180, 301, 15)
        for x in range(60, 121, 15)
        for y in range(390, 481, 15)
        if lu - (x + 15) >= 60 and y - (lu + 60) >= 60
    )
    assert len(table) == count


def test_split_rests_pairs_sorted_offsets_with_their_gaps() -> None:
    problem = one_day(day_rules("08:00-08:00", min_gap=60), [0.0] * 48)
    chain = problem.rest_chains[0]
    k = 0
    # three agents: first breaks at options 4, 0, 2; lunches at options 8, 0, 4; second
    # breaks at 6, 6, 0: pairing the sorted columns keeps every gap
    counts = [[0] * len(s.offsets_min) for s in chain]
    for j, opts in enumerate(([4, 0, 2], [8, 0, 4], [6, 6, 0])):
        for o in opts:
            counts[j][o] += 1
    combos = split_rests(problem, k, counts, 3)
    assert sorted(c[0] for c in combos) == [0, 2, 4]
    for combo in combos:
        offs = [chain[j].offsets_min[o] for j, o in enumerate(combo)]
        assert offs[1] - offs[0] >= 75 and offs[2] - offs[1] >= 120
    with pytest.raises(ValueError, match="sum to 1, not 2"):
        split_rests(problem, k, [[1] + [0] * 4, [1] + [0] * 8, [0] * 7], 2)
    # counts that cannot be paired: every lunch right after the first break
    late = [[0] * 4 + [1], [1] + [0] * 8, [0] * 6 + [1]]
    with pytest.raises(ValueError, match="gaps"):
        split_rests(problem, k, late, 1)


def test_placer_staggers_lunches_to_keep_coverage() -> None:
    # 8 agents on the same 08:00 shift, 6 needed on the phones all day: lunches must spread
    problem = one_day(day_rules("08:00-08:00"), [6.0 if 16 <= k < 34 else 0.0 for k in range(48)])
    cov = {"voice": np.zeros(problem.n_intervals, dtype=np.int64)}
    placer = RestPlacer(problem, cov)
    chosen = []
    for a in range(8):
        key = Assignment(a, 0, "voice", placer.best(0, "voice"))
        placer.add(key)
        chosen.append(key)
    assert cov["voice"].tolist() == on_phones(problem, chosen)["voice"].tolist()
    lunches = {key.rests[1] for key in chosen}
    assert len(lunches) >= 3
    # never more than a third of the agents off the phones at once (8 on shift, 6 needed)
    on_shift = np.zeros(problem.n_intervals)
    for i, u in problem.candidates[0].cover:
        on_shift[i] = 8 * u / problem.cover_units
    off = on_shift - cov["voice"] / problem.cover_units
    assert off.max() <= 3


@pytest.mark.parametrize("seed", range(4))
def test_polish_never_costs_coverage_and_stays_in_the_windows(seed: int) -> None:
    rng = np.random.default_rng(seed)
    need = [0.0] * 14 + [float(x) for x in rng.integers(2, 9, size=24)] + [0.0] * 10
    problem = one_day(day_rules("06:00-14:00"), need, n_agents=14)
    combos = rest_combinations(problem, 0)
    start = [
        Assignment(a, int(rng.integers(0, len(problem.candidates))), "voice", ()) for a in range(14)
    ]
    start = [
        key._replace(rests=tuple(int(o) for o in combos[int(rng.integers(0, len(combos)))]))
        for key in start
    ]
    before = sum(coverage_cost(problem, on_phones(problem, start)))
    cov = on_phones(problem, start)
    after_keys = polish_rests(problem, start, cov, passes=3)
    after = sum(coverage_cost(problem, on_phones(problem, after_keys)))
    assert after <= before
    assert cov["voice"].tolist() == on_phones(problem, after_keys)["voice"].tolist()
    allowed = {tuple(int(o) for o in row) for row in combos}
    assert all(key.rests in allowed for key in after_keys)
    assert [key.shift for key in after_keys] == [key.shift for key in start]
