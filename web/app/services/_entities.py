"""Entities (``entities.toml``, versioned) and the ACD queue map.

The entities file is one versioned document, like the rules and targets: every save (an
import, an added, edited or deactivated entity) adds an :class:`EntitiesVersion`, validated by
the CLI's reader (:func:`wfmcore.entities.parse_entities`, called in :func:`parse_document`
only), so the messages are the command line's. A form's change is made on the would-be
document (the current file as TOML data, the one entity's table replaced), written out and
parsed again; the version stored is :func:`wfmcore.entities.dump_entities` of the result, so
an export is byte-identical to the CLI's dump.

The queue map (:class:`QueueMapEntry`) maps an ACD export's own queue names onto an entity
and a language; :func:`map_history_frame` applies it to an upload's rows. Rows whose queue is
an entity's queue id pass, mapped names are renamed, the rest are **held back** (not stored)
and listed with their rows and volume on the upload and on the mapping page.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import select

from web.app.extensions import db
from web.app.models import EntitiesVersion, HistoryUpload, QueueMapEntry
from web.app.services._common import actor, audit, check_length, fit_length, latest
from wfmcore.errors import InputError

if TYPE_CHECKING:
    from wfmcore.entities import Entity, EntitySet, QueueMap

#: The file name the messages of a form's change give (the would-be document).
ENTITIES_FILE = "entities.toml"

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


# --- reading and writing the document ---------------------------------------------------------


def parse_document(text: str, filename: str = ENTITIES_FILE) -> EntitySet:
    """The entities of ``entities.toml`` text: the CLI's reader, its messages.

    Raises
    ------
    wfmcore.entities.EntitiesError
        A bad file: ``"<file>:<line>: entity 'rta', key 'x': ..."``.
    """
    from wfmcore.entities import parse_entities

    return parse_entities(text, filename or ENTITIES_FILE)


def dump_document(entities: EntitySet) -> str:
    """The canonical text of an entity set (what the CLI writes)."""
    from wfmcore.entities import dump_entities

    return dump_entities(entities)


_CACHE: dict[tuple[str, int], EntitySet] = {}


def current_version() -> EntitiesVersion | None:
    """The newest stored ``entities.toml`` version (``None`` before the first)."""
    return latest(EntitiesVersion)


def current_entities() -> EntitySet | None:
    """The center's entities (the newest version), or ``None`` when none were stored.

    Versions never change once written, so the parsed set is kept per database and version.
    """
    version = current_version()
    if version is None:
        return None
    key = (str(db.engine.url), version.id)
    found = _CACHE.get(key)
    if found is None:
        found = parse_document(version.text, version.filename or ENTITIES_FILE)
        if len(_CACHE) > 32:
            _CACHE.clear()
        _CACHE[key] = found
    return found


def entities_export() -> str:
    """The current file as the CLI dumps it (empty when there is none)."""
    entities = current_entities()
    return "" if entities is None else dump_document(entities)


def save_entities(text: str, filename: str, *, note: str = "", action: str = "") -> EntitiesVersion:
    """Validate ``entities.toml`` text and add it as the current version (audited).

    The text stored is the CLI's dump of what was read, so an export gives it back as it is.

    Raises
    ------
    wfmcore.errors.ConfigError
        The file is not valid (the CLI's message, with the line); nothing is added.
    """
    entities = parse_document(text, filename or ENTITIES_FILE)
    for entity in entity_list(entities):
        check_length(entity.id, QueueMapEntry.entity, "entity")
    canonical = dump_document(entities)
    filename = fit_length(filename or ENTITIES_FILE, EntitiesVersion.filename)
    row = EntitiesVersion(text=canonical, filename=filename, created_by=actor(), note=note)
    db.session.add(row)
    db.session.flush()
    count = len(entity_list(entities))
    audit(action or "entities_imported", f"entities:{row.id}", note or f"{filename}: {count}")
    return row


def entity_list(entities: EntitySet | None) -> list[Entity]:
    """Every entity of a set, in the file's order (active or not)."""
    if entities is None:
        return []
    items: Any = entities.entities
    if isinstance(items, Mapping):
        return list(items.values())
    return list(items)


# --- the list page ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EntityRow:
    """One line of the entities list."""

    id: str
    name_en: str
    name_ar: str
    group: str
    languages: tuple[str, ...]
    channels: tuple[str, ...]
    queues: int
    active: bool


def _fold(text: str) -> str:
    """Text for a search: lower case, Arabic letter forms folded (أإآ → ا, ة → ه, ى → ي)."""
    text = text.casefold()
    for src, dst in (("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ة", "ه"), ("ى", "ي")):
        text = text.replace(src, dst)
    return re.sub("[\u064b-\u065f\u0640]", "", text)  # harakat and tatweel


def entity_rows(search: str = "") -> list[EntityRow]:
    """The entities list, filtered by ``search`` in the id, the Arabic or the English name."""
    wanted = _fold(search.strip())
    rows: list[EntityRow] = []
    for e in entity_list(current_entities()):
        if wanted and not any(wanted in _fold(s) for s in (e.id, e.name_en, e.name_ar)):
            continue
        rows.append(
            EntityRow(
                id=e.id,
                name_en=e.name_en,
                name_ar=e.name_ar,
                group=e.group or "",
                languages=tuple(e.languages),
                channels=tuple(e.channels),
                queues=len(e.languages) * len(e.channels),
                active=bool(e.active),
            )
        )
    return rows


def group_choices() -> list[tuple[str, str, str]]:
    """The groups of the current file: id, English and Arabic name."""
    entities = current_entities()
    if entities is None:
        return []
    groups: Any = entities.groups
    out = []
    for gid, group in groups.items() if isinstance(groups, Mapping) else ():
        name_en = getattr(group, "name_en", None)
        name_ar = getattr(group, "name_ar", None)
        if isinstance(group, Mapping):
            name_en, name_ar = group.get("name_en"), group.get("name_ar")
        out.append((str(gid), str(name_en or gid), str(name_ar or gid)))
    return out


# --- the form ---------------------------------------------------------------------------------

#: The entity form's fields.
ENTITY_FIELDS: tuple[str, ...] = (
    "id",
    "name_en",
    "name_ar",
    "group",
    "languages",
    "channels",
    "opening_hours",
    "closed_days",
    "targets",
)


def _document() -> dict[str, Any]:
    """The current file as TOML data (an empty document before the first version)."""
    version = current_version()
    if version is None:
        return {"version": 1, "entities": {}}
    data = tomllib.loads(version.text)
    data.setdefault("entities", {})
    return data


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value), ensure_ascii=False)


