"""Break placement: allowed windows and gaps, staggered to protect coverage."""

from __future__ import annotations

import numpy as np

from scheduling.roster.breaks import PlacedShift, place_breaks, rest_combinations
from scheduling.roster.rules import RosterRules, rules_from_dict


def day_rules(starts: str) -> RosterRules:
    """One 9-hour shift type with a 1-hour lunch and two 15-minute breaks."""
    return rules_from_dict(
        {
            "breaks": {"step_min": 15, "min_gap_min": 60},
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


RULES = day_rules("08:00-08:00")


def test_combinations_respect_windows_and_gap() -> None:
    table = rest_combinations(RULES, RULES.shift_types[0])
    assert table.shape[1] == 3 and len(table) > 0
    lunch, b1, b2 = table[:, 0], table[:, 1], table[:, 2]
    assert ((lunch >= 180) & (lunch <= 300)).all()
    assert ((b1 >= 60) & (b1 <= 120)).all() and ((b2 >= 390) & (b2 <= 480)).all()
    assert (lunch - (b1 + 15) >= 60).all() and (b2 - (lunch + 60) >= 60).all()
    # a brute-force count of the same set
    count = sum(
        1
        for lu in range(180, 301, 15)
        for x in range(60, 121, 15)
        for y in range(390, 481, 15)
        if lu - (x + 15) >= 60 and y - (lu + 60) >= 60
    )
    assert len(table) == count


def test_lunches_are_staggered_to_keep_coverage() -> None:
    # 8 agents on the same shift, 6 needed on the phones all day: lunches must spread out
    net = {"voice": np.full(48, 6.0)}
    start = 8 * 60
    shifts = [PlacedShift(k, "voice", 0, start, start + 540) for k in range(8)]
    rests = place_breaks(RULES, shifts, net, 30)
    lunches = sorted(r[1] for k in range(8) for r in rests[k] if r[0] == "lunch")
    slots = np.zeros(24 * 4)
    for k in range(8):
        for _kind, s, e in rests[k]:
            slots[s // 15 : e // 15] += 1
    # all at once would take 8 away; 8 lunches of 4 slots in a 12-slot window need >= 3
    assert slots.max() <= 3
    assert len(set(lunches)) >= 3


def test_fixed_rests_are_kept() -> None:
    fixed = (
        ("lunch", 480 + 240, 480 + 300),
        ("break", 480 + 60, 480 + 75),
        ("break", 480 + 420, 480 + 435),
    )
    shifts = [PlacedShift(0, "voice", 0, 480, 1020, fixed)]
    assert place_breaks(RULES, shifts, {"voice": np.zeros(48)}, 30)[0] == list(fixed)


def _shortage_sq(shifts: list[PlacedShift], rests: dict, net: np.ndarray) -> float:
    avail = np.zeros(2 * 48)
    for s in shifts:
        avail[s.start_min // 15 : s.end_min // 15] += 1
        for _kind, r0, r1 in rests[s.key]:
            avail[r0 // 15 : r1 // 15] -= 1
    need = np.repeat(net, 2)
    return float((np.maximum(0.0, need - avail) ** 2).sum())


def test_re_placing_rests_never_costs_coverage() -> None:
    rules = day_rules("06:00-14:00")
    for seed in range(5):
        rng = np.random.default_rng(seed)
        net = np.concatenate([np.zeros(14), rng.uniform(2, 9, size=24), np.zeros(10)])
        starts = rng.choice(np.arange(360, 841, 30), size=14)
        shifts = [PlacedShift(k, "voice", 0, int(s), int(s) + 540) for k, s in enumerate(starts)]
        greedy = place_breaks(rules, shifts, {"voice": net}, 30)
        better = place_breaks(rules, shifts, {"voice": net}, 30, passes=3)
        assert _shortage_sq(shifts, better, net) <= _shortage_sq(shifts, greedy, net) + 1e-9
        for s in shifts:  # still inside the windows
            (lunch,) = [r for r in better[s.key] if r[0] == "lunch"]
            assert 180 <= lunch[1] - s.start_min <= 300
