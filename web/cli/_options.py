"""Options shared by several verbs, spelled the same everywhere (see README, "Common options")."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from scheduling.roster.solve import Progress
from wfmcore.defaults import DEFAULT_COUNTRY, DEFAULT_TZ
from wfmcore.errors import ConfigError
from wfmcore.io import check_writable
from wfmcore.parse import check_tz

F = TypeVar("F", bound=Callable[..., object])

#: An input file: a folder is refused by click before any work (the readers say "not found").
INPUT_FILE = click.Path(dir_okay=False, path_type=Path)


class FiniteFloatRange(click.FloatRange):
    """A :class:`click.FloatRange` that also refuses ``nan`` and ``inf``.

    Both compare false with any bound, so a plain range lets ``nan`` through.
    """

    name = "finite float range"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


# Values the callbacks below refuse end as every other bad input does: one line
# ``error: --option: what; expected ...`` and exit status 2 (a ConfigError the group reports).
def option_error(param: click.Parameter, message: str) -> ConfigError:
    """A :class:`ConfigError` naming the option (its long name)."""
    names = list(getattr(param, "opts", None) or [param.name or "?"])
    return ConfigError(f"{max(names, key=len)}: {message}")


def tz_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An IANA time zone (``--tz``)."""
    if value is None:
        return None
    try:
        return check_tz(value)
    except ConfigError as exc:
        raise option_error(param, str(exc)) from None


def _writable_file(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """Check an output file can be written before any work starts."""
    if value is not None:
        try:
            check_writable(value)
        except ConfigError as exc:
            raise option_error(param, str(exc)) from None
    return value


def _writable_folder(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """Check an output folder can be written into before any work starts."""
    if value is not None:
        try:
            check_writable(value, folder=True)
        except ConfigError as exc:
            raise option_error(param, str(exc)) from None
    return value


def _columns(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> dict[str, str] | None:
    columns = {}
    for item in value:
        name, sep, target = item.partition("=")
        if not sep or not name.strip() or not target.strip():
            raise option_error(param, f"got {item!r}; expected FILE_NAME=NAME")
        columns[name.strip()] = target.strip()
    return columns or None


def _jobs(ctx: click.Context, param: click.Parameter, value: int) -> int:
    if value == 0:
        raise option_error(param, "got 0; expected a number of workers (1, 2, ...) or -1 for all")
    return value


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
    "--tz",
    default=DEFAULT_TZ,
    show_default=True,
    callback=tz_callback,
    help="Time zone of wall-clock times (an IANA name).",
)
time_limit_option = click.option(
    "--time-limit",
    "time_limit_s",
    type=FiniteFloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Wall time of the roster step in seconds (greedy start, search, bounds, check).",
)
seed_option = click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
quiet_option = click.option("--quiet", is_flag=True, help="Print only errors.")


column_option = click.option(
    "--column",
    "columns",
    multiple=True,
    metavar="FILE_NAME=NAME",
    callback=_columns,
    help="Map a column of the file to a history column, e.g. --column DateTime=interval_start "
    "--column Calls=offered (repeatable).",
)


def jobs_option(
    default: int = 1, help: str = "Parallel workers (-1 = all cores)."
) -> Callable[[F], F]:
    """``--jobs N``: parallel workers, ``-1`` for all cores (0 is refused)."""
    return click.option(
        "--jobs", type=int, default=default, show_default=True, callback=_jobs, help=help
    )


keep_outliers_option = click.option(
    "--keep-outliers",
    is_flag=True,
    help="Keep offered counts over 20 times their series' 99th percentile (by default they are "
    "named in a warning and imputed like missing intervals).",
)


def output_option(required: bool = True, help: str = "Output file.") -> Callable[[F], F]:
    """``-o/--output PATH``, checked writable before any work starts."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        required=required,
        callback=_writable_file,
        help=help,
    )


def output_folder_option(
    *names: str, default: Path | None = None, help: str = "Output folder."
) -> Callable[[F], F]:
    """An output folder option, checked writable before any work starts."""
    return click.option(
        *names,
        type=click.Path(file_okay=False, path_type=Path),
        default=default,
        show_default=default is not None,
        callback=_writable_folder,
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
        bound = "no bound yet" if math.isnan(p.best_bound) else f"bound {p.best_bound:.1f}"
        echo(
            f"[{p.wall_time_s:6.1f} s] solution {p.solutions}: objective {p.objective:.1f}, {bound}"
        )

    return show
