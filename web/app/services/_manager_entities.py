"""Expected service per entity of the published week: the manager's table and drill-down.

The one place the product computes service per entity for pages. For a roster, the stored
forecast of its requirement set (queue rows), the current targets and the current entities
document give each queue's demand and targets; the roster's coverage rows give the agents
working each channel in each interval (``available``: on the channel, breaks taken out, as
:func:`scheduling.staffing.evaluate.roster_to_scheduled` counts them).
:func:`scheduling.staffing.service.evaluate_queues` turns them into service per queue and
interval (for a channel pool, each queue reads the pool's wait at its own answer time) and
:func:`~scheduling.staffing.service.summarize_service` sums it per entity, queue or day.

The evaluation of a week of the demo (320 queues at 30 minutes) takes about a second, so it
is kept per (database, roster, forecast, targets version, entities version): versions never
change once written, and a new targets or entities version is a new key.

:func:`entity_targets_form` / :func:`entity_targets_document` / :func:`save_entity_targets`
edit one entity's target overrides per channel: the would-be entities document is validated
by the CLI's reader (:func:`wfmcore.entities.parse_entities`) and
:func:`scheduling.staffing.targets.queue_targets`, and saved as a new entities version.
:func:`entity_what_if` gives what :func:`scheduling.staffing.whatif.what_if` gives with the
entities before and after, the *before* side kept per version.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from flask_babel import gettext
from sqlalchemy import select

from scheduling.staffing.pools import plan_queues
from scheduling.staffing.requirements import compute_requirements, queue_demand
from scheduling.staffing.service import evaluate_queues, summarize_service
from scheduling.staffing.targets import Targets, queue_targets
from scheduling.staffing.whatif import entity_hours
from web.app.extensions import db
from web.app.models import (
    CoverageRow,
    EntitiesVersion,
    ForecastRow,
    RequirementSet,
    RosterVersion,
    TargetsVersion,
)
from web.app.services._common import latest, settings, to_local
from web.app.services._documents import targets_of
from web.app.services._entities import (
    ENTITIES_FILE,
    _document,
    _form_value,
    _toml_value,
    current_entities,
    current_version,
    entity_list,
    group_choices,
    parse_document,
    save_entities,
    toml_text,
)
from web.app.services._targets import TARGET_FIELDS, current_targets_document
from wfmcore.errors import WfmError

if TYPE_CHECKING:
    from wfmcore.entities import Entity, EntitySet

#: The columns of :func:`manager_entities`.
ENTITY_TABLE_COLUMNS = [
    "entity",
    "name_en",
    "name_ar",
    "group",
    "group_en",
    "group_ar",
    "volume",
    "service_level",
    "target_service_level",
    "gap",
    "asa_s",
    "abandon_rate",
]
#: The target keys an entity may override from the page (``opening_hours`` is the entity's own
#: key, edited on the entities page).
OVERRIDE_KEYS: tuple[str, ...] = tuple(k for k, _kind, _m in TARGET_FIELDS if k != "opening_hours")


@dataclass(frozen=True, slots=True)
class WeekService:
    """A roster's week evaluated per queue and interval, and its per-entity table."""

    roster_id: int
    forecast_id: int
    targets_id: int | None
    entities_id: int | None
    interval_min: int
    queues: pd.DataFrame
    """:func:`evaluate_queues`' frame (one row per queue and interval)."""
    table: pd.DataFrame
    """:data:`ENTITY_TABLE_COLUMNS`, worst gap first."""
    demand: pd.DataFrame
    """The forecast per queue (``channel, queue, interval_start, volume, aht_s``)."""
    scheduled: pd.DataFrame
    """The roster's agents working each channel (``channel, interval_start, agents``)."""


_CACHE: dict[tuple[str, int, int, int | None, int | None], WeekService] = {}
_LOCK = threading.Lock()


def _local(values: list[Any]) -> pd.DatetimeIndex:
    """Stored (naive UTC) times as tz-aware local times, vectorised (never object columns)."""
    return pd.DatetimeIndex(to_local(values, settings().tz))


