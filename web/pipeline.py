"""The one pipeline: history → forecast → requirements → roster → check.

Each step is a function the CLI verbs call one at a time (``wfm forecast``, ``wfm staff``,
``wfm roster``) and :func:`run_pipeline` chains them for ``wfm demo`` (and, later, the web
app's background jobs). The steps only call the libraries and return frames and records;
:func:`run_pipeline` writes every file atomically into one output folder, so a failed run
leaves no half-written file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from forecasting.calendar import CalendarConfig, Event, load_events
from forecasting.engine import ForecastConfig, ForecastResult, OpeningHoursLike, run_forecast
from forecasting.errors import InsufficientHistoryError
from forecasting.history import History, read_history
from forecasting.opening_hours import OpeningHours, load_opening_hours
from forecasting.overrides import Override, read_overrides
from scheduling.roster import lp_under_staffing_bound
from scheduling.roster.agents import Agent, AgentsFile, read_agents
from scheduling.roster.check import Violation, check_roster
from scheduling.roster.feasibility import check_contracts
from scheduling.roster.io import coverage_table, previous_shifts, roster_frame
from scheduling.roster.problem import RosterProblem, build_problem
from scheduling.roster.records import Note, RosterShift
from scheduling.roster.rules import RosterRules, load_rules
from scheduling.roster.solve import Progress, SolverOptions, solve
from scheduling.roster.summary import RosterSummary, format_summary, roster_summary
from scheduling.roster.weights import with_service_level_weights
from scheduling.staffing.evaluate import evaluate_staffing, roster_to_scheduled
from scheduling.staffing.requirements import compute_requirements
from scheduling.staffing.targets import Targets, load_targets
from web.demo import demo_center
from wfmcore.defaults import DEFAULT_COUNTRY, DEFAULT_TZ
from wfmcore.io import write_csv, write_text

if TYPE_CHECKING:
    from wfmcore.entities import EntitySet

#: The bundled demo center's files: package data of :mod:`web.demo` (``data/`` in a checkout).
DEMO_DIR = demo_center()


# -------------------------------------------------------------------------------------------
# step 1: forecast


@dataclass(frozen=True, slots=True)
class ForecastRun:
    """A history file read and forecast."""

    history: History
    result: ForecastResult
    opening_hours: Mapping[str, OpeningHours] | None


def forecast_step(
    history_csv: Path,
    *,
    tz: str = DEFAULT_TZ,
    country: str = DEFAULT_COUNTRY,
    start: dt.date | None = None,
    days: int = 7,
    interval_min: int | None = None,
    models: tuple[str, ...] | None = None,
    origins: int = 4,
    jobs: int = 1,
    dask: str | None = None,
    events_csv: Path | None = None,
    overrides_csv: Path | None = None,
    targets_toml: Path | None = None,
    columns: Mapping[str, str] | None = None,
    keep_outliers: bool = False,
    progress: Callable[[int], object] | None = None,
    on_history: Callable[[History], None] | None = None,
    entities_toml: Path | None = None,
) -> ForecastRun:
    """Read and validate a history file, then backtest, select and forecast every series.

    ``targets_toml`` supplies opening hours (closed intervals are zero); ``events_csv`` planner
    events for the calendar model; ``overrides_csv`` planner overrides applied last (those that
    touch nothing are named in ``result.warnings``). ``keep_outliers`` keeps the history's
    outliers in the fitting. ``on_history`` is called once the history is read (e.g. to size a
    progress bar); ``progress`` with 1 per finished series. ``entities_toml`` gives the queue
    hierarchy: the forecast is reconciled over queues, entities, channels and the center
    (``result.levels``), and each entity's own opening hours and closed days close its queues.
    ``dask`` runs the series on a Dask cluster (as :class:`forecasting.engine.ForecastConfig`).
    """
    hours = load_opening_hours(targets_toml) if targets_toml else None
    hierarchy = None
    series_hours: Mapping[Any, OpeningHoursLike] | None = hours
    if entities_toml is not None:
        from wfmcore.entities import read_entities

        entities = read_entities(entities_toml)
        hierarchy = entities.queue_frame()
        series_hours = {**(hours or {}), **_entity_hours(entities, hours)}
    events = load_events(events_csv) if events_csv else ()
    overrides = read_overrides(overrides_csv, tz=tz) if overrides_csv else None
    history = read_history(
        history_csv,
        tz=tz,
        columns=columns,
        interval_min=interval_min,
        opening_hours=hours,
        keep_outliers=keep_outliers,
    )
    if on_history is not None:
        on_history(history)
    try:
        result = forecast_history(
            history,
            country=country,
            start=start,
            days=days,
            models=models,
            origins=origins,
            jobs=jobs,
            dask=dask,
            events=events,
            overrides=overrides,
            opening_hours=series_hours,
            progress=progress,
            hierarchy=hierarchy,
        )
    except InsufficientHistoryError as exc:
        raise InsufficientHistoryError(f"{history_csv}: {exc}") from None
    return ForecastRun(history=history, result=result, opening_hours=hours)


def forecast_history(
    history: History,
    *,
    country: str = DEFAULT_COUNTRY,
    start: dt.date | None = None,
    days: int = 7,
    models: tuple[str, ...] | None = None,
    origins: int = 4,
    jobs: int = 1,
    dask: str | None = None,
    events: Sequence[Event] = (),
    overrides: Sequence[Override] | None = None,
    opening_hours: Mapping[Any, OpeningHoursLike] | None = None,
    progress: Callable[[int], object] | None = None,
    hierarchy: pd.DataFrame | None = None,
) -> ForecastResult:
    """Backtest, select and forecast every series of a validated history.

    The part of :func:`forecast_step` after reading the file; the web app's forecast job calls
    it on the history it keeps in its database.

    Parameters
    ----------
    history
        A validated history (:func:`forecasting.history.read_history` or
        :func:`~forecasting.history.validate_history`).
    country, start, days, models, origins, jobs, dask
        As :class:`forecasting.engine.ForecastConfig` (``jobs`` is ``n_jobs``).
    events, overrides
        Planner events for the calendar model; overrides applied last.
    opening_hours
        Per channel or per ``(channel, queue)``; closed intervals are forecast as zero.
    progress
        Called with 1 per finished series.
    hierarchy
        Optional queue hierarchy (``channel``, ``queue``, ``entity``): the forecast is
        reconciled over every level (:func:`forecasting.engine.run_forecast`).

    Returns
    -------
    ForecastResult
        The forecast and accuracy frames.
    """
    config = ForecastConfig(
        start=start,
        days=days,
        models=models,
        origins=origins,
        calendar=CalendarConfig(country=country, events=tuple(events)),
        n_jobs=jobs,
        dask=dask,
    )
    return run_forecast(
        history.frame,
        config,
        interval_min=history.interval_min,
        opening_hours=opening_hours,
        overrides=overrides,
        progress=progress,
        hierarchy=hierarchy,
    )


def _entity_hours(
    entities: EntitySet, channel_hours: Mapping[str, OpeningHours] | None
) -> dict[tuple[str, str], OpeningHoursLike]:
    """Opening hours of the queues with hours of their own or of their channel.

    A queue counts when its entity sets opening hours or closed days, or its channel has hours;
    the other queues keep the closed intervals inferred from their history.
    """
    out: dict[tuple[str, str], OpeningHoursLike] = {}
    all_hours = entities.queue_hours(channel_hours)
    for entity in entities.active():
        own = entity.opening_hours is not None or bool(entity.closed_days)
        for q in entity.queues():
            spec = entity.targets.get(q.channel, {}).get("opening_hours")
            if own or spec is not None or q.channel in (channel_hours or {}):
                out[(q.channel, q.queue)] = all_hours[(q.channel, q.queue)]
    return out


def series_opening_hours(
    entities: EntitySet, channel_hours: Mapping[str, OpeningHours] | None
) -> dict[Any, OpeningHoursLike]:
    """Opening hours per channel and per queue, as ``wfm forecast --entities`` uses them.

    Parameters
    ----------
    entities
        The entities file.
    channel_hours
        Per channel, from ``targets.toml`` (``None`` without one).

    Returns
    -------
    dict
        The channels' hours, and per ``(channel, queue)`` the hours of the queues whose entity
        or channel sets some (entity overrides and closed days applied).
    """
    return {**(channel_hours or {}), **_entity_hours(entities, channel_hours)}


def count_series(history: History, entities_toml: Path | None = None) -> int:
    """Number of series a forecast of *history* runs.

    Its (channel, queue) series, plus the distinct entity, channel and center totals when it is
    forecast with ``entities_toml``.
    """
    n = int(history.frame.groupby(["channel", "queue"]).ngroups)
    if entities_toml is None:
        return n
    from forecasting.engine import hierarchy_of
    from wfmcore.entities import read_entities

    hier, _ = hierarchy_of(read_entities(entities_toml).queue_frame(), history.frame)
    return n + hier.n_aggregates


# -------------------------------------------------------------------------------------------
# steps 3 and 4: roster and check (step 2, staffing, is ``compute_requirements``)


@dataclass(frozen=True, slots=True)
class RosterRun:
    """A solved roster with its coverage, summary and the independent checker's verdict."""

    roster: pd.DataFrame
    coverage: pd.DataFrame
    summary: RosterSummary
    violations: tuple[Violation, ...]
    dates: tuple[dt.date, ...]
    shifts: tuple[RosterShift, ...] = ()


