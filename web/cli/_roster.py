"""``wfm roster``: build a weekly roster with CP-SAT, or check one (``--check``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import click
import pandas as pd

from scheduling.errors import InputError
from scheduling.roster.agents import Agent, read_agents
from scheduling.roster.check import check_roster
from scheduling.roster.feasibility import unknown_skills
from scheduling.roster.io import read_requirements, read_roster, select_days
from scheduling.roster.rules import RosterRules, load_rules
from scheduling.roster.summary import format_summary
from scheduling.staffing.targets import Targets, load_targets
from web.cli._interrupt import Interrupts
from web.cli._options import (
    INPUT_FILE,
    days_option,
    output_option,
    progress_printer,
    quiet_option,
    seed_option,
    start_option,
    time_limit_option,
    tz_option,
)
from web.pipeline import RosterRun, roster_step, summary_json
from wfmcore.io import check_writable, write_csv, write_text

_FILE = INPUT_FILE


def _side_paths(roster: Path) -> tuple[Path, Path]:
    base = roster.with_suffix("") if roster.suffix.lower() == ".csv" else roster
    return base.with_name(base.name + ".coverage.csv"), base.with_name(base.name + ".summary.json")


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
    (solutions, objective, bound) and a summary. --start (with --days) rosters those days of
    the requirements (refused when they do not cover them); default: the requirements' days.
    The first Ctrl-C stops the search and keeps the best roster so far (written as after the
    time limit); a second one aborts, writing nothing.

    Exit status: 0 ok, 1 rule violations in --check mode, 2 bad input, 3 hard rules cannot
    hold (the agents and rules are named), 130 aborted by Ctrl-C.
    """
    agents_file = read_agents(agents_path)
    rules = load_rules(rules_path)
    previous = read_roster(previous_path, tz) if previous_path else None
    if check_path is not None:
        _check(
            check_path,
            agents_file.agents,
            rules,
            start=start,
            days=days,
            tz=tz,
            previous=previous,
            lock_previous=lock_previous,
            quiet=quiet,
        )
        return
    if requirements is None or output is None:
        raise click.UsageError("give REQUIREMENTS.csv and -o ROSTER.csv (or --check ROSTER.csv)")
    for side in _side_paths(output):
        check_writable(side)
    req = read_requirements(requirements, tz)
    if start is None and _given("days"):
        start = min(req["interval_start"].dt.tz_convert(tz).dt.date)
    if start is not None:
        req = select_days(req, start, days, tz=tz, file=str(requirements))
    targets, target_notes = _targets(req, targets_path)
    skill_notes = unknown_skills(
        agents_file.agents,
        rules,
        sorted(set(req["channel"])),
        source=agents_file.source,
        rows=agents_file.rows,
    )
    for note in skill_notes:
        click.echo(f"warning: {note}", err=True)

    def echo(line: str) -> None:
        click.echo(line, err=True)

    show = progress_printer(echo)
    with Interrupts(echo) as interrupts:
        run = interrupts.run(
            roster_step,
            req,
            agents_file.agents,
            rules,
            searching=True,
            tz=tz,
            targets=targets,
            previous=previous,
            lock_previous=lock_previous,
            time_limit_s=time_limit_s,
            seed=seed,
            progress=None if quiet else show,
            notes=(*agents_file.notes, *skill_notes, *target_notes),
            stop=interrupts.stop,
        )
        _write(run, output, quiet)


def _given(name: str) -> bool:
    """Whether the option ``name`` was given on the command line (not its default)."""
    source = click.get_current_context().get_parameter_source(name)
    return source is not None and source != click.core.ParameterSource.DEFAULT


def _targets(req: pd.DataFrame, path: Path | None) -> tuple[Targets | None, tuple[str, ...]]:
    """The service targets for the expected service level, when the requirements allow it."""
    if path is None:
        return None, ()
    if not {"volume", "aht_s"} <= set(req.columns):
        return None, ("expected service level not computed: requirements lack volume/aht_s",)
    return load_targets(path), ()


def _write(run: RosterRun, output: Path, quiet: bool) -> None:
    """Write the roster, its coverage and summary; print the summary and notes."""
    cov_path, sum_path = _side_paths(output)
    write_csv(run.roster, output)
    write_csv(run.coverage, cov_path)
    write_text(summary_json(run.summary), sum_path)
    if not quiet:
        click.echo(format_summary(run.summary))
        for note in run.summary.notes:
            click.echo(f"note: {note}")
        click.echo(f"wrote {output}, {cov_path}, {sum_path}")
    for v in run.violations:  # never expected: the checker is independent of the model
        click.echo(f"violation: {v}", err=True)
    if run.violations:
        raise click.exceptions.Exit(1)


def _check(
    path: Path,
    agents: Sequence[Agent],
    rules: RosterRules,
    *,
    start: dt.date | None,
    days: int,
    tz: str,
    previous: pd.DataFrame | None,
    lock_previous: bool,
    quiet: bool,
) -> None:
    """``--check``: list every violation of the roster at ``path``; exit 1 when there is one.

    The roster is checked over ``days`` from ``start`` (default: the roster's first date).
    """
    roster = read_roster(path, tz)
    if start is None:
        if roster.empty:
            raise InputError("empty roster: give --start", file=str(path))
        start = min(roster["date"])
    dates = [start + dt.timedelta(days=k) for k in range(days)]
    violations = check_roster(
        roster, agents, rules, dates, previous=previous, lock_previous=lock_previous
    )
    for v in violations:
        click.echo(str(v))
    if not quiet:
        click.echo(
            f"{path}: {len(violations)} violation(s) "
            f"({dates[0]}..{dates[-1]}, {len(agents)} agents)",
            err=True,
        )
    if violations:
        raise click.exceptions.Exit(1)


COMMANDS: list[click.Command] = [roster_command]
