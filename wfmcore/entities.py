"""The center's structure: entities, their queues, and the map from an ACD's queue names.

A government contact center answers for many **entities**. Each entity's contacts arrive on its own
**queues**, one per entity x language x channel. In every frame (history, forecast, requirements)
the ``channel`` column names the channel and the ``queue`` column the queue id
``"<entity>.<language>"`` (:func:`queue_id`), so ``("voice", "rta.ar")`` is the Arabic voice queue
of entity ``rta``.

The structure is one versioned file, ``entities.toml``, read by the command line and stored by the
web app as a document::

    version = 1

    [groups.transport]
    name_en = "Transport and mobility"
    name_ar = "النقل والتنقل"

    [entities.rta]
    name_en = "Roads and Transport Authority"
    name_ar = "هيئة الطرق والمواصلات"
    group = "transport"                 # optional: a [groups.*] id
    languages = ["ar", "en"]
    channels = ["voice", "chat", "whatsapp"]   # its queues: languages x channels
    active = true                       # optional (default true)
    opening_hours = "07:00-22:00"       # optional: all of its channels (the kernel's grammar)
    closed_days = [2026-12-03]          # optional: dates it is closed (TOML dates)

    [entities.rta.targets.voice]        # optional: keys of targets.toml's [channels.voice]
    service_level = 0.90
    answer_within_s = 15

Overrides use the one grammar of ``targets.toml``: this module checks their names (and the
opening-hours grammar); :mod:`scheduling.staffing.targets` checks their values against the
channel's model. Every problem raises :class:`EntitiesError` reading
``entities.toml:12: entity 'rta', key 'languages': ...``.

An ACD export that names queues in its own words is mapped onto queues by a **queue map**, a CSV
``acd_queue,channel,entity,language`` kept by the planner (:func:`read_queue_map`,
:func:`map_queues`). Names that are neither queue ids nor in the map are returned in a list,
never dropped silently.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from wfmcore.errors import ConfigError, InputError
from wfmcore.opening_hours import OpeningHours
from wfmcore.parse import read_csv_checked

__all__ = [
    "ENTITIES_VERSION",
    "QUEUE_MAP_COLUMNS",
    "TARGET_KEYS",
    "EntitiesError",
    "Entity",
    "EntitySet",
    "Group",
    "Queue",
    "QueueHours",
    "QueueMap",
    "dump_entities",
    "entities_of",
    "map_queues",
    "parse_entities",
    "parse_queue_map",
    "queue_destinations",
    "queue_id",
    "read_entities",
    "read_queue_map",
    "split_queue_id",
]

#: The file version this module reads and writes.
ENTITIES_VERSION = 1

#: The keys of a ``targets.toml`` channel table an entity may override (``model`` and ``pool`` are
#: the channel's own).
TARGET_KEYS = frozenset(
    {
        "service_level",
        "answer_within_s",
        "max_occupancy",
        "shrinkage",
        "patience_s",
        "abandon_threshold_s",
        "max_asa_s",
        "max_abandon_rate",
        "concurrency",
        "handle_time_growth",
        "respond_within_h",
        "min_staff",
        "opening_hours",
        "staffed_hours",
    }
)

#: Columns of the queue map CSV.
QUEUE_MAP_COLUMNS = ("acd_queue", "channel", "entity", "language")

_ID = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_CHANNEL = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_NAME_MAX = 120
_ENTITY_KEYS = frozenset(
    {
        "name_en",
        "name_ar",
        "group",
        "languages",
        "channels",
        "active",
        "opening_hours",
        "closed_days",
        "targets",
    }
)


class EntitiesError(ConfigError):
    """A problem in ``entities.toml``, located by file, line, entity and key.

    Attributes
    ----------
    file, line, entity, key
        Where (each ``None`` when not known).
    detail
        What is wrong, without the location.
    """

    def __init__(
        self,
        detail: str,
        *,
        file: str | None = None,
        line: int | None = None,
        entity: str | None = None,
        key: str | None = None,
    ) -> None:
        self.file, self.line, self.entity, self.key, self.detail = file, line, entity, key, detail
        where = ""
        if file is not None:
            where = f"{file}:{line}: " if line is not None else f"{file}: "
        parts = []
        if entity is not None:
            parts.append(f"entity {entity!r}")
        if key is not None:
            parts.append(f"key {key!r}")
        what = ", ".join(parts)
        super().__init__(f"{where}{what}: {detail}" if what else f"{where}{detail}")


def queue_id(entity: str, language: str) -> str:
    """The queue id of an entity's queue in one language: ``"rta.ar"``."""
    return f"{entity}.{language}"