def roster_step(
    requirements: pd.DataFrame,
    agents: Sequence[Agent],
    rules: RosterRules,
    *,
    tz: str = DEFAULT_TZ,
    targets: Targets | None = None,
    previous: pd.DataFrame | None = None,
    lock_previous: bool = False,
    fixed: pd.DataFrame | None = None,
    time_limit_s: float = 60.0,
    seed: int = 0,
    progress: Callable[[Progress], None] | None = None,
    notes: Sequence[str] = (),
    stop: threading.Event | None = None,
    abort: threading.Event | None = None,
) -> RosterRun:
    """Build the roster with CP-SAT, tabulate coverage, and check it with the rule checker.

    With ``targets`` the coverage table gets the expected service level per channel and
    interval from the staffing engine, and the summary the volume-weighted week figure.
    ``notes`` (e.g. about the input files) are added to the summary's. ``stop``, when set,
    ends the search with the best roster found so far (see :func:`~scheduling.roster.solve`);
    ``abort``, when set during the greedy start, ends it there with
    :class:`~scheduling.errors.SolveAborted` (a cancelled job passes its stop event as both).
    ``fixed`` (a roster frame) holds single shifts every solution keeps (locked shifts).

    ``time_limit_s`` is the wall time of the whole step: the solver gets it less what building
    the problem took and a reserve for what comes after the search (rests polished, coverage,
    expected service level, rule check; :func:`after_search_reserve_s`). The LP bound on
    under-staffing is solved beside the search within the same limit; when it is not ready by
    then the summary has none (and a note says so).
    """
    t_start = time.perf_counter()
    problem = build_problem(
        requirements,
        list(agents),
        rules,
        tz=tz,
        previous=previous_shifts(previous) if previous is not None else (),
        lock_previous=lock_previous,
        fixed=previous_shifts(fixed) if fixed is not None and not fixed.empty else (),
    )
    problem, weight_notes = _under_staffing_weights(problem, requirements, targets)
    deadline = t_start + time_limit_s
    search_s = deadline - time.perf_counter() - after_search_reserve_s(problem, time_limit_s)
    search_s = max(0.1, search_s)
    # the summary's LP bound is solved beside the search (HiGHS releases the GIL), not after it,
    # within the same limit, once the greedy start is built (building an LP in Python beside it
    # would slow it down); the pool is not joined (the LP ends at its own time limit)
    greedy_done = threading.Event()

    def lp_under_when_greedy_done() -> float | None:
        greedy_done.wait(max(0.0, deadline - time.perf_counter()))
        left = deadline - time.perf_counter()
        stopped = stop is not None and stop.is_set()
        return None if left < 1.0 or stopped else lp_under_staffing_bound(problem, left)

    def on_progress(p: Progress) -> None:
        greedy_done.set()  # the first report is the greedy start's
        if progress is not None:
            progress(p)

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lp-under")
    lp_future = pool.submit(lp_under_when_greedy_done)
    pool.shutdown(wait=False)
    try:
        solution = solve(
            problem,
            SolverOptions(time_limit_s=search_s, seed=seed),
            progress=on_progress,
            stop=stop,
            abort=abort,
        )
    finally:
        greedy_done.set()
    lp_under: float | None = None
    lp_notes: tuple[Note, ...] = ()
    if not (stop is not None and stop.is_set()):
        try:
            lp_under = lp_future.result(timeout=max(0.0, deadline - time.perf_counter()) + 0.5)
        except FutureTimeout:
            pass
        if lp_under is None:
            lp_notes = (
                Note(
                    "lp_under_late",
                    "the LP bound on under-staffing was not ready within the time limit",
                ),
            )
    elif lp_future.done():
        lp_under = lp_future.result()
    frame = roster_frame(list(solution.shifts))
    coverage = coverage_table(problem, frame)
    week_sl: dict[str, float] = {}
    if targets is not None:
        coverage, week_sl = expected_service(
            coverage, frame, requirements, problem.interval_min, targets
        )
    violations = check_roster(
        frame, agents, rules, problem.dates, previous=previous, lock_previous=lock_previous
    )
    summary = roster_summary(
        problem,
        solution,
        coverage,
        violations=len(violations),
        lp_bound_under_h=None if lp_under is None else round(lp_under, 2),
        requirements=requirements,
    )
    summary = dataclasses.replace(
        summary,
        expected_service_level_week=week_sl or None,
        notes=(*summary.notes, *notes, *weight_notes, *lp_notes),
    )
    return RosterRun(
        roster=frame,
        coverage=coverage,
        summary=summary,
        violations=tuple(violations),
        dates=tuple(problem.dates),
        shifts=tuple(solution.shifts),
    )