def _scheduled(roster_id: int) -> pd.DataFrame:
    """Agents working each channel per interval (the coverage rows' ``available``)."""
    stmt = select(CoverageRow.channel, CoverageRow.interval_start, CoverageRow.available).where(
        CoverageRow.roster_id == roster_id
    )
    channel, start, available = _columns(db.session.execute(stmt).all(), 3)
    return pd.DataFrame(
        {
            "channel": pd.Series(channel, dtype=object).astype(str),
            "interval_start": _local(start),
            "agents": np.asarray(available, dtype=np.float64),
        }
    )


def _columns(rows: Sequence[Any], n: int) -> list[list[Any]]:
    return [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in range(n)]


def _demand(forecast_id: int, targets: Targets) -> pd.DataFrame:
    """The stored forecast per queue, the targets' channels only."""
    stmt = select(
        ForecastRow.channel,
        ForecastRow.queue,
        ForecastRow.interval_start,
        ForecastRow.volume,
        ForecastRow.aht_s,
    ).where(ForecastRow.forecast_id == forecast_id, ForecastRow.channel.in_(list(targets.names)))
    channel, queue, start, volume, aht = _columns(db.session.execute(stmt).all(), 5)
    vol = np.asarray([np.nan if v is None else v for v in volume], dtype=np.float64)
    return pd.DataFrame(
        {
            "channel": pd.Series(channel, dtype=object).astype(str),
            "queue": pd.Series(queue, dtype=object).astype(str),
            "interval_start": _local(start),
            "volume": np.clip(np.nan_to_num(vol), 0.0, None),
            "aht_s": np.asarray([np.nan if v is None else v for v in aht], dtype=np.float64),
        }
    )


def _groups() -> dict[str, tuple[str, str]]:
    return {gid: (en, ar) for gid, en, ar in group_choices()}


def _entity_table(queues: pd.DataFrame, entities: EntitySet | None) -> pd.DataFrame:
    summary = summarize_service(queues[queues["entity"] != ""], by="entity")
    known = {e.id: e for e in entity_list(entities)}
    groups = _groups()
    rows = []
    for rec in summary.to_dict("records"):
        ent = known.get(str(rec["entity"]))
        group = (ent.group or "") if ent is not None else ""
        g_en, g_ar = groups.get(group, (group, group))
        rows.append(
            {
                **rec,
                "name_en": ent.name_en if ent is not None else rec["entity"],
                "name_ar": ent.name_ar if ent is not None else rec["entity"],
                "group": group,
                "group_en": g_en,
                "group_ar": g_ar,
            }
        )
    return pd.DataFrame(rows, columns=ENTITY_TABLE_COLUMNS)


def week_service(roster_id: int) -> WeekService:
    """The roster's week evaluated per queue (kept per roster, targets and entities version).

    Raises
    ------
    werkzeug.exceptions.NotFound
        No such roster.
    wfmcore.errors.WfmError
        No targets, or the forecast, targets and entities do not fit together (the library's
        message).
    """
    roster = db.get_or_404(RosterVersion, roster_id)
    req_set = db.get_or_404(RequirementSet, roster.requirement_set_id)
    targets_row = latest(TargetsVersion)
    if targets_row is None:
        raise WfmError(gettext("The service per entity needs targets."))
    entities_row = current_version()
    key = (
        str(db.engine.url),
        roster.id,
        req_set.forecast_id,
        targets_row.id,
        entities_row.id if entities_row is not None else None,
    )
    with _LOCK:
        found = _CACHE.get(key)
    if found is not None:
        return found
    targets = targets_of(targets_row)
    entities = current_entities()
    demand = _demand(req_set.forecast_id, targets)
    scheduled = _scheduled(roster.id)
    queues = evaluate_queues(scheduled, demand, targets, roster.interval_min, entities=entities)
    queues["interval_start"] = pd.DatetimeIndex(queues["interval_start"])
    found = WeekService(
        roster_id=roster.id,
        forecast_id=req_set.forecast_id,
        targets_id=targets_row.id,
        entities_id=key[4],
        interval_min=roster.interval_min,
        queues=queues,
        table=_entity_table(queues, entities),
        demand=demand,
        scheduled=scheduled,
    )
    with _LOCK:
        if len(_CACHE) > 8:
            _CACHE.clear()
        _CACHE[key] = found
    return found


