"""Calendar facts per day: weekends, public holidays, Ramadan, Eid proximity and planner events.

Everything here is offline and deterministic: public holidays come from the ``holidays`` package
(``holidays.country_holidays``), Hijri dates from ``hijridate`` (the Umm al-Qura calendar, valid
1924-08-01 .. 2077-11-16). Future dates are computed exactly like past ones, so a model that learned
the effect of two Ramadans can apply it to the third.

Main entry point::

    features = day_features(dates, CalendarConfig(country="AE"))

returns one row per distinct local date (a naive midnight ``DatetimeIndex`` named ``date``) with
these columns:

==================  ======  =====================================================================
column              dtype   meaning
==================  ======  =====================================================================
``weekday``         int     0 = Monday .. 6 = Sunday
``month``           int     1 .. 12
``day_of_year``     int     1 .. 366
``is_weekend``      bool    weekend day under the weekend rule in force on that date
``is_short_day``    bool    short working day under that rule (e.g. UAE Friday since 2022)
``is_holiday``      bool    public holiday of ``country`` (and ``subdiv``)
``holiday_name``    str     the holiday's name(s) without "(estimated)", ``""`` when none
``is_workday``      bool    neither weekend nor holiday
``is_ramadan``      bool    inside Ramadan (9th Hijri month, Umm al-Qura)
``ramadan_day``     int     1 .. 29/30 inside Ramadan, 0 outside
``is_eid``          bool    inside an Eid holiday block (see below)
``eid_kind``        str     ``"eid_al_fitr"`` / ``"eid_al_adha"`` inside a block or its window
``days_to_eid``     int     k > 0 when the next Eid block starts in k days (k <= window), else 0
``days_after_eid``  int     k > 0 when the last Eid block ended k days ago (k <= window), else 0
``eid_offset``      int     signed: ``-days_to_eid`` before, ``+days_after_eid`` after, else 0
``is_pre_eid``      bool    ``days_to_eid > 0``
``is_post_eid``     bool    ``days_after_eid > 0``
``event``           str     name(s) of planner events covering the date (``"; "``-joined), ``""``
``event_effect``    float   product of the events' ``effect`` factors; NaN when none is given
``day_type``        cat     see :data:`DAY_TYPES`
==================  ======  =====================================================================

An **Eid block** is the Eid day itself (1 Shawwal for Eid al-Fitr, 10 Dhu al-Hijjah for Eid
al-Adha, Umm al-Qura) extended by every public holiday of the configured country that touches it
without a gap. For the UAE this takes in the Day of Arafah before Eid al-Adha and the announced
"Eid holiday" days, so the "pre-Eid" window is the last working days of Ramadan / before Arafah and
the "post-Eid" window is the catch-up after the holiday. In a country without Eid holidays the
block is the Eid day alone.

``day_type`` precedence: holiday > weekend > short day > workday, with the three non-holiday kinds
prefixed ``ramadan_`` inside Ramadan (a holiday wins over Ramadan).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import holidays
import numpy as np
import pandas as pd
from hijridate import Gregorian, Hijri

from forecasting._validation import CALENDAR_DATES
from forecasting.errors import ConfigError, InputError

__all__ = [
    "DAY_TYPES",
    "SAT_SUN_WEEKEND",
    "UAE_WEEKENDS",
    "CalendarConfig",
    "Event",
    "WeekendRule",
    "day_features",
    "default_weekend_rules",
    "eid_dates",
    "interval_day_features",
    "load_events",
    "ramadan_range",
]

DAY_TYPES: tuple[str, ...] = (
    "workday",
    "short_day",
    "weekend",
    "holiday",
    "ramadan_workday",
    "ramadan_short_day",
    "ramadan_weekend",
)
"""Categories of the ``day_type`` column, in this order."""

_HIJRI_FIRST_YEAR = 1343  # first Hijri year of the Umm al-Qura table in hijridate (1924-08-01)
_HIJRI_LAST_YEAR = 1500  # last one (ends 2077-11-16)
_MIN_DATE, _MAX_DATE = CALENDAR_DATES
_MAX_EID_WINDOW_DAYS = 30
_ESTIMATED = re.compile(r"\s*\(estimated\)")


@dataclass(frozen=True, slots=True)
class WeekendRule:
    """Which weekdays are weekend and short working days over a date range.

    Parameters
    ----------
    start, end
        First and last date (inclusive) the rule applies to; ``None`` means open-ended.
    weekend_days
        Weekend weekdays, Monday = 0 .. Sunday = 6.
    short_days
        Short working days (working days with reduced hours), same numbering.
    """

    start: date | None
    end: date | None
    weekend_days: tuple[int, ...]
    short_days: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        """Check the weekdays and the date range.

        Raises
        ------
        ConfigError
            A weekday outside 0 .. 6, a day both weekend and short, or an end before the start.
        """
        for name in ("weekend_days", "short_days"):
            days = getattr(self, name)
            if any(not isinstance(d, int) or not 0 <= d <= 6 for d in days):
                raise ConfigError(f"WeekendRule.{name} must hold weekdays 0 (Mon) .. 6 (Sun)")
        if set(self.weekend_days) & set(self.short_days):
            raise ConfigError("a weekday cannot be both a weekend day and a short day")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ConfigError(f"WeekendRule ends ({self.end}) before it starts ({self.start})")


UAE_WEEKENDS: tuple[WeekendRule, ...] = (
    # Federal weekend Friday-Saturday until the end of 2021.
    WeekendRule(start=None, end=date(2021, 12, 31), weekend_days=(4, 5), short_days=()),
    # Saturday-Sunday from 1 January 2022; Friday is a short (half) government working day.
    WeekendRule(start=date(2022, 1, 1), end=None, weekend_days=(5, 6), short_days=(4,)),
)
"""The UAE weekend: Fri-Sat until 2021-12-31, then Sat-Sun with a short Friday."""

SAT_SUN_WEEKEND: tuple[WeekendRule, ...] = (
    WeekendRule(start=None, end=None, weekend_days=(5, 6), short_days=()),
)
"""A plain Saturday-Sunday weekend for every date."""

# Countries whose weekend is Friday-Saturday today (earlier regimes are not modelled here: pass
# explicit rules for history that predates a change).
_FRI_SAT_COUNTRIES = frozenset({"BH", "DZ", "EG", "IL", "IQ", "JO", "KW", "LY", "OM", "QA", "SA"})


def default_weekend_rules(country: str) -> tuple[WeekendRule, ...]:
    """Weekend rules for *country* when none are configured.

    Parameters
    ----------
    country
        ISO 3166-1 alpha-2 code.

    Returns
    -------
    tuple of WeekendRule
        :data:`UAE_WEEKENDS` for ``"AE"``, Friday-Saturday for a few Middle-East countries,
        :data:`SAT_SUN_WEEKEND` otherwise.
    """
    code = country.upper()
    if code == "AE":
        return UAE_WEEKENDS
    if code in _FRI_SAT_COUNTRIES:
        return (WeekendRule(start=None, end=None, weekend_days=(4, 5), short_days=()),)
    return SAT_SUN_WEEKEND


@dataclass(frozen=True, slots=True)
class Event:
    """A planner event over an inclusive date range (an outage, a campaign, a launch).

    Parameters
    ----------
    name
        Label shown in the ``event`` column.
    start, end
        First and last day (inclusive).
    effect
        Optional multiplicative factor on volume the planner expects (1.3 = 30 % more, 0.5 = half);
        ``None`` when unknown (the model may learn it from history).
    """

    name: str
    start: date
    end: date
    effect: float | None = None

    def __post_init__(self) -> None:
        """Check the name, the dates and the effect.

        Raises
        ------
        ConfigError
            An empty name, an end before the start, or an effect that is not a finite number
            >= 0.
        """
        if not self.name or not self.name.strip():
            raise ConfigError("an event needs a name")
        if self.end < self.start:
            raise ConfigError(
                f"event {self.name!r} ends ({self.end}) before it starts ({self.start})"
            )
        if self.effect is not None and not (math.isfinite(self.effect) and self.effect >= 0):
            raise ConfigError(f"event {self.name!r}: effect must be a finite number >= 0")


@dataclass(frozen=True, slots=True)
class CalendarConfig:
    """Which calendar facts apply to a center.

    Parameters
    ----------
    country
        ISO country code for public holidays (any code ``holidays`` knows); default ``"AE"``.
    weekend_rules
        Weekend regimes by date. ``None`` (default) = :func:`default_weekend_rules` of *country*
        (:data:`UAE_WEEKENDS` for ``"AE"``). The rules must not overlap; a date no rule covers is
        treated as having no weekend days.
    events
        Planner events (:class:`Event`).
    eid_window_days
        How many days before an Eid block count as pre-Eid and after it as post-Eid (0 .. 30).
    subdiv
        Optional subdivision code passed to ``holidays`` (e.g. an emirate or a state).
    """

    country: str = "AE"
    weekend_rules: tuple[WeekendRule, ...] | None = None
    events: tuple[Event, ...] = field(default=())
    eid_window_days: int = 3
    subdiv: str | None = None

    def __post_init__(self) -> None:
        """Check the country, the Eid window and the weekend rules.

        Raises
        ------
        ConfigError
            A country ``holidays`` does not know, an Eid window outside 0 .. 30 days, or weekend
            rules whose date ranges overlap.
        """
        if not isinstance(self.country, str) or not self.country.strip():
            raise ConfigError("country must be an ISO country code such as 'AE'")
        if not 0 <= int(self.eid_window_days) <= _MAX_EID_WINDOW_DAYS:
            raise ConfigError(f"eid_window_days must be 0 .. {_MAX_EID_WINDOW_DAYS}")
        # Fail early on an unknown country rather than at the first lookup.
        _holidays_for_year(self.country.upper(), self.subdiv, 2000)
        rules = self.resolved_weekend_rules()
        for i, a in enumerate(rules):
            for b in rules[i + 1 :]:
                a_lo, a_hi = a.start or date.min, a.end or date.max
                b_lo, b_hi = b.start or date.min, b.end or date.max
                if a_lo <= b_hi and b_lo <= a_hi:
                    raise ConfigError(f"weekend rules overlap: {a} and {b}")

    def resolved_weekend_rules(self) -> tuple[WeekendRule, ...]:
        """The weekend rules in force: the configured ones or the country's default."""
        if self.weekend_rules is None:
            return default_weekend_rules(self.country)
        return tuple(self.weekend_rules)


