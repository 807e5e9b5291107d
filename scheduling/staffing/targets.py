"""Service targets per channel, read from ``targets.toml``.

Example::

    pool_queues = true            # staff the queues of a channel together (queue "all")

    [channels.voice]
    model = "erlang_a"            # erlang_c | erlang_a | chat | deferred
    service_level = 0.80          # share answered within answer_within_s
    answer_within_s = 20
    max_occupancy = 0.85
    shrinkage = 0.30
    patience_s = 120
    opening_hours = "24/7"

``opening_hours`` and ``staffed_hours`` take the one opening-hours grammar of
:mod:`wfmcore.opening_hours` (forecasting reads the same key). Every problem raises
:class:`scheduling.errors.TargetsError` naming the channel and the key.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scheduling.errors import TargetsError
from wfmcore.errors import ConfigError
from wfmcore.opening_hours import OpeningHours

MODELS = ("erlang_c", "erlang_a", "chat", "deferred")


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

    @property
    def working_hours(self) -> OpeningHours:
        """Hours agents may be staffed: ``staffed_hours``, else ``opening_hours``."""
        return self.staffed_hours if self.staffed_hours is not None else self.opening_hours


@dataclass(frozen=True, slots=True)
class Targets:
    """All channels' targets, and whether queues of a channel are pooled (queue ``all``)."""

    channels: tuple[ChannelTargets, ...]
    pool_queues: bool = True

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
_KNOWN_KEYS = _NUMBER_KEYS | _INT_KEYS | {"model", "opening_hours", "staffed_hours"}


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
        name=name, model=model, opening_hours=opening, staffed_hours=staffed, **values
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
        channels=tuple(_channel(str(n), t) for n, t in channels.items()), pool_queues=pool
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
