"""Lunch and breaks one shift at a time, at the roster objective's own cost.

The model places rests (:func:`scheduling.roster.model.add_rest_placement`); these helpers
serve the parts that work shift by shift: the greedy start gives each new shift its best rests
given the agents placed before it, and :func:`polish_rests` re-places each shift's rests given
everyone else's (coordinate descent) after the search. Both price a choice with the exact
coverage cost of the objective (:func:`scheduling.roster.objective.interval_costs`: convex
under-staffing, over-staffing), on the phones, so they never make the roster worse by the
objective's own measure.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from scheduling.roster.model import coverage_weights
from scheduling.roster.objective import shortfall_cost
from scheduling.roster.problem import Assignment, RosterProblem


def rest_combinations(problem: RosterProblem, type_idx: int) -> np.ndarray:
    """Every combination of rest options of a shift type that keeps the required gaps.

    Returns an int array of shape (n_combinations, n_rests): the option index of each rest
    period of the type's rest chain (:attr:`RosterProblem.rest_chains`), in chain order.
    """
    chain = problem.rest_chains[type_idx]
    if not chain:
        return np.zeros((1, 0), dtype=np.int64)
    out = []
    for combo in itertools.product(*(range(len(slot.offsets_min)) for slot in chain)):
        if all(
            chain[j].offsets_min[combo[j]] - chain[j - 1].offsets_min[combo[j - 1]]
            >= chain[j].after_prev_min
            for j in range(1, len(chain))
        ):
            out.append(combo)
    return np.array(out, dtype=np.int64).reshape(-1, len(chain))


@dataclass(frozen=True, slots=True)
class _Options:
    """A candidate's rest combinations and the cover units each leaves on the phones.

    ``units`` holds, per combination, the on-the-phones cover units over the intervals the shift
    touches (``intervals``).
    """

    combos: np.ndarray  # (m, n_rests)
    intervals: np.ndarray  # (n,)
    units: np.ndarray  # (m, n)


class RestPlacer:
    """Chooses rest combinations shift by shift against a coverage, at the objective's cost.

    ``cov`` is the current on-the-phones coverage per channel (cover units); :meth:`best`
    returns the combination that costs least for a shift that is not (yet) in it, and
    :meth:`add` / :meth:`remove` update the coverage.
    """

    def __init__(self, problem: RosterProblem, cov: dict[str, np.ndarray]) -> None:
        self.problem = problem
        self.cov = cov
        self.weights, self.w_over = coverage_weights(problem)
        self._combos = {
            t: rest_combinations(problem, t) for t in range(len(problem.rules.shift_types))
        }
        self._cache: dict[int, _Options] = {}

    def with_cover(self, cov: dict[str, np.ndarray]) -> RestPlacer:
        """A placer against another coverage, sharing this one's tables (cheap)."""
        other = object.__new__(RestPlacer)
        other.problem, other.cov = self.problem, cov
        other.weights, other.w_over = self.weights, self.w_over
        other._combos, other._cache = self._combos, self._cache
        return other

    def options(self, k: int) -> _Options:
        """Rest combinations of candidate ``k`` and their cover units (cached)."""
        opt = self._cache.get(k)
        if opt is not None:
            return opt
        cand = self.problem.candidates[k]
        combos = self._combos[cand.type_idx]
        intervals = np.array([i for i, _ in cand.cover], dtype=np.int64)
        col = {int(i): n for n, i in enumerate(intervals)}
        units = np.tile(np.array([u for _, u in cand.cover], dtype=np.int64), (len(combos), 1))
        for j in range(combos.shape[1]):
            for o, cover in enumerate(cand.rest_cover[j]):
                rows = combos[:, j] == o
                for i, u in cover:
                    units[rows, col[i]] -= u
        opt = _Options(combos, intervals, units)
        self._cache[k] = opt
        return opt

    def _cost(self, channel: str, intervals: np.ndarray, cov: np.ndarray) -> np.ndarray:
        """Coverage cost of each row of ``cov`` (rows x intervals) on those intervals."""
        req = self.problem.required[channel][intervals]
        w = self.weights[channel][intervals]
        short = req[None, :] - cov
        m, n = cov.shape
        under = shortfall_cost(
            np.tile(w, (m, 1)), short.reshape(-1), self.problem.cover_units
        ).reshape(m, n)
        over = self.w_over * np.maximum(0, -short)
        total: np.ndarray = (under + over).sum(axis=1)
        return total

    def costs(self, k: int, channel: str) -> np.ndarray:
        """Coverage cost of each rest combination of shift ``(k, channel)`` given ``cov``.

        ``cov`` must not include this shift; the costs are in the order of
        ``options(k).combos``.
        """
        opt = self.options(k)
        cov = self.cov[channel][opt.intervals][None, :] + opt.units
        return self._cost(channel, opt.intervals, cov)

    def best(self, k: int, channel: str) -> tuple[int, ...]:
        """The rest combination of shift ``(k, channel)`` that costs least given ``cov``."""
        opt = self.options(k)
        if opt.combos.shape[1] == 0:
            return ()
        return tuple(int(o) for o in opt.combos[int(np.argmin(self.costs(k, channel)))])

    def add(self, key: Assignment, sign: int = 1) -> None:
        """Add (``sign`` 1) or remove (-1) a shift's on-the-phones cover to ``cov``."""
        cand = self.problem.candidates[key.cand]
        arr = self.cov[key.channel]
        for i, u in cand.cover:
            arr[i] += sign * u
        for j, o in enumerate(key.rests):
            for i, u in cand.rest_cover[j][o]:
                arr[i] -= sign * u


