"""``wfm forecast``: fit, backtest, select and forecast a history file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import NoReturn

import click

from web.cli._options import (
    column_option,
    country_option,
    days_option,
    interval_option,
    jobs_option,
    keep_outliers_option,
    option_error,
    output_folder_option,
    output_option,
    quiet_option,
    start_option,
    tz_option,
)


def _models(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...] | None:
    """``auto`` (None) or the named models, each one the engine knows."""
    from forecasting.models import MODELS

    if value.strip().lower() == "auto":
        return None
    names = tuple(m.strip() for m in value.split(",") if m.strip())
    unknown = [m for m in names if m not in MODELS]
    if unknown or not names:
        raise option_error(
            param,
            f"unknown model {unknown[0] if unknown else value!r}; expected 'auto' or a comma "
            f"list of {', '.join(MODELS)}",
        )
    return names


def accuracy_path(output: Path) -> Path:
    """``FORECAST.accuracy.csv`` beside ``FORECAST.csv``."""
    return output.with_name(f"{output.stem}.accuracy.csv")


def reconciliation_path(output: Path) -> Path:
    """``FORECAST.reconciliation.csv`` beside ``FORECAST.csv``."""
    return output.with_name(f"{output.stem}.reconciliation.csv")


@click.command("forecast")
@click.argument("history_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@output_option(help="Forecast CSV to write (the accuracy report goes beside it).")
@start_option
@days_option
@interval_option
@click.option(
    "--models",
    default="auto",
    show_default=True,
    callback=_models,
    help="'auto' (seasonal_naive, seasonal_avg, profile, holt_winters, calendar) or a comma "
    "list of those and mstl.",
)
@column_option
@keep_outliers_option
@country_option
@tz_option
@click.option(
    "--events",
    "events_csv",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Planner events CSV (name,start,end[,effect]) for the calendar model.",
)
@click.option(
    "--overrides",
    "overrides_csv",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Overrides CSV (channel,queue,start,end,action,value,note) applied after the model.",
)
@click.option(
    "--targets",
    "targets_toml",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="targets.toml: its opening_hours make closed intervals zero.",
)
@click.option(
    "--origins",
    type=click.IntRange(0, 52),
    default=4,
    show_default=True,
    help="Rolling-origin backtest weeks (0 = no backtest).",
)
@click.option(
    "--entities",
    "entities_toml",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="entities.toml: reconcile the queues' forecasts with their entity, channel and "
    "center totals (the method is chosen by backtest); entities' own hours close their queues.",
)
@click.option(
    "--levels",
    "levels_csv",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="With --entities: write the forecast of every level (queue, entity, channel, center) "
    "to this CSV.",
)
@output_folder_option(
    "--plots",
    "plots_dir",
    help="Write a PNG per series (history tail, forecast, bands) into this folder.",
)
@jobs_option()
@click.option(
    "--dask",
    metavar="ADDRESS|local",
    envvar="WFM_DASK_SCHEDULER",
    show_envvar=True,
    default=None,
    help="Forecast the series on a Dask cluster: a scheduler address (tcp://host:8786) or "
    "'local' for a cluster of this machine's cores (pip install 'contact-wfm[dask]'); "
    "replaces --jobs. Same results as a local run.",
)
@quiet_option
def forecast_command(
    history_csv: Path,
    output: Path,
    start: dt.date | None,
    days: int,
    interval_min: str | None,
    models: tuple[str, ...] | None,
    columns: dict[str, str] | None,
    keep_outliers: bool,
    country: str,
    tz: str,
    events_csv: Path | None,
    overrides_csv: Path | None,
    targets_toml: Path | None,
    origins: int,
    entities_toml: Path | None,
    levels_csv: Path | None,
    plots_dir: Path | None,
    jobs: int,
    dask: str | None,
    quiet: bool,
) -> None:
    """Forecast contacts and AHT per channel, queue and interval.

    Backtests every model on the last --origins weeks (refit at each origin, one-week horizon),
    picks the best per series by WAPE (or the mean of the best two), calibrates 80 % / 95 %
    intervals on the backtest errors, and forecasts --days days from --start (default: the day
    after the history ends). Writes FORECAST.csv, FORECAST.accuracy.csv beside it, and prints
    the accuracy of the selected models. With --entities the forecasts are reconciled over the
    hierarchy and FORECAST.reconciliation.csv holds each method's backtest figures.
    """
    from tqdm import tqdm

    if levels_csv is not None and entities_toml is None:
        raise click.UsageError("--levels needs --entities (the hierarchy to forecast)")

    from forecasting.engine import summary_table
    from forecasting.history import History
    from web.pipeline import count_series, forecast_step
    from wfmcore.io import write_csv

    bars: list[tqdm[NoReturn]] = []  # manual bars: no iterable, so no item type

    def start_bar(history: History) -> None:
        bars.append(
            tqdm(
                total=count_series(history, entities_toml),
                desc="forecast",
                unit="series",
                disable=quiet,
            )
        )

    try:
        run = forecast_step(
            history_csv,
            tz=tz,
            country=country,
            start=start,
            days=days,
            interval_min=int(interval_min) if interval_min else None,
            models=models,
            origins=origins,
            jobs=jobs,
            dask=dask or None,
            events_csv=events_csv,
            overrides_csv=overrides_csv,
            targets_toml=targets_toml,
            columns=columns,
            keep_outliers=keep_outliers,
            progress=lambda n: bars[-1].update(n),
            on_history=start_bar,
            entities_toml=entities_toml,
        )
    finally:
        for bar in bars:
            bar.close()
    history, result = run.history, run.result
    write_csv(result.forecast, output)
    write_csv(result.accuracy, accuracy_path(output))
    if result.reconciliation is not None:
        write_csv(result.reconciliation.methods, reconciliation_path(output))
    if levels_csv is not None and result.levels is not None:
        write_csv(result.levels, levels_csv)
    if plots_dir is not None:
        from forecasting.plot import plot_forecasts

        plot_forecasts(history.frame, result.forecast, plots_dir)
    if not quiet:
        for warning in (*history.warnings, *result.warnings):
            click.echo(f"note: {warning}", err=True)
        click.echo(summary_table(result.accuracy))
        if result.reconciliation is not None:
            from forecasting.reconcile import reconciliation_table

            click.echo(reconciliation_table(result.reconciliation.methods))
        first = result.forecast["interval_start"].min()
        click.echo(
            f"wrote {output} ({len(result.forecast)} rows from {first.date()}) and "
            f"{accuracy_path(output)} in {result.elapsed_s:.1f} s"
        )
        if result.reconciliation is not None:
            also = f" and {levels_csv}" if levels_csv is not None else ""
            click.echo(
                f"reconciled by {result.reconciliation.method}; wrote "
                f"{reconciliation_path(output)}{also}"
            )


COMMANDS: list[click.Command] = [forecast_command]
