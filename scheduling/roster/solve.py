"""Solve a roster problem.

It runs per-agent feasibility and a greedy start, the CP-SAT model within the time limit, then
break placement; the result has an explicit status and the proven bound.

The bound is the larger of CP-SAT's and the aggregated LP relaxation's
(:mod:`scheduling.roster._lp_bound`), which is solved in a thread while the greedy start is built.

Impossible contracts are refused before any of it (:mod:`scheduling.roster.feasibility`). A
``stop`` event ends the search early, as the time limit would: :func:`solve` returns the best
roster found so far with its bound and gap (a note says "stopped on request"). A stop during
the greedy start lets it finish and returns it, a complete roster.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduling.errors import InfeasibleError, SchedulingError
from scheduling.roster._cpsat import new_solver
from scheduling.roster._greedy import GreedyResult, greedy_roster
from scheduling.roster._lp_bound import lp_objective_solution
from scheduling.roster._search import LnsOptions, complete_hint, improve
from scheduling.roster.breaks import keep_previous_rests, polish_rests
from scheduling.roster.explain import explain_agent
from scheduling.roster.feasibility import problem_conflicts
from scheduling.roster.model import OBJ_SCALE, RosterVariables, build_model, solution_assignments
from scheduling.roster.objective import objective_terms, on_phones
from scheduling.roster.problem import Assignment, RosterProblem
from scheduling.roster.records import Activity, Note, RosterShift, RosterSolution, RosterStatus


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
    solver = new_solver()
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
    stop: threading.Event | None = None,
    abort: threading.Event | None = None,
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
    stop
        When set (from another thread, e.g. on Ctrl-C or a cancelled job), the search stops and
        the best roster found so far is returned with its bound and gap, status ``feasible``
        and the note "stopped on request", as after a time limit. A stop during the greedy
        start lets it finish and returns it (a complete roster).
    abort
        When set during the greedy start, it stops there with
        :class:`~scheduling.errors.SolveAborted` (no roster): for a cancelled job, which
        saves nothing anyway. Pass the same event as ``stop`` to end every phase promptly.

    Returns
    -------
    RosterSolution
        Status ``optimal`` or ``feasible`` (time limit or stop; best roster found and its gap).

    Raises
    ------
    InfeasibleError
        Some agent's hard rules conflict (a shortage of agents is not infeasibility).
    SchedulingError
        No roster found within the time limit.
    """
    options = options or SolverOptions()
    t0 = time.perf_counter()
    if conflicts := problem_conflicts(problem):  # impossible contracts, before any search
        return _infeasible(conflicts, t0, raise_on_infeasible)
    start = _start(problem, options, t0, abort)
    if start.conflicts:
        return _infeasible(start.conflicts, t0, raise_on_infeasible)
    stop = stop or threading.Event()
    if stop.is_set() and start.greedy is not None:
        return _stopped_at_greedy(problem, start, t0)
    if (
        start.greedy is not None
        and start.lp_future is not None
        and count_shift_vars(problem) > options.monolithic_max_vars
    ):
        return _solve_lns(
            problem, options, start.greedy.assignments, t0, progress, start.lp_future, stop
        )
    return _solve_monolithic(problem, options, start, t0, progress, raise_on_infeasible, stop)


STOPPED = "stopped on request"


def _stopped_at_greedy(problem: RosterProblem, start: _Start, t0: float) -> RosterSolution:
    """A stop came during the greedy start: return it, with the LP bound if it is ready."""
    assert start.greedy is not None
    assignments = list(start.greedy.assignments)
    bound = None
    if start.lp_future is not None and start.lp_future.done():
        bound, _ = start.lp_future.result()
    chosen = polished(problem, assignments)
    objective, terms = _evaluate(problem, chosen)
    return _solution_from(
        problem,
        chosen,
        status="feasible",
        objective=objective,
        objective_terms=terms,
        best_bound=bound,
        gap=_gap(objective, bound),
        time_to_first_s=time.perf_counter() - t0,
        time_to_final_s=time.perf_counter() - t0,
        wall_time_s=time.perf_counter() - t0,
        num_solutions=1,
        greedy_objective=objective,
        notes=(*problem.notes, Note("stopped.greedy", f"{STOPPED}: the greedy start is returned")),
    )


#: Seconds at least left of the time limit after the greedy start to try the LP relaxation.
MIN_LP_S = 1.0


