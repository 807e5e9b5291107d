"""``wfm history``: check interval history files and import per-contact ACD exports."""

from __future__ import annotations

import math
from pathlib import Path

import click
import pandas as pd

from forecasting.acd import ACD_FORMATS, AcdImport, read_acd
from forecasting.errors import ConfigError
from forecasting.history import History, read_history
from forecasting.opening_hours import load_opening_hours
from web.cli._options import (
    INPUT_FILE,
    column_option,
    interval_option,
    keep_outliers_option,
    output_option,
    quiet_option,
    tz_callback,
    tz_option,
)
from wfmcore.io import write_csv


@click.group("history")
def history() -> None:
    """Check interval history files and import ACD per-contact exports.

    \b
    wfm history check HISTORY.csv [--tz ZONE] [--interval MIN] [--targets TARGETS.toml]
                      [--column FILE_NAME=NAME ...] [--keep-outliers]
    wfm history import-acd RAW... -o HISTORY.csv [--format anonymous_bank] [--interval 30]
    """


@history.command("check", short_help="Validate a history CSV and print a summary.")
@click.argument("history_csv", type=INPUT_FILE)
@tz_option
@interval_option
@click.option(
    "--targets",
    type=INPUT_FILE,
    default=None,
    help="targets.toml whose [channels.<name>].opening_hours say when each channel is open "
    "(default: inferred from the history).",
)
@column_option
@keep_outliers_option
@output_option(required=False, help="Also write the validated, gap-filled history here.")
@quiet_option
def check(
    history_csv: Path,
    tz: str,
    interval_min: str | None,
    targets: Path | None,
    columns: dict[str, str] | None,
    keep_outliers: bool,
    output: Path | None,
    quiet: bool,
) -> None:
    """Validate HISTORY_CSV and print a summary.

    Prints the series, span, interval, totals, imputed gaps and warnings. Errors name the file,
    row and column. Missing intervals inside opening hours are imputed (and marked); missing
    intervals outside them are zero. Offered counts over 20 times their series' 99th
    percentile are named and imputed too, unless --keep-outliers. Exit status 2 when the file
    is not valid.
    """
    hours = load_opening_hours(targets) if targets is not None else None
    result = read_history(
        history_csv,
        tz=tz,
        columns=columns,
        interval_min=int(interval_min) if interval_min else None,
        opening_hours=hours,
        keep_outliers=keep_outliers,
    )
    if output is not None:
        write_csv(result.frame, output)
    if not quiet:
        click.echo(format_history_summary(result))
        if output is not None:
            click.echo(f"wrote {output}")


def format_history_summary(result: History) -> str:
    """The text ``wfm history check`` prints: a table per series, gaps and warnings."""
    summary = result.summary()
    table = pd.DataFrame(
        {
            "channel": summary["channel"],
            "queue": summary["queue"],
            "first": summary["first"].dt.strftime("%Y-%m-%d %H:%M"),
            "last": summary["last"].dt.strftime("%Y-%m-%d %H:%M"),
            "intervals": summary["intervals"].map("{:,}".format),
            "imputed": summary["imputed"].map("{:,}".format),
            "offered": summary["offered"].map("{:,.0f}".format),
            "handled": summary["handled"].map(lambda x: "-" if pd.isna(x) else f"{x:,.0f}"),
            "abandoned": summary["abandoned"].map(lambda x: "-" if pd.isna(x) else f"{x:,.0f}"),
            "aht_s": summary["aht_s"].map(lambda x: "-" if pd.isna(x) else f"{x:.0f}"),
        }
    )
    first = result.frame["interval_start"].min()
    last = result.frame["interval_start"].max()
    days = (last - first).total_seconds() / 86400
    lines = [
        f"{result.source}: {len(summary)} series, {result.interval_min}-minute intervals, "
        f"time zone {result.tz}",
        f"span {first.isoformat()} .. {last.isoformat()} ({days:.1f} days)",
        "",
        table.to_string(index=False),
        "",
        "opening hours:",
        *[f"  {c}/{q}: {oh}" for (c, q), oh in sorted(result.opening_hours.items())],
        f"gaps imputed: {len(result.gaps):,} interval(s)",
    ]
    if result.warnings:
        lines.append("warnings:")
        lines.extend(f"  - {w}" for w in result.warnings)
    return "\n".join(lines)