def manager_entities(roster_id: int) -> pd.DataFrame:
    """Expected service per entity of a roster's week, worst gap first.

    Parameters
    ----------
    roster_id
        A stored roster (the manager's pages pass the published week's).

    Returns
    -------
    pandas.DataFrame
        :data:`ENTITY_TABLE_COLUMNS`: the entity's id, names, group (id and names), the week's
        forecast ``volume``, the roster's expected ``service_level`` and the entity's
        ``target_service_level`` (both weighted by volume over its queues), ``gap`` (the
        first minus the second), ``asa_s`` (weighted by answered contacts) and
        ``abandon_rate`` (by volume; empty where not modelled), ranked by gap, worst first.
    """
    return week_service(roster_id).table.copy()


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def table_rows(
    table: pd.DataFrame, *, search: str = "", group: str = "", arabic: bool = False
) -> list[dict[str, Any]]:
    """The table's rows for a page: filtered by name (Arabic or English) and group.

    Each row gets ``name`` and ``group_name`` in the page's language and ``below``
    (``True`` when the expected service level is under the target).
    """
    from web.app.services._entities import _fold

    wanted = _fold(search.strip())
    rows: list[dict[str, Any]] = []
    for raw in table.to_dict("records"):
        rec = {str(k): _clean(v) for k, v in raw.items()}
        if group and rec["group"] != group:
            continue
        names = (rec["entity"], rec["name_en"], rec["name_ar"])
        if wanted and not any(wanted in _fold(str(s)) for s in names):
            continue
        rec["name"] = rec["name_ar"] if arabic else rec["name_en"]
        rec["group_name"] = rec["group_ar"] if arabic else rec["group_en"]
        gap = rec["gap"]
        rec["below"] = gap is not None and gap < 0
        rows.append(rec)
    return rows


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for raw in frame.to_dict("records"):
        rec = {str(k): _clean(v) for k, v in raw.items()}
        gap = rec.get("gap")
        rec["below"] = gap is not None and gap < 0
        out.append(rec)
    return out


def entity_detail(roster_id: int, entity_id: str) -> dict[str, Any] | None:
    """One entity's week: its figures, its queues (language x channel) and its days.

    Returns
    -------
    dict or None
        ``summary`` (the table's row), ``queues`` (per channel and queue, with ``language``),
        ``days`` (per day: ``day`` and the figures) and ``channels``; ``None`` when the entity
        has no queue in the week's forecast.
    """
    service = week_service(roster_id)
    frame = service.queues[service.queues["entity"] == entity_id]
    if frame.empty:
        return None
    summary = service.table[service.table["entity"] == entity_id]
    queues = summarize_service(frame, by="queue")
    queues["language"] = [str(q).rpartition(".")[2] for q in queues["queue"]]
    days = []
    frame = frame.assign(day=frame["interval_start"].dt.date)
    for day, g in frame.groupby("day", sort=True):
        rec = summarize_service(g, by="entity").iloc[0].to_dict()
        rec["day"] = day
        days.append(rec)
    return {
        "summary": _records(summary)[0] if not summary.empty else None,
        "queues": _records(queues),
        "days": _records(pd.DataFrame(days)),
        "channels": sorted({str(c) for c in queues["channel"]}),
    }


# --- one entity's target overrides ------------------------------------------------------------


def entity_of(entity_id: str) -> Entity | None:
    """An entity of the current file (``None``: no such entity)."""
    for ent in entity_list(current_entities()):
        if ent.id == entity_id:
            return ent
    return None


