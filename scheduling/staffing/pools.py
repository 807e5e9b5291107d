"""Which queues are staffed together (pools), and with which targets.

A queue is an entity x language x channel (``queue`` column ``"<entity>.<language>"``, see
:mod:`wfmcore.entities`). Each channel of ``targets.toml`` chooses its pooling with ``pool``
(:meth:`scheduling.staffing.targets.Targets.pooling` gives the default):

========  ================================================  ========================
pool      queues staffed together                            requirements ``queue``
========  ================================================  ========================
queue     each queue alone                                   the queue id, ``rta.ar``
entity    an entity's languages                              ``rta.*``
group     the queues of an entity group (an entity without   ``group:transport``
          a group is pooled alone, as ``entity``)             (``rta.*``)
channel   every queue of the channel                         ``all``
========  ================================================  ========================

A pool whose members have different targets is staffed so that every member's target is met:
in one first-come-first-served queue every contact sees the same wait, so the pooled volume is
staffed to each distinct member target that has volume in the interval, and the most agents
win (:func:`scheduling.staffing.requirements.compute_requirements`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from scheduling.errors import InputError, TargetsError
from scheduling.staffing.targets import ChannelTargets, Targets, queue_targets

if TYPE_CHECKING:
    from wfmcore.entities import EntitySet

#: What each pooling means, for notes and summaries.
POOL_TEXT = {
    "queue": "each queue staffed alone to its own targets",
    "entity": "each entity's languages pooled",
    "group": "each entity group's queues pooled",
    "channel": "every queue of the channel pooled into queue 'all'",
}


@dataclass(frozen=True, slots=True)
class QueuePlan:
    """How each queue of a forecast is staffed.

    Attributes
    ----------
    pooling
        ``{channel: pool}``, a value of :data:`scheduling.staffing.targets.POOLS`.
    pool_of
        ``{(channel, queue): pool key}`` (the requirements' ``queue`` column).
    target_of
        ``{(channel, queue): ChannelTargets}``: the queue's targets, entity overrides applied.
    entity_of
        ``{(channel, queue): entity id}`` (empty without an entities file).
    defaulted
        Channels whose pooling is the default (no ``pool`` key), named as such in notes.
    """

    pooling: Mapping[str, str]
    pool_of: Mapping[tuple[str, str], str]
    target_of: Mapping[tuple[str, str], ChannelTargets]
    entity_of: Mapping[tuple[str, str], str]
    defaulted: frozenset[str] = frozenset()

    def notes(self) -> list[str]:
        """One line per channel naming its pooling, e.g. ``voice: pool = queue (...)``."""
        return [
            f"{channel}: pool = {mode} ({POOL_TEXT[mode]}"
            f"{'; the default, no pool key' if channel in self.defaulted else ''})"
            for channel, mode in sorted(self.pooling.items())
        ]


def pool_key(mode: str, queue: str, entity: str | None, group: str | None) -> str:
    """The requirements' ``queue`` value of *queue*'s pool (see the module docstring)."""
    if mode == "queue":
        return queue
    if mode == "channel":
        return "all"
    if entity is None:
        raise TargetsError(f"pool {mode!r} needs an entities file (--entities)")
    if mode == "group" and group:
        return f"group:{group}"
    return f"{entity}.*"


def plan_queues(
    demand: pd.DataFrame, targets: Targets, entities: EntitySet | None = None
) -> QueuePlan:
    """The pools and targets of the ``(channel, queue)`` pairs of *demand*.

    Parameters
    ----------
    demand
        A forecast or requirements frame (``channel, queue``).
    targets
        The channels' targets (every channel of *demand* has them).
    entities
        The entities file; ``None``: every queue takes its channel's targets, and only the
        ``queue`` and ``channel`` poolings exist.

    Raises
    ------
    InputError
        With *entities*: a queue of the forecast that is not a queue of the entities file
        (unmapped queues are never staffed silently).
    TargetsError
        A bad entity override (see :func:`scheduling.staffing.targets.queue_targets`), or an
        ``entity``/``group`` pooling without an entities file.
    """
    pairs = demand[["channel", "queue"]].drop_duplicates().astype(str)
    channels = sorted(set(pairs["channel"]))
    with_entities = entities is not None
    pooling = {c: targets.pooling(c, entities=with_entities) for c in channels}
    defaulted = frozenset(c for c in channels if targets[c].pool is None)
    qt = queue_targets(targets, entities) if entities is not None else {}
    pool_of: dict[tuple[str, str], str] = {}
    target_of: dict[tuple[str, str], ChannelTargets] = {}
    entity_of: dict[tuple[str, str], str] = {}
    for channel, queue in zip(pairs["channel"], pairs["queue"], strict=True):
        key = (channel, queue)
        mode = pooling[channel]
        if entities is None:
            if mode in ("entity", "group"):
                raise TargetsError(
                    f"channel {channel!r}, key 'pool': {mode!r} needs an entities file (--entities)"
                )
            target_of[key] = targets[channel]
            pool_of[key] = pool_key(mode, queue, None, None)
            continue
        if key not in qt:
            raise InputError(
                f"queue {queue!r} on channel {channel!r} is not a queue of the entities file "
                "(expected '<entity>.<language>' of an entity with that channel and language)",
                column="queue",
            )
        ent = entities.entity_of(channel, queue)
        eid = str(ent.id) if ent is not None else queue.split(".", 1)[0]
        group = ent.group if ent is not None else None
        target_of[key] = qt[key]
        entity_of[key] = eid
        pool_of[key] = pool_key(mode, queue, eid, group)
    return QueuePlan(
        pooling=pooling,
        pool_of=pool_of,
        target_of=target_of,
        entity_of=entity_of,
        defaulted=defaulted,
    )