def _thresholds(ctx: click.Context, param: click.Parameter, value: str) -> tuple[float, ...]:
    try:
        out = tuple(float(x) for x in value.split(",") if x.strip())
    except ValueError:
        raise click.BadParameter(f"expected seconds separated by commas, got {value!r}") from None
    if not out or any(not math.isfinite(t) or t < 0 for t in out):
        raise click.BadParameter(f"expected seconds >= 0 separated by commas, got {value!r}")
    return out


@history.command("import-acd", short_help="Aggregate per-contact ACD records to a history CSV.")
@click.argument("raw", nargs=-1, required=True, type=INPUT_FILE)
@output_option(required=True, help="History CSV to write.")
@click.option(
    "--format",
    "format_name",
    type=click.Choice(sorted(ACD_FORMATS)),
    default="anonymous_bank",
    show_default=True,
    help="Layout of the export.",
)
@click.option(
    "--interval",
    "interval_min",
    type=click.Choice(["15", "30", "60"]),
    default="30",
    show_default=True,
    help="Interval length in minutes.",
)
@click.option(
    "--tz",
    default=None,
    callback=tz_callback,
    help="Time zone of the export's wall-clock times (default: the format's own zone; "
    "Asia/Jerusalem for anonymous_bank).",
)
@click.option(
    "--answered-within",
    "answered_within",
    default="20,60",
    show_default=True,
    callback=_thresholds,
    help="Thresholds T in seconds for the answered_within_<T>s columns, comma-separated.",
)
@click.option(
    "--strict", is_flag=True, help="Fail on the first malformed row instead of skipping it."
)
@quiet_option
def import_acd(
    raw: tuple[Path, ...],
    output: Path,
    format_name: str,
    interval_min: str,
    tz: str | None,
    answered_within: tuple[float, ...],
    strict: bool,
    quiet: bool,
) -> None:
    """Aggregate per-contact ACD records (RAW files, e.g. one per month) to a history CSV.

    One output row per queue and interval: offered (= handled + abandoned), handled, abandoned
    (hung up after joining the queue), aht_s, and answered_within_<T>s / abandoned_within_<T>s
    counts, ivr_only and ignored counts, and handle and wait sums in seconds. Malformed rows are
    skipped with a warning naming file and line (or fail with --strict). A contact given twice
    (the same id, e.g. one export passed twice) and contacts dated in the future are errors.
    """
    if format_name not in ACD_FORMATS:  # pragma: no cover - click.Choice checks it
        raise ConfigError(f"unknown format {format_name!r}")
    result = read_acd(
        list(raw),
        format=format_name,
        interval_min=int(interval_min),
        tz=tz,
        answered_within_s=answered_within,
        strict=strict,
    )
    write_csv(result.frame, output)
    if not quiet:
        click.echo(format_acd_summary(result, output))


def format_acd_summary(result: AcdImport, output: Path) -> str:
    """The text ``wfm history import-acd`` prints."""
    f = result.frame
    per_queue = f.groupby("queue", sort=True)[["offered", "handled", "abandoned"]].sum()
    lines = [
        f"read {result.records:,} contacts ({result.skipped} malformed row(s) skipped); "
        f"wrote {len(f):,} interval rows to {output}",
        f"span {f['interval_start'].min().isoformat()} .. {f['interval_start'].max().isoformat()}",
        "",
        per_queue.astype(int).to_string(),
    ]
    if result.warnings:
        lines.append("warnings:")
        lines.extend(f"  - {w}" for w in result.warnings)
    return "\n".join(lines)


COMMANDS: list[click.Command] = [history]