def split_queue_id(queue: str) -> tuple[str, str] | None:
    """``(entity, language)`` of a queue id, or ``None`` when *queue* is not of that form."""
    entity, dot, language = queue.rpartition(".")
    if not dot or not _ID.match(entity) or not _LANGUAGE.match(language):
        return None
    return entity, language


@dataclass(frozen=True, slots=True)
class Group:
    """A group of entities (e.g. health and social services)."""

    id: str
    name_en: str
    name_ar: str


@dataclass(frozen=True, slots=True)
class Queue:
    """One queue: an entity's contacts in one language on one channel."""

    channel: str
    queue: str
    entity: str
    language: str
    group: str


@dataclass(frozen=True, slots=True)
class QueueHours:
    """When one queue is open: weekly opening hours minus the entity's closed days.

    It has the ``is_open(timestamps, interval_min)`` of :class:`OpeningHours`, so forecasting and
    staffing take it wherever they take opening hours.
    """

    hours: OpeningHours
    closed_days: frozenset[dt.date] = frozenset()

    @property
    def spec(self) -> str:
        """A readable description."""
        if not self.closed_days:
            return self.hours.spec
        days = ", ".join(d.isoformat() for d in sorted(self.closed_days))
        return f"{self.hours.spec}; closed {days}"

    def is_open(
        self,
        timestamps: pd.DatetimeIndex | pd.Series | list[dt.datetime] | tuple[dt.datetime, ...],
        interval_min: int | None = None,
    ) -> NDArray[np.bool_]:
        """Whether the queue is open at each timestamp (see :meth:`OpeningHours.is_open`)."""
        idx = pd.DatetimeIndex(timestamps)
        open_ = np.asarray(self.hours.is_open(idx, interval_min), dtype=bool)
        if self.closed_days:
            wall = idx.tz_localize(None) if idx.tz is not None else idx
            closed = np.isin(
                wall.normalize().to_numpy(dtype="datetime64[D]"),
                np.array(sorted(self.closed_days), dtype="datetime64[D]"),
            )
            open_ = open_ & ~closed
        return open_

    def __str__(self) -> str:
        """:attr:`spec`."""
        return self.spec


@dataclass(frozen=True, slots=True)
class Entity:
    """One entity and its queues.

    Attributes
    ----------
    targets
        Per channel, the raw ``targets.toml`` keys this entity overrides.
    opening_hours
        The raw opening-hours value for all of its channels, or ``None`` (the channel's).
    """

    id: str
    name_en: str
    name_ar: str
    languages: tuple[str, ...]
    channels: tuple[str, ...]
    group: str = ""
    active: bool = True
    targets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    opening_hours: Any = None
    closed_days: tuple[dt.date, ...] = ()

    def queues(self) -> tuple[Queue, ...]:
        """Its queues, channel by channel, in the file's order of channels and languages."""
        return tuple(
            Queue(ch, queue_id(self.id, lang), self.id, lang, self.group)
            for ch in self.channels
            for lang in self.languages
        )