# ---------------------------------------------------------------------------------------------
# Cached lookups


@lru_cache(maxsize=512)
def _holidays_for_year(country: str, subdiv: str | None, year: int) -> dict[date, str]:
    """Public holidays of one year as ``{date: name}`` (cached per country, subdiv, year)."""
    try:
        table = holidays.country_holidays(country, subdiv=subdiv, years=year)
    except NotImplementedError as exc:
        what = f"country {country!r}" + (f" / subdivision {subdiv!r}" if subdiv else "")
        raise ConfigError(f"unknown holiday {what}: {exc}") from exc
    except (KeyError, ValueError) as exc:
        raise ConfigError(f"bad holiday country/subdivision {country!r}/{subdiv!r}: {exc}") from exc
    # "(estimated)" marks future Islamic dates; strip it so a holiday keeps one name across years.
    return {d: _ESTIMATED.sub("", str(name)).strip() for d, name in table.items() if d.year == year}


@dataclass(frozen=True, slots=True)
class _HijriYear:
    ramadan_first: date
    ramadan_last: date
    eid_al_fitr: date  # 1 Shawwal
    eid_al_adha: date  # 10 Dhu al-Hijjah


@lru_cache(maxsize=256)
def _hijri_year(hijri_year: int) -> _HijriYear:
    first = Hijri(hijri_year, 9, 1)
    last = Hijri(hijri_year, 9, first.month_length())
    return _HijriYear(
        ramadan_first=_to_date(first),
        ramadan_last=_to_date(last),
        eid_al_fitr=_to_date(Hijri(hijri_year, 10, 1)),
        eid_al_adha=_to_date(Hijri(hijri_year, 12, 10)),
    )


