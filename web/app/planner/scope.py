"""The scope picker's request side (#19): ``?scope=`` and ``?q=`` to a scope and its choices."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext

from web.app.services._entities import current_entities
from web.app.services._scope import (
    Scope,
    entity_name,
    find_entities,
    parse_scope,
    scope_choices,
    scope_entity,
)


def scope_label(scope: Scope) -> str:
    """What a scope is, in the page's language."""
    if scope.kind == "channel":
        return str(gettext("Channel %(channel)s", channel=scope.channel))
    if scope.kind == "entity":
        entity = scope_entity(scope.entity)
        name = entity_name(entity) if entity is not None else scope.entity
        return str(gettext("Entity %(entity)s", entity=name))
    if scope.kind == "queue":
        name = f"{scope.channel}/{scope.queue}"
        return str(gettext("Queue %(queue)s", queue=name))
    return str(gettext("The whole center"))


def requested_scope(channels: list[str], *, legacy: str = "") -> tuple[Scope, dict[str, Any]]:
    """The request's scope and what the picker shows.

    ``?q=`` searching entities by Arabic or English name picks the entity when exactly one
    matches; else the page lists the matches. ``legacy`` (an older ``channel/queue`` value)
    is read as that queue when no ``scope`` is given.
    """
    raw = request.args.get("scope", "")
    if not raw and legacy and "/" in legacy:
        raw = f"queue:{legacy}"
    scope = parse_scope(raw)
    search = request.args.get("q", "").strip()[:100]
    matches = find_entities(search, current_entities()) if search else []
    if len(matches) == 1:
        scope = Scope("entity", entity=matches[0].id)
    pick = scope_choices(scope, channels)
    pick["search"] = search
    pick["matches"] = [(e.id, entity_name(e)) for e in matches]
    pick["label"] = scope_label(scope)
    return scope, pick
