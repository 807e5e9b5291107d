"""``wfm demo``: the whole pipeline on the bundled demo center."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from web.cli._options import progress_printer, quiet_option, seed_option, time_limit_option


@click.command("demo")
@click.option(
    "--no-serve",
    is_flag=True,
    help="Stop after computing (the web app is not part of this version yet, so this is "
    "what happens either way).",
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out/demo"),
    show_default=True,
    help="Folder for every file the run writes.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Data folder laid out like the repository's data/ (targets.toml, rules.toml, "
    "agents.csv, events.csv, generated/history.csv); default: the bundled demo center.",
)
@click.option(
    "--origins",
    type=click.IntRange(0, 52),
    default=4,
    show_default=True,
    help="Backtest weeks for forecast selection and accuracy.",
)
@click.option(
    "--jobs", type=int, default=2, show_default=True, help="Parallel forecasting workers."
)
@time_limit_option
@seed_option
@quiet_option
def demo_command(
    no_serve: bool,
    out_dir: Path,
    data_dir: Path | None,
    origins: int,
    jobs: int,
    time_limit_s: float,
    seed: int,
    quiet: bool,
) -> None:
    """Run the whole pipeline on the demo center and print a summary.

    Draws the demo history on first use (data/generated/, seeded), forecasts the week after the
    history ends (Mon 2026-11-30 .. Sun 2026-12-06, with UAE National Day), staffs it with
    data/targets.toml, rosters the 120 agents of data/agents.csv under data/rules.toml, checks
    the roster with the independent rule checker, and writes forecast, accuracy, requirements,
    roster, coverage and summary files into --output.
    """
    from web.demo.synthetic import ensure_demo_history
    from web.pipeline import DEMO_DIR, PipelineInputs, run_pipeline

    data = data_dir or DEMO_DIR
    say = (lambda _m: None) if quiet else (lambda m: click.echo(m, err=True))
    history = data / "generated" / "history.csv"
    if data_dir is None:
        if not history.exists():
            say(f"drawing the demo history into {history} (first run only) ...")
        ensure_demo_history(history)
    elif not history.is_file():
        raise click.UsageError(f"{history} not found (a --data-dir needs generated/history.csv)")
    inputs = PipelineInputs(
        history_csv=history,
        targets_toml=data / "targets.toml",
        agents_csv=data / "agents.csv",
        rules_toml=data / "rules.toml",
        events_csv=data / "events.csv",
        out_dir=out_dir,
        origins=origins,
        jobs=jobs,
        time_limit_s=time_limit_s,
        seed=seed,
    )

    solver_progress = progress_printer(lambda line: say(f"  {line}"))

    started = dt.datetime.now()
    result = run_pipeline(inputs, say=say, solver_progress=solver_progress)
    if not quiet:
        click.echo(result.files["report"].read_text(encoding="utf-8"))
        click.echo(f"files written to {out_dir}/:")
        for path in result.files.values():
            click.echo(f"  {path.name}")
        elapsed = (dt.datetime.now() - started).total_seconds()
        click.echo(f"done in {elapsed:.0f} s")
        if not no_serve:
            click.echo("(the web app is not part of this version yet; nothing to serve)")
    if result.roster.violations:
        for v in result.roster.violations:
            click.echo(f"violation: {v}", err=True)
        raise click.exceptions.Exit(1)


COMMANDS: list[click.Command] = [demo_command]
