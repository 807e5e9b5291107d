"""Solve a roster problem: per-agent feasibility and a greedy start, the CP-SAT model within
the time limit, then break placement; the result has an explicit status and the proven bound.

The bound is the larger of CP-SAT's and the aggregated LP relaxation's
(:mod:`scheduling.roster._lp_bound`), which is solved in a thread while the greedy start is built.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduling.errors import InfeasibleError, SchedulingError
from scheduling.roster._greedy import greedy_roster
from scheduling.roster._lp_bound import lp_objective_solution
from scheduling.roster._search import LnsOptions, complete_hint, improve
from scheduling.roster.breaks import keep_previous_rests, polish_rests
from scheduling.roster.explain import explain_agent
from scheduling.roster.model import OBJ_SCALE, build_model, solution_assignments
from scheduling.roster.objective import objective_terms, on_phones
from scheduling.roster.problem import Assignment, RosterProblem
from scheduling.roster.records import Activity, RosterShift, RosterSolution


@dataclass(frozen=True, slots=True)
class SolverOptions:
    """CP-SAT settings, applied to ``solver.parameters`` by :func:`configure_solver`.

    ``time_limit_s`` bounds the whole :func:`solve` (greedy start included); ``num_workers``
    defaults to both cores; ``relative_gap`` stops early once the proven gap is that small.
    Problems of at most ``monolithic_max_vars`` shift Booleans are solved as one CP-SAT
    model; larger ones by large-neighbourhood search from the greedy roster
    (:mod:`scheduling.roster._search`: ``num_workers`` single-worker CP-SAT steps at once, each of
    at most ``lns_step_s`` over up to ``lns_agents`` agents for the whole horizon, or up to
    ``lns_day_agents`` agents on one or two days). With ``restrict_to_lp``, monolithic
    models of more than ``restrict_min_vars`` shift Booleans (and every neighbourhood) only
    get the shifts the LP relaxation uses plus those of the current roster; the bound then
    comes from the LP relaxation alone.
    """

    time_limit_s: float = 60.0
    num_workers: int = 2
    seed: int = 0
    log: bool = False
    relative_gap: float = 0.0
    greedy_hint: bool = True
    monolithic_max_vars: int = 3_000
    lns_agents: int = 8
    lns_day_agents: int = 60
    lns_step_s: float = 0.5
    restrict_to_lp: bool = True
    restrict_min_vars: int = 5_000


@dataclass(frozen=True, slots=True)
class Progress:
    """A progress report: a new solution (or the greedy start) with objective and bound."""

    phase: str
    solutions: int
    objective: float
    best_bound: float
    wall_time_s: float


ProgressFn = Callable[[Progress], None]


def configure_solver(
    options: SolverOptions, time_limit_s: float | None = None
) -> cp_model.CpSolver:
    """A ``CpSolver`` with ``options`` set on ``solver.parameters``."""
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = float(
        options.time_limit_s if time_limit_s is None else time_limit_s
    )
    params.num_workers = int(options.num_workers)
    params.random_seed = int(options.seed)
    params.log_search_progress = bool(options.log)
    params.relative_gap_limit = float(options.relative_gap)
    return solver


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(
        self,
        t0: float,
        progress: ProgressFn | None,
        lp_bound: float | None = None,
        trust_bound: bool = True,
    ) -> None:
        super().__init__()
        self.t0 = t0
        self.progress = progress
        self.lp_bound = lp_bound
        self.trust_bound = trust_bound
        self.count = 0
        self.first: float | None = None
        self.last: float | None = None
        self.last_obj: float | None = None

    def on_solution_callback(self) -> None:
        now = time.perf_counter() - self.t0
        self.count += 1
        if self.first is None:
            self.first = now
        obj = self.objective_value
        if self.last_obj is None or obj < self.last_obj:
            self.last, self.last_obj = now, obj
        if self.progress is not None:
            bounds = [] if self.lp_bound is None else [self.lp_bound]
            if self.trust_bound:
                bounds.append(self.best_objective_bound / OBJ_SCALE)
            bound = max(bounds) if bounds else float("nan")
            self.progress(Progress("cp-sat", self.count, obj / OBJ_SCALE, bound, now))


def solve(
    problem: RosterProblem,
    options: SolverOptions | None = None,
    progress: ProgressFn | None = None,
    *,
    raise_on_infeasible: bool = True,
) -> RosterSolution:
    """Build the roster.

    Parameters
    ----------
    problem
        From :func:`scheduling.roster.problem.build_problem`.
    options
        Solver settings (default :class:`SolverOptions`).
    progress
        Called with a :class:`Progress` for the greedy start and each improving solution.
    raise_on_infeasible
        Raise :class:`~scheduling.errors.InfeasibleError` (naming agents and rules) when the
        hard rules cannot hold; otherwise return a solution with status ``infeasible``.

    Returns
    -------
    RosterSolution
        Status ``optimal`` or ``feasible`` (time limit; best roster found and its gap).

    Raises
    ------
    InfeasibleError
        Some agent's hard rules conflict (a shortage of agents is not infeasibility).
    SchedulingError
        No roster found within the time limit.
    """
    options = options or SolverOptions()
    t0 = time.perf_counter()
    # the LP relaxation (bound, and the shifts the search is restricted to) runs in a thread
    # while the greedy start, which uses one core, is built
    lp_future: Future[tuple[float | None, set[tuple[int, str]]]] | None = None
    if options.greedy_hint:
        pool = ThreadPoolExecutor(max_workers=1)
        lp_future = pool.submit(lp_objective_solution, problem)
        pool.shutdown(wait=False)
    greedy = greedy_roster(problem) if options.greedy_hint else None
    infeasible = (
        list(greedy.infeasible_agents) if greedy else [a for a in range(len(problem.agents))]
    )
    conflicts: list[str] = []
    for a in infeasible:
        conflicts += explain_agent(problem, a)
    if conflicts:
        wall = time.perf_counter() - t0
        if raise_on_infeasible:
            names = sorted({line.split(":")[0] for line in conflicts})
            raise InfeasibleError(
                f"the hard rules cannot all hold for {', '.join(names)}", conflicts
            )
        return RosterSolution(
            "infeasible", None, None, None, None, None, wall, 0, conflicts=tuple(conflicts)
        )

    greedy_obj = objective_terms(problem, greedy.assignments)["total"] if greedy else None
    n_vars = count_shift_vars(problem)
    if greedy is not None and lp_future is not None and n_vars > options.monolithic_max_vars:
        return _solve_lns(problem, options, greedy.assignments, t0, progress, lp_future)
    lp_bound, support = lp_future.result() if lp_future is not None else (None, set())
    restricted = bool(
        greedy is not None
        and options.restrict_to_lp
        and support
        and n_vars > options.restrict_min_vars
    )
    allowed = None
    if restricted and greedy is not None:
        allowed = support | {(key.cand, key.channel) for key in greedy.assignments}
    model, v = build_model(problem, allowed=allowed)
    if greedy is not None:
        complete_hint(model, v, list(greedy.assignments))
        if progress is not None:
            obj = float("nan") if greedy_obj is None else greedy_obj
            bound = float("nan") if lp_bound is None else lp_bound
            progress(Progress("greedy", 0, obj, bound, time.perf_counter() - t0))
    remaining = max(1.0, options.time_limit_s - (time.perf_counter() - t0))
    solver = configure_solver(options, remaining)
    callback = _Callback(t0, progress, lp_bound, trust_bound=not restricted)
    status = solver.solve(model, callback)
    wall = time.perf_counter() - t0
    if status == cp_model.INFEASIBLE:  # pragma: no cover - per-agent checks catch this first
        lines = [line for a in range(len(problem.agents)) for line in explain_agent(problem, a)]
        if raise_on_infeasible:
            raise InfeasibleError("the hard rules cannot all hold", lines)
        return RosterSolution(
            "infeasible", None, None, None, None, None, wall, 0, conflicts=tuple(lines)
        )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) and greedy is not None:
        # the greedy start satisfies every hard rule: return it rather than nothing
        return RosterSolution(
            status="feasible",
            objective=None,
            best_bound=lp_bound if restricted else solver.best_objective_bound / OBJ_SCALE,
            gap=None,
            time_to_first_s=None,
            time_to_final_s=None,
            wall_time_s=wall,
            num_solutions=0,
            shifts=tuple(shifts_from_assignments(problem, list(greedy.assignments))),
            assignments=tuple(greedy.assignments),
            notes=(
                *problem.notes,
                "CP-SAT found no roster in the time limit: greedy roster "
                "returned (allow more time)",
            ),
        )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise SchedulingError(
            f"no roster found within the time limit ({options.time_limit_s:g} s; solver status "
            f"{solver.status_name(status)}); allow more time"
        )
    chosen = polished(problem, solution_assignments(problem, v, solver.value))
    terms = objective_terms(problem, chosen)
    objective = terms.pop("total")
    bounds = [] if lp_bound is None else [lp_bound]
    if not restricted:  # a restricted model's bound is not the problem's
        bounds.append(solver.best_objective_bound / OBJ_SCALE)
    best_bound = max(bounds) if bounds else None
    optimal = (status == cp_model.OPTIMAL and not restricted) or (
        best_bound is not None and objective - best_bound <= 1e-6 * max(1.0, abs(objective))
    )
    if optimal:
        gap: float | None = 0.0
    elif best_bound is None:
        gap = None
    else:
        gap = max(0.0, (objective - best_bound) / abs(objective)) if abs(objective) > 1e-9 else 0.0
    shifts = shifts_from_assignments(problem, chosen)
    notes = problem.notes
    if restricted:
        notes = (
            *notes,
            "search restricted to the shifts of the LP relaxation's solution and the greedy "
            "start; bound from the LP relaxation",
        )
    return RosterSolution(
        status="optimal" if optimal else "feasible",
        objective=objective,
        best_bound=best_bound,
        gap=gap,
        time_to_first_s=callback.first,
        time_to_final_s=callback.last,
        wall_time_s=wall,
        num_solutions=callback.count,
        shifts=tuple(shifts),
        objective_terms=terms,
        notes=notes,
        assignments=tuple(chosen),
        greedy_objective=greedy_obj,
    )


def count_shift_vars(problem: RosterProblem) -> int:
    """Number of shift Booleans of the monolithic model (agents x allowed shifts x channels)."""
    per_type = [0] * len(problem.rules.shift_types)
    for cand in problem.candidates:
        per_type[cand.type_idx] += 1
    total = 0
    for agent in problem.agents:
        for ti, st in enumerate(problem.rules.shift_types):
            if problem.type_allowed(agent, st):
                total += per_type[ti] * len(problem.agent_channels(agent, st))
    return total


@dataclass(slots=True)
class _LnsTrack:
    """Progress of the large-neighbourhood search, shared with its threads."""

    first: float
    last: float
    count: int = 1
    bound: float | None = None
    support: set[tuple[int, str]] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def _solve_lns(
    problem: RosterProblem,
    options: SolverOptions,
    start: tuple[Assignment, ...],
    t0: float,
    progress: ProgressFn | None,
    lp_future: Future[tuple[float | None, set[tuple[int, str]]]],
) -> RosterSolution:
    """Large problems: improve the greedy roster by large-neighbourhood search
    (:mod:`scheduling.roster._search`), small CP-SAT models over a few agents or a few days with
    everything else fixed. The bound reported is the LP relaxation's
    (:func:`scheduling.roster._lp_bound.lp_objective_bound`); once it is solved (in ``lp_future``),
    neighbourhoods are restricted to its support.
    """
    first = time.perf_counter() - t0
    track = _LnsTrack(first=first, last=first)

    def support() -> set[tuple[int, str]] | None:
        if not options.restrict_to_lp:
            return None
        with track.lock:
            if track.support is None and lp_future.done():
                track.bound, track.support = lp_future.result()
            return track.support

    def shown() -> float:
        return float("nan") if track.bound is None else track.bound

    def on_improve(units: float) -> None:
        track.last = time.perf_counter() - t0
        track.count += 1
        if progress is not None:
            progress(Progress("lns", track.count, units / OBJ_SCALE, shown(), track.last))

    greedy_obj = objective_terms(problem, start)["total"]
    if progress is not None:
        progress(Progress("greedy", 1, greedy_obj, shown(), track.first))
    lns = LnsOptions(
        step_time_s=options.lns_step_s,
        max_agents=options.lns_agents,
        max_day_agents=options.lns_day_agents,
        workers=options.num_workers,
        seed=options.seed,
    )
    search = improve(problem, list(start), t0 + options.time_limit_s, lns, support, on_improve)
    notes = list(problem.notes)
    try:  # the time limit may come before the bound: wait a little for it
        bound, _ = lp_future.result(timeout=max(2.0, 0.1 * options.time_limit_s))
    except FutureTimeout:
        bound = None
        notes.append("the LP bound was not ready within the time limit: gap unknown")
    assignments = polished(problem, search.assignments())
    terms = objective_terms(problem, assignments)
    objective = terms.pop("total")
    gap = None if bound is None else max(0.0, (objective - bound) / objective) if objective else 0.0
    tried = sum(search.stats.tried.values())
    return RosterSolution(
        status="feasible",
        objective=objective,
        best_bound=bound,
        gap=gap,
        time_to_first_s=track.first,
        time_to_final_s=track.last,
        wall_time_s=time.perf_counter() - t0,
        num_solutions=track.count,
        shifts=tuple(shifts_from_assignments(problem, assignments)),
        objective_terms=terms,
        greedy_objective=greedy_obj,
        notes=(
            *notes,
            f"large-neighbourhood search: {tried} CP-SAT steps over a few agents or days each "
            f"({search.improvements} improved the roster); bound from the LP relaxation",
        ),
        assignments=tuple(assignments),
    )


def polished(problem: RosterProblem, assignments: list[Assignment]) -> list[Assignment]:
    """``assignments`` with each shift's rests re-placed given everyone else's
    (:func:`scheduling.roster.breaks.polish_rests`), and shifts unchanged from the previous
    roster given back their rests where that costs nothing: never a higher objective."""
    cov = on_phones(problem, assignments)
    out = polish_rests(problem, assignments, cov, passes=3)
    return keep_previous_rests(problem, out, cov)


def shifts_from_assignments(
    problem: RosterProblem, assignments: list[Assignment] | tuple[Assignment, ...]
) -> list[RosterShift]:
    """Turn chosen shifts (with their rests) into :class:`RosterShift` records."""
    out = []
    for key in assignments:
        cand = problem.candidates[key.cand]
        acts = []
        for slot, o in zip(problem.rests_of(key.cand), key.rests, strict=True):
            start = problem.local_offset(key.cand, slot.offsets_min[o])
            end = problem.local_offset(key.cand, slot.offsets_min[o] + slot.length_min)
            acts.append(Activity(slot.kind, problem.timestamp(start), problem.timestamp(end)))
        out.append(
            RosterShift(
                agent_id=problem.agents[key.agent].agent_id,
                date=problem.dates[cand.day],
                channel=key.channel,
                shift_type=problem.rules.shift_types[cand.type_idx].name,
                start=problem.timestamp(cand.start_min),
                end=problem.timestamp(cand.end_min),
                paid_min=cand.paid_min,
                rests=tuple(sorted(acts, key=lambda r: r.start)),
            )
        )
    out.sort(key=lambda s: (s.agent_id, s.date))
    return out
