"""``wfm staff`` (forecast -> requirements) and ``wfm evaluate`` (staffing -> expected service)."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from scheduling.staffing.evaluate import (
    check_schedule,
    counts_at_interval,
    evaluate_staffing,
    read_schedule,
    roster_to_scheduled,
    simulate_staffing,
    summarize_evaluation,
)
from scheduling.staffing.requirements import (
    at_interval,
    check_channels,
    compute_requirements,
    read_forecast,
)
from scheduling.staffing.targets import load_targets
from web.cli._options import (
    INPUT_FILE,
    interval_option,
    output_option,
    quiet_option,
    seed_option,
    tz_option,
)
from wfmcore.io import write_csv

_TARGETS_HELP = "Service targets per channel (TOML; see data/targets.toml)."

aht_option = click.option(
    "--aht",
    "aht_s",
    type=click.FloatRange(min=0, min_open=True),
    help="AHT in seconds to assume where the forecast has none (a forecast from a history "
    "without aht_s).",
)


def _staff_summary(req: pd.DataFrame, interval_min: int) -> pd.DataFrame:
    f = req.copy()
    f["day"] = f["interval_start"].dt.strftime("%Y-%m-%d")
    hours = interval_min / 60.0
    f["w_sl"] = f["service_level"].fillna(0.0) * f["volume"]
    g = f.groupby(["channel", "day"], sort=True)
    out = g.agg(
        volume=("volume", "sum"),
        peak_agents=("agents", "max"),
        agents_sum=("agents", "sum"),
        staff_sum=("staff", "sum"),
        w_sl=("w_sl", "sum"),
    ).reset_index()
    out["agent_hours"] = (out.pop("agents_sum") * hours).round(1)
    out["staff_hours"] = (out.pop("staff_sum") * hours).round(1)
    w_sl = out.pop("w_sl")
    out["service_level"] = (w_sl / out["volume"].where(out["volume"] > 0)).round(3)
    out["volume"] = out["volume"].round(0).astype("int64")
    return out


@click.command("staff")
@click.argument("forecast_csv", type=INPUT_FILE)
@click.option(
    "--targets",
    "targets_toml",
    required=True,
    type=INPUT_FILE,
    help=_TARGETS_HELP,
)
@output_option(help="Requirements CSV to write.")
@aht_option
@interval_option
@tz_option
@quiet_option
def staff_command(
    forecast_csv: Path,
    targets_toml: Path,
    output: Path,
    aht_s: float | None,
    interval_min: str | None,
    tz: str,
    quiet: bool,
) -> None:
    """Agents and staff needed per channel and interval to meet the service targets.

    Reads FORECAST_CSV (channel, queue, interval_start, volume, aht_s) and writes the
    requirements (channel, queue, interval_start, volume, aht_s, agents, staff,
    service_level, asa_s, occupancy, abandon_rate); prints a per-channel, per-day summary.
    --interval is the forecast's own or a multiple of it (its volumes are summed); a finer one
    is refused. --aht gives the AHT where the forecast's aht_s is empty.
    """
    targets = load_targets(targets_toml)
    forecast = read_forecast(forecast_csv, tz=tz, aht_s=aht_s)
    check_channels(forecast, targets, file=str(forecast_csv), targets_file=str(targets_toml))
    forecast, minutes, notes = at_interval(
        forecast, int(interval_min) if interval_min else None, file=str(forecast_csv)
    )
    req = compute_requirements(forecast, targets, minutes)
    write_csv(req, output)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    if not quiet:
        click.echo(_staff_summary(req, minutes).to_string(index=False))
        click.echo(f"wrote {len(req)} rows to {output}")


@click.command("evaluate")
@click.argument("schedule_csv", type=INPUT_FILE)
@click.option(
    "--forecast",
    "forecast_csv",
    required=True,
    type=INPUT_FILE,
    help="Forecast (or requirements) CSV: volume and aht_s per interval.",
)
@click.option(
    "--targets",
    "targets_toml",
    required=True,
    type=INPUT_FILE,
    help=_TARGETS_HELP,
)
@output_option(required=False, help="Per-interval evaluation CSV to write.")
@click.option("--simulate", is_flag=True, help="Also run the discrete-event simulation.")
@click.option(
    "--replications",
    type=click.IntRange(2, 1000),
    default=10,
    show_default=True,
    help="Simulation replications (for the confidence intervals).",
)
@seed_option
@aht_option
@interval_option
@tz_option
@quiet_option
def evaluate_command(
    schedule_csv: Path,
    forecast_csv: Path,
    targets_toml: Path,
    output: Path | None,
    simulate: bool,
    replications: int,
    seed: int,
    aht_s: float | None,
    interval_min: str | None,
    tz: str,
    quiet: bool,
) -> None:
    """Expected service level, ASA, occupancy and abandonment of a roster or staffing.

    SCHEDULE_CSV is a roster (agent_id, date, activity, channel, start, end) or scheduled
    counts (channel, interval_start, agents). Prints per-day and per-week summaries;
    --simulate adds simulated values with 95 % confidence half-widths (the queue carries over
    between intervals in the simulation, not in the formulas). Work on a channel without
    targets or forecast, or counts outside the forecast's intervals, are refused (naming the
    row); a roster's work outside them (a last night shift ending the next day) is left out
    with a note of its minutes.
    --interval is the forecast's own or a multiple of it (volumes summed, counts averaged).
    """
    targets = load_targets(targets_toml)
    forecast = read_forecast(forecast_csv, tz=tz, aht_s=aht_s)
    check_channels(forecast, targets, file=str(forecast_csv), targets_file=str(targets_toml))
    kind, schedule = read_schedule(schedule_csv, tz=tz)
    forecast, minutes, notes = at_interval(
        forecast, int(interval_min) if interval_min else None, file=str(forecast_csv)
    )
    if kind == "counts":
        schedule = counts_at_interval(schedule, minutes, file=str(schedule_csv))
    notes = (
        *notes,
        *check_schedule(kind, schedule, forecast, targets, minutes, file=str(schedule_csv)),
    )
    for note in notes:
        click.echo(f"note: {note}", err=True)
    if kind == "roster":
        intervals = pd.DatetimeIndex(forecast["interval_start"].drop_duplicates())
        scheduled = roster_to_scheduled(schedule, intervals, minutes)
    else:
        scheduled = schedule
    frame = evaluate_staffing(scheduled, forecast, targets, minutes)
    if simulate:
        sim, sim_day = simulate_staffing(
            scheduled, forecast, targets, minutes, replications=replications, seed=seed
        )
        keys = ["channel", "queue", "interval_start"]
        sim_cols = sim[
            keys + ["service_level", "service_level_hw", "asa_s", "abandon_rate", "abandon_rate_hw"]
        ].rename(
            columns={
                "service_level": "sim_service_level",
                "service_level_hw": "sim_service_level_hw",
                "asa_s": "sim_asa_s",
                "abandon_rate": "sim_abandon_rate",
                "abandon_rate_hw": "sim_abandon_rate_hw",
            }
        )
        frame = frame.merge(sim_cols, on=keys, how="left")
    if output is not None:
        write_csv(frame, output)
    if quiet:
        return
    base_cols = ["volume", "service_level", "asa_s", "occupancy", "abandon_rate"]
    day = summarize_evaluation(frame, by="day")
    if simulate:
        day = day.merge(
            sim_day[["channel", "queue", "day", "service_level", "service_level_hw"]].rename(
                columns={
                    "service_level": "sim_service_level",
                    "service_level_hw": "sim_hw",
                }
            ),
            on=["channel", "queue", "day"],
            how="left",
        )
    click.echo("per day (analytic" + (", simulated ± 95 % half-width)" if simulate else ")"))
    click.echo(day.to_string(index=False))
    week = summarize_evaluation(frame, by="week")
    click.echo("per week")
    click.echo(week[["channel", "queue", "week", "agent_hours", *base_cols]].to_string(index=False))
    if output is not None:
        click.echo(f"wrote {len(frame)} rows to {output}")


COMMANDS: list[click.Command] = [staff_command, evaluate_command]