@dataclass(frozen=True)
class EntitySet:
    """The center's entities (the parsed ``entities.toml``).

    Attributes
    ----------
    version
        File version (:data:`ENTITIES_VERSION`).
    entities
        In file order.
    groups
        Group id -> :class:`Group`.
    source
        File name used in messages.
    lines
        Line numbers of tables and keys: ``("rta",)`` is the ``[entities.rta]`` header,
        ``("rta", "languages")`` its key, ``("rta", "targets", "voice", "service_level")`` an
        override (see :meth:`line_of`).
    """

    version: int
    entities: tuple[Entity, ...]
    groups: Mapping[str, Group] = field(default_factory=dict)
    source: str = field(default="entities.toml", compare=False)
    lines: Mapping[tuple[str, ...], int] = field(default_factory=dict, repr=False, compare=False)

    def get(self, entity_id: str) -> Entity:
        """The entity with this id (``KeyError`` when there is none)."""
        for entity in self.entities:
            if entity.id == entity_id:
                return entity
        raise KeyError(entity_id)

    def active(self) -> tuple[Entity, ...]:
        """The active entities."""
        return tuple(e for e in self.entities if e.active)

    def queues(self, *, include_inactive: bool = False) -> tuple[Queue, ...]:
        """Every queue of the (active) entities."""
        source = self.entities if include_inactive else self.active()
        return tuple(q for e in source for q in e.queues())

    def queue_frame(self, *, include_inactive: bool = False) -> pd.DataFrame:
        """The hierarchy: one row per queue, columns channel, queue, entity, language, group."""
        rows = [
            (q.channel, q.queue, q.entity, q.language, q.group)
            for q in self.queues(include_inactive=include_inactive)
        ]
        return pd.DataFrame(rows, columns=["channel", "queue", "entity", "language", "group"])

    def entity_of(self, channel: str, queue: str) -> Entity | None:
        """The entity that owns queue *queue* on *channel*, or ``None``."""
        parts = split_queue_id(queue)
        if parts is None:
            return None
        try:
            entity = self.get(parts[0])
        except KeyError:
            return None
        if parts[1] not in entity.languages or channel not in entity.channels:
            return None
        return entity

    def line_of(self, entity_id: str, *keys: str) -> int | None:
        """Line of ``[entities.<id>]`` (no *keys*) or of a key under it, when known."""
        path = (entity_id, *keys)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def queue_hours(
        self, channel_hours: Mapping[str, OpeningHours] | None = None
    ) -> dict[tuple[str, str], QueueHours]:
        """When each active queue is open.

        The entity's ``[targets.<channel>] opening_hours`` wins, then its own ``opening_hours``,
        then the channel's (*channel_hours*, default 24/7); its closed days close every one of
        its queues.
        """
        out: dict[tuple[str, str], QueueHours] = {}
        for entity in self.active():
            closed = frozenset(entity.closed_days)
            for q in entity.queues():
                spec = entity.targets.get(q.channel, {}).get("opening_hours", entity.opening_hours)
                if spec is not None:
                    hours = OpeningHours.parse(spec)
                else:
                    hours = (channel_hours or {}).get(q.channel, OpeningHours.always())
                out[(q.channel, q.queue)] = QueueHours(hours, closed)
        return out

    def search(self, text: str) -> tuple[Entity, ...]:
        """Entities whose id, English or Arabic name contains *text* (case-insensitive)."""
        needle = text.strip().casefold()
        if not needle:
            return self.entities
        return tuple(
            e
            for e in self.entities
            if needle in e.id or needle in e.name_en.casefold() or needle in e.name_ar.casefold()
        )


# -------------------------------------------------------------------------------------------------
# reading


def read_entities(path: str | Path) -> EntitySet:
    """Read and check ``entities.toml``.

    Raises
    ------
    EntitiesError
        Missing or unreadable file, bad TOML, or any problem :func:`parse_entities` finds.
    """
    name = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise EntitiesError("file not found", file=name) from None
    except IsADirectoryError:
        raise EntitiesError("is a directory, expected entities.toml", file=name) from None
    except UnicodeDecodeError:
        raise EntitiesError("file is not valid UTF-8", file=name) from None
    except OSError as exc:
        raise EntitiesError(f"cannot read the file ({exc.strerror})", file=name) from None
    return parse_entities(text, name)