def _to_date(h: Hijri) -> date:
    g = h.to_gregorian()
    return date(g.year, g.month, g.day)


def _hijri_year_of(d: date) -> int:
    if not _MIN_DATE <= d <= _MAX_DATE:
        raise ConfigError(
            f"date {d} is outside the Umm al-Qura calendar range {_MIN_DATE} .. {_MAX_DATE}"
        )
    return int(Gregorian(d.year, d.month, d.day).to_hijri().year)


def _hijri_years_covering(first: date, last: date) -> range:
    lo = max(_HIJRI_FIRST_YEAR, _hijri_year_of(first) - 1)
    hi = min(_HIJRI_LAST_YEAR, _hijri_year_of(last) + 1)
    return range(lo, hi + 1)


def ramadan_range(gregorian_year: int) -> tuple[date, date]:
    """First and last day of the Ramadan that begins in *gregorian_year* (Umm al-Qura).

    Parameters
    ----------
    gregorian_year
        A year between 1925 and 2077. When two Ramadans begin in one Gregorian year (it happens
        about every 33 years, e.g. 2030), the first one is returned.

    Returns
    -------
    (date, date)
        Inclusive first and last day.

    Examples
    --------
    >>> ramadan_range(2026)
    (datetime.date(2026, 2, 18), datetime.date(2026, 3, 19))
    """
    lo, hi = date(gregorian_year, 1, 1), date(gregorian_year, 12, 31)
    try:
        years = _hijri_years_covering(max(lo, _MIN_DATE), min(hi, _MAX_DATE))
    except ConfigError:
        years = range(0)
    for hy in years:
        facts = _hijri_year(hy)
        if lo <= facts.ramadan_first <= hi:
            return facts.ramadan_first, facts.ramadan_last
    raise ConfigError(f"no Ramadan begins in {gregorian_year} within the Umm al-Qura range")


