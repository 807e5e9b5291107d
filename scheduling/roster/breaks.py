"""Second phase: place lunch and short breaks in the shifts chosen by the model.

Breaks are staggered to protect coverage: shifts are taken in start order and each receives
the combination of rest-period offsets (allowed windows, ``breaks.step_min`` grid, minimum gap)
that takes agents off the phones where the net requirement (``agents``) is most comfortably
covered, with a convex cost so that one more agent missing costs more where some already are.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scheduling.roster.rules import RosterRules, ShiftType
from wfmcore.defaults import MINUTES_PER_DAY

MAX_COMBOS = 50_000


@dataclass(frozen=True, slots=True)
class PlacedShift:
    """A shift to give breaks to: absolute minutes from the problem origin."""

    key: int
    channel: str
    shift_type: int
    start_min: int
    end_min: int
    fixed_rests: tuple[tuple[str, int, int], ...] | None = None


def rest_combinations(rules: RosterRules, st: ShiftType) -> np.ndarray:
    """Every allowed combination of rest-period offsets (minutes from shift start) of a type.

    Returns an int array of shape (n_combinations, n_periods), in the order of
    ``st.rest_periods``; rests must not overlap and must be ``breaks.min_gap_min`` apart.
    """
    periods = st.rest_periods
    if not periods:
        return np.zeros((1, 0), dtype=int)
    step = rules.break_step_min
    choices = [range(p.earliest_min, p.latest_min + 1, step) for p in periods]
    out = []
    for combo in itertools.product(*choices):
        spans = sorted((o, o + p.length_min) for o, p in zip(combo, periods, strict=True))
        if all(
            b0 - a1 >= rules.break_min_gap_min for (_, a1), (b0, _) in itertools.pairwise(spans)
        ):
            out.append(combo)
            if len(out) >= MAX_COMBOS:
                break
    return np.array(out, dtype=int).reshape(-1, len(periods))


def place_breaks(
    rules: RosterRules,
    shifts: Sequence[PlacedShift],
    net: dict[str, np.ndarray],
    interval_min: int,
    passes: int = 0,
) -> dict[int, list[tuple[str, int, int]]]:
    """Choose rest periods for every shift.

    Parameters
    ----------
    rules
        Shift types and break rules.
    shifts
        The rostered shifts (absolute minutes).
    net
        Agents needed on the phones per channel and interval.
    interval_min
        Interval length of ``net``.
    passes
        After the greedy pass (shifts in start order), up to this many rounds re-place each
        shift's rests given everyone else's (coordinate descent; stops when nothing moves).

    Returns
    -------
    dict
        ``shift.key`` -> list of ``(activity, start_min, end_min)`` with activity ``lunch`` or
        ``break``.
    """
    step = rules.break_step_min
    n_int = len(next(iter(net.values()))) if net else 0
    horizon = n_int * interval_min
    n_slots = math.ceil((horizon + MINUTES_PER_DAY) / step)
    surplus: dict[str, np.ndarray] = {}
    for c, arr in net.items():
        need = np.zeros(n_slots)
        slot_int = (np.arange(n_slots) * step) // interval_min
        inside = slot_int < n_int
        need[inside] = arr[slot_int[inside]]
        surplus[c] = -need
    for s in shifts:
        if s.channel in surplus:
            a, b = s.start_min // step, -(-s.end_min // step)
            surplus[s.channel][max(0, a) : min(n_slots, b)] += 1
    combos = {ti: rest_combinations(rules, st) for ti, st in enumerate(rules.shift_types)}
    out: dict[int, list[tuple[str, int, int]]] = {}
    order = sorted(shifts, key=lambda s: (s.start_min, s.key))
    for s in order:  # greedy: each shift's best rests given the earlier shifts'
        chosen = (
            list(s.fixed_rests)
            if s.fixed_rests is not None
            else _best_rests(rules, s, combos[s.shift_type], surplus.get(s.channel), step)
        )
        _take(surplus.get(s.channel), chosen, step, n_slots, -1)
        out[s.key] = chosen
    for _ in range(passes):  # then re-place each shift's rests given all the others'
        moved = 0
        for s in order:
            sur = surplus.get(s.channel)
            if s.fixed_rests is not None or sur is None or not out[s.key]:
                continue
            _take(sur, out[s.key], step, n_slots, +1)
            chosen = _best_rests(rules, s, combos[s.shift_type], sur, step)
            if chosen != out[s.key]:
                moved += 1
            _take(sur, chosen, step, n_slots, -1)
            out[s.key] = chosen
        if not moved:
            break
    return out


def _take(
    sur: np.ndarray | None,
    rests: list[tuple[str, int, int]],
    step: int,
    n_slots: int,
    sign: int,
) -> None:
    """Add (``sign`` +1) or remove (-1) the agent of ``rests`` back to the surplus."""
    if sur is None:
        return
    for _, r0, r1 in rests:
        sur[max(0, r0 // step) : min(n_slots, r1 // step)] += sign


def _best_rests(
    rules: RosterRules,
    s: PlacedShift,
    table: np.ndarray,
    sur: np.ndarray | None,
    step: int,
) -> list[tuple[str, int, int]]:
    """The combination of rest periods of ``s`` that costs coverage least against ``sur``."""
    st = rules.shift_types[s.shift_type]
    periods = st.rest_periods
    if not periods or table.shape[0] == 0:
        return []
    costs = []
    for p_idx, p in enumerate(periods):
        offs = np.unique(table[:, p_idx])
        cost = {}
        for o in offs:
            j0 = (s.start_min + o) // step
            j1 = j0 + p.length_min // step
            cost[int(o)] = _removal_cost(sur[j0:j1]) if sur is not None else 0.0
        costs.append(np.array([cost[int(o)] for o in table[:, p_idx]]))
    best = int(np.argmin(np.sum(costs, axis=0)))
    chosen = []
    for p_idx, p in enumerate(periods):
        kind = "lunch" if (st.lunch is not None and p_idx == 0) else "break"
        o = int(table[best, p_idx])
        chosen.append((kind, s.start_min + o, s.start_min + o + p.length_min))
    return chosen


def _removal_cost(surplus: np.ndarray) -> float:
    # Marginal cost of taking one agent away: convex in the resulting shortage, and a small
    # preference for the slots with the largest surplus.
    after = surplus - 1
    shortage = np.maximum(0.0, -after)
    before = np.maximum(0.0, -surplus)
    return float(np.sum(shortage**2 - before**2) - 1e-3 * np.sum(surplus))
