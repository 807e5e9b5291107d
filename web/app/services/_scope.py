"""The pages' scope: the whole center, a channel, an entity or one queue (#19).

A scope is written in the URL as ``?scope=center``, ``channel:<name>``, ``entity:<id>`` or
``queue:<channel>/<queue>`` (e.g. ``queue:voice/rta.ar``), so other pages can link straight into
one. The forecast, requirements and roster pages read it with :func:`parse_scope` and query
their rows for it in SQL (:func:`scope_filter`), never by loading every queue into Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, true

from scheduling.staffing.pools import pool_key
from web.app.i18n import current_language
from web.app.services._entities import _fold, current_entities
from wfmcore.entities import Entity, EntitySet
from wfmcore.errors import InputError

_NAME = r"[A-Za-z0-9_.\-]{1,64}"
_SCOPE = re.compile(
    rf"^(?:(?P<center>center)|channel:(?P<channel>{_NAME})|entity:(?P<entity>[a-z][a-z0-9_-]{{0,31}})"
    rf"|queue:(?P<qchannel>{_NAME})/(?P<queue>[A-Za-z0-9_.\-*:]{{1,64}}))$"
)


@dataclass(frozen=True, slots=True)
class Scope:
    """What a page shows: ``kind`` center, channel, entity or queue, and its names."""

    kind: str = "center"
    channel: str = ""
    entity: str = ""
    queue: str = ""

    @property
    def value(self) -> str:
        """The scope as written in the URL."""
        if self.kind == "channel":
            return f"channel:{self.channel}"
        if self.kind == "entity":
            return f"entity:{self.entity}"
        if self.kind == "queue":
            return f"queue:{self.channel}/{self.queue}"
        return "center"

    @property
    def level_key(self) -> tuple[str, str]:
        """``(level, key)`` of the scope in the forecast's levels table."""
        if self.kind == "channel":
            return ("channel", self.channel)
        if self.kind == "entity":
            return ("entity", self.entity)
        if self.kind == "queue":
            return ("queue", f"{self.channel}/{self.queue}")
        return ("center", "all")


CENTER = Scope()


def parse_scope(text: str | None) -> Scope:
    """The scope of a ``?scope=`` value (empty: the center).

    Raises
    ------
    wfmcore.errors.InputError
        A value that is no scope, or an entity the current entities file does not have.
    """
    text = (text or "").strip()
    if not text:
        return CENTER
    m = _SCOPE.match(text)
    if m is None:
        raise InputError(
            f"scope must be center, channel:<name>, entity:<id> or queue:<channel>/<queue>, "
            f"got {text[:80]!r}",
            column="scope",
        )
    if m["channel"]:
        return Scope("channel", channel=m["channel"])
    if m["entity"]:
        if scope_entity(m["entity"]) is None:
            raise InputError(f"there is no entity {m['entity']!r}", column="scope")
        return Scope("entity", entity=m["entity"])
    if m["queue"]:
        return Scope("queue", channel=m["qchannel"], queue=m["queue"])
    return CENTER


def scope_entity(entity_id: str) -> Entity | None:
    """The current entities file's entity of that id (``None``: no file, or no such entity)."""
    entities = current_entities()
    if entities is None:
        return None
    return next((e for e in entities.entities if e.id == entity_id), None)


def entity_name(entity: Entity) -> str:
    """The entity's name in the page's language."""
    return entity.name_ar if current_language() == "ar" else entity.name_en


def find_entities(search: str, entities: EntitySet | None) -> list[Entity]:
    """Entities whose id, Arabic or English name holds ``search`` (Arabic forms folded)."""
    wanted = _fold(search.strip())
    if not wanted or entities is None:
        return []
    return [
        e
        for e in sorted(entities.entities, key=lambda e: e.id)
        if any(wanted in _fold(s) for s in (e.id, e.name_en, e.name_ar))
    ]


def scope_choices(scope: Scope, channels: list[str]) -> dict[str, Any]:
    """What the scope picker offers: the channels, the entities and the chosen entity's queues."""
    entities = current_entities()
    ents = sorted(entities.entities, key=lambda e: e.id) if entities else []
    entity_id = scope.entity
    if scope.kind == "queue" and entities is not None:
        owner = entities.entity_of(scope.channel, scope.queue)
        entity_id = owner.id if owner is not None else ""
    current = scope_entity(entity_id) if entity_id else None
    queues = [(q.channel, q.queue) for q in current.queues()] if current is not None else []
    return {
        "channels": channels,
        "entities": [(e.id, entity_name(e)) for e in ents],
        "entity": current,
        "entity_label": entity_name(current) if current is not None else "",
        "queues": queues,
    }


def _startswith(column: Any, prefix: str) -> ColumnElement[bool]:
    return column.startswith(prefix, autoescape=True)  # type: ignore[no-any-return]


def scope_filter(
    scope: Scope, channel_col: Any, queue_col: Any, pooling: dict[str, str] | None = None
) -> tuple[ColumnElement[bool], list[tuple[str, str]]]:
    """The SQL condition of a scope's rows, and the channels whose pool it cannot be split from.

    Forecast rows: ``pooling`` None (every queue its own row). Requirement rows: ``pooling``
    per channel; an entity's or a queue's row on a channel pooled by ``group`` or ``channel``
    (or a queue's on ``entity``) is its pool's row, and the channel is listed with the pool key.
    """
    if scope.kind == "center":
        return true(), []
    if scope.kind == "channel":
        return channel_col == scope.channel, []
    entities = current_entities()
    if scope.kind == "queue":
        mode = (pooling or {}).get(scope.channel, "queue")
        if mode == "queue" or pooling is None:
            return and_(channel_col == scope.channel, queue_col == scope.queue), []
        owner = entities.entity_of(scope.channel, scope.queue) if entities else None
        eid = owner.id if owner is not None else scope.queue.split(".", 1)[0]
        qkey = pool_key(mode, scope.queue, eid, owner.group if owner is not None else None)
        return and_(channel_col == scope.channel, queue_col == qkey), [(scope.channel, qkey)]
    entity = scope_entity(scope.entity)
    if entity is None:
        return false(), []
    if pooling is None:
        ids = sorted({q.queue for q in entity.queues()})
        return and_(channel_col.in_(list(entity.channels)), queue_col.in_(ids)), []
    parts = []
    shared = []
    for channel in entity.channels:
        ch_mode = pooling.get(channel)
        if ch_mode is None:
            continue
        if ch_mode in ("queue", "entity"):
            parts.append(and_(channel_col == channel, _startswith(queue_col, f"{entity.id}.")))
        else:
            key = pool_key(ch_mode, f"{entity.id}.x", entity.id, entity.group)
            parts.append(and_(channel_col == channel, queue_col == key))
            shared.append((channel, key))
    return (or_(*parts) if parts else false()), shared


def scope_queue_keys(scope: Scope) -> list[str]:
    """The ``channel/queue`` keys of an entity's or a queue's own queues (else none)."""
    if scope.kind == "queue":
        return [f"{scope.channel}/{scope.queue}"]
    entity = scope_entity(scope.entity) if scope.kind == "entity" else None
    if entity is None:
        return []
    return [f"{q.channel}/{q.queue}" for q in entity.queues()]
