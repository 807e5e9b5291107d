"""Service targets per channel, read from ``targets.toml``.

Example::

    pool_queues = true            # legacy: pool every channel (as pool = "channel")

    [channels.voice]
    model = "erlang_a"            # erlang_c | erlang_a | chat | deferred
    pool = "queue"                # queue | entity | group | channel (see scheduling.staffing.pools)
    service_level = 0.80          # share answered within answer_within_s
    answer_within_s = 20
    max_occupancy = 0.85
    shrinkage = 0.30
    patience_s = 120
    opening_hours = "24/7"

``opening_hours`` and ``staffed_hours`` take the one opening-hours grammar of
:mod:`wfmcore.opening_hours` (forecasting reads the same key). Every problem raises
:class:`scheduling.errors.TargetsError` naming the channel and the key.

An entities file (:mod:`wfmcore.entities`) may override any key of a channel for one entity
(``[entities.<id>.targets.<channel>]``) and the entity's ``opening_hours`` and ``closed_days``:
:func:`queue_targets` applies them, through the same validator, to every queue of the entity.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from scheduling.errors import TargetsError
from wfmcore.errors import ConfigError
from wfmcore.opening_hours import OpeningHours

if TYPE_CHECKING:
    from wfmcore.entities import EntitySet

MODELS = ("erlang_c", "erlang_a", "chat", "deferred")
#: How the queues of a channel are staffed together: each ``queue`` alone, an ``entity``'s
#: languages together, an entity ``group``'s queues together, or the whole ``channel``.
POOLS = ("queue", "entity", "group", "channel")


@dataclass(frozen=True, slots=True)
class ChannelTargets:
    """Targets of one channel (see the README's targets.toml reference for each key)."""

    name: str
    model: str
    service_level: float = 0.80
    answer_within_s: float = 20.0
    max_occupancy: float = 1.0
    shrinkage: float = 0.0
    patience_s: float | None = None
    concurrency: int = 1
    handle_time_growth: float = 0.0
    respond_within_h: float | None = None
    max_asa_s: float | None = None
    max_abandon_rate: float | None = None
    abandon_threshold_s: float = 0.0
    min_staff: int = 0
    opening_hours: OpeningHours = field(default_factory=OpeningHours.always)
    staffed_hours: OpeningHours | None = None
    pool: str | None = None
    closed_days: tuple[dt.date, ...] = ()

    @property
    def working_hours(self) -> OpeningHours:
        """Hours agents may be staffed: ``staffed_hours``, else ``opening_hours``."""
        return self.staffed_hours if self.staffed_hours is not None else self.opening_hours

    def is_open(self, timestamps: pd.Series | pd.DatetimeIndex) -> NDArray[np.bool_]:
        """Whether each interval start is in ``opening_hours`` and not on a closed day."""
        return self._not_closed(timestamps, self.opening_hours.is_open(timestamps))

    def is_working(self, timestamps: pd.Series | pd.DatetimeIndex) -> NDArray[np.bool_]:
        """Whether agents may be staffed (:attr:`working_hours`, not on a closed day)."""
        return self._not_closed(timestamps, self.working_hours.is_open(timestamps))

    def _not_closed(
        self, timestamps: pd.Series | pd.DatetimeIndex, open_: NDArray[np.bool_]
    ) -> NDArray[np.bool_]:
        if not self.closed_days:
            return open_
        days = pd.DatetimeIndex(timestamps).date
        closed = np.isin(np.asarray(days, dtype=object), np.asarray(self.closed_days, dtype=object))
        out: NDArray[np.bool_] = open_ & ~closed
        return out


@dataclass(frozen=True, slots=True)
class Targets:
    """All channels' targets, and whether queues of a channel are pooled (queue ``all``)."""

    channels: tuple[ChannelTargets, ...]
    pool_queues: bool = True
    #: whether the file wrote ``pool_queues`` (with an entities file its absence means "queue")
    pool_queues_set: bool = False
    #: each channel's table as written (for the entity overrides, :func:`queue_targets`)
    tables: Mapping[str, Mapping[str, Any]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def __getitem__(self, channel: str) -> ChannelTargets:
        """The targets of *channel*; :class:`TargetsError` when it has none."""
        for c in self.channels:
            if c.name == channel:
                return c
        raise TargetsError(
            f"channel {channel!r} has no targets (targets define: "
            f"{', '.join(c.name for c in self.channels) or 'none'})"
        )

    def __contains__(self, channel: object) -> bool:
        """Whether *channel* has targets."""
        return any(c.name == channel for c in self.channels)

    @property
    def names(self) -> list[str]:
        """Channel names in file order."""
        return [c.name for c in self.channels]

    def pooling(self, channel: str, *, entities: bool) -> str:
        """How *channel*'s queues are staffed together: one of :data:`POOLS`.

        The channel's ``pool`` key when written; else the legacy ``pool_queues``: without an
        entities file it defaults to true (``"channel"``, as before entities existed); with
        one, only a written ``pool_queues = true`` pools the channel, and the default is
        ``"queue"`` (each queue staffed alone to its entity's targets, no silent pooling).
        """
        c = self[channel]
        if c.pool is not None:
            return c.pool
        if entities and not self.pool_queues_set:
            return "queue"
        return "channel" if self.pool_queues else "queue"


_NUMBER_KEYS = {
    "service_level",
    "answer_within_s",
    "max_occupancy",
    "shrinkage",
    "patience_s",
    "handle_time_growth",
    "respond_within_h",
    "max_asa_s",
    "max_abandon_rate",
    "abandon_threshold_s",
}
_INT_KEYS = {"concurrency", "min_staff"}
_KNOWN_KEYS = _NUMBER_KEYS | _INT_KEYS | {"model", "opening_hours", "staffed_hours", "pool"}


def parse_opening_hours(value: object, *, where: str) -> OpeningHours:
    """Parse an ``opening_hours`` (or ``staffed_hours``) value.

    The grammar is :mod:`wfmcore.opening_hours`'s.

    Raises
    ------
    TargetsError
        Naming *where* (``channel 'x', key 'opening_hours'``) and the offending part.
    """
    try:
        return OpeningHours.parse(value)
    except ConfigError as exc:
        raise TargetsError(f"{where}: {exc}") from None


def _channel(name: str, table: object) -> ChannelTargets:
    def err(key: str, msg: str) -> TargetsError:
        return TargetsError(f"channel {name!r}, key {key!r}: {msg}")

    if not isinstance(table, dict):
        raise TargetsError(f"channel {name!r}: expected a table [channels.{name}]")
    unknown = sorted(set(table) - _KNOWN_KEYS)
    if unknown:
        raise err(unknown[0], f"unknown key (known keys: {', '.join(sorted(_KNOWN_KEYS))})")
    if "model" not in table:
        raise err("model", f"missing (one of {', '.join(MODELS)})")
    model = table["model"]
    if model not in MODELS:
        raise err("model", f"unknown model {model!r} (one of {', '.join(MODELS)})")
    values: dict[str, Any] = {}  # ChannelTargets keywords: floats, ints for the two counts
    for key in _NUMBER_KEYS & set(table):
        v = table[key]
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise err(key, f"expected a number, got {v!r}")
        values[key] = float(v)
    for key in _INT_KEYS & set(table):
        v = table[key]
        if isinstance(v, bool) or not isinstance(v, int):
            raise err(key, f"expected a whole number, got {v!r}")
        values[key] = int(v)

    for key in ("service_level", "max_abandon_rate"):
        if key in values and not 0.0 < values[key] <= 1.0:
            raise err(key, f"must be a share in (0, 1], got {values[key]:g}")
    if "max_occupancy" in values and not 0.0 < values["max_occupancy"] <= 1.0:
        raise err("max_occupancy", f"must be in (0, 1], got {values['max_occupancy']:g}")
    if "shrinkage" in values and not 0.0 <= values["shrinkage"] < 1.0:
        raise err("shrinkage", f"must be in [0, 1), got {values['shrinkage']:g}")
    for key in ("answer_within_s", "abandon_threshold_s", "handle_time_growth"):
        if key in values and values[key] < 0:
            raise err(key, f"must not be negative, got {values[key]:g}")
    for key in ("patience_s", "respond_within_h", "max_asa_s"):
        if key in values and values[key] <= 0:
            raise err(key, f"must be positive, got {values[key]:g}")
    if "concurrency" in values and values["concurrency"] < 1:
        raise err("concurrency", f"must be at least 1, got {values['concurrency']}")
    if "min_staff" in values and values["min_staff"] < 0:
        raise err("min_staff", f"must not be negative, got {values['min_staff']}")

    if model == "erlang_a" and "patience_s" not in values:
        raise err("patience_s", "required by model 'erlang_a' (mean patience in seconds)")
    if model == "deferred" and "respond_within_h" not in values:
        raise err("respond_within_h", "required by model 'deferred' (hours)")
    if model != "chat":
        for key in ("concurrency", "handle_time_growth"):
            if key in values:
                raise err(key, f"only used by model 'chat', not {model!r}")
    if model == "erlang_c":
        for key in ("patience_s", "max_abandon_rate", "abandon_threshold_s"):
            if key in values:
                raise err(key, "Erlang C has no abandonment; use model 'erlang_a'")
    if model != "deferred" and "respond_within_h" in values:
        raise err("respond_within_h", f"only used by model 'deferred', not {model!r}")
    if model == "deferred":
        for key in ("answer_within_s", "patience_s", "max_asa_s", "max_abandon_rate"):
            if key in values:
                raise err(key, "not used by model 'deferred' (use respond_within_h)")
    if model != "deferred" and "staffed_hours" in table:
        raise err("staffed_hours", "only used by model 'deferred' (use opening_hours)")
    if model == "chat" and "answer_within_s" not in values:
        values["answer_within_s"] = 60.0
    if "pool" in table and table["pool"] not in POOLS:
        raise err("pool", f"expected one of {', '.join(POOLS)}, got {table['pool']!r}")

    opening = (
        parse_opening_hours(table["opening_hours"], where=f"channel {name!r}, key 'opening_hours'")
        if "opening_hours" in table
        else OpeningHours.always()
    )
    staffed = (
        parse_opening_hours(table["staffed_hours"], where=f"channel {name!r}, key 'staffed_hours'")
        if "staffed_hours" in table
        else None
    )
    return ChannelTargets(
        name=name,
        model=model,
        opening_hours=opening,
        staffed_hours=staffed,
        pool=table.get("pool"),
        **values,
    )


def targets_from_dict(data: dict[str, Any]) -> Targets:
    """Validate a parsed targets document (the TOML as a dict) into :class:`Targets`."""
    unknown = sorted(set(data) - {"channels", "pool_queues"})
    if unknown:
        raise TargetsError(f"unknown top-level key {unknown[0]!r} (expected channels, pool_queues)")
    pool = data.get("pool_queues", True)
    if not isinstance(pool, bool):
        raise TargetsError(f"key 'pool_queues': expected true or false, got {pool!r}")
    channels = data.get("channels")
    if not isinstance(channels, dict) or not channels:
        raise TargetsError("no channels: add at least one [channels.<name>] table")
    return Targets(
        channels=tuple(_channel(str(n), t) for n, t in channels.items()),
        pool_queues=pool,
        pool_queues_set="pool_queues" in data,
        tables={str(n): dict(t) for n, t in channels.items()},
    )


def load_targets(path: str | Path) -> Targets:
    """Read and validate ``targets.toml``.

    Parameters
    ----------
    path
        The TOML file.

    Returns
    -------
    Targets

    Raises
    ------
    TargetsError
        Missing file, bad TOML, unknown keys, impossible values; naming the channel and key.
    """
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise TargetsError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise TargetsError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise TargetsError(f"{path}: file is not valid UTF-8") from None
    except OSError as exc:  # a folder, no permission
        raise TargetsError(f"{path}: cannot read the file ({exc.strerror})") from None
    try:
        return targets_from_dict(data)
    except TargetsError as exc:
        raise TargetsError(f"{path}: {exc}") from None


_KEY_IN_MESSAGE = re.compile(r"key '([^']+)'")


def _entity_error(
    entities: EntitySet, entity_id: str, key: str, message: str, *line_keys: str
) -> TargetsError:
    """``<file>:<line>: entity 'rta', key 'targets.voice.service_level': ...``."""
    source = entities.source
    line = None
    keys: Sequence[str] = line_keys or tuple(key.split("."))
    while keys and line is None:  # the key's own line, else its table's
        line = entities.line_of(entity_id, *keys)
        keys = keys[:-1]
    if line is None:
        line = entities.line_of(entity_id)
    where = f"{source}:{line}" if line is not None else str(source)
    return TargetsError(f"{where}: entity {entity_id!r}, key {key!r}: {message}")


def queue_targets(targets: Targets, entities: EntitySet) -> dict[tuple[str, str], ChannelTargets]:
    """The targets of every queue of *entities*: its channel's, with the entity's overrides.

    Each queue's table is the channel's table of ``targets.toml`` with the entity's
    ``[entities.<id>.targets.<channel>]`` keys and its ``opening_hours`` written over it,
    validated by the channel validator (one grammar); the entity's ``closed_days`` close the
    queue on those dates.

    Parameters
    ----------
    targets
        From :func:`load_targets` (or :func:`targets_from_dict`).
    entities
        From :func:`wfmcore.entities.read_entities`.

    Returns
    -------
    dict
        ``{(channel, queue): ChannelTargets}`` for every queue of every entity (inactive ones
        too: their history may still be staffed or evaluated).

    Raises
    ------
    TargetsError
        ``<file>:<line>: entity 'x', key 'y': ...`` for a bad override, an override of
        ``pool`` (chosen per channel), an override for a channel the entity has no queue on,
        or a channel of the entity that ``targets.toml`` does not define.
    """
    from wfmcore.entities import queue_id

    out: dict[tuple[str, str], ChannelTargets] = {}
    for ent in entities.entities:
        eid = str(ent.id)
        overrides: Mapping[str, Mapping[str, Any]] = ent.targets or {}
        for channel in overrides:
            if channel not in ent.channels:
                raise _entity_error(
                    entities,
                    eid,
                    f"targets.{channel}",
                    f"targets for channel {channel!r}, which the entity has no queue on "
                    f"(its channels: {', '.join(ent.channels)})",
                )
        for channel in ent.channels:
            if channel not in targets:
                raise _entity_error(
                    entities,
                    eid,
                    "channels",
                    f"channel {channel!r} has no targets in targets.toml (targets define: "
                    f"{', '.join(targets.names)}); expected a [channels.{channel}] table",
                )
            own = dict(overrides.get(channel, {}))
            if "pool" in own:
                raise _entity_error(
                    entities,
                    eid,
                    f"targets.{channel}.pool",
                    "pooling is chosen per channel in targets.toml, not per entity",
                )
            base = targets.tables.get(channel)
            if (not own and ent.opening_hours is None) or base is None:
                table: dict[str, Any] | None = None  # the channel's own targets
            else:
                # the entity's [targets.<channel>] opening_hours wins over its own, which wins
                # over the channel's (as EntitySet.queue_hours, which forecasting reads)
                table = {**base, **own}
                if ent.opening_hours is not None and "opening_hours" not in own:
                    table["opening_hours"] = ent.opening_hours
            if table is None:
                if own or ent.opening_hours is not None:
                    raise _entity_error(
                        entities, eid, f"targets.{channel}", "the targets have no file tables"
                    )
                ct = targets[channel]
            else:
                try:
                    ct = _channel(channel, table)
                except TargetsError as exc:
                    text = str(exc)
                    found = _KEY_IN_MESSAGE.search(text)
                    key = found.group(1) if found else ""
                    message = text.split(": ", 1)[1] if ": " in text else text
                    if key == "opening_hours" and "opening_hours" not in own:
                        raise _entity_error(entities, eid, "opening_hours", message) from None
                    raise _entity_error(
                        entities,
                        eid,
                        f"targets.{channel}.{key}" if key else f"targets.{channel}",
                        message,
                        *(("targets", channel, key) if key in own else ("targets", channel)),
                    ) from None
            if ent.closed_days:
                ct = replace(ct, closed_days=tuple(ent.closed_days))
            for language in ent.languages:
                out[(channel, queue_id(eid, language))] = ct
    return out
