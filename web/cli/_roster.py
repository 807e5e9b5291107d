"""``wfm roster``: build a weekly roster with CP-SAT, or check one (``--check``)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
import pandas as pd

from scheduling._lp_bound import lp_under_staffing_bound
from scheduling.agents import read_agents
from scheduling.errors import InputError
from scheduling.evaluate import evaluate_staffing, roster_to_scheduled
from scheduling.roster_check import check_roster
from scheduling.roster_io import (
    coverage_table,
    format_summary,
    previous_shifts,
    read_requirements,
    read_roster,
    roster_frame,
    roster_summary,
)
from scheduling.roster_problem import build_problem
from scheduling.roster_solve import Progress, SolverOptions, solve
from scheduling.rules import load_rules
from scheduling.targets import load_targets
from web._io import write_csv, write_text
from web.cli._options import (
    days_option,
    output_option,
    quiet_option,
    seed_option,
    start_option,
    time_limit_option,
    tz_option,
)

_FILE = click.Path(dir_okay=False, path_type=Path)


def _side_paths(roster: Path) -> tuple[Path, Path]:
    base = roster.with_suffix("") if roster.suffix.lower() == ".csv" else roster
    return base.with_name(base.name + ".coverage.csv"), base.with_name(base.name + ".summary.json")


def _add_service_levels(
    coverage: pd.DataFrame,
    roster: pd.DataFrame,
    req: pd.DataFrame,
    interval_min: int,
    targets_path: Path,
    notes: list[str],
) -> pd.DataFrame:
    """Expected service level per interval from the staffing engine (``scheduling.evaluate``)."""
    if not {"volume", "aht_s"} <= set(req.columns):
        notes.append("expected service level not computed: requirements lack volume/aht_s")
        return coverage
    targets = load_targets(targets_path)
    scheduled = roster_to_scheduled(roster, coverage["interval_start"], interval_min)
    demand = req[["channel", "queue", "interval_start", "volume", "aht_s"]]
    result = evaluate_staffing(scheduled, demand, targets, interval_min)
    sl = result.groupby(["channel", "interval_start"], as_index=False).agg(
        volume=("volume", "sum"), service_level=("service_level", "mean")
    )
    return coverage.merge(sl, on=["channel", "interval_start"], how="left")


@click.command("roster")
@click.argument("requirements", type=_FILE, required=False)
@click.option("--agents", "agents_path", type=_FILE, required=True, help="agents.csv")
@click.option("--rules", "rules_path", type=_FILE, required=True, help="rules.toml")
@output_option(required=False, help="Roster CSV to write (coverage and summary go beside it).")
@click.option(
    "--previous",
    "previous_path",
    type=_FILE,
    help="Previous/published roster: rest and consecutive days across the week "
    "boundary; its shifts in the week change as little as possible.",
)
@click.option("--lock-previous", is_flag=True, help="Keep the previous roster's shifts exactly.")
@click.option(
    "--targets",
    "targets_path",
    type=_FILE,
    help="targets.toml: add the expected service level to the coverage table.",
)
@click.option(
    "--check",
    "check_path",
    type=_FILE,
    help="Check ROSTER.csv against every hard rule instead of building one.",
)
@start_option
@days_option
@tz_option
@time_limit_option
@seed_option
@quiet_option
def roster_command(
    requirements: Path | None,
    agents_path: Path,
    rules_path: Path,
    output: Path | None,
    previous_path: Path | None,
    lock_previous: bool,
    targets_path: Path | None,
    check_path: Path | None,
    start: dt.date | None,
    days: int,
    tz: str,
    time_limit_s: float,
    seed: int,
    quiet: bool,
) -> None:
    """Build the week's roster from REQUIREMENTS.csv (or --check a roster).

    \b
    wfm roster REQUIREMENTS.csv --agents AGENTS.csv --rules RULES.toml -o ROSTER.csv
    wfm roster --check ROSTER.csv --agents AGENTS.csv --rules RULES.toml [--start D --days N]

    Writes ROSTER.csv, ROSTER.coverage.csv and ROSTER.summary.json; prints solver progress
    (solutions, objective, bound) and a summary. Exit status: 0 ok, 1 rule violations in
    --check mode, 2 bad input, 3 hard rules cannot hold (the agents and rules are named).
    """
    notes: list[str] = []
    agents = read_agents(agents_path, notes)
    rules = load_rules(rules_path)
    previous = read_roster(previous_path, tz) if previous_path else None
    if check_path is not None:
        roster = read_roster(check_path, tz)
        if start is None:
            if roster.empty:
                raise InputError("empty roster: give --start", file=str(check_path))
            start = min(roster["date"])
        dates = [start + dt.timedelta(days=k) for k in range(days)]
        violations = check_roster(
            roster, agents, rules, dates, previous=previous, lock_previous=lock_previous
        )
        for v in violations:
            click.echo(str(v))
        if not quiet:
            click.echo(
                f"{check_path}: {len(violations)} violation(s) "
                f"({dates[0]}..{dates[-1]}, {len(agents)} agents)",
                err=True,
            )
        if violations:
            raise click.exceptions.Exit(1)
        return
    if requirements is None or output is None:
        raise click.UsageError("give REQUIREMENTS.csv and -o ROSTER.csv (or --check ROSTER.csv)")
    req = read_requirements(requirements, tz)
    problem = build_problem(
        req,
        agents,
        rules,
        tz=tz,
        previous=previous_shifts(previous) if previous is not None else (),
        lock_previous=lock_previous,
    )

    def show(p: Progress) -> None:
        if p.phase == "greedy":
            obj = "" if p.objective != p.objective else f": objective {p.objective:.1f}"
            click.echo(f"[{p.wall_time_s:6.1f} s] greedy start ready{obj}", err=True)
        else:
            bound = "" if p.best_bound != p.best_bound else f", bound {p.best_bound:.1f}"
            click.echo(
                f"[{p.wall_time_s:6.1f} s] {p.phase} solution {p.solutions}: objective "
                f"{p.objective:.1f}{bound}",
                err=True,
            )

    solution = solve(
        problem,
        SolverOptions(time_limit_s=time_limit_s, seed=seed),
        progress=None if quiet else show,
    )
    frame = roster_frame(list(solution.shifts))
    coverage = coverage_table(problem, frame)
    if targets_path is not None:
        coverage = _add_service_levels(
            coverage, frame, req, problem.interval_min, targets_path, notes
        )
    violations = check_roster(
        frame, agents, rules, problem.dates, previous=previous, lock_previous=lock_previous
    )
    lp_under = lp_under_staffing_bound(problem)
    summary = roster_summary(
        problem,
        solution,
        coverage,
        violations=len(violations),
        lp_bound_under_h=None if lp_under is None else round(lp_under, 2),
    )
    summary["notes"] += notes
    cov_path, sum_path = _side_paths(output)
    write_csv(frame, output)
    write_csv(coverage, cov_path)
    write_text(json.dumps(summary, indent=2, default=str) + "\n", sum_path)
    if not quiet:
        click.echo(format_summary(summary))
        for note in summary["notes"]:
            click.echo(f"note: {note}")
        click.echo(f"wrote {output}, {cov_path}, {sum_path}")
    for v in violations:  # never expected: the checker is independent of the model
        click.echo(f"violation: {v}", err=True)
    if violations:
        raise click.exceptions.Exit(1)


COMMANDS: list[click.Command] = [roster_command]