def entity_targets_form(entity_id: str) -> dict[str, dict[str, Any]]:
    """Per channel of the entity: each key's channel default and the entity's override.

    Returns
    -------
    dict
        ``{channel: {"defaults": {key: value}, "overrides": {key: text}}}`` in the entity's
        channel order; ``overrides`` holds the form's text of each override (``""``: none).
    """
    ent = entity_of(entity_id)
    if ent is None:
        return {}
    _version, doc = current_targets_document()
    table = _document()["entities"].get(entity_id) or {}
    overrides = table.get("targets") or {}
    out: dict[str, dict[str, Any]] = {}
    for channel in ent.channels:
        defaults = doc.get("channels", {}).get(channel, {})
        own = overrides.get(channel) or {}
        out[str(channel)] = {
            "defaults": {k: defaults.get(k) for k in ("model", *OVERRIDE_KEYS)},
            "overrides": {
                k: (_toml_value(own[k]).strip('"') if k in own else "") for k in OVERRIDE_KEYS
            },
            "extra": {k: v for k, v in own.items() if k not in OVERRIDE_KEYS},
        }
    return out


@dataclass(frozen=True, slots=True)
class TargetsProblem:
    """A would-be entities document the CLI would refuse: the field, and the library's words."""

    field: str | None
    detail: str


_NAMES_KEY = re.compile(r"key '(?:targets\.)?([a-z_]+)\.([a-z_]+)'")


def entity_targets_document(
    entity_id: str, form: Mapping[str, str]
) -> tuple[str, EntitySet | None, TargetsProblem | None]:
    """The would-be ``entities.toml`` with the form's overrides for one entity, validated.

    Form fields are ``<channel>.<key>`` for the entity's channels and :data:`OVERRIDE_KEYS`;
    an empty field means no override (the channel's default). The text is read by the CLI's
    reader and the queues' targets by :func:`queue_targets`, so a bad value gives the CLI's
    message (``entities.toml:<line>: entity 'x', key 'targets.voice.service_level': ...``).

    Returns
    -------
    tuple
        The document's text, the parsed entities (``None`` when refused) and the problem.
    """
    ent = entity_of(entity_id)
    if ent is None:
        raise WfmError(f"no entity {entity_id!r}")
    data = _document()
    table = data["entities"][entity_id]
    old = table.get("targets") or {}
    targets: dict[str, dict[str, Any]] = {}
    for channel in ent.channels:
        own = {k: v for k, v in (old.get(channel) or {}).items() if k not in OVERRIDE_KEYS}
        for key in OVERRIDE_KEYS:
            text = str(form.get(f"{channel}.{key}", "")).strip()
            if text:
                own[key] = _form_value(text.replace(",", ".") if _numeric(text) else text)
        if own:
            targets[str(channel)] = own
    for channel, keys in old.items():  # overrides of channels no longer the entity's: kept
        if channel not in ent.channels:
            targets[channel] = dict(keys)
    if targets:
        table["targets"] = targets
    else:
        table.pop("targets", None)
    text = toml_text(data)
    try:
        entities = parse_document(text, ENTITIES_FILE)
        version, _doc = current_targets_document()
        if version is not None:
            queue_targets(targets_of(version), entities)
    except WfmError as exc:
        match = _NAMES_KEY.search(str(exc))
        field = f"{match.group(1)}.{match.group(2)}" if match else None
        return text, None, TargetsProblem(field, str(exc))
    return text, entities, None


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[+-]?\d+(,\d+)?", text))


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    out = []
    for channel in sorted(set(before) | set(after)):
        old, new = before.get(channel) or {}, after.get(channel) or {}
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                out.append(f"{channel}.{key}: {old.get(key, '-')} -> {new.get(key, '-')}")
    return out


def save_entity_targets(
    entity_id: str, form: Mapping[str, str]
) -> tuple[EntitiesVersion | None, TargetsProblem | None]:
    """Save the form's overrides of one entity as a new entities version (audited).

    Returns
    -------
    tuple
        The new version (``None`` when refused or unchanged) and the problem, if any.
    """
    before = (_document()["entities"].get(entity_id) or {}).get("targets") or {}
    text, entities, problem = entity_targets_document(entity_id, form)
    if entities is None:
        return None, problem
    import tomllib

    after = (tomllib.loads(text)["entities"].get(entity_id) or {}).get("targets") or {}
    changes = _changes(before, after)
    if not changes:
        return None, None
    note = f"{entity_id} targets: " + "; ".join(changes)
    row = save_entities(text, ENTITIES_FILE, note=note[:2000], action="entity_edited")
    return row, None