def eid_dates(gregorian_year: int) -> dict[str, list[date]]:
    """Eid al-Fitr (1 Shawwal) and Eid al-Adha (10 Dhu al-Hijjah) days in *gregorian_year*.

    Returns
    -------
    dict
        ``{"eid_al_fitr": [...], "eid_al_adha": [...]}`` (usually one date each; two in the years
        where the Hijri calendar laps the Gregorian one).
    """
    lo, hi = date(gregorian_year, 1, 1), date(gregorian_year, 12, 31)
    out: dict[str, list[date]] = {"eid_al_fitr": [], "eid_al_adha": []}
    for hy in _hijri_years_covering(max(lo, _MIN_DATE), min(hi, _MAX_DATE)):
        facts = _hijri_year(hy)
        for kind, d in (("eid_al_fitr", facts.eid_al_fitr), ("eid_al_adha", facts.eid_al_adha)):
            if lo <= d <= hi:
                out[kind].append(d)
    return out


# ---------------------------------------------------------------------------------------------
# Events file


def load_events(path: str | Path) -> tuple[Event, ...]:
    """Read planner events from a CSV with columns ``name,start,end[,effect]``.

    Dates are ``YYYY-MM-DD``; ``end`` may be empty for a one-day event; ``effect`` is an optional
    multiplicative volume factor (empty = unknown). Extra columns are ignored. UTF-8, BOM allowed.

    Parameters
    ----------
    path
        The CSV file.

    Returns
    -------
    tuple of Event

    Raises
    ------
    InputError
        Naming the file, the 1-based line (header = 1) and the column of the first problem.
    """
    path = Path(path)
    name = str(path)
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except FileNotFoundError as exc:
        raise InputError("file not found", file=name) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=name) from exc
    except OSError as exc:  # a folder, no permission
        raise InputError(f"cannot read the file ({exc.strerror})", file=name) from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputError(
            "empty file: expected a header 'name,start,end[,effect]'", file=name, row=1
        )
    header = [cell.strip().lower() for cell in rows[0]]
    for required in ("name", "start", "end"):
        if required not in header:
            raise InputError(
                f"missing column '{required}' (header is {','.join(rows[0])})",
                file=name,
                row=1,
                column=required,
            )
    col = {c: header.index(c) for c in ("name", "start", "end")}
    effect_col = header.index("effect") if "effect" in header else None

    events: list[Event] = []
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank line

        def cell(idx: int | None, row: list[str] = row) -> str:
            return row[idx].strip() if idx is not None and idx < len(row) else ""

        ev_name = cell(col["name"])
        if not ev_name:
            raise InputError("empty event name", file=name, row=line_no, column="name")
        start = _parse_date(cell(col["start"]), name, line_no, "start")
        end_text = cell(col["end"])
        end = start if not end_text else _parse_date(end_text, name, line_no, "end")
        if end < start:
            raise InputError(
                f"end {end} is before start {start}", file=name, row=line_no, column="end"
            )
        effect: float | None = None
        effect_text = cell(effect_col)
        if effect_text:
            try:
                effect = float(effect_text)
            except ValueError:
                effect = math.nan
            if not (math.isfinite(effect) and effect >= 0):
                raise InputError(
                    f"effect must be a number >= 0 (a volume factor such as 1.2), "
                    f"got {effect_text!r}",
                    file=name,
                    row=line_no,
                    column="effect",
                )
        events.append(Event(name=ev_name, start=start, end=end, effect=effect))
    return tuple(events)