def lp_grace_s(time_limit_s: float) -> float:
    """How long past the time limit the search waits for the LP bound: 10 %, at most 2 s."""
    return min(2.0, 0.1 * time_limit_s)


#: What the LP relaxation's thread returns: the bound (points) and the shifts it uses.
LpFuture = Future[tuple[float | None, set[tuple[int, str]]]]


@dataclass(frozen=True, slots=True)
class _Start:
    """The LP relaxation (running in a thread), the greedy roster, and per-agent conflicts."""

    lp_future: LpFuture | None
    greedy: GreedyResult | None
    conflicts: tuple[str, ...]


def _start(
    problem: RosterProblem,
    options: SolverOptions,
    t0: float,
    abort: threading.Event | None = None,
) -> _Start:
    """Build the greedy start, then start the LP relaxation in a thread.

    The greedy start uses one core; it is built first, alone, because building the LP in
    Python beside it would slow it several times over (both need the interpreter). Every agent
    whose own hard rules cannot hold is explained. The LP gets what is left of the time limit
    (HiGHS stops there: no bound then).
    """
    lp_future: LpFuture | None = None
    greedy = greedy_roster(problem, abort=abort) if options.greedy_hint else None
    if options.greedy_hint:
        left = options.time_limit_s - (time.perf_counter() - t0)
        if left < MIN_LP_S:  # no time left to build and solve it: no bound, said in a note
            lp_future = Future()
            lp_future.set_result((None, set()))
        else:
            pool = ThreadPoolExecutor(max_workers=1)
            lp_future = pool.submit(
                lp_objective_solution, problem, left + lp_grace_s(options.time_limit_s)
            )
            pool.shutdown(wait=False)
    suspects = greedy.infeasible_agents if greedy else range(len(problem.agents))
    conflicts = tuple(line for a in suspects for line in explain_agent(problem, a))
    return _Start(lp_future=lp_future, greedy=greedy, conflicts=conflicts)


def _infeasible(conflicts: Sequence[str], t0: float, raise_on_infeasible: bool) -> RosterSolution:
    """Raise :class:`InfeasibleError` naming the agents, or return an ``infeasible`` solution."""
    if raise_on_infeasible:
        names = sorted({line.split(":")[0] for line in conflicts})
        who = f" for {', '.join(names)}" if names else ""
        raise InfeasibleError(f"the hard rules cannot all hold{who}", list(conflicts))
    return RosterSolution(
        status="infeasible", wall_time_s=time.perf_counter() - t0, conflicts=tuple(conflicts)
    )


def _gap(objective: float, bound: float | None) -> float | None:
    """Relative gap ``(objective - bound) / objective`` (never negative).

    ``None`` without a bound, 0 for a zero objective.
    """
    if bound is None:
        return None
    if abs(objective) <= 1e-9:
        return 0.0
    return max(0.0, (objective - bound) / abs(objective))


def _evaluate(
    problem: RosterProblem, assignments: Sequence[Assignment]
) -> tuple[float, dict[str, float]]:
    """The objective of a roster and its named terms (points), by the independent evaluator."""
    terms = objective_terms(problem, assignments)
    return terms.pop("total"), terms


@dataclass(frozen=True, slots=True)
class _CpRun:
    """One CP-SAT solve of the monolithic model, with what is needed to read its result."""

    status: cp_model.CpSolverStatus
    solver: cp_model.CpSolver
    variables: RosterVariables
    callback: _Callback
    lp_bound: float | None
    restricted: bool  # to the LP's shifts: the model's own bound is not the problem's
    greedy_objective: float | None

    def best_bound(self) -> float | None:
        """The larger of the LP bound and (unless restricted) CP-SAT's, points."""
        bounds = [] if self.lp_bound is None else [self.lp_bound]
        if not self.restricted:
            bounds.append(self.solver.best_objective_bound / OBJ_SCALE)
        return max(bounds) if bounds else None


