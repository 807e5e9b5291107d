"""Labour rules of a roster, read from ``rules.toml`` into frozen dataclasses.

Every error is a :class:`~scheduling.errors.RulesError` naming the offending key (``shift[2].lunch
.length_min``). See ``data/rules.toml`` for a commented example; all times of day are
``HH:MM`` wall-clock times, all offsets and lengths are minutes unless the key ends in ``_h``.

The rest periods (lunch and breaks) of every shift type are checked together when the rules are
read: each must be shorter than the shift and fit in it, no two may overlap wherever they are
placed, and :func:`rest_chain` must find a way to place them all ``breaks.min_gap_min`` apart.
A rules file that loads can therefore always be placed by the roster builder.
"""

from __future__ import annotations

import itertools
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scheduling.errors import RulesError
from wfmcore.defaults import MINUTES_PER_DAY, WEEKDAYS
from wfmcore.parse import parse_hhmm


@dataclass(frozen=True, slots=True)
class BreakRule:
    """A lunch or short break: its length and the window for its start, from the shift start."""

    length_min: int
    earliest_min: int
    latest_min: int
    paid: bool = True


@dataclass(frozen=True, slots=True)
class ShiftType:
    """An allowed shift: its length, allowed start times, breaks, channels and agent groups.

    ``start_windows`` are inclusive ``(first, last)`` start times in minutes after midnight,
    stepped by ``start_step_min``. ``channels``/``groups`` of ``None`` mean "all".
    """

    name: str
    length_min: int
    start_windows: tuple[tuple[int, int], ...]
    start_step_min: int = 30
    lunch: BreakRule | None = None
    breaks: tuple[BreakRule, ...] = ()
    channels: tuple[str, ...] | None = None
    groups: tuple[str, ...] | None = None

    @property
    def paid_min(self) -> int:
        """Paid minutes: the length less unpaid rest periods."""
        unpaid = sum(b.length_min for b in self.rest_periods if not b.paid)
        return self.length_min - unpaid

    @property
    def rest_periods(self) -> tuple[BreakRule, ...]:
        """Lunch (if any) and the short breaks."""
        return ((self.lunch,) if self.lunch else ()) + self.breaks

    def start_times(self) -> list[int]:
        """Every allowed start time, minutes after midnight, sorted."""
        times: set[int] = set()
        for first, last in self.start_windows:
            times.update(range(first, last + 1, self.start_step_min))
        return sorted(times)


@dataclass(frozen=True, slots=True)
class RestSlot:
    """One rest period of a shift type as the roster places it.

    The rest periods of a shift are placed in the order of their windows (:func:`rest_chain`),
    each starting at one of ``offsets_min`` (minutes after the shift start, on the
    ``breaks.step_min`` grid, only those some whole combination can use) and at least
    ``after_prev_min`` after the start of the previous one (its length plus
    ``breaks.min_gap_min``; 0 for the first).
    """

    kind: str
    length_min: int
    offsets_min: tuple[int, ...]
    after_prev_min: int
    paid: bool