def entity_what_if(roster_id: int, entity_id: str, entities_after: EntitySet) -> dict[str, Any]:
    """The effect of the entity's new overrides, on the entity and on the center.

    What :func:`scheduling.staffing.whatif.what_if` gives with ``entities_before`` (the
    current file) and ``entities_after``, on the roster's forecast, the current targets and
    the roster's agents; computed the same way (``plan_queues``, ``compute_requirements``,
    :func:`~scheduling.staffing.whatif.entity_hours`, ``evaluate_queues``,
    ``summarize_service``) with the *before* side kept per version (it is the week as it is)
    and the *after* side on the entity's channels only (a change of one entity's targets
    moves nothing else).

    Returns
    -------
    dict
        ``entity``: ``agent_h``, ``staff_h`` and ``service_level`` before and after, and
        ``target_after``, over the entity's channels; ``others``: the same for the other
        entities whose hours on those channels move (they share a pool with it), with their
        names; ``channels``: per channel of the center, the same (hours summed over the
        week, service level over the channel's queues); ``center``: the center's totals (the
        service level weighted by each channel's volume).
    """
    service = week_service(roster_id)
    targets = targets_of(db.get_or_404(TargetsVersion, service.targets_id))
    before = current_entities()
    ent_before = entity_of(entity_id)
    mine = sorted(set(ent_before.channels) if ent_before is not None else set(targets.names))
    steady = _week_as_it_is(service, targets, before)
    base = _entities_as_they_are(service, targets, before, tuple(mine))
    demand = service.demand[service.demand["channel"].isin(mine)]
    scheduled = service.scheduled[service.scheduled["channel"].isin(mine)]
    plan = plan_queues(queue_demand(demand, targets), targets, entities_after)
    req = compute_requirements(demand, targets, service.interval_min, plan=plan)
    hours = entity_hours(req, demand, targets, plan, service.interval_min).set_index("entity")
    frame = evaluate_queues(
        scheduled, demand, targets, service.interval_min, entities=entities_after, plan=plan
    )
    by_entity = summarize_service(frame, by="entity").set_index("entity")
    by_channel = summarize_service(frame, by="channel").set_index("channel")
    need = req.groupby("channel")[["agents", "staff"]].sum() * (service.interval_min / 60.0)

    def _after(table: pd.DataFrame, key: str, col: str) -> float | None:
        if key not in table.index:
            return None
        value: float | None = _clean(_float(table.loc[key, col]))
        return value

    names = {e.id: (e.name_en, e.name_ar) for e in entity_list(before)}
    ent, others = None, []
    for key, rec in base.items():
        row = dict(rec)
        row["agent_h_after"] = round(_after(hours, key, "agent_h") or 0.0, 2)
        row["staff_h_after"] = round(_after(hours, key, "staff_h") or 0.0, 2)
        row["service_level_after"] = _after(by_entity, key, "service_level")
        row["target_after"] = _after(by_entity, key, "target_service_level")
        row["entity"] = key
        if key == entity_id:
            ent = row
        elif abs(row["agent_h_after"] - row["agent_h_before"]) > 0.005:
            row["name_en"], row["name_ar"] = names.get(key, (key, key))
            others.append(row)
    channels = []
    for channel, rec in steady.items():
        row = {"channel": channel, **rec}
        if channel in need.index:
            row["agent_h_after"] = round(_float(need.loc[channel, "agents"]), 2)
            row["staff_h_after"] = round(_float(need.loc[channel, "staff"]), 2)
            row["service_level_after"] = _after(by_channel, channel, "service_level")
            row["target_after"] = _after(by_channel, channel, "target_service_level")
        channels.append(row)
    center: dict[str, Any] = {
        col: round(sum(r[col] for r in channels), 2)
        for col in ("agent_h_before", "agent_h_after", "staff_h_before", "staff_h_after")
    }
    for col in ("service_level_before", "service_level_after", "target_after"):
        pairs = [(r[col], r["volume"]) for r in channels if r[col] is not None and r["volume"] > 0]
        weight = sum(w for _v, w in pairs)
        center[col] = round(sum(v * w for v, w in pairs) / weight, 4) if weight > 0 else None
    return {"entity": ent, "others": others, "channels": channels, "center": center}