def _run_cp_sat(
    problem: RosterProblem,
    options: SolverOptions,
    start: _Start,
    t0: float,
    progress: ProgressFn | None,
    stop: threading.Event,
) -> _CpRun:
    """Build the monolithic model, hint it with the greedy roster and solve it in the time left.

    The model is restricted to the LP's shifts when the problem is large.
    """
    greedy = start.greedy
    # the LP may take at most half the limit: CP-SAT needs the rest
    lp_bound, support = (
        _lp_result(start.lp_future, t0 + 0.5 * options.time_limit_s, stop)
        if start.lp_future is not None
        else (None, set())
    )
    restricted = bool(
        greedy is not None
        and options.restrict_to_lp
        and support
        and count_shift_vars(problem) > options.restrict_min_vars
    )
    allowed = None
    if restricted and greedy is not None:
        allowed = support | {(key.cand, key.channel) for key in greedy.assignments}
    model, v = build_model(problem, allowed=allowed)
    greedy_obj = None
    if greedy is not None:
        greedy_obj, _ = _evaluate(problem, greedy.assignments)
        complete_hint(model, v, list(greedy.assignments))
        if progress is not None:
            bound = float("nan") if lp_bound is None else lp_bound
            progress(Progress("greedy", 0, greedy_obj, bound, time.perf_counter() - t0))
    remaining = max(1.0, options.time_limit_s - (time.perf_counter() - t0))
    solver = configure_solver(options, remaining)
    callback = _Callback(t0, progress, lp_bound, trust_bound=not restricted)
    with _stop_watch(stop, solver):
        status = solver.solve(model, callback)
    return _CpRun(
        status=status,
        solver=solver,
        variables=v,
        callback=callback,
        lp_bound=lp_bound,
        restricted=restricted,
        greedy_objective=greedy_obj,
    )


def _solve_monolithic(
    problem: RosterProblem,
    options: SolverOptions,
    start: _Start,
    t0: float,
    progress: ProgressFn | None,
    raise_on_infeasible: bool,
    stop: threading.Event | None = None,
) -> RosterSolution:
    """Small problems: one CP-SAT model of the whole roster, hinted with the greedy start."""
    stop = stop or threading.Event()
    run = _run_cp_sat(problem, options, start, t0, progress, stop)
    if run.status == cp_model.INFEASIBLE:  # pragma: no cover - per-agent checks catch this first
        lines = [line for a in range(len(problem.agents)) for line in explain_agent(problem, a)]
        return _infeasible(lines, t0, raise_on_infeasible)
    if run.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if start.greedy is None and stop.is_set():
            raise SchedulingError("stopped on request before any roster was found")
        if start.greedy is None:
            raise SchedulingError(
                f"no roster found within the time limit ({options.time_limit_s:g} s; solver "
                f"status {run.solver.status_name(run.status)}); allow more time"
            )
        return _greedy_fallback(problem, start.greedy, run, t0, stopped=stop.is_set())
    chosen = polished(problem, solution_assignments(problem, run.variables, run.solver.value))
    objective, terms = _evaluate(problem, chosen)
    best_bound = run.best_bound()
    optimal = (run.status == cp_model.OPTIMAL and not run.restricted) or (
        best_bound is not None and objective - best_bound <= 1e-6 * max(1.0, abs(objective))
    )
    notes = problem.notes + ((Note("stopped", STOPPED),) if stop.is_set() and not optimal else ())
    if run.restricted:
        notes = (
            *notes,
            Note(
                "restricted",
                "search restricted to the shifts of the LP relaxation's solution and the greedy "
                "start; bound from the LP relaxation",
            ),
        )
    return _solution_from(
        problem,
        chosen,
        status="optimal" if optimal else "feasible",
        objective=objective,
        objective_terms=terms,
        best_bound=best_bound,
        gap=0.0 if optimal else _gap(objective, best_bound),
        time_to_first_s=run.callback.first,
        time_to_final_s=run.callback.last,
        wall_time_s=time.perf_counter() - t0,
        num_solutions=run.callback.count,
        greedy_objective=run.greedy_objective,
        notes=notes,
    )