def parse_entities(text: str, source: str = "entities.toml") -> EntitySet:
    """Parse and check the text of an ``entities.toml``.

    Parameters
    ----------
    text
        The file's text.
    source
        File name used in messages.

    Returns
    -------
    EntitySet

    Raises
    ------
    EntitiesError
        Bad TOML, an unknown or missing key, a bad id, name, language, channel, group, date or
        opening hours, an override of an unknown key or of a channel the entity has no queue on;
        the message names the file, line, entity and key.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise EntitiesError(f"not valid TOML: {exc}", file=source) from None
    lines = _scan_lines(text)

    def fail(detail: str, entity: str | None = None, *keys: str) -> EntitiesError:
        line = _line(lines, entity, keys)
        key = ".".join(keys) if keys else None
        return EntitiesError(detail, file=source, line=line, entity=entity, key=key)

    unknown = sorted(set(data) - {"version", "groups", "entities"})
    if unknown:
        raise EntitiesError(
            f"unknown top-level key {unknown[0]!r} (expected version, groups, entities)",
            file=source,
            line=lines.get(("", unknown[0])),
        )
    version = data.get("version")
    if version is None:
        raise EntitiesError(f"missing 'version = {ENTITIES_VERSION}'", file=source, line=1)
    if isinstance(version, bool) or not isinstance(version, int) or version != ENTITIES_VERSION:
        raise EntitiesError(
            f"key 'version': this contact-wfm reads version {ENTITIES_VERSION}, got {version!r}",
            file=source,
            line=lines.get(("", "version")),
        )
    groups = _groups(data.get("groups", {}), source, lines)
    raw = data.get("entities")
    if not isinstance(raw, dict) or not raw:
        raise EntitiesError("no entities: add at least one [entities.<id>] table", file=source)
    entities = tuple(_entity(str(k), v, groups, fail) for k, v in raw.items())
    return EntitySet(
        version=version,
        entities=entities,
        groups=groups,
        source=source,
        lines={k[1:]: v for k, v in lines.items() if k[0] == "entities"},
    )


def _groups(raw: object, source: str, lines: dict[tuple[str, ...], int]) -> dict[str, Group]:
    if not isinstance(raw, dict):
        raise EntitiesError("key 'groups': expected [groups.<id>] tables", file=source)
    out = {}
    for gid, table in raw.items():
        line = lines.get(("groups", gid))
        if not _ID.match(gid):
            raise EntitiesError(
                f"group id {gid!r}: expected a lower-case id of letters, digits, '_' or '-' "
                "(at most 32, starting with a letter)",
                file=source,
                line=line,
            )
        if not isinstance(table, dict):
            raise EntitiesError(f"group {gid!r}: expected a table", file=source, line=line)
        extra = sorted(set(table) - {"name_en", "name_ar"})
        if extra:
            raise EntitiesError(
                f"group {gid!r}: unknown key {extra[0]!r} (expected name_en, name_ar)",
                file=source,
                line=lines.get(("groups", gid, extra[0]), line),
            )
        names = []
        for key in ("name_en", "name_ar"):
            value = table.get(key)
            if not isinstance(value, str) or not value.strip() or len(value) > _NAME_MAX:
                raise EntitiesError(
                    f"group {gid!r}, key {key!r}: expected a name of 1 to {_NAME_MAX} characters",
                    file=source,
                    line=lines.get(("groups", gid, key), line),
                )
            names.append(value.strip())
        out[gid] = Group(gid, names[0], names[1])
    return out


def _entity(eid: str, table: object, groups: Mapping[str, Group], fail: Any) -> Entity:
    if not _ID.match(eid):
        raise fail(
            "expected an id of lower-case letters, digits, '_' or '-' (at most 32, starting "
            "with a letter)",
            eid,
        )
    if not isinstance(table, dict):
        raise fail("expected a table [entities.<id>]", eid)
    extra = sorted(set(table) - _ENTITY_KEYS)
    if extra:
        raise fail(f"unknown key (expected {', '.join(sorted(_ENTITY_KEYS))})", eid, extra[0])
    names = []
    for key in ("name_en", "name_ar"):
        value = table.get(key)
        if value is None:
            raise fail("missing (required)", eid, key)
        if not isinstance(value, str) or not value.strip() or len(value) > _NAME_MAX:
            raise fail(f"expected a name of 1 to {_NAME_MAX} characters", eid, key)
        names.append(value.strip())
    group = table.get("group", "")
    if not isinstance(group, str):
        raise fail("expected a group id (text)", eid, "group")
    if group and groups and group not in groups:
        raise fail(f"unknown group {group!r} (known: {', '.join(sorted(groups))})", eid, "group")
    if group and not groups and not _ID.match(group):
        raise fail("expected a group id of lower-case letters, digits, '_' or '-'", eid, "group")
    languages = _codes(table.get("languages"), _LANGUAGE, "a language code such as 'ar'")
    if isinstance(languages, str):
        raise fail(languages, eid, "languages")
    channels = _codes(table.get("channels"), _CHANNEL, "a channel name such as 'voice'")
    if isinstance(channels, str):
        raise fail(channels, eid, "channels")
    active = table.get("active", True)
    if not isinstance(active, bool):
        raise fail("expected true or false", eid, "active")
    hours = table.get("opening_hours")
    if hours is not None:
        try:
            OpeningHours.parse(hours)
        except ConfigError as exc:
            raise fail(str(exc), eid, "opening_hours") from None
    closed = _dates(table.get("closed_days", []))
    if isinstance(closed, str):
        raise fail(closed, eid, "closed_days")
    targets = table.get("targets", {})
    if not isinstance(targets, dict):
        raise fail("expected [entities.<id>.targets.<channel>] tables", eid, "targets")
    checked: dict[str, dict[str, Any]] = {}
    for channel, keys in targets.items():
        if channel not in channels:
            raise fail(
                f"an override for channel {channel!r}, which is not one of its channels "
                f"({', '.join(channels)})",
                eid,
                "targets",
                channel,
            )
        if not isinstance(keys, dict):
            raise fail("expected a table of target keys", eid, "targets", channel)
        for key, value in keys.items():
            if key not in TARGET_KEYS:
                raise fail(
                    f"not a target key an entity may override (expected one of "
                    f"{', '.join(sorted(TARGET_KEYS))})",
                    eid,
                    "targets",
                    channel,
                    key,
                )
            if key in ("opening_hours", "staffed_hours"):
                try:
                    OpeningHours.parse(value)
                except ConfigError as exc:
                    raise fail(str(exc), eid, "targets", channel, key) from None
        checked[channel] = dict(keys)
    return Entity(
        id=eid,
        name_en=names[0],
        name_ar=names[1],
        languages=languages,
        channels=channels,
        group=group,
        active=active,
        targets=checked,
        opening_hours=hours,
        closed_days=closed,
    )


def _codes(value: object, pattern: re.Pattern[str], what: str) -> tuple[str, ...] | str:
    """The checked list, or the problem as a string."""
    if value is None:
        return 'missing (required): a list such as ["ar", "en"]'
    if not isinstance(value, list) or not value:
        return f"expected a non-empty list, each {what}"
    out = []
    for item in value:
        if not isinstance(item, str) or not pattern.match(item):
            return f"{item!r} is not {what}"
        if item in out:
            return f"{item!r} is listed twice"
        out.append(item)
    return tuple(out)


def _dates(value: object) -> tuple[dt.date, ...] | str:
    if not isinstance(value, list):
        return "expected a list of dates such as [2026-12-03]"
    out = []
    for item in value:
        if isinstance(item, dt.datetime) or not isinstance(item, dt.date | str):
            return f"{item!r} is not a date (expected YYYY-MM-DD)"
        if isinstance(item, str):
            try:
                item = dt.date.fromisoformat(item.strip())
            except ValueError:
                return f"{item!r} is not a date (expected YYYY-MM-DD)"
        out.append(item)
    return tuple(sorted(set(out)))


# -- line numbers ------------------------------------------------------------------------------

_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'. ]+?)\s*=")


def _split_dotted(text: str) -> tuple[str, ...]:
    parts = []
    for raw in re.findall(r'"[^"]*"|\'[^\']*\'|[^.]+', text):
        parts.append(raw.strip().strip("\"'"))
    return tuple(p for p in parts if p)


def _scan_lines(text: str) -> dict[tuple[str, ...], int]:
    """Line numbers of table headers and keys, by their full dotted path (first occurrence)."""
    out: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ("",)
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = _split_dotted(header.group(1))
            out.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            path = (*table, *_split_dotted(key.group(1)))
            if table == ("",):
                path = ("", *_split_dotted(key.group(1)))
            out.setdefault(path, number)
    return out


def _line(
    lines: Mapping[tuple[str, ...], int], entity: str | None, keys: Sequence[str]
) -> int | None:
    if entity is None:
        return None
    path = ("entities", entity, *keys)
    while len(path) >= 2:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None


# -------------------------------------------------------------------------------------------------
# writing


def dump_entities(entities: EntitySet) -> str:
    """The ``entities.toml`` text of *entities*; :func:`parse_entities` reads it back equal."""
    out = [f"version = {entities.version}", ""]
    for group in entities.groups.values():
        out += [
            f"[groups.{group.id}]",
            f"name_en = {_toml(group.name_en)}",
            f"name_ar = {_toml(group.name_ar)}",
            "",
        ]
    for e in entities.entities:
        out += [
            f"[entities.{e.id}]",
            f"name_en = {_toml(e.name_en)}",
            f"name_ar = {_toml(e.name_ar)}",
        ]
        if e.group:
            out.append(f"group = {_toml(e.group)}")
        out += [f"languages = {_toml(list(e.languages))}", f"channels = {_toml(list(e.channels))}"]
        if not e.active:
            out.append("active = false")
        if e.opening_hours is not None:
            out.append(f"opening_hours = {_toml(e.opening_hours)}")
        if e.closed_days:
            out.append(f"closed_days = {_toml(list(e.closed_days))}")
        out.append("")
        for channel, keys in e.targets.items():
            out.append(f"[entities.{e.id}.targets.{channel}]")
            out += [f"{k} = {_toml(v)}" for k, v in keys.items()]
            out.append("")
    return "\n".join(out)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value), ensure_ascii=False)


# -------------------------------------------------------------------------------------------------
# queue map


@dataclass(frozen=True, slots=True)
class QueueMap:
    """ACD queue names mapped onto queues.

    Attributes
    ----------
    frame
        Columns :data:`QUEUE_MAP_COLUMNS`; ``channel`` is ``""`` for a name mapped on any channel.
    """

    frame: pd.DataFrame

    def lookup(self) -> dict[tuple[str, str], tuple[str, str]]:
        """``(casefolded acd_queue, channel or "") -> (entity, language)``."""
        return {
            (str(a).strip().casefold(), str(c)): (str(e), str(lang))
            for a, c, e, lang in self.frame[list(QUEUE_MAP_COLUMNS)].itertuples(index=False)
        }


def read_queue_map(path: str | Path, entities: EntitySet) -> QueueMap:
    """Read and check a queue map CSV (``acd_queue,channel,entity,language``).

    Raises
    ------
    InputError
        Missing column, empty name, an unknown entity, a language or channel the entity does not
        have, or a name mapped twice; naming the file, row and column.
    """
    frame = read_csv_checked(path, ("acd_queue", "entity", "language"))
    return parse_queue_map(frame, entities, str(path))


def parse_queue_map(frame: pd.DataFrame, entities: EntitySet, source: str) -> QueueMap:
    """Check a queue map frame (strings; row *i* is file line *i + 2*).

    See :func:`read_queue_map`.
    """
    frame = frame.copy()
    if "channel" not in frame.columns:
        frame["channel"] = ""
    frame = frame.fillna("")
    seen: dict[tuple[str, str], int] = {}
    known = {e.id: e for e in entities.entities}
    for i, (acd, channel, entity, language) in enumerate(
        frame[list(QUEUE_MAP_COLUMNS)].astype(str).itertuples(index=False)
    ):
        row = i + 2

        def bad(column: str, what: str, row: int = row) -> InputError:
            return InputError(what, file=source, row=row, column=column)

        if not acd.strip():
            raise bad("acd_queue", "empty; expected the queue name as the ACD writes it")
        entity, language, channel = entity.strip(), language.strip(), channel.strip()
        if entity not in known:
            raise bad("entity", f"unknown entity {entity!r}; expected an id of entities.toml")
        if language not in known[entity].languages:
            raise bad(
                "language",
                f"{language!r} is not a language of {entity!r} "
                f"(expected {', '.join(known[entity].languages)})",
            )
        if channel and channel not in known[entity].channels:
            raise bad(
                "channel",
                f"{channel!r} is not a channel of {entity!r} "
                f"(expected {', '.join(known[entity].channels)}, or empty for any)",
            )
        key = (acd.strip().casefold(), channel)
        if key in seen:
            raise bad("acd_queue", f"{acd.strip()!r} is mapped twice (also on line {seen[key]})")
        seen[key] = row
    out = frame[list(QUEUE_MAP_COLUMNS)].astype(str).apply(lambda s: s.str.strip())
    return QueueMap(out.reset_index(drop=True))


def queue_destinations(
    pairs: Iterable[tuple[str, str]], queue_map: QueueMap | None, entities: EntitySet
) -> dict[tuple[str, str], str | None]:
    """The queue each ``(channel, queue name)`` lands on, or ``None`` when it is unmapped.

    A name that is a queue of an active entity on that channel stays; otherwise it is looked
    up in *queue_map* (case-insensitive, surrounding blanks ignored; a row for the channel wins
    over one for any channel) and must land on a queue of that channel.
    """
    known = {(q.channel, q.queue) for q in entities.queues()}
    lookup = queue_map.lookup() if queue_map is not None else {}
    out: dict[tuple[str, str], str | None] = {}
    for channel, name in pairs:
        if (channel, name) in known:
            out[(channel, name)] = name
            continue
        folded = name.strip().casefold()
        hit = lookup.get((folded, channel)) or lookup.get((folded, ""))
        dest = None if hit is None else queue_id(*hit)
        out[(channel, name)] = dest if dest and (channel, dest) in known else None
    return out


def map_queues(
    history: pd.DataFrame, queue_map: QueueMap | None, entities: EntitySet
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Put a history frame's rows on the center's queues.

    A row whose ``(channel, queue)`` is a queue of an active entity stays as it is. Otherwise its
    queue name is looked up in *queue_map* (case-insensitive, surrounding blanks ignored; a map
    row for the row's channel wins over one for any channel) and renamed to the mapped queue;
    rows that land on the same queue and interval are added up (AHT weighted by handled, else
    offered). Everything else is left out of the mapped frame and listed.

    Parameters
    ----------
    history
        History contract frame (``channel``, ``queue``, ``interval_start``, ``offered``, ...).
    queue_map
        The planner's map, or ``None``.
    entities
        The center's structure.

    Returns
    -------
    tuple of pandas.DataFrame
        The mapped history, and the unmapped names: ``channel``, ``acd_queue``, ``rows``,
        ``offered`` (largest volume first).
    """
    # one lookup per distinct (channel, queue) pair, then a vectorised take over the rows
    channel_codes, channels = pd.factorize(history["channel"].astype(str))
    queue_codes, queues = pd.factorize(history["queue"].astype(str))
    width = max(len(queues), 1)
    codes, inverse = np.unique(
        channel_codes.astype(np.int64) * width + queue_codes, return_inverse=True
    )
    pairs = [(str(channels[c // width]), str(queues[c % width])) for c in codes.tolist()]
    dests = list(queue_destinations(pairs, queue_map, entities).values())
    landed = [(ch, d) for (ch, _), d in zip(pairs, dests, strict=True) if d is not None]
    collide = len(set(landed)) < len(landed)  # two names on one queue: rows to add up
    new = pd.Series(np.array(dests, dtype=object)[inverse.reshape(-1)], index=history.index)
    ok = new.notna().to_numpy()
    unmapped_rows = history.loc[~ok]
    unmapped = (
        unmapped_rows.assign(acd_queue=unmapped_rows["queue"].astype(str))
        .groupby(["channel", "acd_queue"], sort=False)
        .agg(rows=("offered", "size"), offered=("offered", "sum"))
        .reset_index()
        .sort_values(["offered", "rows"], ascending=False, kind="stable")
        .reset_index(drop=True)
    )
    mapped = history.loc[ok].copy()
    mapped["queue"] = new[ok].astype(str)
    if collide:
        mapped = _add_up(mapped)
    return mapped.reset_index(drop=True), unmapped


def _add_up(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["channel", "queue", "interval_start"]
    if not frame.duplicated(keys).any():
        return frame
    counts = [c for c in ("offered", "handled", "abandoned") if c in frame.columns]
    work = frame.copy()
    if "aht_s" in work.columns:
        weight = work["handled"] if "handled" in work.columns else work["offered"]
        weight = weight.fillna(0).astype(float)
        work["_w"] = weight.where(work["aht_s"].notna(), 0.0)
        work["_wa"] = (work["aht_s"].fillna(0) * work["_w"]).astype(float)
    grouped = work.groupby(keys, sort=False)
    agg = grouped[counts].sum(min_count=1)
    if "aht_s" in work.columns:
        sums = grouped[["_w", "_wa"]].sum()
        agg["aht_s"] = (sums["_wa"] / sums["_w"]).where(sums["_w"] > 0)
    out = agg.reset_index()
    extra = [c for c in frame.columns if c not in out.columns]
    for column in extra:  # other columns: first value of the group
        out[column] = grouped[column].first().to_numpy()
    return out.reindex(columns=list(frame.columns))


def entities_of(
    queues: Iterable[tuple[str, str]], entities: EntitySet
) -> dict[tuple[str, str], str]:
    """Map ``(channel, queue)`` pairs to their entity ids (pairs with no entity are left out)."""
    out = {}
    for channel, queue in queues:
        entity = entities.entity_of(channel, queue)
        if entity is not None:
            out[(channel, queue)] = entity.id
    return out