def _parse_date(text: str, file: str, row: int, column: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"expected a date YYYY-MM-DD, got {text!r}", file=file, row=row, column=column
        ) from None


# ---------------------------------------------------------------------------------------------
# Features


def _normalise_dates(dates: Iterable[object] | pd.Index | pd.Series) -> pd.DatetimeIndex:
    """Distinct local dates as a sorted, naive, midnight DatetimeIndex named ``date``."""
    try:
        if isinstance(dates, pd.Series):
            values = pd.DatetimeIndex(pd.to_datetime(dates))
        elif isinstance(dates, pd.DatetimeIndex):
            values = dates
        else:
            values = pd.DatetimeIndex(pd.to_datetime(pd.Index(list(dates))))
    except (TypeError, ValueError) as exc:
        raise InputError(f"dates must be dates or timestamps: {exc}") from exc
    if values.tz is not None:
        values = values.tz_localize(None)  # wall-clock date in the timestamps' own zone
    if values.hasnans:
        raise InputError("dates must not contain missing values")
    out = pd.DatetimeIndex(values.normalize().unique()).sort_values().as_unit("ns")
    out.name = "date"
    return out


def _np_day(d: date) -> np.datetime64:
    return np.datetime64(d, "D")


def day_features(
    dates: Iterable[object] | pd.Index | pd.Series, config: CalendarConfig | None = None
) -> pd.DataFrame:
    """Calendar features for each distinct date in *dates*.

    Parameters
    ----------
    dates
        Dates, date strings or timestamps (tz-aware timestamps count in their own zone's wall
        clock, so pass interval starts in the center's zone). Duplicates are collapsed.
    config
        The center's calendar; default ``CalendarConfig()`` (UAE).

    Returns
    -------
    pandas.DataFrame
        One row per distinct date, sorted, indexed by a naive midnight ``DatetimeIndex`` named
        ``date``; columns as in the module docstring.

    Raises
    ------
    ConfigError
        Dates outside the Umm al-Qura range (1924-08-01 .. 2077-11-16) or a bad configuration.
    InputError
        Values that are not dates.
    """
    config = config or CalendarConfig()
    idx = _normalise_dates(dates)
    n = len(idx)
    days = idx.to_numpy().astype("datetime64[D]")
    weekday = idx.day_of_week.to_numpy().astype(np.int64)

    frame = pd.DataFrame(index=idx)
    frame["weekday"] = weekday
    frame["month"] = idx.month.to_numpy().astype(np.int64)
    frame["day_of_year"] = idx.day_of_year.to_numpy().astype(np.int64)
    if n == 0:
        return _empty_features(frame)

    # Weekend regimes.
    is_weekend = np.zeros(n, dtype=bool)
    is_short = np.zeros(n, dtype=bool)
    for rule in config.resolved_weekend_rules():
        in_rule = np.ones(n, dtype=bool)
        if rule.start is not None:
            in_rule &= days >= _np_day(rule.start)
        if rule.end is not None:
            in_rule &= days <= _np_day(rule.end)
        is_weekend[in_rule] = np.isin(weekday[in_rule], rule.weekend_days)
        is_short[in_rule] = np.isin(weekday[in_rule], rule.short_days)

    # Public holidays (one cached table per year; one year either side for Eid blocks).
    first, last = idx[0].date(), idx[-1].date()
    country = config.country.upper()
    holiday_map: dict[date, str] = {}
    for year in range(first.year - 1, last.year + 2):
        holiday_map.update(_holidays_for_year(country, config.subdiv, year))
    date_objs = [d.date() for d in idx]
    holiday_name = np.array([holiday_map.get(d, "") for d in date_objs], dtype=object)
    is_holiday = holiday_name != ""

    # Ramadan and Eid blocks.
    is_ramadan = np.zeros(n, dtype=bool)
    ramadan_day = np.zeros(n, dtype=np.int64)
    is_eid = np.zeros(n, dtype=bool)
    eid_kind = np.full(n, "", dtype=object)
    days_to = np.zeros(n, dtype=np.int64)
    days_after = np.zeros(n, dtype=np.int64)
    window = int(config.eid_window_days)
    one = timedelta(days=1)
    for hy in _hijri_years_covering(first, last):
        facts = _hijri_year(hy)
        r0, r1 = _np_day(facts.ramadan_first), _np_day(facts.ramadan_last)
        in_ramadan = (days >= r0) & (days <= r1)
        is_ramadan |= in_ramadan
        ramadan_day[in_ramadan] = (days[in_ramadan] - r0).astype(np.int64) + 1
        for kind, eid in (("eid_al_fitr", facts.eid_al_fitr), ("eid_al_adha", facts.eid_al_adha)):
            b0 = b1 = eid
            while b0 - one in holiday_map:
                b0 -= one
            while b1 + one in holiday_map:
                b1 += one
            lo, hi = _np_day(b0), _np_day(b1)
            in_block = (days >= lo) & (days <= hi)
            to = (lo - days).astype(np.int64)
            after = (days - hi).astype(np.int64)
            pre = (to >= 1) & (to <= window)
            post = (after >= 1) & (after <= window)
            is_eid |= in_block
            eid_kind[in_block | pre | post] = kind
            days_to[pre] = to[pre]
            days_after[post] = after[post]

    # Planner events.
    event_name = np.full(n, "", dtype=object)
    event_effect = np.full(n, np.nan)
    for ev in config.events:
        hit = (days >= _np_day(ev.start)) & (days <= _np_day(ev.end))
        if not hit.any():
            continue
        event_name[hit] = np.where(event_name[hit] == "", ev.name, event_name[hit] + "; " + ev.name)
        if ev.effect is not None:
            event_effect[hit] = np.where(
                np.isnan(event_effect[hit]), ev.effect, event_effect[hit] * ev.effect
            )

    frame["is_weekend"] = is_weekend
    frame["is_short_day"] = is_short
    frame["is_holiday"] = is_holiday
    frame["holiday_name"] = pd.array(holiday_name, dtype="str")
    frame["is_workday"] = ~is_weekend & ~is_holiday
    frame["is_ramadan"] = is_ramadan
    frame["ramadan_day"] = ramadan_day
    frame["is_eid"] = is_eid
    frame["eid_kind"] = pd.array(eid_kind, dtype="str")
    frame["days_to_eid"] = days_to
    frame["days_after_eid"] = days_after
    frame["eid_offset"] = days_after - days_to
    frame["is_pre_eid"] = days_to > 0
    frame["is_post_eid"] = days_after > 0
    frame["event"] = pd.array(event_name, dtype="str")
    frame["event_effect"] = event_effect

    base = np.where(is_weekend, "weekend", np.where(is_short, "short_day", "workday"))
    typed = np.where(is_ramadan, np.char.add("ramadan_", base), base)
    typed = np.where(is_holiday, "holiday", typed)
    frame["day_type"] = pd.Categorical(typed.tolist(), categories=DAY_TYPES)
    return frame