def _toml_key(key: object) -> str:
    text = str(key)
    return text if _BARE_KEY.fullmatch(text) else json.dumps(text, ensure_ascii=False)


def toml_text(data: Mapping[str, Any]) -> str:
    """TOML data (what :mod:`tomllib` reads) written out: scalars first, then each table."""
    lines: list[str] = []

    def table(path: tuple[str, ...], items: Mapping[str, Any]) -> None:
        scalars = [(k, v) for k, v in items.items() if not isinstance(v, Mapping)]
        tables = [(k, v) for k, v in items.items() if isinstance(v, Mapping)]
        if path and (scalars or not tables):
            lines.append("")
            lines.append("[" + ".".join(_toml_key(p) for p in path) + "]")
        for k, v in scalars:
            lines.append(f"{_toml_key(k)} = {_toml_value(v)}")
        for k, v in tables:
            table((*path, str(k)), v)

    table((), data)
    return "\n".join(lines).lstrip("\n") + "\n"


def entity_form(entity_id: str | None) -> dict[str, str]:
    """The form's values for an entity of the current file (empty ones for a new entity)."""
    blank = dict.fromkeys(ENTITY_FIELDS, "")
    if entity_id is None:
        return blank
    table = _document()["entities"].get(entity_id)
    if not isinstance(table, Mapping):
        return blank
    targets = table.get("targets") or {}
    target_lines = [
        f"{channel}.{key} = {_toml_value(value)}"
        for channel, keys in targets.items()
        if isinstance(keys, Mapping)
        for key, value in keys.items()
    ]
    return {
        "id": entity_id,
        "name_en": str(table.get("name_en", "")),
        "name_ar": str(table.get("name_ar", "")),
        "group": str(table.get("group", "")),
        "languages": ", ".join(str(x) for x in table.get("languages", [])),
        "channels": ", ".join(str(x) for x in table.get("channels", [])),
        "opening_hours": str(table.get("opening_hours", "")),
        "closed_days": ", ".join(_toml_value(x) for x in table.get("closed_days", [])),
        "targets": "\n".join(target_lines),
    }


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s,;]+", text.strip()) if w]