_Key = tuple[str, int, int | None, int | None]
_STEADY: dict[_Key, tuple[dict[str, dict[str, Any]], pd.DataFrame, Any]] = {}
_BASE: dict[tuple[_Key, tuple[str, ...]], dict[str, dict[str, Any]]] = {}


def _float(value: Any) -> float:
    return float(value)


def _key(service: WeekService) -> _Key:
    return (str(db.engine.url), service.roster_id, service.targets_id, service.entities_id)


def _steady(
    service: WeekService, targets: Targets, entities: EntitySet | None
) -> tuple[dict[str, dict[str, Any]], pd.DataFrame, Any]:
    """The week as it is: per channel figures, the requirements and their plan (kept)."""
    key = _key(service)
    with _LOCK:
        found = _STEADY.get(key)
    if found is not None:
        return found
    plan = plan_queues(queue_demand(service.demand, targets), targets, entities)
    req = compute_requirements(service.demand, targets, service.interval_min, plan=plan)
    need = req.groupby("channel")[["agents", "staff"]].sum() * (service.interval_min / 60.0)
    sl = summarize_service(service.queues, by="channel").set_index("channel")
    volume = service.demand.groupby("channel")["volume"].sum()
    channels: dict[str, dict[str, Any]] = {}
    for channel in need.index:
        rec: dict[str, Any] = {"volume": float(volume.get(channel, 0.0))}
        agent_h = round(_float(need.loc[channel, "agents"]), 2)
        staff_h = round(_float(need.loc[channel, "staff"]), 2)
        rec.update(agent_h_before=agent_h, agent_h_after=agent_h)
        rec.update(staff_h_before=staff_h, staff_h_after=staff_h)
        level = _clean(_float(sl.loc[channel, "service_level"])) if channel in sl.index else None
        target = (
            _clean(_float(sl.loc[channel, "target_service_level"])) if channel in sl.index else None
        )
        rec.update(service_level_before=level, service_level_after=level, target_after=target)
        channels[str(channel)] = rec
    found = (channels, req, plan)
    with _LOCK:
        if len(_STEADY) > 8:
            _STEADY.clear()
        _STEADY[key] = found
    return found


def _week_as_it_is(
    service: WeekService, targets: Targets, entities: EntitySet | None
) -> dict[str, dict[str, Any]]:
    return _steady(service, targets, entities)[0]


def _entities_as_they_are(
    service: WeekService,
    targets: Targets,
    entities: EntitySet | None,
    channels: tuple[str, ...],
) -> dict[str, dict[str, Any]]:
    """Per entity, over ``channels``: hours needed and expected service of the week (kept)."""
    key = (_key(service), channels)
    with _LOCK:
        found = _BASE.get(key)
    if found is not None:
        return found
    _channels, req, plan = _steady(service, targets, entities)
    demand = service.demand[service.demand["channel"].isin(channels)]
    req = req[req["channel"].isin(channels)]
    hours = entity_hours(req, demand, targets, plan, service.interval_min)
    queues = service.queues[service.queues["channel"].isin(channels)]
    sl = summarize_service(queues[queues["entity"] != ""], by="entity").set_index("entity")
    found = {}
    for rec in hours.to_dict("records"):
        entity = str(rec["entity"])
        if not entity:
            continue
        level = sl.loc[entity, "service_level"] if entity in sl.index else None
        found[entity] = {
            "agent_h_before": round(float(rec["agent_h"]), 2),
            "staff_h_before": round(float(rec["staff_h"]), 2),
            "service_level_before": _clean(_float(level)) if level is not None else None,
        }
    with _LOCK:
        if len(_BASE) > 64:
            _BASE.clear()
        _BASE[key] = found
    return found
