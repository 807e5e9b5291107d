"""Opening hours of a channel: when contacts are served, as a weekly pattern of wall-clock ranges.

One grammar, read by forecasting (closed intervals are forecast as zero) and by staffing (no
agents are needed when closed): the ``opening_hours`` (and ``staffed_hours``) value of a
``[channels.<name>]`` table in ``targets.toml``::

    opening_hours = "24/7"                           # always open ("24h" says the same)
    opening_hours = "closed"                         # never open
    opening_hours = "07:00-22:00"                    # every day
    opening_hours = "07:00-12:00, 14:00-20:00"       # every day, several ranges
    opening_hours = ["07:00-12:00", "14:00-20:00"]   # the same as a list
    [channels.chat.opening_hours]                    # per weekday; missing days take `default`
    default = "07:00-23:00"
    fri = ["07:00-11:30", "14:00-23:00"]
    sat = "closed"
    sun = "24/7"

A weekday table has the keys ``mon`` .. ``sun`` and ``default``, each holding any of the forms
above; without ``default`` the days it does not name are closed. Ranges are ``HH:MM-HH:MM`` in
local wall-clock time, start inclusive, end exclusive; ``24:00`` may end a range. A range whose
end is before its start runs past midnight into the next day (``"22:00-06:00"`` on Friday opens
Friday 22:00 and closes Saturday 06:00; Sunday's runs into Monday). Keywords are
case-insensitive; ``"closed"`` cannot be combined with ranges.

The pattern is held as a boolean mask of the 10,080 minutes of the week (Monday 00:00 first), so
:meth:`OpeningHours.is_open` is a vectorised look-up.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from wfmcore.defaults import MINUTES_PER_DAY, MINUTES_PER_WEEK, WEEKDAYS
from wfmcore.errors import ConfigError
from wfmcore.parse import format_hhmm, parse_hhmm

__all__ = ["OpeningHours"]

_RANGE = re.compile(r"^(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$")
_WHOLE_DAY = ("24/7", "24h")
_FORMS = "'24/7', '24h', 'closed', 'HH:MM-HH:MM', ranges separated by commas or a list of ranges"


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """When a channel is open, as a weekly pattern in local wall-clock time.

    Build it with :meth:`parse` (the ``targets.toml`` grammar), :meth:`always`, or
    :meth:`from_slots` (e.g. inferred from history).

    Attributes
    ----------
    minutes
        Tuple of 10,080 booleans, one per minute of the week starting Monday 00:00: open or not.
    spec
        A readable description, e.g. ``"mon-thu 07:00-24:00; fri 07:00-14:00; sat-sun
        closed"``; also what ``str()`` gives.
    """

    minutes: tuple[bool, ...]
    spec: str

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def always(cls) -> OpeningHours:
        """Open 24 hours a day, 7 days a week."""
        return cls(minutes=(True,) * MINUTES_PER_WEEK, spec="24/7")

    @classmethod
    def parse(cls, spec: object) -> OpeningHours:
        """Parse the ``opening_hours`` grammar of ``targets.toml`` (see the module docstring).

        Parameters
        ----------
        spec
            A string, a list of range strings, or a mapping with keys ``mon`` .. ``sun`` and
            ``default`` whose values are either; an :class:`OpeningHours` is returned as it is.

        Returns
        -------
        OpeningHours

        Raises
        ------
        ConfigError
            When the value is not of that grammar; the message quotes the offending part and
            names the weekday (``"fri: cannot read '7-9'; ..."``). Callers add the file, the
            channel and the key.
        """
        if isinstance(spec, OpeningHours):
            return spec
        mask = np.zeros(MINUTES_PER_WEEK, dtype=bool)
        if isinstance(spec, Mapping):
            unknown = sorted(set(map(str, spec)) - set(WEEKDAYS) - {"default"})
            if unknown:
                raise ConfigError(
                    f"unknown key(s) {', '.join(map(repr, unknown))}; expected weekdays "
                    f"{', '.join(WEEKDAYS)} or 'default'"
                )
            default = spec.get("default", "closed")
            for day, name in enumerate(WEEKDAYS):
                _add_day(mask, day, _day_minutes(spec.get(name, default), name))
        else:
            whole_week = _day_minutes(spec, None)
            for day in range(7):
                _add_day(mask, day, whole_week)
        return cls.from_minutes(mask)

    @classmethod
    def from_minutes(cls, mask: NDArray[np.bool_] | Sequence[bool]) -> OpeningHours:
        """Build from a boolean array of the 10,080 minutes of the week (Monday 00:00 first)."""
        arr = np.asarray(mask, dtype=bool)
        if arr.shape != (MINUTES_PER_WEEK,):
            raise ConfigError(
                f"opening hours need {MINUTES_PER_WEEK} minute flags, got {arr.shape}"
            )
        return cls(minutes=tuple(arr.tolist()), spec=_describe(arr))

    @classmethod
    def from_slots(cls, open_slots: NDArray[np.bool_], interval_min: int) -> OpeningHours:
        """Build from a ``(7, 1440 // interval_min)`` boolean array of interval slots per weekday.

        Parameters
        ----------
        open_slots
            ``open_slots[d, k]``: interval ``k`` (starting at ``k * interval_min`` minutes after
            midnight) of weekday ``d`` (Monday = 0) is open.
        interval_min
            Interval length in minutes; must divide a day.
        """
        slots = np.asarray(open_slots, dtype=bool)
        per_day = MINUTES_PER_DAY // max(interval_min, 1)
        if interval_min <= 0 or MINUTES_PER_DAY % interval_min or slots.shape != (7, per_day):
            raise ConfigError(
                f"open_slots must have shape (7, {per_day}) for {interval_min}-minute intervals, "
                f"got {slots.shape}"
            )
        return cls.from_minutes(np.repeat(slots.reshape(-1), interval_min))

    # -- queries -----------------------------------------------------------------------------
    @property
    def is_always_open(self) -> bool:
        """Open every minute of the week."""
        return all(self.minutes)

    def is_open(
        self,
        timestamps: pd.DatetimeIndex | pd.Series | list[dt.datetime] | tuple[dt.datetime, ...],
        interval_min: int | None = None,
    ) -> NDArray[np.bool_]:
        """Whether the channel is open at each timestamp.

        Parameters
        ----------
        timestamps
            Datetimes; tz-aware ones are read in their own zone's wall-clock time (convert them
            to the center's zone first), naive ones as wall-clock time.
        interval_min
            When given, each timestamp starts an interval of that many minutes and counts as open
            when any minute of it is open (a range opening at 07:15 opens the 07:00 half hour).
            When ``None``, the minute of the timestamp itself decides.

        Returns
        -------
        numpy.ndarray
            Boolean array, one value per timestamp.
        """
        idx = pd.DatetimeIndex(timestamps)
        week_min = np.asarray(
            idx.day_of_week * MINUTES_PER_DAY + idx.hour * 60 + idx.minute, dtype=int
        )
        mask = np.asarray(self.minutes, dtype=np.bool_)
        if not interval_min or interval_min <= 1:
            at_minute: NDArray[np.bool_] = mask[week_min]
            return at_minute
        # open minutes in [t, t + interval): cumulative sum over two weeks (wraps past Sunday)
        csum = np.concatenate([[0], np.cumsum(np.concatenate([mask, mask]))])
        in_interval: NDArray[np.bool_] = (csum[week_min + interval_min] - csum[week_min]) > 0
        return in_interval

    def __str__(self) -> str:
        """The readable description, :attr:`spec`."""
        return self.spec


def _day_minutes(value: object, where: str | None) -> list[tuple[int, int]]:
    """The open ranges of one day's value, as ``(start, end)`` minutes after its midnight.

    ``end`` may pass 1440 (a range past midnight).
    """
    label = f"{where}: " if where else ""
    if isinstance(value, str):
        items: list[object] = [value]
    elif isinstance(value, Sequence):
        items = list(value)
        if not items:
            raise ConfigError(f"{label}empty list; expected at least one range, or 'closed'")
    else:
        table = "" if where else ", or a weekday table"
        raise ConfigError(f"{label}expected {_FORMS}{table}, got {value!r}")
    parts: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ConfigError(f"{label}expected a range 'HH:MM-HH:MM', got {item!r}")
        parts.extend(p.strip() for p in item.split(","))
    keywords = [p.lower() for p in parts]
    if "closed" in keywords and len(parts) > 1:
        raise ConfigError(f"{label}'closed' cannot be combined with ranges")
    ranges = []
    for part, keyword in zip(parts, keywords, strict=True):
        if keyword == "closed":
            continue
        if keyword in _WHOLE_DAY:
            ranges.append((0, MINUTES_PER_DAY))
            continue
        match = _RANGE.match(part)
        if match is None:
            raise ConfigError(
                f"{label}cannot read {part!r}; expected 'HH:MM-HH:MM' (e.g. '07:00-22:00'), "
                "'closed', '24h' or '24/7'"
            )
        try:
            start = parse_hhmm(match[1])
            end = parse_hhmm(match[2], allow_24=True)
        except ValueError as exc:
            raise ConfigError(f"{label}range {part!r}: {exc}") from None
        if start == end:
            raise ConfigError(f"{label}range {part!r} is empty (start equals end)")
        ranges.append((start, end if end > start else end + MINUTES_PER_DAY))
    return ranges


def _add_day(mask: NDArray[np.bool_], day: int, ranges: list[tuple[int, int]]) -> None:
    for start, end in ranges:
        first = day * MINUTES_PER_DAY
        # past midnight wraps into the next day, and Sunday's into Monday
        mask[np.arange(first + start, first + end) % MINUTES_PER_WEEK] = True


def _day_ranges(day_mask: NDArray[np.bool_]) -> str:
    if not day_mask.any():
        return "closed"
    padded = np.concatenate([[False], day_mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return ", ".join(
        f"{format_hhmm(int(s))}-{format_hhmm(int(e))}"
        for s, e in zip(edges[::2], edges[1::2], strict=True)
    )


def _describe(mask: NDArray[np.bool_]) -> str:
    if mask.all():
        return "24/7"
    days = [_day_ranges(mask[d * MINUTES_PER_DAY : (d + 1) * MINUTES_PER_DAY]) for d in range(7)]
    if len(set(days)) == 1:
        return "daily " + days[0]
    groups: list[tuple[int, int, str]] = []
    for d, text in enumerate(days):
        if groups and groups[-1][2] == text:
            groups[-1] = (groups[-1][0], d, text)
        else:
            groups.append((d, d, text))
    return "; ".join(
        f"{WEEKDAYS[a]}{'' if a == b else '-' + WEEKDAYS[b]} {text}" for a, b, text in groups
    )
