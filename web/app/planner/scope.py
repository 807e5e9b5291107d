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


def scope_links(
    scope: Scope, *, forecast_id: int, requirement_set_id: int | None, roster_id: int | None
) -> dict[str, str]:
    """The same scope on the forecast, requirements and roster pages of one chain.

    ``requirement_set_id`` / ``roster_id`` None: the newest made from the forecast / the set.
    Pages that do not exist yet are left out.
    """
    from flask import url_for
    from sqlalchemy import select

    from web.app.extensions import db
    from web.app.models import RequirementSet, RosterVersion

    if requirement_set_id is None:
        requirement_set_id = db.session.scalar(
            select(RequirementSet.id)
            .where(RequirementSet.forecast_id == forecast_id)
            .order_by(RequirementSet.id.desc())
            .limit(1)
        )
    if roster_id is None and requirement_set_id is not None:
        roster_id = db.session.scalar(
            select(RosterVersion.id)
            .where(RosterVersion.requirement_set_id == requirement_set_id)
            .order_by(RosterVersion.id.desc())
            .limit(1)
        )
    value = scope.value
    links = {"forecast": url_for("planner.forecast_view", item_id=forecast_id, scope=value)}
    if requirement_set_id is not None:
        links["requirements"] = url_for(
            "planner.requirements_view", item_id=requirement_set_id, scope=value
        )
    if roster_id is not None:
        links["roster"] = url_for("planner.roster_view", item_id=roster_id, scope=value)
    return links
