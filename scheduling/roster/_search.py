"""Large-neighbourhood search (LNS) over the CP-SAT roster model.

From a complete roster (the greedy start), each step frees a *neighbourhood* and re-solves
only that part with CP-SAT, every other shift fixed: the fixed agents' coverage on the phones
(their rests included) enters the small model as a constant (``base_cover``), the freed
agents' shifts *and* rests are decided again, and the objective decomposes exactly into
coverage plus per-agent terms, so a better small model is a better roster. Neighbourhoods:

- ``agents``: a few agents sharing a skill, over the whole horizon (days off move too);
- ``focus``: the same, drawn around one badly covered interval: half of them working that
  day, half off it, so shifts and days off can move towards the gap;
- ``days``: many agents sharing a skill on one or two days (their other days fixed), which
  reshapes a whole day's shift starts at once;
- ``rests``: every shift of one day kept, their lunches and breaks placed again together
  (the model's exact rest counts), which staggers rests across the whole day.

In the shift-moving kinds each candidate shift takes the rests that cost least against the
fixed agents' coverage (a small, fast model); the ``rests`` kind and the final polish
(:func:`scheduling.roster.breaks.polish_rests`) then place rests exactly, and every result is
re-evaluated with its actual rests before it is kept.

Once the LP relaxation is solved, neighbourhoods only get its shifts plus their current ones
(small models that solve fast); a ``free_share`` of the whole-week ones get every shift, so
the search can leave the LP's shifts. Each kind's size adapts (grows while its models solve
to optimality without gain, shrinks when they hit the per-step time limit), and kinds are
drawn by their recent gain per second.
With ``workers`` > 1, that many steps run at once in threads on disjoint agents (one CP-SAT
worker each); a result is re-evaluated exactly against the roster of that moment and kept
only if it improves it.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from scheduling.roster._cpsat import new_solver
from scheduling.roster.breaks import RestPlacer
from scheduling.roster.model import RosterVariables, build_model, solution_assignments
from scheduling.roster.objective import (
    agent_cost,
    coverage_cost,
    interval_costs,
    on_phones,
)
from scheduling.roster.problem import Assignment, RosterProblem
from wfmcore.defaults import MINUTES_PER_DAY

KINDS = ("agents", "focus", "days", "rests")


@dataclass(frozen=True, slots=True)
class LnsOptions:
    """Settings of :func:`improve`: sizes (agents per neighbourhood) and the per-step limit."""

    step_time_s: float = 0.5
    min_agents: int = 2
    max_agents: int = 8
    max_day_agents: int = 60
    workers: int = 2
    seed: int = 0
    free_share: float = 0.2


@dataclass(slots=True)
class LnsStats:
    """What the search did: steps tried and kept per kind."""

    tried: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    kept: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))


@dataclass(slots=True)
class _Hood:
    kind: str
    agents: list[int]
    days: frozenset[int] | None  # None: the whole horizon
    restricted: bool = True  # to the LP relaxation's shifts (once known)


def complete_hint(
    model: cp_model.CpModel, v: RosterVariables, chosen: list[Assignment]
) -> float | None:
    """Hint every variable: fix ``chosen`` in a clone, let CP-SAT derive the rest.

    Only the shift Booleans and rest counts of ``chosen`` are fixed.

    A complete, feasible hint is the solver's first solution at once; a partial one may not
    be completed for a long time. Returns the hinted solution's objective (objective units),
    or ``None`` when the fixed shifts break a hard rule of the model.
    """
    fixed = model.clone()
    variables = fixed.proto.variables

    def pin(var: cp_model.IntVar, value: int) -> None:
        domain = variables[var.index].domain  # fixed in the clone's proto: cheap
        if len(domain) == 2:
            domain[0] = domain[1] = value
        else:  # a domain with holes
            fixed.add(fixed.get_int_var_from_proto_index(var.index) == value)

    on = {key.shift for key in chosen}
    for key, var in v.x.items():
        pin(var, 1 if key in on else 0)
    counts: dict[tuple[int, str], list[list[int]]] = {
        kc: [[0] * len(opts) for opts in per_rest] for kc, per_rest in v.rests.items()
    }
    for shift in chosen:
        got = counts.get((shift.cand, shift.channel))
        if got is not None:
            for j, o in enumerate(shift.rests):
                if got[j]:
                    got[j][o] += 1
    for kc, per_rest in v.rests.items():
        for j, opts in enumerate(per_rest):
            for o, count in enumerate(opts):
                pin(count, counts[kc][j][o])
    solver = new_solver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 30.0
    if solver.solve(fixed) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    hint = model.proto.solution_hint
    hint.vars.extend(range(len(model.proto.variables)))
    hint.values.extend(solver.response_proto.solution)
    return float(solver.objective_value)


class Search:
    """The roster being improved and its exact objective, shared by the worker threads."""

    def __init__(
        self,
        problem: RosterProblem,
        start: list[Assignment],
        options: LnsOptions,
        support: Callable[[], set[tuple[int, str]] | None],
        on_improve: Callable[[float], None] | None = None,
    ) -> None:
        self.problem = problem
        self.options = options
        self.support = support
        self.on_improve = on_improve
        self.rng = random.Random(options.seed)
        self.lock = threading.Lock()
        n = len(problem.agents)
        self.by_agent: list[list[Assignment]] = [[] for _ in range(n)]
        for key in start:
            self.by_agent[key.agent].append(key)
        self.cov = on_phones(problem, start)
        self.placer = RestPlacer(problem, self.cov)
        self.agent_costs = [
            sum(agent_cost(problem, a, self.by_agent[a]).values()) for a in range(n)
        ]
        self.cover_cost = sum(coverage_cost(problem, self.cov))
        self.busy: set[int] = set()
        self.pools = {
            c: [a for a in range(n) if c in problem.agents[a].skills] for c in problem.channels
        }
        self.channels = [c for c in problem.channels if self.pools[c]]
        self.size = {
            "agents": min(3, options.max_agents),
            "focus": min(4, options.max_agents),
            "days": min(12, options.max_day_agents),
            "rests": 0,  # every agent working the day
        }
        self.stall = dict.fromkeys(KINDS, 0)
        self.rate = dict.fromkeys(KINDS, 1.0)
        self.stats = LnsStats()
        self.improvements = 0
        self.day_of = np.minimum(
            np.arange(problem.n_intervals) * problem.interval_min // MINUTES_PER_DAY,
            len(problem.dates) - 1,
        )

    # -- the objective -------------------------------------------------------------------
    @property
    def objective_units(self) -> int:
        """The roster's objective in objective units (exact)."""
        return self.cover_cost + sum(self.agent_costs)

    def assignments(self) -> list[Assignment]:
        """The current roster's ``(agent, candidate, channel)`` choices."""
        return [key for keys in self.by_agent for key in keys]

    # -- choosing a neighbourhood --------------------------------------------------------
    def _kind(self) -> str:
        total = sum(self.rate.values())
        r = self.rng.random() * total
        for kind in KINDS:
            r -= self.rate[kind]
            if r <= 0:
                return kind
        return KINDS[-1]

    def _focus(self) -> tuple[str, int]:
        """A (channel, interval) drawn in proportion to its coverage cost."""
        costs = {c: u + o for c, (u, o) in interval_costs(self.problem, self.cov).items()}
        chans = [c for c in self.channels if costs[c].sum() > 0]
        if not chans:
            c = self.rng.choice(self.channels)
            return c, self.rng.randrange(self.problem.n_intervals)
        weights = [float(costs[c].sum()) for c in chans]
        c = self.rng.choices(chans, weights=weights)[0]
        i = self.rng.choices(range(len(costs[c])), weights=costs[c].tolist())[0]
        return c, i

    def _works(self, a: int, d: int) -> bool:
        return any(self.problem.candidates[key.cand].day == d for key in self.by_agent[a])

    def pick(self) -> _Hood | None:
        """A neighbourhood of agents not busy in another thread (call under the lock)."""
        hood = self._pick()
        if hood is not None and hood.kind in ("agents", "focus"):
            hood.restricted = self.rng.random() >= self.options.free_share
        return hood

    def _pick(self) -> _Hood | None:
        kind = self._kind()
        if kind == "agents":
            c = self.rng.choices(
                self.channels, weights=[len(self.pools[c]) for c in self.channels]
            )[0]
            free = [a for a in self.pools[c] if a not in self.busy]
            if not free:
                return None
            agents = self.rng.sample(free, min(self.size[kind], len(free)))
            return _Hood(kind, sorted(agents), None)
        c, i = self._focus()
        d = int(self.day_of[i])
        free = [a for a in self.pools[c] if a not in self.busy]
        if not free:
            return None
        if kind == "focus":
            on = [a for a in free if self._works(a, d)]
            off = [a for a in free if a not in set(on)]
            self.rng.shuffle(on)
            self.rng.shuffle(off)
            k = min(self.size[kind], len(free))
            half = (k + 1) // 2
            agents = on[:half] + off[: k - half]
            rest = on[half:] + off[k - half :]
            agents += rest[: k - len(agents)]
            return _Hood(kind, sorted(agents), None)
        if kind == "rests":
            working = [
                a
                for a in range(len(self.problem.agents))
                if a not in self.busy and self._works(a, d)
            ]
            return _Hood(kind, working, frozenset({d})) if working else None
        days = {d}
        if len(self.problem.dates) > 1 and self.rng.random() < 0.5:
            days.add(d + 1 if d + 1 < len(self.problem.dates) else d - 1)
        agents = self.rng.sample(free, min(self.size[kind], len(free)))
        return _Hood(kind, sorted(agents), frozenset(days))

    # -- one step ------------------------------------------------------------------------
    def step(self, time_limit_s: float) -> bool:
        """Choose, solve and (if better) apply one neighbourhood; ``False`` when none is free."""
        with self.lock:
            hood = self.pick()
            if hood is None:
                return False
            self.busy.update(hood.agents)
            own = [
                key
                for a in hood.agents
                for key in self.by_agent[a]
                if hood.days is None
                or hood.kind != "rests"
                or self.problem.candidates[key.cand].day in hood.days
            ]
            own_cov = on_phones(self.problem, own)
            base = {c: self.cov[c] - own_cov[c] for c in self.problem.channels}
        t0 = time.perf_counter()
        try:
            new, status = self._solve(hood, own, base, time_limit_s)
        finally:
            elapsed = time.perf_counter() - t0
        with self.lock:
            self.busy.difference_update(hood.agents)
            gain = 0 if new is None else self._apply(hood, own, own_cov, new)
            self._adapt(hood.kind, status, gain, elapsed)
        return True

    def _solve(
        self,
        hood: _Hood,
        own: list[Assignment],
        base: dict[str, np.ndarray],
        time_limit_s: float,
    ) -> tuple[list[Assignment] | None, cp_model.CpSolverStatus]:
        problem = self.problem
        own_set = {key.shift for key in own}
        if hood.kind == "rests":  # the shifts stay; their rests are placed again, exactly
            model, v = build_model(
                problem,
                agents=hood.agents,
                base_cover=base,
                keep=lambda a, k, c: (a, k, c) in own_set,
                rests_only=True,
            )
            for key in own:
                model.add(v.x[key.shift] == 1)
        else:
            support = self.support() if hood.restricted else None
            allowed = None if not support else support | {(key.cand, key.channel) for key in own}
            keep = None
            days = hood.days
            if days is not None:

                def keep(a: int, k: int, c: str) -> bool:
                    return problem.candidates[k].day in days or (a, k, c) in own_set

            placer = self.placer.with_cover(base)
            model, v = build_model(
                problem,
                agents=hood.agents,
                base_cover=base,
                allowed=allowed,
                keep=keep,
                rest_choice=placer.best,
            )
            if days is not None:
                for key in own:
                    if problem.candidates[key.cand].day not in days:
                        model.add(v.x[key.shift] == 1)
        hinted = complete_hint(model, v, own)
        if hinted is None:
            return None, cp_model.UNKNOWN
        solver = new_solver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = max(0.05, time_limit_s)
        solver.parameters.random_seed = self.rng.randrange(1 << 30)
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None, status
        if solver.objective_value >= hinted - 0.5:
            return None, status
        return solution_assignments(problem, v, solver.value), status

    def _apply(
        self,
        hood: _Hood,
        own: list[Assignment],
        own_cov: dict[str, np.ndarray],
        new: list[Assignment],
    ) -> int:
        """Re-evaluate exactly against the current roster; apply when better (under the lock).

        ``own`` are the neighbourhood's shifts when it was chosen and ``own_cov`` their
        coverage (they cannot have changed since: their agents were busy); ``new`` replaces
        them, the agents' other shifts stay.
        """
        problem = self.problem
        mine = set(own)
        new_by: dict[int, list[Assignment]] = {
            a: [key for key in self.by_agent[a] if key not in mine] for a in hood.agents
        }
        for key in new:
            new_by[key.agent].append(key)
        new_cov = on_phones(problem, new)
        cov = {c: self.cov[c] - own_cov[c] + new_cov[c] for c in problem.channels}
        cover_cost = sum(coverage_cost(problem, cov))
        costs = {a: sum(agent_cost(problem, a, new_by[a]).values()) for a in hood.agents}
        before = self.cover_cost + sum(self.agent_costs[a] for a in hood.agents)
        after = cover_cost + sum(costs.values())
        if after >= before:
            return 0
        for a in hood.agents:
            self.by_agent[a] = new_by[a]
            self.agent_costs[a] = costs[a]
        self.cov, self.cover_cost = cov, cover_cost
        self.improvements += 1
        if self.on_improve is not None:
            self.on_improve(self.objective_units)
        return before - after

    def _adapt(self, kind: str, status: cp_model.CpSolverStatus, gain: int, elapsed: float) -> None:
        self.stats.tried[kind] += 1
        if gain > 0:
            self.stats.kept[kind] += 1
        if kind != "rests":  # a rests step takes every agent of its day: no size to adapt
            self._resize(kind, status, gain)
        # gain per second, smoothed; a floor keeps every kind in play
        self.rate[kind] = 0.8 * self.rate[kind] + 0.2 * (gain / max(elapsed, 1e-3))
        floor = 0.05 * max(self.rate.values()) + 1e-6
        for k in KINDS:
            self.rate[k] = max(self.rate[k], floor)

    def _resize(self, kind: str, status: cp_model.CpSolverStatus, gain: int) -> None:
        """Grow a kind's neighbourhoods while they solve to optimality without gain.

        Shrink them when the step's time limit stops them.
        """
        limit = self.options.max_day_agents if kind == "days" else self.options.max_agents
        step = 4 if kind == "days" else 1
        if gain > 0:
            self.stall[kind] = 0
        elif status == cp_model.OPTIMAL:
            self.stall[kind] += 1
            if self.stall[kind] >= 3:
                self.size[kind] = min(limit, self.size[kind] + step)
                self.stall[kind] = 0
        if status in (cp_model.FEASIBLE, cp_model.UNKNOWN):
            self.size[kind] = max(self.options.min_agents, self.size[kind] - step)


