"""``wfm demo``: the whole pipeline on the bundled demo center."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from web.cli._interrupt import Interrupts
from web.cli._options import (
    jobs_option,
    output_folder_option,
    progress_printer,
    quiet_option,
    seed_option,
    time_limit_option,
)

if TYPE_CHECKING:
    from web.demo import DemoCenterFiles


@click.command("demo")
@click.option(
    "--no-serve",
    is_flag=True,
    help="Only the command-line run: compute the week into --output and print the summary "
    "(no instance, no server).",
)
@click.option(
    "--instance",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("wfm-demo"),
    show_default=True,
    help="Demo instance folder to create (database, secret key); an earlier demo there is "
    "replaced, anything else only with --force.",
)
@click.option("--force", is_flag=True, help="Replace --instance even if it is not a demo.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@output_folder_option(
    "-o",
    "--output",
    "out_dir",
    default=Path("out/demo"),
    help="Folder for every file the run writes.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Data folder laid out like the repository's data/ (targets.toml, rules.toml, "
    "agents.csv, events.csv, generated/history.csv); default: the installed demo center, "
    "with its history drawn into --output.",
)
@click.option(
    "--origins",
    type=click.IntRange(0, 52),
    default=4,
    show_default=True,
    help="Backtest weeks for forecast selection and accuracy.",
)
@jobs_option(2, help="Parallel forecasting workers (-1 = all cores).")
@time_limit_option
@seed_option
@quiet_option
def demo_command(
    no_serve: bool,
    instance: Path,
    force: bool,
    host: str,
    port: int,
    out_dir: Path,
    data_dir: Path | None,
    origins: int,
    jobs: int,
    time_limit_s: float,
    seed: int,
    quiet: bool,
) -> None:
    """The demo center's week in the web app: a fresh instance, served with its sign-ins.

    Creates --instance, loads the demo center (history, agents, targets, rules, events),
    forecasts, staffs and rosters the next week as jobs (progress on the terminal), creates one
    user per role with a random password (printed once), then serves the app on
    http://HOST:PORT until Ctrl+C.

    With --no-serve it is the command-line run instead, files only (no instance): it draws the
    demo history into --output on first use (history.csv, seeded; reused while it is up to
    date), forecasts the week after the history ends (Mon 2026-11-30 .. Sun 2026-12-06,
    with UAE National Day), staffs it with the demo center's targets.toml, rosters its
    agents (agents.csv) under its rules.toml, checks the roster with the independent rule
    checker, and writes forecast, accuracy, requirements, roster, coverage and summary files
    into --output. The demo center's files are installed with contact-wfm (data/ in the
    repository); --data-dir runs the same on another folder laid out like it.

    Ctrl-C while rostering stops the search and keeps the best roster so far (the files are
    written as after the time limit); a second Ctrl-C, or one before the roster search,
    aborts at once, writing nothing (exit status 130).
    """
    if not no_serve:
        _serve_demo(
            instance,
            force=force,
            host=host,
            port=port,
            out_dir=out_dir,
            data_dir=data_dir,
            origins=origins,
            jobs=jobs,
            time_limit_s=time_limit_s,
            seed=seed,
            quiet=quiet,
        )
        return
    from web.pipeline import PipelineInputs, compute_pipeline, write_pipeline

    say = _sayer(quiet)
    with contextlib.ExitStack() as stack:
        interrupts = stack.enter_context(Interrupts(lambda m: click.echo(m, err=True)))
        files, history = _center(stack, data_dir, out_dir, say)
        inputs = PipelineInputs(
            history_csv=history,
            targets_toml=files.targets_toml,
            agents_csv=files.agents_csv,
            rules_toml=files.rules_toml,
            events_csv=files.events_csv,
            out_dir=out_dir,
            origins=origins,
            jobs=jobs,
            time_limit_s=time_limit_s,
            seed=seed,
            entities_toml=files.entities_toml,
        )

        solver_progress = progress_printer(lambda line: say(f"  {line}"))
        started = dt.datetime.now()

        def on_step(name: str) -> None:
            interrupts.searching = name == "roster"

        result = interrupts.run(
            compute_pipeline,
            inputs,
            say=say,
            solver_progress=solver_progress,
            stop=interrupts.stop,
            on_step=on_step,
        )
        write_pipeline(result)
    if not quiet:
        click.echo(result.files["report"].read_text(encoding="utf-8"))
        click.echo(f"files written to {out_dir}/:")
        for path in result.files.values():
            click.echo(f"  {path.name}")
        elapsed = (dt.datetime.now() - started).total_seconds()
        click.echo(f"done in {elapsed:.0f} s")
    if result.roster.violations:
        for v in result.roster.violations:
            click.echo(f"violation: {v}", err=True)
        raise click.exceptions.Exit(1)


def _serve_demo(
    instance: Path,
    *,
    force: bool,
    host: str,
    port: int,
    out_dir: Path,
    data_dir: Path | None,
    origins: int,
    jobs: int,
    time_limit_s: float,
    seed: int,
    quiet: bool,
    serve: bool = True,
) -> dict[str, str]:
    """Build a demo instance and (unless ``serve`` is false) serve it; returns the sign-ins."""
    from web.app.demo import build_demo_instance, prepare_instance
    from web.cli._serve import check_port, is_loopback, make_app, serve_app, upgrade_database
    from web.demo.synthetic import coming_monday
    from web.pipeline import check_center_files

    say = _sayer(quiet)
    cookie = {"COOKIE_SECURE": False} if is_loopback(host) else {}
    with contextlib.ExitStack() as stack:
        files, history = _center(stack, data_dir, out_dir, say, week_start=coming_monday())
        if data_dir is not None:  # the installed demo center's files are known to be good
            check_center_files(
                files.targets_toml, files.agents_csv, files.rules_toml, files.events_csv
            )
        if serve:
            check_port(host, port)
        folder = prepare_instance(instance, force=force)
        say(f"creating the demo instance in {folder}")
        setup = make_app(folder, JOB_WORKER="off", **cookie)
        upgrade_database(setup)
        logins = build_demo_instance(
            setup,
            files,
            history,
            origins=origins,
            jobs=jobs,
            time_limit_s=time_limit_s,
            seed=seed,
            say=say,
        )
    click.echo("")
    click.echo("Demo sign-ins (shown once; `wfm users create NAME --role ROLE` resets one):")
    for role, password in logins.items():
        click.echo(f"  {role:<8} password {password}")
    if serve:
        click.echo(f"Open http://{host}:{port}/ and sign in as planner.")
        serve_app(make_app(folder, **cookie), host, port)
    return logins


def _sayer(quiet: bool) -> Callable[[str], None]:
    """Print progress messages on stderr, or nothing with ``--quiet``."""
    return (lambda _m: None) if quiet else (lambda m: click.echo(m, err=True))


def _center(
    stack: contextlib.ExitStack,
    data_dir: Path | None,
    out_dir: Path,
    say: Callable[[str], None],
    *,
    week_start: dt.date | None = None,
) -> tuple[DemoCenterFiles, Path]:
    """The center's files and its history: the installed demo's, or those of ``--data-dir``.

    The demo's history is drawn into ``out_dir`` on first use; a ``--data-dir`` must hold
    ``generated/history.csv``. The installed files stay available until ``stack`` closes.

    With ``week_start`` (the served demo: the coming week's Monday) the demo's history ends the
    day before it and its agents' unavailable days fall in that week (``history-live.csv``
    and ``agents-live.csv`` in ``out_dir``, drawn with the same seeds); without it (``--no-serve``)
    the dates are the fixed ones of the demo center's files (week of Mon 2026-11-30). A
    ``--data-dir`` keeps its own dates.
    """
    from web.demo import DemoCenterFiles, demo_center_files
    from web.demo.synthetic import (
        demo_history_is_current,
        ensure_demo_history,
        write_demo_agents,
    )

    if data_dir is None:
        files = stack.enter_context(demo_center_files())
        history = out_dir / ("history.csv" if week_start is None else "history-live.csv")
        end = None if week_start is None else week_start - dt.timedelta(days=1)
        if not demo_history_is_current(history, end):
            say(f"drawing the demo history into {history} (up to {end or 'its end'}) ...")
        ensure_demo_history(history, end=end)
        if week_start is not None:
            agents = write_demo_agents(out_dir / "agents-live.csv", week_start=week_start)
            files = dataclasses.replace(files, agents_csv=agents)
        return files, history
    history = data_dir / "generated" / "history.csv"
    if not history.is_file():
        raise click.UsageError(f"{history} not found (a --data-dir needs generated/history.csv)")
    return DemoCenterFiles.in_folder(data_dir), history


COMMANDS: list[click.Command] = [demo_command]