def after_search_reserve_s(problem: RosterProblem, time_limit_s: float) -> float:
    """Seconds kept from a roster step's time limit for the work after the search.

    Polishing rests, building the shifts, coverage, expected service level and the rule check
    take about 10 ms per agent on a 2-core machine (1.2 s for the demo's 120 agents); a job
    then also saves the roster. Half a second plus 20 ms per agent, at most 30 % of the limit.
    """
    return min(0.3 * time_limit_s, 0.5 + 0.02 * len(problem.agents))


def roster_coverage(
    roster: pd.DataFrame,
    requirements: pd.DataFrame,
    agents: Sequence[Agent],
    rules: RosterRules,
    *,
    tz: str = DEFAULT_TZ,
    targets: Targets | None = None,
) -> tuple[pd.DataFrame, dict[str, float], tuple[dt.date, ...], int]:
    """Coverage of a roster frame that was not just solved (e.g. edited by hand).

    Returns
    -------
    tuple
        The coverage table (with the expected service level when ``targets`` are given), the
        week's service level per channel, the planned dates and the interval length.
    """
    problem = build_problem(requirements, list(agents), rules, tz=tz)
    coverage = coverage_table(problem, roster)
    week_sl: dict[str, float] = {}
    if targets is not None and {"volume", "aht_s"} <= set(requirements.columns):
        coverage, week_sl = expected_service(
            coverage, roster, requirements, problem.interval_min, targets
        )
    return coverage, week_sl, tuple(problem.dates), problem.interval_min