def _form_value(text: str) -> Any:
    """A value typed in the form as TOML reads it (``0.9``, ``15``, ``"x"``); else the text."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _closed_days(text: str) -> list[Any]:
    out: list[Any] = []
    for word in _words(text):
        try:
            out.append(dt.date.fromisoformat(word))
        except ValueError:
            out.append(word)  # the reader says what is wrong with it, naming the key
    return out


def _target_lines(text: str) -> dict[str, dict[str, Any]]:
    targets: dict[str, dict[str, Any]] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        left, sep, right = line.partition("=")
        channel, dot, key = left.strip().partition(".")
        if not sep or not dot or not channel.strip() or not key.strip() or not right.strip():
            raise InputError(
                f"target line {n}: write channel.key = value (e.g. voice.service_level = 0.9), "
                f"got {line!r}",
                column="targets",
            )
        targets.setdefault(channel.strip(), {})[key.strip()] = _form_value(right.strip())
    return targets


def save_entity_form(form: Mapping[str, str], entity_id: str | None) -> EntitiesVersion:
    """Add or change one entity from the form: a new version of the file.

    ``entity_id`` is the entity edited (``None``: a new one, whose id the form gives). The
    would-be document is validated by the CLI's reader: its message (with the line of the
    entity's key in the written document) is the error.

    Raises
    ------
    wfmcore.errors.WfmError
        A bad value (the reader's message); nothing is added.
    """
    data = _document()
    entities: dict[str, Any] = data["entities"]
    new_id = (entity_id or form.get("id", "")).strip()
    if entity_id is None and new_id in entities:
        raise InputError(f"entity {new_id!r} exists already: edit it instead", column="id")
    old = dict(entities.get(new_id) or {})
    table: dict[str, Any] = {
        "name_en": form.get("name_en", "").strip(),
        "name_ar": form.get("name_ar", "").strip(),
    }
    if form.get("group", "").strip():
        table["group"] = form["group"].strip()
    table["languages"] = _words(form.get("languages", ""))
    table["channels"] = _words(form.get("channels", ""))
    table["active"] = bool(old.get("active", True))
    if form.get("opening_hours", "").strip():
        table["opening_hours"] = form["opening_hours"].strip()
    closed = _closed_days(form.get("closed_days", ""))
    if closed:
        table["closed_days"] = closed
    targets = _target_lines(form.get("targets", ""))
    if targets:
        table["targets"] = targets
    for key, value in old.items():  # keys the form does not show are kept as they were
        if key not in table and key not in ENTITY_FIELDS and key != "active":
            table[key] = value
    entities[new_id] = table
    verb = "entity_added" if entity_id is None else "entity_edited"
    return save_entities(toml_text(data), ENTITIES_FILE, note=new_id, action=verb)


def set_entity_active(entity_id: str, active: bool) -> EntitiesVersion:
    """Deactivate (or activate again) an entity: a new version; an entity is never deleted."""
    data = _document()
    table = data["entities"].get(entity_id)
    if not isinstance(table, dict):
        raise InputError(f"no entity {entity_id!r}", column="id")
    table["active"] = bool(active)
    verb = "entity_activated" if active else "entity_deactivated"
    return save_entities(toml_text(data), ENTITIES_FILE, note=entity_id, action=verb)


# --- the queue map ----------------------------------------------------------------------------

#: The queue map's CSV columns (as :func:`wfmcore.entities.read_queue_map` reads them).
QUEUE_MAP_COLUMNS: tuple[str, ...] = ("acd_queue", "channel", "entity", "language")


def queue_map_rows() -> list[QueueMapEntry]:
    """The queue map, by ACD name and channel."""
    stmt = select(QueueMapEntry).order_by(QueueMapEntry.acd_queue, QueueMapEntry.channel)
    return list(db.session.scalars(stmt))


def _map_frame(rows: Iterable[tuple[str, str | None, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(a, c or "", e, lang) for a, c, e, lang in rows],
        columns=list(QUEUE_MAP_COLUMNS),
        dtype=str,
    )


def _entities_or_fail(row: int | None = None) -> EntitySet:
    entities = current_entities()
    if entities is None:
        raise InputError("no entities yet: import entities.toml first", row=row, column="entity")
    return entities


def queue_map_of(entities: EntitySet) -> QueueMap:
    """The stored queue map as the library's :class:`~wfmcore.entities.QueueMap`."""
    from wfmcore.entities import QueueMap

    rows = [(e.acd_queue, e.channel, e.entity, e.language) for e in queue_map_rows()]
    return QueueMap(_map_frame(rows))


def save_queue_map_entry(
    acd_queue: str,
    channel: str | None,
    entity: str,
    language: str,
    *,
    entry_id: int | None = None,
) -> QueueMapEntry:
    """Add (or change, with ``entry_id``) one mapping.

    The whole table with the change is checked by the CLI's reader
    (:func:`wfmcore.entities.parse_queue_map`): unknown entity, language or channel, a name
    mapped twice (case-insensitive) are its messages.

    Raises
    ------
    wfmcore.errors.InputError
        The mapping is refused; nothing is changed.
    """
    from wfmcore.entities import parse_queue_map

    acd_queue = acd_queue.strip()
    channel = (channel or "").strip() or None
    entity, language = entity.strip(), language.strip()
    check_length(acd_queue, QueueMapEntry.acd_queue, "acd_queue")
    check_length(entity, QueueMapEntry.entity, "entity")
    check_length(language, QueueMapEntry.language, "language")
    entities = _entities_or_fail()
    others = [
        (e.acd_queue, e.channel, e.entity, e.language) for e in queue_map_rows() if e.id != entry_id
    ]
    try:
        parse_queue_map(
            _map_frame([(acd_queue, channel, entity, language), *others]), entities, "queue map"
        )
    except InputError as exc:  # the form has no rows: the message without the table's row
        raise InputError(exc.detail, column=exc.column) from None
    entry = db.session.get(QueueMapEntry, entry_id) if entry_id is not None else None
    if entry is None:
        entry = QueueMapEntry(created_by=actor())
        db.session.add(entry)
    entry.acd_queue, entry.channel = acd_queue, channel
    entry.entity, entry.language = entity, language
    db.session.flush()
    return entry


def delete_queue_map_entry(entry_id: int) -> None:
    """Remove one mapping (audited)."""
    entry = db.session.get(QueueMapEntry, entry_id)
    if entry is not None:
        audit("queue_map_deleted", f"queue_map:{entry.id}", entry.acd_queue)
        db.session.delete(entry)


def queue_map_csv() -> str:
    """The queue map as ``acd_queue,channel,entity,language`` CSV (empty channel = any)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(QUEUE_MAP_COLUMNS)
    for e in queue_map_rows():
        writer.writerow([e.acd_queue, e.channel or "", e.entity, e.language])
    return out.getvalue()


def import_queue_map(data: bytes, filename: str) -> int:
    """Replace the queue map with a CSV's rows (all or nothing); the number of rows.

    Read and checked by the CLI's reader (:func:`wfmcore.entities.read_queue_map`).

    Raises
    ------
    wfmcore.errors.InputError
        A missing column or a bad row (named by file, row and column); nothing is changed.
    """
    from web.app.services._common import temp_file
    from wfmcore.entities import read_queue_map

    entities = _entities_or_fail()
    with temp_file(data, ".csv", filename or "queue_map") as path:
        qmap = read_queue_map(path, entities)
    for entry in queue_map_rows():
        db.session.delete(entry)
    db.session.flush()
    for n, (acd, channel, entity, language) in enumerate(
        qmap.frame[list(QUEUE_MAP_COLUMNS)].itertuples(index=False), start=2
    ):
        check_length(str(acd), QueueMapEntry.acd_queue, "acd_queue", row=n)
        db.session.add(
            QueueMapEntry(
                acd_queue=str(acd),
                channel=str(channel) or None,
                entity=str(entity),
                language=str(language),
                created_by=actor(),
            )
        )
    db.session.flush()
    audit("queue_map_imported", "queue_map", f"{filename}: {len(qmap.frame)} row(s)")
    return len(qmap.frame)


# --- an upload's queues -----------------------------------------------------------------------


def map_history_frame(
    frame: pd.DataFrame, entities: EntitySet | None
) -> tuple[pd.DataFrame, list[dict[str, Any]], dict[tuple[str, str], str]]:
    """An upload's rows onto the entities' queues (:func:`wfmcore.entities.map_queues`).

    Without an entities file every row passes as it is. Otherwise a row whose ``(channel,
    queue)`` is an active entity's queue passes; a queue name in the map (for the row's
    channel, else for any channel) is renamed to its queue id, rows of names mapped onto one
    queue added up; every other row is **held back** and listed: ``{"channel", "acd_queue",
    "rows", "offered"}``. The third value maps each kept ``(channel, queue)`` to its queue id.
    """
    from wfmcore.entities import map_queues, queue_destinations

    if entities is None or frame.empty:
        return frame, [], {}
    qmap = queue_map_of(entities)
    mapped, unmapped = map_queues(frame, qmap, entities)
    pairs = frame[["channel", "queue"]].astype(str).drop_duplicates().itertuples(index=False)
    destinations = queue_destinations(((c, q) for c, q in pairs), qmap, entities)
    renamed = {pair: dest for pair, dest in destinations.items() if dest is not None}
    held = [
        {
            "channel": str(r["channel"]),
            "acd_queue": str(r["acd_queue"]),
            "rows": int(r["rows"]),
            "offered": float(r["offered"]),
        }
        for r in unmapped.to_dict("records")
    ]
    return mapped, held, renamed


def latest_unmapped(uploads: int = 3) -> list[dict[str, Any]]:
    """Queue names held back by the latest uploads, less those mapped since.

    Rows and volume are added up over the uploads; each item names the newest upload it was
    seen in (``history_id``). Largest volume first.
    """
    stmt = select(HistoryUpload).order_by(HistoryUpload.id.desc()).limit(uploads)
    mapped = {(e.acd_queue.strip().casefold(), e.channel or "") for e in queue_map_rows()}
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for upload in db.session.scalars(stmt):
        for item in upload.unmapped:
            key = (str(item["channel"]), str(item["acd_queue"]))
            folded = key[1].strip().casefold()
            if (folded, key[0]) in mapped or (folded, "") in mapped:
                continue
            entry = seen.setdefault(
                key, {**item, "rows": 0, "offered": 0.0, "history_id": upload.id}
            )
            entry["rows"] += int(item["rows"])
            entry["offered"] += float(item["offered"])
    return sorted(seen.values(), key=lambda x: (-x["offered"], x["channel"], x["acd_queue"]))