def improve(
    problem: RosterProblem,
    start: list[Assignment],
    deadline: float,
    options: LnsOptions,
    support: Callable[[], set[tuple[int, str]] | None],
    on_improve: Callable[[float], None] | None = None,
    *,
    stop: threading.Event | None = None,
) -> Search:
    """Improve ``start`` until ``deadline`` (a ``time.perf_counter`` value) or ``stop`` is set.

    ``support`` returns the ``(candidate, channel)`` shifts to restrict the search to (the LP
    relaxation's), or ``None`` while it is not known. ``on_improve`` gets each better
    roster's objective (objective units). Returns the search, holding the best roster; a stop
    takes effect after the steps running (at most ``options.step_time_s`` each).
    """
    search = Search(problem, start, options, support, on_improve)
    if not search.channels:
        return search
    asked = stop or threading.Event()
    failed = threading.Event()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while not (asked.is_set() or failed.is_set()):
                left = deadline - time.perf_counter()
                if left <= 0.1:
                    return
                if not search.step(min(options.step_time_s, left - 0.05)):
                    time.sleep(0.01)
        except BaseException as exc:  # surfaced in the calling thread below
            errors.append(exc)
            failed.set()

    threads = [threading.Thread(target=work) for _ in range(max(1, options.workers) - 1)]
    for t in threads:
        t.start()
    work()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return search
