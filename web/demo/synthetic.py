"""A seeded, documented generator of contact-center history: the demo center.

The demo center is an invented UAE government contact center (no real data is copied) that
answers for 55 government entities (``data/entities.toml``): one queue per entity x language x
channel, 320 queues on voice, chat, WhatsApp and email, with a long tail of volumes
(:func:`entity_center_spec`). :data:`DEMO_SPEC` describes it (two years, 2024-11-30 ..
2026-11-29); :data:`SMALL_SPEC` is the earlier three-channel center (five pooled series,
2021-2026) that tests and benchmarks use. :func:`generate_history` draws interval history for
any date range; :func:`write_demo_history` writes the demo file; :func:`write_demo_agents`
writes the demo roster's agents. Everything is vectorised numpy over a (day x
interval-of-day) grid, series by series: the 50-entity demo (11 million intervals) is drawn in
about 10 s, and its CSV written in about 35 s more.

Assumptions (each a deliberate, documented choice; see also ``data/README.md``)
-------------------------------------------------------------------------------
Expected offered volume of series *s* in interval *i* of local date *d* is ::

    lambda = workday_volume(s) * trend(d) * season(d) * day_factor(d) * event(d) * noise_day
             * shape(profile(s), day_type(d), time of day)

* **Intraday shape** (share of the day per interval, sums to 1 over the open intervals): sums of
  Gaussian bumps in the hour of day. Their *form* follows the real series in ``../shared/data``
  (the US bank's morning ramp from 07:00 to a 10:00 peak and slow afternoon decline; the Israeli
  bank's second peak around 15:00-16:00 and its evening tail), not their numbers. Voice:
  peaks at 10:00 and 14:30, a small evening bump, quiet nights (about 1 % of the peak). Chat:
  the same with a heavier evening; open 07:00-23:00, zero outside. Email: arrives 24/7, a broad
  daytime hump, a night floor of about a quarter of the peak.
* **Day types** come from :func:`forecasting.calendar.day_features` (UAE rules): Fri-Sat weekend
  until 2021-12-31, Sat-Sun after with a **short Friday** (afternoon demand falls to ~40 % after
  12:15; a dip at Friday prayer). Weekends and holidays have a flatter, later shape.
* **Day factors** (day totals relative to an ordinary workday, voice / chat / email): weekend
  0.42 / 0.65 / 0.40, short day 0.72 / 0.80 / 0.75, public holiday 0.35 / 0.55 / 0.35, Eid
  holiday block 0.18 / 0.35 / 0.20. First workday after the weekend x1.06.
* **Ramadan**: day total x0.90; government hours are short, so the daytime peaks are lower and
  earlier-ending, demand dips at iftar (~18:20) and peaks late in the evening (21:00-23:30), with
  more demand after midnight.
* **Around Eid**: the 3 days before an Eid holiday block x1.15 (pre-Eid rush), the 3 days after it
  x1.40 / x1.20 / x1.10 (catch-up). The blocks are those of the calendar module (Eid day plus
  adjoining public holidays, so Arafah and the announced Eid holidays).
* **Trend**: compound growth per series (voice 3 %/year, chat 12 %/year, email 4 %/year), level 1
  at ``CenterSpec.reference_date`` (the demo week), so ``workday_volume`` is today's level.
* **Yearly season**: a summer dip (-14 % at the start of August, Gaussian, sd 28 days: school
  holidays and travel) and a mild winter high (+4 % around 20 January).
* **Events**: ``CenterSpec.events`` multiply volume by their ``effect`` on their days (the demo
  uses the events in ``data/events.csv``: a campaign, an outage, a fee-waiver deadline).
* **Noise**: a day-level log-normal factor (sd 0.06) and per-interval Poisson-gamma
  (negative binomial, shape 200: a little overdispersion above Poisson).
* **AHT** (mean per interval over handled contacts): channel base (voice ~300 s by queue, chat
  ~600 s per chat, email ~480 s) x time of day (+10 % at night 22:00-06:00, -4 % at the 10:00
  peak) x season (+4 % in Ramadan, +2 % in summer) x a log-normal sampling error with sd
  ``0.6 / sqrt(handled)``; NaN where nothing was handled.
* **Abandonment** (voice and chat only): share ``rate * (0.3 + 1.4 * load)`` where ``load`` is the
  interval's expected volume over the series' 98th percentile (so higher at peaks), capped at
  0.35; ``abandoned ~ Binomial(offered, share)``; ``handled = offered - abandoned``.

The draws depend on the seed *and* the requested range: a slice drawn on its own has the same
expected values as the same dates of the full demo, not the same random numbers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from forecasting.calendar import CalendarConfig, Event, day_features
from forecasting.errors import ConfigError
from wfmcore.defaults import DEFAULT_TZ, MINUTES_PER_DAY, WEEKDAYS
from wfmcore.entities import EntitySet, QueueHours, parse_entities, queue_id
from wfmcore.io import atomic_open
from wfmcore.opening_hours import OpeningHours

FloatArray = NDArray[np.float64]

__all__ = [
    "DEMO_AGENTS_SEED",
    "DEMO_DATA_VERSION",
    "DEMO_SEED",
    "DEMO_SPEC",
    "DEMO_WEEK_END",
    "DEMO_WEEK_START",
    "CenterSpec",
    "SeriesSpec",
    "coming_monday",
    "demo_history_is_current",
    "demo_history_stamp",
    "ensure_demo_history",
    "expected_history",
    "generate_history",
    "generate_demo_agents",
    "history_to_csv_frame",
    "weekly_workload",
    "write_demo_agents",
    "write_demo_events",
    "write_demo_history",
]

PROFILES = ("voice", "chat", "email", "whatsapp")


@dataclass(frozen=True, slots=True)
class SeriesSpec:
    """One queue of the generated center.

    Parameters
    ----------
    channel, queue
        Series identity in the history frame.
    workday_volume
        Expected offered contacts on an ordinary workday at the spec's reference date.
    aht_s
        Base average handle time in seconds (per contact; per chat for chat).
    profile
        Intraday and day-type behaviour: ``"voice"``, ``"chat"`` or ``"email"``.
    open_from_h, open_to_h
        Opening hours in hours of the day (``0`` / ``24`` = always open); zero volume outside.
    growth_per_year
        Compound yearly growth of the volume.
    abandon_rate
        Mean abandonment share at average load; 0 means no abandonment (email).
    entity, language
        The queue's entity and language (empty for a center without entities).
    hours
        The queue's own opening hours inside ``open_from_h`` .. ``open_to_h`` (an entity's
        government hours or closed days, say); zero volume when closed. ``None``: no further
        restriction.
    peaks
        Entity-specific seasonal peaks ``(day of year, sd in days, amplitude)``: the day level
        is multiplied by ``1 + amplitude * bump`` (a Gaussian on the yearly circle), e.g. a
        school-year start or a fee deadline.
    """

    channel: str
    queue: str
    workday_volume: float
    aht_s: float
    profile: str
    open_from_h: float = 0.0
    open_to_h: float = 24.0
    growth_per_year: float = 0.03
    abandon_rate: float = 0.0
    entity: str = ""
    language: str = ""
    hours: OpeningHours | QueueHours | None = None
    peaks: tuple[tuple[float, float, float], ...] = ()

    def __post_init__(self) -> None:
        """Check the profile, the opening hours, the volume, the AHT and the abandon rate.

        Raises
        ------
        ConfigError
            Naming the field that is out of range.
        """
        if self.profile not in PROFILES:
            raise ConfigError(f"profile must be one of {PROFILES}, got {self.profile!r}")
        if not 0 <= self.open_from_h < self.open_to_h <= 24:
            raise ConfigError("opening hours need 0 <= open_from_h < open_to_h <= 24")
        if self.workday_volume < 0 or self.aht_s <= 0 or not 0 <= self.abandon_rate < 1:
            raise ConfigError(f"bad volume, AHT or abandon rate for {self.channel}/{self.queue}")


@dataclass(frozen=True, slots=True)
class CenterSpec:
    """A generated contact center.

    Parameters
    ----------
    series
        The queues.
    start, end
        Default date range of the history (inclusive, local dates).
    reference_date
        Date at which the trend level is 1 (``workday_volume`` is the level there).
    interval_min
        Interval length in minutes (must divide a day).
    tz
        IANA time zone of the center.
    calendar
        Calendar rules (weekends, holidays, Eid window, events with their ``effect``).
    daily_noise_sd
        Standard deviation of the day-level log-normal factor.
    dispersion_shape
        Gamma shape of the per-interval Poisson-gamma noise (larger = closer to Poisson).
    """

    series: tuple[SeriesSpec, ...]
    start: date = date(2021, 1, 1)
    end: date = date(2026, 11, 29)
    reference_date: date = date(2026, 11, 30)
    interval_min: int = 30
    tz: str = DEFAULT_TZ
    calendar: CalendarConfig = field(default_factory=CalendarConfig)
    daily_noise_sd: float = 0.06
    dispersion_shape: float = 200.0

    def __post_init__(self) -> None:
        """Check the series (at least one, each channel and queue once) and the interval.

        Raises
        ------
        ConfigError
            No series, a repeated series, or an interval that does not divide a day.
        """
        if not self.series:
            raise ConfigError("a center needs at least one series")
        if self.interval_min <= 0 or MINUTES_PER_DAY % self.interval_min:
            raise ConfigError(f"interval_min must divide a day, got {self.interval_min}")
        keys = [(s.channel, s.queue) for s in self.series]
        if len(set(keys)) != len(keys):
            raise ConfigError("series (channel, queue) must be unique")


# Planner events of the demo (also written to data/events.csv, see data/README.md).
DEMO_EVENTS: tuple[Event, ...] = (
    Event("Residency amnesty campaign", date(2024, 9, 1), date(2024, 10, 31), 1.25),
    Event("Telephony outage", date(2023, 6, 14), date(2023, 6, 14), 0.55),
    Event("Traffic fines discount deadline", date(2025, 11, 20), date(2025, 11, 23), 1.30),
    Event("New e-services portal launch", date(2022, 10, 3), date(2022, 10, 9), 1.20),
)
# A future event (demo week) a planner might add: in data/events.csv, not in the history.
DEMO_FUTURE_EVENTS: tuple[Event, ...] = (
    Event("Year-end visa renewal reminder SMS", date(2026, 12, 1), date(2026, 12, 1), 1.15),
)

SMALL_SPEC = CenterSpec(
    series=(
        SeriesSpec("voice", "residency", 1520.0, 330.0, "voice", growth_per_year=0.03,
                   abandon_rate=0.06),
        SeriesSpec("voice", "traffic", 1100.0, 270.0, "voice", growth_per_year=0.03,
                   abandon_rate=0.05),
        SeriesSpec("voice", "general", 900.0, 300.0, "voice", growth_per_year=0.03,
                   abandon_rate=0.07),
        SeriesSpec("chat", "all", 1620.0, 600.0, "chat", open_from_h=7.0, open_to_h=23.0,
                   growth_per_year=0.12, abandon_rate=0.04),
        SeriesSpec("email", "all", 560.0, 480.0, "email", growth_per_year=0.04),
    ),
    calendar=CalendarConfig(country="AE", events=DEMO_EVENTS),
)  # fmt: skip
"""The earlier three-channel demo center (five pooled series, 2021-2026), kept as a small center
for tests and benchmarks that need realistic series but not fifty entities."""

#: The demo center's entity file (package data of :mod:`web.demo`; ``data/entities.toml``).
ENTITIES_FILE = "entities.toml"

# Channel behaviour of the entity center: profile, open hours of the channel (hours of the day),
# share of an entity's contacts before normalising over its channels, base AHT, yearly growth,
# abandonment at average load.
_CHANNELS: dict[str, tuple[str, float, float, float, float, float, float]] = {
    "voice": ("voice", 0.0, 24.0, 0.52, 300.0, 0.03, 0.06),
    "chat": ("chat", 7.0, 23.0, 0.18, 600.0, 0.10, 0.04),
    "whatsapp": ("whatsapp", 7.0, 23.0, 0.20, 540.0, 0.25, 0.03),
    "email": ("email", 0.0, 24.0, 0.10, 480.0, 0.02, 0.0),
}
#: Expected offered contacts of the largest entity on an ordinary workday (all its queues).
_TOP_ENTITY_VOLUME = 4200.0
#: Exponent of the long tail: the entity of rank r (1 = largest) gets ``r ** -_ZIPF`` of the top.
_ZIPF = 1.1
#: Entity-specific seasonal peaks (day of year, sd in days, amplitude).
_PEAKS: dict[str, tuple[tuple[float, float, float], ...]] = {
    # school-year start (late August / September) and the January term
    "education": ((243.0, 9.0, 1.2), (6.0, 5.0, 0.3)),
    "knowledge": ((243.0, 9.0, 1.0), (6.0, 5.0, 0.3)),
    # university admissions and scholarship applications in July
    "admissions": ((192.0, 14.0, 1.0),),
    "scholarships": ((192.0, 14.0, 0.8),),
    # trade-licence renewal deadline at the end of January
    "economy": ((27.0, 7.0, 0.6),),
    "chamber": ((27.0, 7.0, 0.5),),
    # quarterly tax-return deadlines (the 28th of January, April, July and October)
    "tax": ((26.0, 3.0, 0.6), (116.0, 3.0, 0.6), (207.0, 3.0, 0.6), (299.0, 3.0, 0.6)),
    # summer travel (residency), summer bills and air-conditioning (electricity and water)
    "residency": ((176.0, 18.0, 0.25),),
    "utilities": ((205.0, 25.0, 0.30),),
    # the housing programme's spring application window
    "housing": ((75.0, 10.0, 0.5),),
}
#: Arabic share of an entity's contacts where it is not drawn (expatriate-heavy entities).
_ARABIC_SHARE = {"residency": 0.40, "police": 0.55, "rta": 0.50, "taxi": 0.35, "ports": 0.45}


def entity_center_spec(entities: EntitySet, *, seed: int = 19) -> CenterSpec:
    """The generated center of an entity set: one series per active queue.

    Volumes follow a long tail over the entities' order (largest first, as in the file): the
    entity of rank *r* gets ``r ** -1.1`` of the largest one's workday volume (with a seeded
    +-15 % jitter), split over its channels (voice 52, chat 18, WhatsApp 20, email 10,
    renormalised over the channels it has) and its languages (Arabic 55-80 %, drawn; set for a
    few expatriate-heavy entities; the other languages share the rest). Each queue is closed
    where :meth:`~wfmcore.entities.EntitySet.queue_hours` says so (the entity's or its
    channel's ``opening_hours`` override, its ``closed_days``), and a few entities have
    seasonal peaks (school-year start, admissions, licence renewal, tax deadlines, summer
    travel and bills, the housing window).

    Parameters
    ----------
    entities
        The center's entities (:func:`wfmcore.entities.read_entities`).
    seed
        Seed of the per-entity draws (language split, volume and AHT jitter).

    Returns
    -------
    CenterSpec
        Series ``(channel, "<entity>.<language>")`` of the channels the generator knows
        (voice, chat, whatsapp, email); the demo's dates and calendar.
    """
    rng = np.random.default_rng(seed)
    channel_hours = {
        name: OpeningHours.parse(
            "24/7" if (lo, hi) == (0.0, 24.0) else f"{lo:02.0f}:00-{hi:02.0f}:00"
        )
        for name, (_, lo, hi, *_rest) in _CHANNELS.items()
    }
    queue_hours = entities.queue_hours(channel_hours)
    series: list[SeriesSpec] = []
    for rank, entity in enumerate(entities.active(), start=1):
        volume = _TOP_ENTITY_VOLUME * rank**-_ZIPF * float(rng.uniform(0.85, 1.15))
        arabic = _ARABIC_SHARE.get(entity.id, float(rng.uniform(0.55, 0.80)))
        aht_jitter = float(rng.uniform(0.85, 1.15))
        languages = entity.languages
        others = max(len(languages) - ("ar" in languages), 1)
        lang_share = {
            lang: (
                arabic if lang == "ar" else (1.0 - arabic if "ar" in languages else 1.0) / others
            )
            for lang in languages
        }
        channels = [c for c in entity.channels if c in _CHANNELS]
        total_mix = sum(_CHANNELS[c][3] for c in channels)
        own_hours = bool(entity.closed_days) or entity.opening_hours is not None
        for channel in channels:
            profile, open_from, open_to, mix, aht, growth, abandon = _CHANNELS[channel]
            override = own_hours or "opening_hours" in entity.targets.get(channel, {})
            for lang in languages:
                queue = queue_id(entity.id, lang)
                series.append(
                    SeriesSpec(
                        channel,
                        queue,
                        volume * mix / total_mix * lang_share[lang],
                        aht * aht_jitter * (1.05 if lang != "ar" else 1.0),
                        profile,
                        open_from_h=open_from,
                        open_to_h=open_to,
                        growth_per_year=growth,
                        abandon_rate=abandon,
                        entity=entity.id,
                        language=lang,
                        hours=queue_hours[(channel, queue)] if override else None,
                        peaks=_PEAKS.get(entity.id, ()),
                    )
                )
    return CenterSpec(
        series=tuple(series),
        start=date(2024, 11, 30),
        end=date(2026, 11, 29),
        calendar=CalendarConfig(country="AE", events=DEMO_EVENTS),
    )


def demo_entities() -> EntitySet:
    """The demo center's entities (``entities.toml`` of the installed demo center)."""
    from web.demo import demo_center

    text = (demo_center() / ENTITIES_FILE).read_text(encoding="utf-8")
    return parse_entities(text, ENTITIES_FILE)


DEMO_SPEC = entity_center_spec(demo_entities())
"""The demo center (see the module docstring and ``data/README.md``)."""

DEMO_SEED = 20261130
DEMO_DATA_VERSION = 4  # bump when the generator's output changes, so stale files are redrawn
DEMO_AGENTS_SEED = 42
DEMO_WEEK_START = date(2026, 11, 30)
DEMO_WEEK_END = date(2026, 12, 6)

# Day factors per profile (voice, chat, email order of PROFILES).
_WEEKEND = {"voice": 0.42, "chat": 0.65, "email": 0.40, "whatsapp": 0.70}
_SHORT = {"voice": 0.72, "chat": 0.80, "email": 0.75, "whatsapp": 0.85}
_HOLIDAY = {"voice": 0.35, "chat": 0.55, "email": 0.35, "whatsapp": 0.60}
_EID = {"voice": 0.18, "chat": 0.35, "email": 0.20, "whatsapp": 0.40}
_FIRST_WORKDAY = 1.06
_RAMADAN = 0.90
_PRE_EID = 1.15
_POST_EID = (1.40, 1.20, 1.10)
_SUMMER_DIP = 0.14
_WINTER_HIGH = 0.04


# ---------------------------------------------------------------------------------------------
# Intraday shapes


def _bump(hours: FloatArray, mu: float, sd: float) -> FloatArray:
    """Gaussian bump on the 24-hour circle (so late-evening peaks wrap past midnight)."""
    d = np.abs(hours - mu)
    d = np.minimum(d, 24.0 - d)
    return np.exp(-0.5 * (d / sd) ** 2)


def _sigmoid(x: FloatArray) -> FloatArray:
    return 1.0 / (1.0 + np.exp(-x))


def _raw_shape(profile: str, day_type: str, h: FloatArray) -> FloatArray:
    """Unnormalised intensity over hours *h* for one profile and day type."""
    ramadan = day_type.startswith("ramadan_")
    base_type = day_type.removeprefix("ramadan_")
    relaxed = base_type in ("weekend", "holiday")
    if profile == "email":
        if ramadan:
            y = 0.30 + 0.55 * _bump(h, 12.0, 3.0) + 0.50 * _bump(h, 22.0, 2.0)
        elif relaxed:
            y = 0.30 + 0.50 * _bump(h, 13.0, 4.0) + 0.25 * _bump(h, 20.5, 2.0)
        else:
            y = 0.22 + 0.80 * _bump(h, 11.0, 3.0) + 0.50 * _bump(h, 17.0, 3.0)
    elif ramadan:
        if relaxed:
            y = 0.10 + 0.50 * _bump(h, 13.0, 2.2) + 0.85 * _bump(h, 22.0, 1.6)
        else:
            y = 0.08 + 0.75 * _bump(h, 11.0, 1.5) + 0.40 * _bump(h, 14.0, 1.2)
            y = y + 0.90 * _bump(h, 22.0, 1.4)
        y = y + 0.35 * _bump(h, 0.75, 1.2)  # after-midnight activity (suhoor hours)
        y = y * (1.0 - 0.70 * _bump(h, 18.4, 0.6))  # iftar
    elif relaxed:
        y = 0.06 + 0.70 * _bump(h, 11.5, 2.2) + 0.60 * _bump(h, 17.0, 2.5)
        y = y + 0.30 * _bump(h, 21.0, 1.5)
    else:
        y = 0.03 + 1.00 * _bump(h, 10.0, 1.5) + 0.85 * _bump(h, 14.5, 1.9)
        y = y + 0.25 * _bump(h, 19.5, 2.0)
    if profile == "chat":
        y = y + 0.30 * _bump(h, 20.5, 1.8) * (0.5 if ramadan else 1.0)
    elif profile == "whatsapp":  # messages from phones: a heavier evening than web chat
        y = y + 0.50 * _bump(h, 21.0, 1.8) * (0.5 if ramadan else 1.0)
    if base_type == "short_day":
        # Short government Friday: demand falls after 12:15 (and dips at Friday prayer) until
        # the evening.
        drop = _sigmoid((h - 12.25) / 0.35) * (1.0 - _sigmoid((h - 19.0) / 0.5))
        y = y * (1.0 - 0.60 * drop) * (1.0 - 0.30 * _bump(h, 13.0, 0.4))
    return y


def _shape_table(
    profile: str, interval_min: int, open_from_h: float, open_to_h: float
) -> FloatArray:
    """Shares per (day type, interval of day); rows follow calendar.DAY_TYPES; rows sum to 1."""
    from forecasting.calendar import DAY_TYPES

    n = MINUTES_PER_DAY // interval_min
    mid_h = (np.arange(n, dtype=np.float64) + 0.5) * interval_min / 60.0
    start_h = np.arange(n) * interval_min / 60.0
    open_mask = (start_h >= open_from_h) & (start_h < open_to_h)
    table = np.empty((len(DAY_TYPES), n))
    for k, day_type in enumerate(DAY_TYPES):
        y = _raw_shape(profile, day_type, mid_h) * open_mask
        table[k] = y / y.sum()
    return table


# ---------------------------------------------------------------------------------------------
# Expected values


def _day_level(spec: CenterSpec, series: SeriesSpec, days: pd.DataFrame) -> FloatArray:
    """Expected daily offered volume per day (before day noise)."""
    p = series.profile
    idx = pd.DatetimeIndex(days.index)
    years = (idx - pd.Timestamp(spec.reference_date)).days.to_numpy() / 365.25
    trend = (1.0 + series.growth_per_year) ** years
    doy = idx.day_of_year.to_numpy().astype(float)
    season = 1.0 - _SUMMER_DIP * _bump_days(doy, 215.0, 28.0)
    season = season + _WINTER_HIGH * _bump_days(doy, 20.0, 25.0)

    day_type = days["day_type"].astype(str).to_numpy()
    factor = np.ones(len(days))
    weekendish = np.char.endswith(day_type.astype(str), "weekend")
    shortish = np.char.endswith(day_type.astype(str), "short_day")
    factor[weekendish] = _WEEKEND[p]
    factor[shortish] = _SHORT[p]
    factor[days["is_holiday"].to_numpy()] = _HOLIDAY[p]
    factor[days["is_eid"].to_numpy()] = _EID[p]
    factor[days["is_ramadan"].to_numpy() & ~days["is_eid"].to_numpy()] *= _RAMADAN
    # First workday after a weekend (a Sunday until 2021, a Monday since 2022).
    workday = days["is_workday"].to_numpy()
    factor[workday & days["prev_weekend"].to_numpy()] *= _FIRST_WORKDAY
    factor[days["is_pre_eid"].to_numpy()] *= _PRE_EID
    after = days["days_after_eid"].to_numpy()
    for k, mult in enumerate(_POST_EID, start=1):
        factor[after == k] *= mult
    effect = days["event_effect"].to_numpy()
    factor = factor * np.where(np.isnan(effect), 1.0, effect)
    for peak_doy, peak_sd, amplitude in series.peaks:
        factor = factor * (1.0 + amplitude * _bump_days(doy, peak_doy, peak_sd))
    return series.workday_volume * trend * season * factor


def _bump_days(doy: FloatArray, mu: float, sd: float) -> FloatArray:
    d = np.abs(doy - mu)
    d = np.minimum(d, 365.25 - d)
    return np.exp(-0.5 * (d / sd) ** 2)


def _aht_factor(h: FloatArray) -> FloatArray:
    night = (h < 6.0) | (h >= 22.0)
    return (1.0 + 0.10 * night) * (1.0 - 0.04 * _bump(h, 10.0, 2.0))


@dataclass(frozen=True, slots=True)
class _Grid:
    """Intervals of a local date range and their (day, slot) coordinates."""

    interval_start: pd.DatetimeIndex
    day_pos: NDArray[np.int64]  # row in the day table
    slot: NDArray[np.int64]  # interval of the local day
    days: pd.DataFrame  # calendar day features
    _open: dict[str, NDArray[np.bool_]] = field(default_factory=dict)  # per hours spec

    def open_mask(self, hours: OpeningHours | QueueHours, spec: CenterSpec) -> NDArray[np.bool_]:
        """Whether each interval is open under *hours* (computed once per distinct hours)."""
        key = str(hours)
        if key not in self._open:
            local = self.interval_start.tz_convert(spec.tz)
            self._open[key] = np.asarray(hours.is_open(local, spec.interval_min), dtype=bool)
        return self._open[key]


def _grid(spec: CenterSpec, start: date, end: date) -> _Grid:
    if end < start:
        raise ConfigError(f"end {end} is before start {start}")
    first = pd.Timestamp(start).tz_localize(spec.tz)
    stop = (pd.Timestamp(end) + pd.Timedelta(days=1)).tz_localize(spec.tz)
    # Built in UTC steps, so DST days keep every real interval once.
    stamps = pd.date_range(first, stop, freq=f"{spec.interval_min}min", inclusive="left")
    local = stamps.tz_localize(None)
    local_day = local.normalize()
    # One day before the range, so the first day knows whether a weekend precedes it.
    days = day_features(
        pd.date_range(pd.Timestamp(start) - pd.Timedelta(days=1), end, freq="D"), spec.calendar
    )
    days["prev_weekend"] = np.r_[False, days["is_weekend"].to_numpy()[:-1]]
    days = days.iloc[1:]
    day_pos = np.asarray((local_day - pd.Timestamp(start)).days, dtype=np.int64)
    minutes = local.hour.to_numpy() * 60 + local.minute.to_numpy()
    slot = (minutes // spec.interval_min).astype(np.int64)
    return _Grid(stamps.as_unit("ns"), day_pos, slot, days)


def _expected(
    spec: CenterSpec, series: SeriesSpec, grid: _Grid
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Expected volume per interval, expected AHT per interval, day level per day."""
    from forecasting.calendar import DAY_TYPES

    table = _shape_table(series.profile, spec.interval_min, series.open_from_h, series.open_to_h)
    type_code = pd.Categorical(grid.days["day_type"], categories=DAY_TYPES).codes
    level = _day_level(spec, series, grid.days)
    lam = level[grid.day_pos] * table[type_code[grid.day_pos], grid.slot]
    if series.hours is not None:
        # The queue's own hours: its day's share of the closed intervals is not moved elsewhere
        # (fewer contacts on a short government day, none when closed).
        lam = lam * grid.open_mask(series.hours, spec)
    h = (grid.slot.astype(np.float64) + 0.5) * spec.interval_min / 60.0
    doy = pd.DatetimeIndex(grid.days.index).day_of_year.to_numpy().astype(float)[grid.day_pos]
    season = 1.0 + 0.04 * grid.days["is_ramadan"].to_numpy()[grid.day_pos]
    season = season + 0.02 * _bump_days(doy, 215.0, 28.0)
    aht = series.aht_s * _aht_factor(h) * season
    return lam, aht, level


def expected_history(
    spec: CenterSpec = DEMO_SPEC, start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """Noise-free expected volume and AHT per series and interval.

    Parameters
    ----------
    spec
        The center.
    start, end
        Inclusive local dates; default the spec's range. Future dates work the same.

    Returns
    -------
    pandas.DataFrame
        Columns ``channel, queue, interval_start, volume, aht_s`` (``volume`` = expected offered).
    """
    start = start or spec.start
    end = end or spec.end
    grid = _grid(spec, start, end)
    parts = []
    for series in spec.series:
        lam, aht, _ = _expected(spec, series, grid)
        parts.append(
            pd.DataFrame(
                {
                    "channel": series.channel,
                    "queue": series.queue,
                    "interval_start": grid.interval_start,
                    "volume": lam,
                    "aht_s": aht,
                }
            )
        )
    return _sorted(pd.concat(parts, ignore_index=True))


#: Concurrency the calibration rule assumes (a little under the targets' caps).
_CALIBRATION_CONCURRENCY = {"chat": 2.5, "whatsapp": 3.2}


def weekly_workload(
    expected: pd.DataFrame,
    *,
    concurrency: Mapping[str, float] | None = None,
    occupancy: float = 0.8,
    shrinkage: float = 0.15,
) -> pd.Series:
    """Staff hours needed per channel for an expected-history frame (the calibration rule).

    ``hours = sum(volume * aht_s) / 3600 / concurrency / occupancy / (1 - shrinkage)``
    (concurrency per channel, default chat 2.5 and WhatsApp 3.2, others 1). A rough sizing,
    not the Erlang staffing of ``scheduling``.

    Returns
    -------
    pandas.Series
        Staff hours indexed by channel.
    """
    conc = dict(_CALIBRATION_CONCURRENCY if concurrency is None else concurrency)
    work_h = (expected["volume"] * expected["aht_s"]).groupby(expected["channel"]).sum() / 3600.0
    work_h = work_h / pd.Series({c: conc.get(str(c), 1.0) for c in work_h.index})
    return work_h / occupancy / (1.0 - shrinkage)


# ---------------------------------------------------------------------------------------------
# Random history


def generate_history(
    spec: CenterSpec = DEMO_SPEC,
    start: date | str | None = None,
    end: date | str | None = None,
    *,
    seed: int = DEMO_SEED,
) -> pd.DataFrame:
    """Draw interval history for *spec*.

    Parameters
    ----------
    spec
        The center (default the demo center).
    start, end
        Inclusive local dates (``date`` or ``YYYY-MM-DD``); default the spec's range.
    seed
        Seed of the random draws; the same seed and range give the same frame.

    Returns
    -------
    pandas.DataFrame
        History contract columns except ``imputed``: ``channel, queue, interval_start`` (tz-aware,
        the spec's zone), ``offered, handled, abandoned`` (int64), ``aht_s`` (float, NaN where
        nothing was handled); sorted by channel, queue, interval_start.
    """
    first = _as_date(start) if start is not None else spec.start
    last = _as_date(end) if end is not None else spec.end
    grid = _grid(spec, first, last)
    parts = [
        pd.DataFrame(
            {
                "channel": series.channel,
                "queue": series.queue,
                "interval_start": grid.interval_start,
                "offered": offered,
                "handled": handled,
                "abandoned": abandoned,
                "aht_s": aht,
            }
        )
        for series, offered, handled, abandoned, aht in _draws(spec, grid, seed)
    ]
    frame = pd.concat(parts, ignore_index=True)
    frame["channel"] = frame["channel"].astype("str")
    frame["queue"] = frame["queue"].astype("str")
    return _sorted(frame)


_Draw = tuple[SeriesSpec, NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], FloatArray]


def _draws(spec: CenterSpec, grid: _Grid, seed: int) -> Iterator[_Draw]:
    """Per series in the spec's order: offered, handled, abandoned and AHT on the grid.

    Each series draws from its own child of the seed (spawned in the spec's order), so the
    draws do not depend on the order in which the caller consumes them.
    """
    n_days = len(grid.days)
    children = np.random.SeedSequence(seed).spawn(len(spec.series))
    for series, child in zip(spec.series, children, strict=True):
        rng = np.random.default_rng(child)
        lam, aht_mean, _ = _expected(spec, series, grid)
        day_noise = np.exp(rng.normal(0.0, spec.daily_noise_sd, n_days))
        lam = lam * day_noise[grid.day_pos]
        k = spec.dispersion_shape
        offered = rng.poisson(lam * rng.gamma(k, 1.0 / k, lam.size))
        if series.abandon_rate > 0:
            ref = float(np.quantile(lam[lam > 0], 0.98)) if np.any(lam > 0) else 1.0
            load = np.minimum(lam / ref, 1.5)
            share = np.minimum(series.abandon_rate * (0.3 + 1.4 * load), 0.35)
            abandoned = rng.binomial(offered, share)
        else:
            abandoned = np.zeros_like(offered)
        handled = offered - abandoned
        with np.errstate(divide="ignore"):
            sd = 0.6 / np.sqrt(np.maximum(handled, 1))
        aht = aht_mean * np.exp(rng.normal(0.0, 1.0, lam.size) * sd - 0.5 * sd**2)
        aht = np.where(handled > 0, np.round(aht, 1), np.nan)
        yield (
            series,
            offered.astype(np.int64),
            handled.astype(np.int64),
            abandoned.astype(np.int64),
            aht,
        )


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["channel", "queue", "interval_start"], kind="stable").reset_index(
        drop=True
    )


def _as_date(value: date | str) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ConfigError(f"expected a date YYYY-MM-DD, got {value!r}") from None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


# ---------------------------------------------------------------------------------------------
# Files


def _iso_text(stamps: pd.DatetimeIndex) -> NDArray[np.object_]:
    """ISO 8601 text of *stamps* (local wall time, plus the UTC offset when tz-aware)."""
    text = pd.Series(stamps.tz_localize(None).strftime("%Y-%m-%dT%H:%M:%S"), dtype=object)
    if stamps.tz is not None:
        utc = stamps.tz_convert("UTC").tz_localize(None)
        offset_min = np.asarray(
            (stamps.tz_localize(None) - utc).total_seconds() // 60, dtype=np.int64
        )
        labels = {
            int(m): f"{'+' if m >= 0 else '-'}{abs(int(m)) // 60:02d}:{abs(int(m)) % 60:02d}"
            for m in np.unique(offset_min)
        }
        text = text + pd.Series(offset_min).map(labels)
    return np.asarray(text.to_numpy(), dtype=object)


def history_to_csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of *frame* with ``interval_start`` as ISO 8601 text (plus UTC offset when tz-aware)."""
    out = frame.copy()
    out["interval_start"] = _iso_text(pd.DatetimeIndex(out["interval_start"]))
    return out


def write_demo_history(
    path: str | Path,
    spec: CenterSpec = DEMO_SPEC,
    *,
    seed: int = DEMO_SEED,
    start: date | str | None = None,
    end: date | str | None = None,
) -> Path:
    """Generate the history and write it as a history CSV, atomically.

    The rows are those of :func:`generate_history` (the same draws), written series by series
    in the same order, except the intervals in which the series' *channel* is closed
    (``open_from_h`` .. ``open_to_h``, e.g. chat at night): the channel's configured opening
    hours make those zero for every history reader, so leaving them out changes nothing but
    the file's size. Intervals in which only the *queue* is closed (an entity's own hours or
    closed days) are written as zeros: a reader that knows only the channel's hours would
    otherwise take them for gaps and impute them.

    Parameters
    ----------
    path
        Output file (parent folders are created). Written to a temporary file first and moved
        into place with ``os.replace``, so readers never see a half-written file.
    spec, seed, start, end
        As for :func:`generate_history`.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    path = Path(path)
    first = _as_date(start) if start is not None else spec.start
    last = _as_date(end) if end is not None else spec.end
    grid = _grid(spec, first, last)
    text = _iso_text(grid.interval_start)
    hour = grid.slot * (spec.interval_min / 60.0)
    draws = {(d[0].channel, d[0].queue): d for d in _draws(spec, grid, seed)}
    with atomic_open(path) as fh:
        fh.write(",".join(HISTORY_FILE_COLUMNS) + "\n")
        for key in sorted(draws):
            series, offered, handled, abandoned, aht = draws.pop(key)
            keep = (hour >= series.open_from_h) & (hour < series.open_to_h)
            pd.DataFrame(
                {
                    "channel": series.channel,
                    "queue": series.queue,
                    "interval_start": text[keep],
                    "offered": offered[keep],
                    "handled": handled[keep],
                    "abandoned": abandoned[keep],
                    "aht_s": aht[keep],
                }
            ).to_csv(fh, index=False, header=False, lineterminator="\n", float_format="%.1f")
    return path


#: Columns of the demo history file, in order.
HISTORY_FILE_COLUMNS = ("channel", "queue", "interval_start", "offered", "handled", "abandoned",
                        "aht_s")  # fmt: skip


def coming_monday(today: date | None = None) -> date:
    """The Monday of the coming week: the first Monday after ``today`` (default: the clock's)."""
    today = today or date.today()
    return today + timedelta(days=7 - today.weekday())


def demo_history_stamp(end: date | None = None, spec: CenterSpec = DEMO_SPEC) -> str:
    """The ``.version`` sidecar's text for a history of *spec* ending on ``end``."""
    tag = "" if spec is DEMO_SPEC else f":{_spec_tag(spec)}"
    if end is None or end == spec.end:
        return f"{DEMO_DATA_VERSION}:{DEMO_SEED}{tag}\n"
    return f"{DEMO_DATA_VERSION}:{DEMO_SEED}{tag}:{end.isoformat()}\n"


def _spec_tag(spec: CenterSpec) -> str:
    return "small" if spec is SMALL_SPEC else f"{len(spec.series)}series"


def demo_history_is_current(
    path: str | Path, end: date | None = None, spec: CenterSpec = DEMO_SPEC
) -> bool:
    """Whether the history at ``path`` is there, drawn for *spec* up to ``end``."""
    path = Path(path)
    try:
        current = path.with_name(path.name + ".version").read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return False
    return path.exists() and current == demo_history_stamp(end, spec)


def ensure_demo_history(
    path: str | Path,
    *,
    force: bool = False,
    end: date | None = None,
    spec: CenterSpec = DEMO_SPEC,
) -> Path:
    """Return *path*, generating the demo history there first if it is missing or stale.

    A sidecar file ``<path>.version`` records :data:`DEMO_DATA_VERSION`, :data:`DEMO_SEED`,
    the center when not the demo's (``small`` for :data:`SMALL_SPEC`) and (when not the
    spec's) the end date; when it does not match, the history is drawn again. Both files are
    written atomically, so a concurrent reader sees either the old or the new file, never half
    of one.

    Parameters
    ----------
    path
        Where the history lives (``data/generated/history.csv`` by convention).
    force
        Draw it again even when it is up to date.
    end
        Last day of the history (default the spec's, 2026-11-29); the same end date always
        draws the same history (seeded).
    spec
        The center (default the 50-entity demo center).

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    stamp = path.with_name(path.name + ".version")
    wanted = demo_history_stamp(end, spec)
    if force or not demo_history_is_current(path, end, spec):
        write_demo_history(path, spec, end=end)
        with atomic_open(stamp) as fh:
            fh.write(wanted)
    return path


# ---------------------------------------------------------------------------------------------
# Agents

AGENT_COLUMNS = (
    "agent_id",
    "name",
    "skills",
    "min_hours_week",
    "max_hours_week",
    "max_days_week",
    "earliest_start",
    "latest_end",
    "unavailable",
    "preferred_start",
    "preferred_days_off",
    "contract",
    "languages",
)

_ARABIC_FIRST = (
    "Mohammed", "Ahmed", "Khalid", "Omar", "Saeed", "Rashid", "Hamdan", "Sultan", "Majid",
    "Yousef", "Abdullah", "Hamad", "Faisal", "Tariq", "Ali", "Hassan", "Ibrahim", "Mansour",
    "Fatima", "Mariam", "Aisha", "Noura", "Hessa", "Shamma", "Latifa", "Amna", "Moza", "Reem",
    "Salama", "Maitha", "Alia", "Sara", "Huda", "Layla", "Rania", "Dana", "Nadia", "Yasmin",
)  # fmt: skip
_ARABIC_LAST = (
    "Al Mansoori", "Al Nuaimi", "Al Hashemi", "Al Shamsi", "Al Suwaidi", "Al Ketbi",
    "Al Mazrouei", "Al Falasi", "Al Muhairi", "Al Qubaisi", "Al Dhaheri", "Al Marri",
    "Al Ali", "Al Zaabi", "Al Kaabi", "Al Blooshi", "Haddad", "Khoury", "Nasser", "Saleh",
    "Mahmoud", "Farouk", "Aziz", "Qasim",
)  # fmt: skip
# Non-Arab staff of the region, by naming tradition (first names, family names).
_OTHER_NAMES = (
    (("Priya", "Anjali", "Rahul", "Arjun", "Deepa", "Vikram"),
     ("Sharma", "Nair", "Menon", "Pillai", "Iyer", "Thomas")),
    (("Imran", "Ayesha", "Bilal", "Sana", "Usman", "Hira"),
     ("Khan", "Qureshi", "Siddiqui", "Butt", "Malik")),
    (("Maria", "Jose", "Angelica", "Mark", "Grace", "Joy"),
     ("Santos", "Reyes", "Cruz", "Dela Cruz", "Bautista", "Garcia")),
    (("Nimal", "Dilani", "Kasun", "Chathuri"),
     ("Fernando", "Perera", "Silva", "Jayasinghe")),
    (("Daniel", "Sarah", "James", "Emma", "Thomas", "Olivia"),
     ("Smith", "Brown", "Wilson", "Taylor", "Clarke")),
)  # fmt: skip


#: Agents of the demo center (sized so that the demo week's pooled requirement is covered).
DEMO_AGENTS = 340

#: Skill mix of the demo's agents (channel skills, share of the agents), largest group first:
#: about 60 % of the staff hours go to voice, 15-17 % each to chat and WhatsApp, 12 % to email.
DEMO_SKILL_MIX: tuple[tuple[str, float], ...] = (
    ("voice", 0.38),
    ("voice;chat", 0.15),
    ("voice;whatsapp", 0.12),
    ("chat;whatsapp", 0.08),
    ("chat;whatsapp;email", 0.08),
    ("voice;chat;whatsapp;email", 0.07),
    ("voice;email", 0.06),
    ("whatsapp;email", 0.06),
)
#: The earlier three-channel demo's mix (120 agents; :data:`SMALL_SPEC`).
SMALL_SKILL_MIX: tuple[tuple[str, float], ...] = (
    ("voice", 0.5),
    ("voice;chat", 0.25),
    ("chat;email", 0.125),
    ("voice;chat;email", 0.125),
)


def generate_demo_agents(
    n_agents: int = DEMO_AGENTS,
    *,
    seed: int = DEMO_AGENTS_SEED,
    week_start: date = DEMO_WEEK_START,
    skill_mix: tuple[tuple[str, float], ...] = DEMO_SKILL_MIX,
) -> list[dict[str, str]]:
    """The demo center's agents as CSV rows (column names :data:`AGENT_COLUMNS`).

    Skills follow *skill_mix* (shares of *n_agents*, rounded; the last group takes the rest):
    by default :data:`DEMO_SKILL_MIX`, channel skills only (the roster pools each channel
    across entities until agents have queue skills). Contracts full-time (40 h, 5 days) 5 in
    6, part-time the rest (20-30 h over 4-5 days). About 1 in 4 agents have a shift window
    (early / late / day only), 1 in 3 a preferred start, 1 in 3 preferred days off, and one
    agent in 15 (at least 8) unavailable days in the week starting *week_start*. Languages:
    Arabic speakers mostly ``ar;en``, others ``en`` (some ``ar;en``).

    Parameters
    ----------
    n_agents
        Number of agents (at least 8).
    seed
        Random seed.
    week_start
        Monday of the planned week (for ``unavailable`` dates).
    skill_mix
        ``(skills, share)`` pairs; ``skills`` as in the CSV (``voice;chat``).

    Returns
    -------
    list of dict
        One dict per agent, values already formatted as CSV text.
    """
    if n_agents < 8:
        raise ConfigError("n_agents must be at least 8")
    rng = np.random.default_rng(seed)
    skills: list[str] = []
    for k, (group, share) in enumerate(skill_mix):
        count = n_agents - len(skills) if k == len(skill_mix) - 1 else round(n_agents * share)
        skills += [group] * max(min(count, n_agents - len(skills)), 0)
    order = rng.permutation(n_agents)
    skills = [skills[i] for i in order]
    part_time = np.zeros(n_agents, dtype=bool)
    part_time[rng.choice(n_agents, size=n_agents // 6, replace=False)] = True
    n_unavailable = max(8, n_agents // 15)
    unavailable_idx = set(rng.choice(n_agents, size=n_unavailable, replace=False).tolist())

    used: set[str] = set()
    rows: list[dict[str, str]] = []
    for i in range(n_agents):
        arabic = rng.random() < 0.7
        first_pool: tuple[str, ...]
        last_pool: tuple[str, ...]
        if arabic:
            first_pool, last_pool = _ARABIC_FIRST, _ARABIC_LAST
        else:
            first_pool, last_pool = _OTHER_NAMES[int(rng.integers(len(_OTHER_NAMES)))]
        for attempt in range(1000):
            first = str(first_pool[rng.integers(len(first_pool))])
            last = str(last_pool[rng.integers(len(last_pool))])
            # a large center repeats names: a middle initial tells them apart
            middle = f" {chr(65 + int(rng.integers(26)))}." if attempt >= 20 else ""
            name = f"{first}{middle} {last}"
            if name not in used:
                used.add(name)
                break
        languages = "ar;en" if arabic or rng.random() < 0.2 else "en"
        if arabic and rng.random() < 0.1:
            languages = "ar"

        if part_time[i]:
            max_days = int(rng.choice([4, 5]))
            min_h = int(rng.choice([20, 24]))
            max_h = int(min(30, min_h + rng.choice([4, 6, 8, 10])))
            contract = "part_time"
        else:
            max_days, min_h, max_h, contract = 5, 40, 40, "full_time"

        earliest = latest = preferred = days_off = unavailable = ""
        u = rng.random()
        if u < 0.08:
            earliest = "14:00"  # evenings only (e.g. students)
        elif u < 0.16:
            latest = "18:00"  # day shifts only (e.g. parents)
        elif u < 0.24:
            earliest, latest = "07:00", "20:00"
        if rng.random() < 0.33:
            preferred = str(rng.choice(["07:00", "08:00", "09:00", "12:00", "14:00", "16:00"]))
            if earliest and preferred < earliest:
                preferred = earliest
            if latest and preferred > "10:00":
                preferred = "08:00"  # leave room for a full shift before latest_end
        if rng.random() < 0.33:
            first_off = int(rng.choice([4, 5, 6, 0]))
            days_off = f"{WEEKDAYS[first_off]};{WEEKDAYS[(first_off + 1) % 7]}"
        if i in unavailable_idx:
            k = int(rng.integers(1, 3))
            offs = sorted(rng.choice(7, size=k, replace=False).tolist())
            unavailable = ";".join(
                (pd.Timestamp(week_start) + pd.Timedelta(days=int(d))).strftime("%Y-%m-%d")
                for d in offs
            )
        rows.append(
            {
                "agent_id": f"A{i + 1:03d}",
                "name": name,
                "skills": skills[i],
                "min_hours_week": str(min_h),
                "max_hours_week": str(max_h),
                "max_days_week": str(max_days),
                "earliest_start": earliest,
                "latest_end": latest,
                "unavailable": unavailable,
                "preferred_start": preferred,
                "preferred_days_off": days_off,
                "contract": contract,
                "languages": languages,
            }
        )
    return rows


def write_demo_agents(
    path: str | Path,
    n_agents: int = DEMO_AGENTS,
    *,
    seed: int = DEMO_AGENTS_SEED,
    week_start: date = DEMO_WEEK_START,
    skill_mix: tuple[tuple[str, float], ...] = DEMO_SKILL_MIX,
) -> Path:
    """Write :func:`generate_demo_agents` as an agents CSV, atomically.

    ``week_start`` is the Monday of the planned week (the agents' unavailable days fall in it).

    ``skill_mix`` as for :func:`generate_demo_agents`.

    Returns
    -------
    pathlib.Path
        *path*.
    """
    path = Path(path)
    rows = generate_demo_agents(n_agents, seed=seed, week_start=week_start, skill_mix=skill_mix)
    with atomic_open(path) as fh:
        writer = csv.DictWriter(fh, fieldnames=list(AGENT_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_demo_events(path: str | Path) -> Path:
    """Write the demo's planner events (past ones in the history, plus a future one) as CSV."""
    path = Path(path)
    with atomic_open(path) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["name", "start", "end", "effect"])
        for ev in sorted(DEMO_EVENTS + DEMO_FUTURE_EVENTS, key=lambda e: e.start):
            effect = "" if ev.effect is None else f"{ev.effect:g}"
            writer.writerow([ev.name, ev.start.isoformat(), ev.end.isoformat(), effect])
    return path


if __name__ == "__main__":  # pragma: no cover - convenience for regenerating data/
    import sys

    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("data")
    write_demo_agents(root / "agents.csv")
    write_demo_events(root / "events.csv")
    ensure_demo_history(root / "generated" / "history.csv", force=True)
