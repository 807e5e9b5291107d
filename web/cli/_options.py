"""Options shared by several verbs, spelled the same everywhere (see README, "Common options")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from scheduling.roster.solve import Progress
from wfmcore.defaults import DEFAULT_COUNTRY, DEFAULT_TZ

F = TypeVar("F", bound=Callable[..., object])


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date as YYYY-MM-DD, got {value!r}") from None


start_option = click.option(
    "--start", callback=_date, metavar="YYYY-MM-DD", help="First day to plan."
)
days_option = click.option(
    "--days", type=click.IntRange(1, 366), default=7, show_default=True, help="Days to plan."
)
interval_option = click.option(
    "--interval",
    "interval_min",
    type=click.Choice(["15", "30", "60"]),
    default=None,
    help="Interval length in minutes (default: that of the input).",
)
country_option = click.option(
    "--country", default=DEFAULT_COUNTRY, show_default=True, help="Holiday calendar country code."
)
tz_option = click.option(
    "--tz", default=DEFAULT_TZ, show_default=True, help="Time zone of wall-clock times."
)
time_limit_option = click.option(
    "--time-limit",
    "time_limit_s",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Solver time limit in seconds.",
)
seed_option = click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
quiet_option = click.option("--quiet", is_flag=True, help="Print only errors.")


def output_option(required: bool = True, help: str = "Output file.") -> Callable[[F], F]:
    """``-o/--output PATH``."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        required=required,
        help=help,
    )


def progress_printer(
    echo: Callable[[str], None], every_s: float = 2.0
) -> Callable[[Progress], None]:
    """A solver-progress callback that prints through *echo*.

    It prints the greedy start, then at most one improving solution per ``every_s`` seconds of
    solver time (the search may find hundreds).
    """
    shown = [-float("inf")]

    def show(p: Progress) -> None:
        if p.phase == "greedy":
            echo(f"[{p.wall_time_s:6.1f} s] greedy start ready: objective {p.objective:.1f}")
            return
        if p.wall_time_s - shown[0] < every_s:
            return
        shown[0] = p.wall_time_s
        echo(
            f"[{p.wall_time_s:6.1f} s] solution {p.solutions}: objective "
            f"{p.objective:.1f}, bound {p.best_bound:.1f}"
        )

    return show