def _under_staffing_weights(
    problem: RosterProblem, requirements: pd.DataFrame, targets: Targets | None
) -> tuple[RosterProblem, tuple[str, ...]]:
    """The problem with the under-staffing weights the rules ask for, and notes.

    With ``weights.under_staffing_from = "service_level"``: the problem with under-staffing
    weights from the service level lost, or the problem as it is and a note saying why the
    fixed weights stay.
    """
    if problem.rules.weights.under_staffing_from != "service_level":
        return problem, ()
    if targets is not None and {"volume", "aht_s"} <= set(requirements.columns):
        return with_service_level_weights(problem, requirements, targets), ()
    return problem, (
        'fixed under-staffing weights: weights.under_staffing_from = "service_level" '
        "needs the service targets (--targets) and requirements with volume and aht_s",
    )


def expected_service(
    coverage: pd.DataFrame,
    roster: pd.DataFrame,
    requirements: pd.DataFrame,
    interval_min: int,
    targets: Targets,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Add the staffing engine's expected service level per interval to a coverage table.

    Returns the extended table and the week's volume-weighted service level per channel.
    """
    scheduled = roster_to_scheduled(roster, coverage["interval_start"], interval_min)
    demand = requirements[["channel", "queue", "interval_start", "volume", "aht_s"]]
    result = evaluate_staffing(scheduled, demand, targets, interval_min)
    per_interval = result.groupby(["channel", "interval_start"], as_index=False).agg(
        volume=("volume", "sum"), service_level=("service_level", "mean")
    )
    weighted = result.assign(w=result["service_level"] * result["volume"]).dropna(subset=["w"])
    sums = weighted.groupby("channel")[["w", "volume"]].sum()
    week_sl = {
        str(c): round(float(r["w"] / r["volume"]), 4) for c, r in sums.iterrows() if r["volume"] > 0
    }
    extended = coverage.merge(per_interval, on=["channel", "interval_start"], how="left")
    return extended, week_sl


# -------------------------------------------------------------------------------------------
# the whole pipeline


@dataclass(frozen=True, slots=True)
class PipelineInputs:
    """Files and options of one full run."""

    history_csv: Path
    targets_toml: Path
    agents_csv: Path
    rules_toml: Path
    out_dir: Path
    events_csv: Path | None = None
    overrides_csv: Path | None = None
    start: dt.date | None = None
    days: int = 7
    tz: str = DEFAULT_TZ
    country: str = DEFAULT_COUNTRY
    origins: int = 4
    jobs: int = 1
    time_limit_s: float = 60.0
    seed: int = 0
    entities_toml: Path | None = None


@dataclass(frozen=True, slots=True)
class PipelineResult:
    """What a full run produced: the frames, the roster run and the files written."""

    forecast: ForecastRun
    requirements: pd.DataFrame
    roster: RosterRun
    files: dict[str, Path]
    timings_s: dict[str, float] = field(default_factory=dict)


def run_pipeline(
    inputs: PipelineInputs,
    *,
    say: Callable[[str], None] | None = None,
    solver_progress: Callable[[Progress], None] | None = None,
    stop: threading.Event | None = None,
    on_step: Callable[[str], None] | None = None,
) -> PipelineResult:
    """Forecast, staff, roster and check; write every file into ``inputs.out_dir``.

    Inputs are all read and validated before any output is written; each output file is
    written atomically. :func:`compute_pipeline` and :func:`write_pipeline` are the two halves.
    """
    result = compute_pipeline(
        inputs, say=say, solver_progress=solver_progress, stop=stop, on_step=on_step
    )
    write_pipeline(result)
    return result


def check_center_files(
    targets_toml: Path, agents_csv: Path, rules_toml: Path, events_csv: Path | None = None
) -> tuple[Targets, AgentsFile, RosterRules]:
    """Read and validate a center's small files, and check the contracts against the rules.

    The first thing a whole run does (here and in ``wfm demo``'s web instance), so that a bad
    file or an impossible contract fails before any forecast is computed or anything written.

    Returns
    -------
    tuple of Targets, AgentsFile and RosterRules
        The validated targets, agents and rules (the events are only validated).

    Raises
    ------
    wfmcore.errors.InputError
        A file is malformed (the message names file, row and column).
    scheduling.errors.InfeasibleError
        An agent's contract cannot hold under the rules (the message names agent and rule).
    """
    targets = load_targets(targets_toml)
    agents_file = read_agents(agents_csv)
    rules = load_rules(rules_toml)
    check_contracts(agents_file.agents, rules, channels=targets.names)
    if events_csv is not None:
        load_events(events_csv)
    return targets, agents_file, rules


def compute_pipeline(
    inputs: PipelineInputs,
    *,
    say: Callable[[str], None] | None = None,
    solver_progress: Callable[[Progress], None] | None = None,
    stop: threading.Event | None = None,
    on_step: Callable[[str], None] | None = None,
) -> PipelineResult:
    """Forecast, staff, roster and check, writing nothing (see :func:`write_pipeline`).

    The small inputs (targets, agents, rules) are read first, and the agents' contracts checked
    against the rules (:func:`~scheduling.roster.feasibility.check_contracts`), so that a bad
    file or an impossible contract fails before the forecast. ``on_step`` is called with
    ``"forecast"``, ``"staff"`` and ``"roster"`` as each step starts; ``stop``, when set during
    the roster step, ends the search with the best roster found so far.
    """
    say = say or (lambda _msg: None)
    step = on_step or (lambda _name: None)
    timings: dict[str, float] = {}
    # read every small input first, so a bad agents/rules/targets file fails before the work
    targets, agents_file, rules = check_center_files(
        inputs.targets_toml, inputs.agents_csv, inputs.rules_toml, inputs.events_csv
    )
    entities = None
    if inputs.entities_toml is not None:
        from scheduling.staffing import queue_targets
        from wfmcore.entities import read_entities

        entities = read_entities(inputs.entities_toml)
        queue_targets(targets, entities)  # a bad override fails here, before the work

    step("forecast")
    t0 = time.perf_counter()
    say(f"forecasting {inputs.history_csv.name} ...")
    fc = _forecast(inputs)
    timings["forecast"] = time.perf_counter() - t0

    step("staff")
    t0 = time.perf_counter()
    say("staffing ...")
    requirements = compute_requirements(
        fc.result.forecast, targets, fc.result.interval_min, entities=entities
    )
    timings["staff"] = time.perf_counter() - t0

    step("roster")
    t0 = time.perf_counter()
    say(f"rostering {len(agents_file.agents)} agents (time limit {inputs.time_limit_s:g} s) ...")
    run = roster_step(
        requirements,
        agents_file.agents,
        rules,
        tz=inputs.tz,
        targets=targets,
        time_limit_s=inputs.time_limit_s,
        seed=inputs.seed,
        progress=solver_progress,
        notes=agents_file.notes,
        stop=stop,
    )
    timings["roster"] = time.perf_counter() - t0

    out = inputs.out_dir
    files = {
        "forecast": out / "forecast.csv",
        "accuracy": out / "forecast.accuracy.csv",
        "requirements": out / "requirements.csv",
        "roster": out / "roster.csv",
        "coverage": out / "roster.coverage.csv",
        "summary": out / "roster.summary.json",
        "report": out / "summary.txt",
    }
    return PipelineResult(
        forecast=fc, requirements=requirements, roster=run, files=files, timings_s=timings
    )


def write_pipeline(result: PipelineResult) -> None:
    """Write every output of a computed run into the paths of ``result.files``, each atomically."""
    _write_files(result)


def _forecast(inputs: PipelineInputs) -> ForecastRun:
    """:func:`forecast_step` with a full run's files and options."""
    return forecast_step(
        inputs.history_csv,
        tz=inputs.tz,
        country=inputs.country,
        start=inputs.start,
        days=inputs.days,
        origins=inputs.origins,
        jobs=inputs.jobs,
        events_csv=inputs.events_csv,
        overrides_csv=inputs.overrides_csv,
        targets_toml=inputs.targets_toml,
        entities_toml=inputs.entities_toml,
    )


def _write_files(result: PipelineResult) -> None:
    """Write every output of a run into the paths of ``result.files``, each atomically."""
    files, run = result.files, result.roster
    write_csv(result.forecast.result.forecast, files["forecast"])
    write_csv(result.forecast.result.accuracy, files["accuracy"])
    write_csv(result.requirements, files["requirements"])
    write_csv(run.roster, files["roster"])
    write_csv(run.coverage, files["coverage"])
    write_text(summary_json(run.summary), files["summary"])
    write_text(pipeline_report(result), files["report"])


def summary_json(summary: RosterSummary) -> str:
    """The text of ``ROSTER.summary.json``: :meth:`RosterSummary.to_dict`, indented."""
    return json.dumps(summary.to_dict(), indent=2, allow_nan=False) + "\n"


def pipeline_report(result: PipelineResult) -> str:
    """A planner-readable summary of a full run."""
    from forecasting.engine import summary_table

    fc = result.forecast.result
    req = result.requirements
    lines = ["== Forecast accuracy (rolling-origin backtest; ratio = vs seasonal naive) =="]
    lines.append(summary_table(fc.accuracy))
    lines.append("")
    lines.append("== Agents needed per channel and day (peak agents / staff hours) ==")
    hours = fc.interval_min / 60
    daily = req.assign(day=req["interval_start"].dt.strftime("%a %Y-%m-%d"))
    table = daily.groupby(["day", "channel"], sort=False).agg(
        volume=("volume", "sum"), peak_agents=("agents", "max"), staff=("staff", "sum")
    )
    table["staff_h"] = (table.pop("staff") * hours).round(1)
    table["volume"] = table["volume"].round(0).astype("int64")
    lines.append(table.unstack("channel").to_string())
    lines.append("")
    lines.append("== Roster ==")
    lines.append(format_summary(result.roster.summary))
    sl = result.roster.summary.expected_service_level_week or {}
    if sl:
        lines.append(
            "expected weekly service level: "
            + ", ".join(f"{c} {v:.1%}" for c, v in sorted(sl.items()))
        )
    lines.append("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in result.timings_s.items()))
    return "\n".join(lines) + "\n"