UNDER_STAFFING_SOURCES = ("fixed", "service_level")


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights of the soft goals, in objective points (see ``data/rules.toml``).

    ``under_staffing[k]`` is the cost of one agent-hour short when it is the (k+1)-th missing
    agent in the interval; the last value applies to every further agent. The list must not
    decrease (a convex penalty). With ``under_staffing_from = "service_level"`` these weights
    are redistributed per interval by the service level lost (see
    :mod:`scheduling.roster.weights`).
    """

    under_staffing: tuple[float, ...] = (10.0, 15.0, 20.0, 30.0, 40.0)
    under_staffing_from: str = "fixed"
    over_staffing: float = 2.0
    paid_hour: float = 0.5
    preferred_start_per_h: float = 0.5
    preferred_day_off: float = 3.0
    full_weekend: float = 2.0
    late_shift_spread: float = 1.0
    start_band: float = 1.0
    change: float = 5.0


@dataclass(frozen=True, slots=True)
class RosterRules:
    """All hard labour rules and the soft-goal weights of one roster."""

    shift_types: tuple[ShiftType, ...]
    min_rest_min: int = 12 * 60
    max_consecutive_days: int = 6
    days_off_per_week: int = 2
    days_off_consecutive: bool = True
    weekend_days: frozenset[int] = frozenset({5, 6})
    night_start_min: int = 22 * 60
    night_end_min: int = 6 * 60
    night_min_overlap_min: int = 180
    max_night_shifts_week: int | None = None
    late_end_after_min: int = 21 * 60
    break_step_min: int = 15
    break_min_gap_min: int = 60
    start_band_min: int = 120
    weights: Weights = field(default_factory=Weights)


def rest_chain(rules: RosterRules, st: ShiftType) -> tuple[RestSlot, ...]:
    """The rest periods of ``st`` in placement order, with the offsets a whole shift can use.

    Rest periods are placed in the order of their windows (earliest start, then latest), each
    ``length + breaks.min_gap_min`` after the previous one's start at least. Offsets no
    combination can reach are dropped (a forward and a backward pass along the chain).

    Raises
    ------
    RulesError
        When the windows leave no combination at all (names the shift type).
    """
    return _rest_chain(st, rules.break_step_min, rules.break_min_gap_min, f"shift {st.name!r}")


def _rest_chain(st: ShiftType, step: int, min_gap: int, key: str) -> tuple[RestSlot, ...]:
    order = sorted(
        range(len(st.rest_periods)),
        key=lambda j: (st.rest_periods[j].earliest_min, st.rest_periods[j].latest_min, j),
    )
    lunch_index = 0 if st.lunch is not None else -1
    periods = [st.rest_periods[j] for j in order]
    offsets = [list(range(p.earliest_min, p.latest_min + 1, step)) for p in periods]
    gaps = [0] + [p.length_min + min_gap for p in periods[:-1]]
    for j in range(1, len(periods)):  # forward: after the earliest possible previous start
        offsets[j] = [o for o in offsets[j] if offsets[j - 1] and o >= offsets[j - 1][0] + gaps[j]]
    for j in range(len(periods) - 2, -1, -1):  # backward: before the latest next start
        offsets[j] = [
            o for o in offsets[j] if offsets[j + 1] and o + gaps[j + 1] <= offsets[j + 1][-1]
        ]
    if any(not o for o in offsets):
        raise RulesError(
            f"{key}: its lunch and break windows leave no way to place them "
            f"{min_gap} min apart (breaks.min_gap_min); expected windows far enough apart"
        )
    return tuple(
        RestSlot(
            kind="lunch" if order[j] == lunch_index else "break",
            length_min=p.length_min,
            offsets_min=tuple(offsets[j]),
            after_prev_min=gaps[j],
            paid=p.paid,
        )
        for j, p in enumerate(periods)
    )


def _check_rests(st: ShiftType, key: str, step: int, min_gap: int) -> None:
    """The rest periods of a shift type can be placed.

    no two overlap wherever they go, and some placement keeps them ``min_gap`` apart
    (:func:`rest_chain`).
    """
    named = ([("lunch", st.lunch)] if st.lunch else []) + [
        (f"breaks[{j}]", b) for j, b in enumerate(st.breaks)
    ]
    for (name_a, a), (name_b, b) in itertools.combinations(named, 2):
        # they overlap wherever they go when neither can end before the other starts
        if b.latest_min < a.earliest_min + a.length_min and (
            a.latest_min < b.earliest_min + b.length_min
        ):
            raise RulesError(
                f"{key}: {name_a} ({a.length_min} min starting {a.earliest_min}..{a.latest_min} "
                f"min into the shift) and {name_b} ({b.length_min} min starting "
                f"{b.earliest_min}..{b.latest_min}) overlap wherever they are placed; expected "
                "windows that let one end before the other starts"
            )
    _rest_chain(st, step, min_gap, key)


def load_rules(path: Path | str) -> RosterRules:
    """Read ``rules.toml``.

    Raises
    ------
    RulesError
        On a missing file, bad TOML, unknown key or invalid value; the message names the key.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulesError(f"{path}: file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:  # a folder, no permission
        raise RulesError(f"{path}: cannot read the file ({exc.strerror})") from None
    try:
        return rules_from_dict(data)
    except RulesError as exc:
        raise RulesError(f"{path}: {exc}") from None


def rules_from_dict(data: dict[str, Any]) -> RosterRules:
    """Build :class:`RosterRules` from the parsed TOML mapping (see :func:`load_rules`)."""
    _only(data, "", {"week", "night", "breaks", "fairness", "shift", "weights"})
    week = _table(data, "week")
    _only(
        week,
        "week.",
        {
            "min_rest_h",
            "max_consecutive_days",
            "days_off",
            "days_off_consecutive",
            "weekend",
        },
    )
    night = _table(data, "night")
    _only(night, "night.", {"start", "end", "min_overlap_h", "max_per_week"})
    brk = _table(data, "breaks")
    _only(brk, "breaks.", {"step_min", "min_gap_min"})
    fair = _table(data, "fairness")
    _only(fair, "fairness.", {"late_end_after", "start_band_h"})

    shifts_raw = data.get("shift")
    if not isinstance(shifts_raw, list) or not shifts_raw:
        raise RulesError("shift: at least one [[shift]] table is required")
    step_break = _int(brk, "breaks.step_min", 15, lo=1)
    min_gap = _int(brk, "breaks.min_gap_min", 60, lo=0)
    types = tuple(_shift(s, i, step_break) for i, s in enumerate(shifts_raw))
    names = [t.name for t in types]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise RulesError(f"shift.name: duplicate shift name(s) {sorted(dup)}")
    for i, st in enumerate(types):
        _check_rests(st, f"shift[{i}] ({st.name})", step_break, min_gap)

    weekend: set[int] = set()
    for name in week.get("weekend", ["sat", "sun"]):
        key = str(name).lower()[:3]
        if key not in WEEKDAYS:
            raise RulesError(f"week.weekend: unknown weekday {name!r}")
        weekend.add(WEEKDAYS.index(key))
    max_nights = night.get("max_per_week")
    return RosterRules(
        shift_types=types,
        min_rest_min=round(_num(week, "week.min_rest_h", 12.0, lo=0, hi=48) * 60),
        max_consecutive_days=_int(week, "week.max_consecutive_days", 6, lo=1),
        days_off_per_week=_int(week, "week.days_off", 2, lo=0, hi=7),
        days_off_consecutive=_bool(week, "week.days_off_consecutive", True),
        weekend_days=frozenset(weekend),
        night_start_min=_time(night, "night.start", "22:00"),
        night_end_min=_time(night, "night.end", "06:00"),
        night_min_overlap_min=round(_num(night, "night.min_overlap_h", 3.0, lo=0, hi=24) * 60),
        max_night_shifts_week=(
            None if max_nights is None else _int(night, "night.max_per_week", 0, lo=0, hi=7)
        ),
        late_end_after_min=_time(fair, "fairness.late_end_after", "21:00", allow_24=True),
        break_step_min=step_break,
        break_min_gap_min=min_gap,
        start_band_min=round(_num(fair, "fairness.start_band_h", 2.0, lo=0.25, hi=24) * 60),
        weights=_weights(_table(data, "weights")),
    )


def _shift(raw: object, i: int, step_break: int) -> ShiftType:
    key = f"shift[{i}]"
    if not isinstance(raw, dict):
        raise RulesError(f"{key}: expected a table")
    _only(
        raw,
        f"{key}.",
        {
            "name",
            "length_h",
            "starts",
            "start_step_min",
            "lunch",
            "breaks",
            "channels",
            "groups",
        },
    )
    name = str(raw.get("name", f"shift{i}"))
    key = f"shift[{i}] ({name})"
    length = round(_num(raw, f"{key}.length_h", None, lo=0.5, hi=16) * 60)
    step = _int(raw, f"{key}.start_step_min", 30, lo=1, hi=MINUTES_PER_DAY)
    starts = raw.get("starts")
    if isinstance(starts, str):
        starts = [starts]
    if not isinstance(starts, list) or not starts:
        raise RulesError(f'{key}.starts: expected a list of "HH:MM-HH:MM" windows')
    windows = []
    for item in starts:
        try:
            first, last = str(item).split("-")
            a, b = parse_hhmm(first), parse_hhmm(last)
        except ValueError:
            raise RulesError(f'{key}.starts: bad window {item!r}, expected "HH:MM-HH:MM"') from None
        if b < a:
            raise RulesError(f"{key}.starts: window {item!r} ends before it starts")
        windows.append((a, b))
    lunch = None
    if "lunch" in raw:
        lunch = _break(raw["lunch"], f"{key}.lunch", length, step_break, paid_default=False)
    breaks_raw = raw.get("breaks", [])
    if not isinstance(breaks_raw, list):
        raise RulesError(f"{key}.breaks: expected a list of tables")
    breaks = tuple(
        _break(b, f"{key}.breaks[{j}]", length, step_break, paid_default=True)
        for j, b in enumerate(breaks_raw)
    )
    return ShiftType(
        name=name,
        length_min=length,
        start_windows=tuple(windows),
        start_step_min=step,
        lunch=lunch,
        breaks=breaks,
        channels=_names(raw, f"{key}.channels"),
        groups=_names(raw, f"{key}.groups"),
    )


def _break(raw: object, key: str, shift_len: int, step: int, *, paid_default: bool) -> BreakRule:
    if not isinstance(raw, dict):
        raise RulesError(f"{key}: expected a table")
    _only(raw, f"{key}.", {"length_min", "earliest_min", "latest_min", "paid"})
    length = _int(raw, f"{key}.length_min", None, lo=1)
    if length >= shift_len:
        raise RulesError(
            f"{key}.length_min: {length} min is not shorter than the shift ({shift_len} min)"
        )
    earliest = _int(raw, f"{key}.earliest_min", None, lo=0)
    latest = _int(raw, f"{key}.latest_min", None, lo=0)
    if latest < earliest:
        raise RulesError(f"{key}.latest_min: before earliest_min")
    # a shift starts and ends with work (the rule checker's "structure" rule)
    if earliest == 0:
        raise RulesError(
            f"{key}.earliest_min: 0 would start the shift with a rest; expected a start after "
            "some work"
        )
    if earliest + length >= shift_len:
        raise RulesError(
            f"{key}.earliest_min: a {length}-min rest starting {earliest} min into the "
            f"{shift_len}-min shift would end it (or run past it); expected the shift to end "
            "with work"
        )
    if latest + length >= shift_len:
        raise RulesError(
            f"{key}.latest_min: the break would end the shift (or run past it); expected the "
            "shift to end with work"
        )
    for k, v in (("length_min", length), ("earliest_min", earliest), ("latest_min", latest)):
        if v % step:
            raise RulesError(f"{key}.{k}: must be a multiple of breaks.step_min ({step})")
    return BreakRule(length, earliest, latest, _bool(raw, f"{key}.paid", paid_default))


def _weights(raw: dict[str, Any]) -> Weights:
    default = Weights()
    _only(raw, "weights.", set(Weights.__dataclass_fields__))
    under = raw.get("under_staffing", list(default.under_staffing))
    if isinstance(under, int | float) and not isinstance(under, bool):
        under = [under]
    if (
        not isinstance(under, list)
        or not under
        or not all(isinstance(u, int | float) and not isinstance(u, bool) and u >= 0 for u in under)
    ):
        raise RulesError("weights.under_staffing: expected a list of non-negative numbers")
    if any(b < a for a, b in zip(under, under[1:], strict=False)):
        raise RulesError("weights.under_staffing: must not decrease (the penalty is convex)")
    source = raw.get("under_staffing_from", default.under_staffing_from)
    if source not in UNDER_STAFFING_SOURCES:
        raise RulesError(
            f"weights.under_staffing_from: expected one of {', '.join(UNDER_STAFFING_SOURCES)}, "
            f"got {source!r}"
        )
    values = {
        k: _num(raw, f"weights.{k}", getattr(default, k), lo=0)
        for k in Weights.__dataclass_fields__
        if k not in ("under_staffing", "under_staffing_from")
    }
    return Weights(
        under_staffing=tuple(float(u) for u in under), under_staffing_from=source, **values
    )


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise RulesError(f"{key}: expected a table")
    return value


def _only(data: dict[str, Any], prefix: str, allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise RulesError(
            f"{prefix}{unknown[0]}: unknown key (allowed: {', '.join(sorted(allowed))})"
        )


def _num(
    data: dict[str, Any],
    key: str,
    default: float | None,
    *,
    lo: float | None = None,
    hi: float | None = None,
) -> float:
    name = key.rsplit(".", 1)[-1]
    if name not in data:
        if default is None:
            raise RulesError(f"{key}: required")
        return default
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RulesError(f"{key}: expected a number, got {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise RulesError(f"{key}: {value!r} out of range [{lo}, {hi}]")
    return float(value)


def _int(
    data: dict[str, Any],
    key: str,
    default: int | None,
    *,
    lo: int | None = None,
    hi: int | None = None,
) -> int:
    value = _num(data, key, default, lo=lo, hi=hi)
    if value != int(value):
        raise RulesError(f"{key}: expected a whole number, got {value!r}")
    return int(value)


def _bool(data: dict[str, Any], key: str, default: bool) -> bool:
    value = data.get(key.rsplit(".", 1)[-1], default)
    if not isinstance(value, bool):
        raise RulesError(f"{key}: expected true or false, got {value!r}")
    return value


def _time(data: dict[str, Any], key: str, default: str, *, allow_24: bool = False) -> int:
    value = data.get(key.rsplit(".", 1)[-1], default)
    try:
        return parse_hhmm(str(value), allow_24=allow_24)
    except ValueError:
        raise RulesError(f'{key}: expected "HH:MM", got {value!r}') from None


def _names(data: dict[str, Any], key: str) -> tuple[str, ...] | None:
    value = data.get(key.rsplit(".", 1)[-1])
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise RulesError(f"{key}: expected a list of names")
    return tuple(value)
