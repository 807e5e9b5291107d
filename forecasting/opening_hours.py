"""Opening hours of a channel: when contacts are served, as a weekly pattern of wall-clock ranges.

The syntax is the ``opening_hours`` key of ``targets.toml`` (``[channels.<name>]``)::

    opening_hours = "24/7"                      # always open
    opening_hours = "07:00-22:00"               # every day
    opening_hours = ["07:00-12:00", "13:00-22:00"]   # every day, several ranges
    [channels.chat.opening_hours]               # per weekday; missing days take `default`
    default = "07:00-23:00"
    fri = ["07:00-11:30", "14:00-23:00"]
    sat = "closed"

Ranges are ``HH:MM-HH:MM`` in local wall-clock time, start inclusive, end exclusive; ``24:00`` is
allowed as an end. A range whose end is before its start runs past midnight into the next day
(``"22:00-06:00"`` on Friday opens Friday 22:00 and closes Saturday 06:00). A weekday table without
``default`` leaves unnamed days closed.

The pattern is held as a boolean mask of the 10,080 minutes of the week (Monday 00:00 first), so
:meth:`OpeningHours.is_open` is a vectorised look-up.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecasting.errors import ConfigError

__all__ = ["WEEKDAYS", "OpeningHours", "load_opening_hours"]

#: Weekday keys, Monday first (``datetime.weekday()`` order).
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MIN_PER_DAY = 1440
_MIN_PER_WEEK = 7 * _MIN_PER_DAY
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _clock(hours: str, minutes: str, *, allow_24: bool, spec: str) -> int:
    h, m = int(hours), int(minutes)
    if m > 59 or h > 24 or (h == 24 and (m != 0 or not allow_24)):
        raise ConfigError(
            f"opening hours {spec!r}: {hours}:{minutes} is not a time of day "
            "(expected HH:MM from 00:00 to 23:59; 24:00 only as an end)"
        )
    return h * 60 + m


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """When a channel is open, as a weekly pattern in local wall-clock time.

    Build it with :meth:`parse` (the ``targets.toml`` syntax), :meth:`always`, or
    :meth:`from_slots` (e.g. inferred from history).

    Attributes
    ----------
    minutes
        Tuple of 10,080 booleans, one per minute of the week starting Monday 00:00: open or not.
    spec
        A readable description (see :meth:`describe`), used in messages.
    """

    minutes: tuple[bool, ...]
    spec: str

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def always(cls) -> OpeningHours:
        """Open 24 hours a day, 7 days a week."""
        return cls(minutes=(True,) * _MIN_PER_WEEK, spec="24/7")

    @classmethod
    def parse(cls, spec: Any) -> OpeningHours:
        """Parse the ``opening_hours`` syntax of ``targets.toml``.

        Parameters
        ----------
        spec
            ``"24/7"``; ``"closed"``; ``"HH:MM-HH:MM"`` or a list of them (every day); or a
            mapping with keys ``mon`` .. ``sun`` and optional ``default`` whose values are any of
            the above except ``"24/7"`` inside a weekday (``"00:00-24:00"`` says the same).

        Returns
        -------
        OpeningHours

        Raises
        ------
        ConfigError
            When the value is not of that syntax; the message quotes the offending part.
        """
        if isinstance(spec, OpeningHours):
            return spec
        mask = np.zeros(_MIN_PER_WEEK, dtype=bool)
        if isinstance(spec, Mapping):
            unknown = sorted(set(map(str, spec)) - set(WEEKDAYS) - {"default"})
            if unknown:
                raise ConfigError(
                    f"opening hours: unknown key(s) {', '.join(map(repr, unknown))}; "
                    "expected weekdays mon, tue, wed, thu, fri, sat, sun or 'default'"
                )
            default = spec.get("default", "closed")
            for day, name in enumerate(WEEKDAYS):
                _add_day(mask, day, spec.get(name, default), where=name)
        elif isinstance(spec, str) and spec.strip().lower() == "24/7":
            return cls.always()
        else:
            for day in range(7):
                _add_day(mask, day, spec, where=None)
        return cls.from_minutes(mask)

    @classmethod
    def from_minutes(cls, mask: np.ndarray | Sequence[bool]) -> OpeningHours:
        """Build from a boolean array of the 10,080 minutes of the week (Monday 00:00 first)."""
        arr = np.asarray(mask, dtype=bool)
        if arr.shape != (_MIN_PER_WEEK,):
            raise ConfigError(f"opening hours need {_MIN_PER_WEEK} minute flags, got {arr.shape}")
        return cls(minutes=tuple(arr.tolist()), spec=_describe(arr))

    @classmethod
    def from_slots(cls, open_slots: np.ndarray, interval_min: int) -> OpeningHours:
        """Build from a ``(7, 1440 // interval_min)`` boolean array of interval slots per weekday.

        Parameters
        ----------
        open_slots
            ``open_slots[d, k]``: interval ``k`` (starting at ``k * interval_min`` minutes after
            midnight) of weekday ``d`` (Monday = 0) is open.
        interval_min
            Interval length in minutes; must divide 1440.
        """
        slots = np.asarray(open_slots, dtype=bool)
        if _MIN_PER_DAY % interval_min or slots.shape != (7, _MIN_PER_DAY // interval_min):
            raise ConfigError(
                f"open_slots must have shape (7, {_MIN_PER_DAY // max(interval_min, 1)}) "
                f"for {interval_min}-minute intervals, got {slots.shape}"
            )
        return cls.from_minutes(np.repeat(slots.reshape(-1), interval_min))

    # -- queries -----------------------------------------------------------------------------
    @property
    def is_always_open(self) -> bool:
        """Open every minute of the week."""
        return all(self.minutes)

    def is_open(
        self,
        timestamps: pd.DatetimeIndex | pd.Series | Sequence[Any],
        interval_min: int | None = None,
    ) -> np.ndarray:
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
        idx = pd.DatetimeIndex(timestamps)  # type: ignore[arg-type]
        week_min = np.asarray(
            idx.day_of_week * _MIN_PER_DAY + idx.hour * 60 + idx.minute, dtype=int
        )
        mask = np.asarray(self.minutes, dtype=bool)
        if not interval_min or interval_min <= 1:
            return mask[week_min]
        # open minutes in [t, t + interval): cumulative sum over two weeks (wraps past Sunday)
        csum = np.concatenate([[0], np.cumsum(np.concatenate([mask, mask]))])
        return (csum[week_min + interval_min] - csum[week_min]) > 0

    def describe(self) -> str:
        """A compact description, e.g. ``"mon-thu 07:00-24:00; fri 07:00-14:00; sat closed"``."""
        return self.spec

    def __str__(self) -> str:
        return self.spec


def _add_day(mask: np.ndarray, day: int, value: Any, *, where: str | None) -> None:
    label = f"opening hours{f' [{where}]' if where else ''}"
    if isinstance(value, str):
        items: list[Any] = [value]
    elif isinstance(value, Sequence):
        items = list(value)
    else:
        raise ConfigError(
            f"{label}: expected '24/7', 'closed', 'HH:MM-HH:MM', a list of ranges or a weekday "
            f"table, got {value!r}"
        )
    for item in items:
        if not isinstance(item, str):
            raise ConfigError(f"{label}: expected a range 'HH:MM-HH:MM', got {item!r}")
        text = item.strip().lower()
        if text == "closed":
            if len(items) > 1:
                raise ConfigError(f"{label}: 'closed' cannot be combined with ranges")
            continue
        if text == "24/7" and where is None:
            mask[day * _MIN_PER_DAY : (day + 1) * _MIN_PER_DAY] = True
            continue
        match = _RANGE.match(text)
        if match is None:
            raise ConfigError(
                f"{label}: cannot read {item!r}; expected 'HH:MM-HH:MM' (e.g. '07:00-22:00'), "
                "'closed' or '24/7'"
            )
        start = _clock(match[1], match[2], allow_24=False, spec=item)
        end = _clock(match[3], match[4], allow_24=True, spec=item)
        if start == end:
            raise ConfigError(f"{label}: range {item!r} is empty (start equals end)")
        first = day * _MIN_PER_DAY + start
        last = day * _MIN_PER_DAY + (end if end > start else end + _MIN_PER_DAY)
        positions = np.arange(first, last) % _MIN_PER_WEEK  # past midnight wraps to the next day
        mask[positions] = True


def _day_ranges(day_mask: np.ndarray) -> str:
    if not day_mask.any():
        return "closed"
    padded = np.concatenate([[False], day_mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    parts = [
        f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}"
        for s, e in zip(edges[::2], edges[1::2], strict=True)
    ]
    return ", ".join(parts)


def _describe(mask: np.ndarray) -> str:
    if mask.all():
        return "24/7"
    days = [_day_ranges(mask[d * _MIN_PER_DAY : (d + 1) * _MIN_PER_DAY]) for d in range(7)]
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


def load_opening_hours(targets_path: str | Path) -> dict[str, OpeningHours]:
    """Read ``[channels.<name>].opening_hours`` from a ``targets.toml`` file.

    Other keys are ignored here (the staffing library validates them).

    Parameters
    ----------
    targets_path
        Path of the TOML file.

    Returns
    -------
    dict of str to OpeningHours
        One entry per channel that sets ``opening_hours``; channels without the key are left
        out (the history reader then infers their hours from the data).

    Raises
    ------
    ConfigError
        Unreadable file, invalid TOML, or an invalid ``opening_hours`` value (the message names
        the file and the channel).
    """
    path = Path(targets_path)
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    channels = data.get("channels", {})
    if not isinstance(channels, Mapping):
        raise ConfigError(f"{path}: 'channels' must be a table of [channels.<name>] tables")
    result: dict[str, OpeningHours] = {}
    for name, table in channels.items():
        if not isinstance(table, Mapping) or "opening_hours" not in table:
            continue
        try:
            result[str(name)] = OpeningHours.parse(table["opening_hours"])
        except ConfigError as exc:
            raise ConfigError(f"{path}: [channels.{name}] {exc}") from None
    return result
