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
from scheduling.staffing.pools import plan_queues
from scheduling.staffing.requirements import (
    at_interval,
    check_channels,
    compute_requirements,
    read_forecast,
)
from scheduling.staffing.service import BY, evaluate_queues, summarize_service
from scheduling.staffing.targets import Targets, load_targets
from web.cli._options import (
    INPUT_FILE,
    interval_option,
    output_option,
    quiet_option,
    seed_option,
    tz_option,
)
from wfmcore.entities import EntitySet, read_entities
from wfmcore.errors import ConfigError
from wfmcore.io import write_csv

_TARGETS_HELP = "Service targets per channel (TOML; see data/targets.toml)."

entities_option = click.option(
    "--entities",
    "entities_toml",
    type=INPUT_FILE,
    help="The center's entities (entities.toml): each queue is staffed to its entity's "
    "targets, pooled as each channel's 'pool' key says (default with this file: each queue "
    "alone).",
)


def _entities(path: Path | None) -> EntitySet | None:
    return None if path is None else read_entities(path)


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
@entities_option
@aht_option
@interval_option
@tz_option
@quiet_option
def staff_command(
    forecast_csv: Path,
    targets_toml: Path,
    output: Path,
    entities_toml: Path | None,
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
    With --entities each queue (entity.language) gets its entity's targets; the queue column
    holds the pool's key (the queue id, 'rta.*' for an entity, 'group:x' for a group, 'all'
    for the channel). The output names the pooling of every channel.
    """
    targets = load_targets(targets_toml)
    entities = _entities(entities_toml)
    forecast = read_forecast(forecast_csv, tz=tz, aht_s=aht_s)
    check_channels(forecast, targets, file=str(forecast_csv), targets_file=str(targets_toml))
    forecast, minutes, notes = at_interval(
        forecast, int(interval_min) if interval_min else None, file=str(forecast_csv)
    )
    plan = plan_queues(forecast, targets, entities)
    req = compute_requirements(forecast, targets, minutes, plan=plan)
    write_csv(req, output)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    if not quiet:
        for line in plan.notes():
            click.echo(f"pooling: {line}")
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
@entities_option
@click.option(
    "--by",
    "by",
    type=click.Choice(BY),
    multiple=True,
    help="With --entities: print the service per queue, entity and/or channel over the "
    "whole period (repeatable; default: entity and channel).",
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
    entities_toml: Path | None,
    by: tuple[str, ...],
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
    With --entities the forecast's queues are evaluated each with its entity's targets:
    --output gets one row per queue and interval, and the tables (--by) give service level
    against target, ASA and abandonment per entity (worst first), queue and channel. A channel
    pool's queues share its wait; queue, entity or group pools get the channel's agents in
    proportion to their requirements.
    """
    if entities_toml is None and by:
        raise ConfigError("--by: needs --entities (without it the evaluation is per channel)")
    if entities_toml is not None and simulate:
        raise ConfigError(
            "--simulate: simulates pooled channels; with --entities use the analytic evaluation"
        )
    targets = load_targets(targets_toml)
    entities = _entities(entities_toml)
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
    if entities is not None:
        _evaluate_entities(
            scheduled, forecast, targets, minutes, entities, by, output=output, quiet=quiet
        )
        return
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


def _evaluate_entities(
    scheduled: pd.DataFrame,
    forecast: pd.DataFrame,
    targets: Targets,
    minutes: int,
    entities: EntitySet,
    by: tuple[str, ...],
    *,
    output: Path | None,
    quiet: bool,
) -> None:
    """``wfm evaluate --entities``: service per queue, written and summarised."""
    plan = plan_queues(forecast, targets, entities)
    frame = evaluate_queues(scheduled, forecast, targets, minutes, plan=plan)
    if output is not None:
        write_csv(frame, output)
    if quiet:
        return
    for line in plan.notes():
        click.echo(f"pooling: {line}")
    names = {e.id: e.name_en for e in entities.entities}
    for level in by or ("entity", "channel"):
        table = summarize_service(frame, by=level)
        if level == "entity":
            table.insert(1, "name", table["entity"].map(names).fillna(""))
        click.echo(f"per {level} (analytic, whole period)")
        click.echo(table.to_string(index=False))
    if output is not None:
        click.echo(f"wrote {len(frame)} rows to {output}")


COMMANDS: list[click.Command] = [staff_command, evaluate_command]