@contextmanager
def _stop_watch(stop: threading.Event, solver: cp_model.CpSolver) -> Iterator[None]:
    """While the block runs, stop ``solver``'s search as soon as ``stop`` is set."""
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.05):
            if stop.is_set():
                solver.stop_search()
                return

    watcher = threading.Thread(target=watch, name="stop-watch", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


def _greedy_fallback(
    problem: RosterProblem, greedy: GreedyResult, run: _CpRun, t0: float, stopped: bool = False
) -> RosterSolution:
    """Return the greedy start when CP-SAT found nothing in time (or before a stop).

    The greedy start satisfies every hard rule: return it rather than nothing, its rests
    polished, with its objective (so the job and the roster page show a figure) and the bound
    known (the model's, or the LP's when the model was restricted).
    """
    why = (
        Note(
            "stopped.before_cpsat",
            f"{STOPPED} before CP-SAT found a roster: greedy roster returned",
        )
        if stopped
        else Note(
            "greedy_fallback",
            "CP-SAT found no roster in the time limit: greedy roster returned (allow more time)",
        )
    )
    chosen = polished(problem, list(greedy.assignments))
    objective, terms = _evaluate(problem, chosen)
    bound = run.best_bound()
    elapsed = time.perf_counter() - t0
    return _solution_from(
        problem,
        chosen,
        status="feasible",
        objective=objective,
        objective_terms=terms,
        best_bound=bound,
        gap=_gap(objective, bound),
        time_to_first_s=elapsed,
        time_to_final_s=elapsed,
        wall_time_s=elapsed,
        num_solutions=1,
        greedy_objective=run.greedy_objective,
        notes=(*problem.notes, why),
    )


def _solution_from(
    problem: RosterProblem,
    assignments: Sequence[Assignment],
    *,
    status: RosterStatus,
    objective: float,
    objective_terms: dict[str, float],
    best_bound: float | None,
    gap: float | None,
    time_to_first_s: float | None,
    time_to_final_s: float | None,
    wall_time_s: float,
    num_solutions: int,
    greedy_objective: float | None,
    notes: tuple[str, ...],
) -> RosterSolution:
    """The solution of a solved roster: its shifts with breaks placed, and its figures."""
    return RosterSolution(
        status=status,
        objective=objective,
        best_bound=best_bound,
        gap=gap,
        time_to_first_s=time_to_first_s,
        time_to_final_s=time_to_final_s,
        wall_time_s=wall_time_s,
        num_solutions=num_solutions,
        shifts=tuple(shifts_from_assignments(problem, assignments)),
        objective_terms=objective_terms,
        greedy_objective=greedy_objective,
        notes=notes,
        assignments=tuple(assignments),
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
    """Progress of the large-neighbourhood search, shared with its threads.

    It holds the timings, the solutions found, and the LP bound and support once ``lp_future`` is
    done.
    """

    t0: float
    lp_future: LpFuture
    restrict_to_lp: bool
    progress: ProgressFn | None
    first: float = 0.0
    last: float = 0.0
    count: int = 1
    bound: float | None = None
    support: set[tuple[int, str]] | None = None
    objective: float = float("nan")
    closed: bool = False  # the solve has returned: no more reports
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on_lp(self, future: LpFuture) -> None:
        """The LP is solved: report its bound at once (with the current objective)."""
        if future.cancelled() or future.exception() is not None:
            return
        bound, support = future.result()
        with self.lock:
            self.bound = bound
            if self.restrict_to_lp:
                self.support = support
        if bound is not None:
            self.report("bound", self.objective, time.perf_counter() - self.t0)

    def lp_support(self) -> set[tuple[int, str]] | None:
        """The LP relaxation's shifts to restrict neighbourhoods to, once known."""
        if not self.restrict_to_lp:
            return None
        with self.lock:
            if self.support is None and self.lp_future.done():
                self.bound, self.support = self.lp_future.result()
            return self.support

    def report(self, phase: str, objective: float, at_s: float) -> None:
        """Pass a :class:`Progress` (objective in points) to the caller's callback."""
        self.objective = objective
        if self.progress is not None and not self.closed:
            shown = float("nan") if self.bound is None else self.bound
            self.progress(Progress(phase, self.count, objective, shown, at_s))

    def on_improve(self, units: float) -> None:
        """Record a better roster (objective in objective units)."""
        self.last = time.perf_counter() - self.t0
        self.count += 1
        self.report("lns", units / OBJ_SCALE, self.last)


def _lp_result(
    lp_future: LpFuture, deadline: float, stop: threading.Event
) -> tuple[float | None, set[tuple[int, str]]]:
    """The LP's bound and support, waiting for it until ``deadline`` or a stop (then none)."""
    while not lp_future.done():
        left = deadline - time.perf_counter()
        if left <= 0 or stop.is_set():
            return None, set()
        try:
            return lp_future.result(timeout=min(0.1, left))
        except FutureTimeout:
            continue
    return lp_future.result()


def _lns_bound(
    lp_future: LpFuture, deadline: float, stop: threading.Event
) -> tuple[float | None, list[Note]]:
    """The LP bound (points), waiting for it no later than ``deadline``.

    That is the time limit plus :func:`lp_grace_s`; the LP itself stops then.
    """
    bound, _ = _lp_result(lp_future, deadline, stop)
    if bound is None:
        return None, [
            Note("lp_bound_late", "the LP bound was not ready within the time limit: gap unknown")
        ]
    return bound, []


def _solve_lns(
    problem: RosterProblem,
    options: SolverOptions,
    start: tuple[Assignment, ...],
    t0: float,
    progress: ProgressFn | None,
    lp_future: LpFuture,
    stop: threading.Event | None = None,
) -> RosterSolution:
    """Large problems: improve the greedy roster by large-neighbourhood search.

    The search (:mod:`scheduling.roster._search`) solves small CP-SAT models over a few agents or
    a few days with everything else fixed. The bound reported is the LP relaxation's
    (:func:`scheduling.roster._lp_bound.lp_objective_bound`); once it is solved (in
    ``lp_future``), neighbourhoods are restricted to its support.
    """
    stop = stop or threading.Event()
    first = time.perf_counter() - t0
    track = _LnsTrack(
        t0=t0,
        lp_future=lp_future,
        restrict_to_lp=options.restrict_to_lp,
        progress=progress,
        first=first,
        last=first,
    )
    greedy_obj, _ = _evaluate(problem, start)
    track.report("greedy", greedy_obj, track.first)
    lp_future.add_done_callback(track.on_lp)  # the bound is shown as soon as it is known
    deadline = t0 + options.time_limit_s
    lns = LnsOptions(
        step_time_s=options.lns_step_s,
        max_agents=options.lns_agents,
        max_day_agents=options.lns_day_agents,
        workers=options.num_workers,
        seed=options.seed,
    )
    search = improve(
        problem,
        list(start),
        deadline,
        lns,
        track.lp_support,
        track.on_improve,
        stop=stop,
    )
    if stop.is_set():  # no waiting for the LP bound: it is reported if it is there
        late: list[Note]
        bound, late = (lp_future.result()[0], []) if lp_future.done() else (None, [])
        late.append(
            Note("stopped", STOPPED)
            if bound is not None
            else Note("stopped.no_bound", f"{STOPPED}; the LP bound was not ready")
        )
    else:
        bound, late = _lns_bound(lp_future, deadline + lp_grace_s(options.time_limit_s), stop)
    if deadline - (t0 + track.first) < 1.0 and not stop.is_set():
        took, limit = f"{track.first:.1f}", f"{options.time_limit_s:g}"
        late.append(
            Note(
                "greedy_ate_limit",
                f"the greedy start took {took} s of the {limit} s time limit: almost no time "
                "was left to improve it (allow more time)",
                took=took,
                limit=limit,
            )
        )
    track.closed = True
    assignments = polished(problem, search.assignments())
    objective, terms = _evaluate(problem, assignments)
    tried = sum(search.stats.tried.values())
    return _solution_from(
        problem,
        assignments,
        status="feasible",
        objective=objective,
        objective_terms=terms,
        best_bound=bound,
        gap=_gap(objective, bound),
        time_to_first_s=track.first,
        time_to_final_s=track.last,
        wall_time_s=time.perf_counter() - t0,
        num_solutions=track.count,
        greedy_objective=greedy_obj,
        notes=(
            *problem.notes,
            *late,
            Note(
                "lns",
                f"large-neighbourhood search: {tried} CP-SAT steps over a few agents or days "
                f"each ({search.improvements} improved the roster); bound from the LP relaxation",
                steps=tried,
                improved=search.improvements,
            ),
        ),
    )


def polished(problem: RosterProblem, assignments: list[Assignment]) -> list[Assignment]:
    """``assignments`` with each shift's rests re-placed given everyone else's.

    The rests are re-placed with :func:`scheduling.roster.breaks.polish_rests`, and shifts
    unchanged from the previous roster are given back their rests where that costs nothing:
    never a higher objective.
    """
    cov = on_phones(problem, assignments)
    out = polish_rests(problem, assignments, cov, passes=3)
    return keep_previous_rests(problem, out, cov)


def shifts_from_assignments(
    problem: RosterProblem, assignments: Sequence[Assignment]
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
