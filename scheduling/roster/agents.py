"""Agents and their contracts, read from ``agents.csv`` into frozen :class:`Agent` records.

Columns (header row required; names are the contract, extra columns are ignored with a note):

============================  ===========================================================
``agent_id``                  unique id (text)
``name``                      display name
``skills``                    channels separated by ``;`` (e.g. ``voice;chat``)
``min_hours_week``            minimum paid hours in a week (number)
``max_hours_week``            maximum paid hours in a week (number)
``max_days_week``             maximum working days in a week (0..7)
``earliest_start``            optional, ``HH:MM``: no shift starts before this wall-clock time
``latest_end``                optional, ``HH:MM`` (``24:00`` allowed): no shift ends after it
``unavailable``               optional, dates ``YYYY-MM-DD`` separated by ``;`` (approved
                              time off): no shift starts on these dates
``preferred_start``           optional, ``HH:MM``
``preferred_days_off``        optional, weekday names separated by ``;`` (``sat;sun``)
``group``                     optional agent group (e.g. ``part_time``) that shift types may be
                              restricted to; ``contract`` is read as the group when ``group``
                              is absent
============================  ===========================================================
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from scheduling.errors import InputError
from wfmcore.defaults import WEEKDAYS
from wfmcore.frames import AGENT_OPTIONAL as _OPTIONAL
from wfmcore.frames import AGENT_REQUIRED as _REQUIRED
from wfmcore.parse import SEPARATOR_NAMES, parse_hhmm, sniff_separator


@dataclass(frozen=True, slots=True)
class Agent:
    """One agent's skills, contract and availability.

    Times of day are minutes after midnight (``latest_end_min`` may be 1440 for ``24:00``);
    weekdays are 0 = Monday .. 6 = Sunday.
    """

    agent_id: str
    name: str
    skills: tuple[str, ...]
    min_hours_week: float
    max_hours_week: float
    max_days_week: int
    earliest_start_min: int | None = None
    latest_end_min: int | None = None
    unavailable: frozenset[dt.date] = frozenset()
    preferred_start_min: int | None = None
    preferred_days_off: frozenset[int] = frozenset()
    group: str | None = None


def leave_credit_min(agent: Agent, dates: Sequence[dt.date]) -> float:
    """Minutes of approved time off among ``dates`` that count toward ``min_hours_week``.

    Each day of time off credits a contract day: ``min_hours_week / max_days_week``.
    """
    days = sum(1 for d in dates if d in agent.unavailable)
    if not days or agent.max_days_week <= 0:
        return 0.0
    return days * agent.min_hours_week * 60 / agent.max_days_week


def _blank(value: object) -> bool:
    return (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or str(value).strip() == ""
    )


@dataclass(frozen=True, slots=True)
class AgentsFile:
    """What :func:`read_agents` read.

    Attributes
    ----------
    agents
        The agents, in file order.
    notes
        Planner-facing notes about the file (e.g. ignored extra columns).
    source
        The file's name, for messages.
    rows
        Each agent's row in the file (1-based, header = 1), for messages.
    """

    agents: tuple[Agent, ...]
    notes: tuple[str, ...] = ()
    source: str = ""
    rows: tuple[int, ...] = ()


def read_agents(path: Path | str) -> AgentsFile:
    """Read and validate ``agents.csv``.

    Parameters
    ----------
    path
        The CSV file.

    Returns
    -------
    AgentsFile
        The agents in file order, and notes for the planner (ignored extra columns).

    Raises
    ------
    InputError
        Missing column, bad value (with file, 1-based row and column), duplicate id.
    """
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory; expected a CSV file", file=str(path)) from None
    except PermissionError:
        raise InputError("no permission to read the file", file=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("file is not valid UTF-8", file=str(path)) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"not a readable CSV file ({exc})", file=str(path)) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing and len(frame.columns) == 1 and sniff_separator(str(frame.columns[0])) != ",":
        sep = SEPARATOR_NAMES[sniff_separator(str(frame.columns[0]))]
        raise InputError(
            f"the fields are separated by {sep}, not commas; expected a comma-separated file",
            file=str(path),
            row=1,
        )
    if missing:
        raise InputError(
            f"missing column(s): {', '.join(missing)}", file=str(path), row=1, column=missing[0]
        )
    extra = [c for c in frame.columns if c not in _REQUIRED and c not in _OPTIONAL]
    notes = (f"{path.name}: ignored column(s) {', '.join(extra)}",) if extra else ()
    if frame.empty:
        raise InputError("no agents in file", file=str(path))
    agents: list[Agent] = []
    seen: dict[str, int] = {}
    for pos, rec in enumerate(frame.to_dict("records")):
        row = pos + 2
        agents.append(_parse_row({str(k): v for k, v in rec.items()}, str(path), row))
        aid = agents[-1].agent_id
        if aid in seen:
            raise InputError(
                f"duplicate agent_id {aid!r} (first on row {seen[aid]})",
                file=str(path),
                row=row,
                column="agent_id",
            )
        seen[aid] = row
    return AgentsFile(
        agents=tuple(agents),
        notes=notes,
        source=str(path),
        rows=tuple(range(2, len(agents) + 2)),
    )


def _parse_row(rec: dict[str, object], file: str, row: int) -> Agent:
    def bad(column: str, message: str) -> InputError:
        return InputError(message, file=file, row=row, column=column)

    def text(column: str) -> str:
        value = rec.get(column, "")
        return "" if _blank(value) else str(value).strip()

    def number(column: str) -> float:
        raw = text(column)
        try:
            value = float(raw)
        except ValueError:
            raise bad(column, f"expected a number, got {raw!r}") from None
        if not math.isfinite(value) or value < 0:
            raise bad(column, f"expected a non-negative number, got {raw!r}")
        return value

    def time_of_day(column: str, allow_24: bool = False) -> int | None:
        raw = text(column)
        if not raw:
            return None
        try:
            return parse_hhmm(raw, allow_24=allow_24)
        except ValueError as exc:
            raise bad(column, str(exc)) from None

    agent_id = text("agent_id")
    if not agent_id:
        raise bad("agent_id", "empty agent_id")
    skills = tuple(s.strip() for s in text("skills").split(";") if s.strip())
    if not skills:
        raise bad("skills", "an agent needs at least one skill (channel)")
    min_h, max_h = number("min_hours_week"), number("max_hours_week")
    if min_h > max_h:
        raise bad("min_hours_week", f"min_hours_week {min_h:g} exceeds max_hours_week {max_h:g}")
    max_days_f = number("max_days_week")
    if max_days_f != int(max_days_f) or max_days_f > 7:
        raise bad("max_days_week", f"expected a whole number 0..7, got {text('max_days_week')!r}")
    earliest = time_of_day("earliest_start")
    latest = time_of_day("latest_end", allow_24=True)
    if earliest is not None and latest is not None and latest <= earliest:
        raise bad("latest_end", "latest_end must be after earliest_start")
    unavailable: set[dt.date] = set()
    for item in text("unavailable").split(";"):
        if item.strip():
            try:
                unavailable.add(dt.date.fromisoformat(item.strip()))
            except ValueError:
                raise bad(
                    "unavailable", f"expected dates YYYY-MM-DD, got {item.strip()!r}"
                ) from None
    days_off: set[int] = set()
    for item in text("preferred_days_off").split(";"):
        name = item.strip().lower()[:3]
        if name:
            if name not in WEEKDAYS:
                raise bad("preferred_days_off", f"unknown weekday {item.strip()!r}")
            days_off.add(WEEKDAYS.index(name))
    group = text("group") or text("contract") or None
    return Agent(
        agent_id=agent_id,
        name=text("name") or agent_id,
        skills=skills,
        min_hours_week=min_h,
        max_hours_week=max_h,
        max_days_week=int(max_days_f),
        earliest_start_min=earliest,
        latest_end_min=latest,
        unavailable=frozenset(unavailable),
        preferred_start_min=time_of_day("preferred_start"),
        preferred_days_off=frozenset(days_off),
        group=group,
    )