def polish_rests(
    problem: RosterProblem,
    assignments: list[Assignment],
    cov: dict[str, np.ndarray],
    *,
    passes: int = 2,
    keep: set[int] | None = None,
) -> list[Assignment]:
    """Re-place each shift's rests given everyone else's, up to ``passes`` rounds.

    It stops early when nothing moves. ``cov`` is the roster's on-the-phones coverage and is
    updated in place; shifts whose position is in ``keep`` (locked ones) keep their rests. The
    coverage cost never increases.
    """
    placer = RestPlacer(problem, cov)
    out = list(assignments)
    for _ in range(passes):
        moved = 0
        for n, key in enumerate(out):
            if not key.rests or (keep is not None and n in keep):
                continue
            placer.add(key, -1)
            opt = placer.options(key.cand)
            costs = placer.costs(key.cand, key.channel)
            best = int(np.argmin(costs))
            if costs[best] < costs[_row(opt.combos, key.rests)]:
                key = key._replace(rests=tuple(int(o) for o in opt.combos[best]))
                out[n] = key
                moved += 1
            placer.add(key, +1)
        if not moved:
            break
    return out


def _row(combos: np.ndarray, rests: tuple[int, ...]) -> int:
    """The row of ``combos`` equal to ``rests``."""
    hits = np.flatnonzero((combos == np.asarray(rests)[None, :]).all(axis=1))
    if not hits.size:
        raise ValueError(f"rest combination {rests} is not allowed")
    return int(hits[0])


def previous_rests(problem: RosterProblem) -> dict[tuple[int, int, str], tuple[int, ...]]:
    """The rests of the previous roster's shifts inside the horizon, per candidate shift.

    They are given as rest options of the equal candidate shift: ``(agent, candidate, channel)``
    -> option per rest period (only for shifts whose rests fit the candidate's rest chain).
    """
    index = {a.agent_id: n for n, a in enumerate(problem.agents)}
    by_day: dict[tuple[int, int], list[int]] = {}
    for k, cand in enumerate(problem.candidates):
        by_day.setdefault((cand.day, cand.start_min), []).append(k)
    out: dict[tuple[int, int, str], tuple[int, ...]] = {}
    first = problem.dates[0]
    for p in problem.previous:
        a = index.get(p.agent_id)
        day = (p.date - first).days
        if a is None or not 0 <= day < len(problem.dates) or not p.rests:
            continue
        start, end = problem.minute(p.start), problem.minute(p.end)
        rests = sorted(p.rests, key=lambda r: r[1])
        for k in by_day.get((day, start), []):
            chain = problem.rests_of(k)
            if problem.candidates[k].end_min != end or len(chain) != len(rests):
                continue
            combo = []
            for slot, (kind, r0, r1) in zip(chain, rests, strict=True):
                off = problem.minute(r0) - start
                if (
                    kind != slot.kind
                    or problem.minute(r1) - problem.minute(r0) != slot.length_min
                    or off not in slot.offsets_min
                ):
                    break
                combo.append(slot.offsets_min.index(off))
            else:
                out[(a, k, p.channel)] = tuple(combo)
    return out


def keep_previous_rests(
    problem: RosterProblem, assignments: list[Assignment], cov: dict[str, np.ndarray]
) -> list[Assignment]:
    """Give a shift unchanged from the previous roster its previous rests where that is free.

    Free means it costs no coverage: first by swapping rest combinations between agents on the
    same shift (no cost at all), then by moving a shift's rests when the coverage cost does not
    rise. ``cov`` is the roster's on-the-phones coverage, updated in place.
    """
    wanted = previous_rests(problem)
    if not wanted:
        return assignments
    out = list(assignments)
    groups: dict[tuple[int, str], list[int]] = {}
    for n, key in enumerate(out):
        groups.setdefault((key.cand, key.channel), []).append(n)
    for members in groups.values():  # swaps within a shift keep the coverage exactly
        pool = [out[n].rests for n in members]
        takers = []
        for n in members:
            want = wanted.get(out[n].shift)
            if want is not None and want in pool:
                pool.remove(want)
                out[n] = out[n]._replace(rests=want)
            else:
                takers.append(n)
        for n, rests in zip(takers, pool, strict=True):
            out[n] = out[n]._replace(rests=rests)
    placer = RestPlacer(problem, cov)
    for n, key in enumerate(out):
        want = wanted.get(key.shift)
        if want is None or want == key.rests:
            continue
        placer.add(key, -1)
        opt = placer.options(key.cand)
        costs = placer.costs(key.cand, key.channel)
        if costs[_row(opt.combos, want)] <= costs[_row(opt.combos, key.rests)]:
            key = key._replace(rests=want)
            out[n] = key
        placer.add(key, +1)
    return out