def _empty_features(frame: pd.DataFrame) -> pd.DataFrame:
    for col in ("is_weekend", "is_short_day", "is_holiday", "is_workday", "is_ramadan", "is_eid"):
        frame[col] = np.zeros(0, dtype=bool)
    for col in ("ramadan_day", "days_to_eid", "days_after_eid", "eid_offset"):
        frame[col] = np.zeros(0, dtype=np.int64)
    for col in ("holiday_name", "eid_kind", "event"):
        frame[col] = pd.array([], dtype="str")
    frame["is_pre_eid"] = np.zeros(0, dtype=bool)
    frame["is_post_eid"] = np.zeros(0, dtype=bool)
    frame["event_effect"] = np.zeros(0)
    frame["day_type"] = pd.Categorical([], categories=DAY_TYPES)
    order = [
        "weekday",
        "month",
        "day_of_year",
        "is_weekend",
        "is_short_day",
        "is_holiday",
        "holiday_name",
        "is_workday",
        "is_ramadan",
        "ramadan_day",
        "is_eid",
        "eid_kind",
        "days_to_eid",
        "days_after_eid",
        "eid_offset",
        "is_pre_eid",
        "is_post_eid",
        "event",
        "event_effect",
        "day_type",
    ]
    return frame[order]


def interval_day_features(
    timestamps: Sequence[object] | pd.Series | pd.DatetimeIndex,
    config: CalendarConfig | None = None,
) -> pd.DataFrame:
    """Day features aligned row by row with *timestamps* (e.g. a history's ``interval_start``).

    Computes :func:`day_features` once per distinct date and broadcasts it, so 500k intervals cost
    about as much as their ~2,000 days.

    Parameters
    ----------
    timestamps
        Timestamps (tz-aware in the center's zone, or naive wall clock).
    config
        The center's calendar.

    Returns
    -------
    pandas.DataFrame
        Same length and order as *timestamps*, default ``RangeIndex``, with a ``date`` column
        followed by the :func:`day_features` columns.
    """
    try:
        if isinstance(timestamps, pd.DatetimeIndex):
            ts = timestamps
        else:
            ts = pd.DatetimeIndex(pd.to_datetime(pd.Series(timestamps)))
    except (TypeError, ValueError) as exc:
        raise InputError(f"timestamps must be datetimes: {exc}") from exc
    if ts.tz is not None:
        ts = ts.tz_localize(None)
    keys = ts.normalize().as_unit("ns")
    features = day_features(keys, config)
    out = features.reindex(keys)
    out.index.name = "date"
    return out.reset_index()
