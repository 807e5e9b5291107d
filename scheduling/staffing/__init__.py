"""Staffing: from a forecast to the agents needed per channel and interval, and back.

Erlang C and Erlang A for voice, concurrency for chat, backlog windows for deferred work
(e-mail); :func:`compute_requirements` applies a channel's targets (:func:`load_targets`) to a
forecast frame, each queue with its entity's overrides (:func:`queue_targets`) and pooled as the
channel chooses (:func:`plan_queues`); :func:`evaluate_staffing` and :func:`simulate_staffing`
give the service a staffing (or a roster, through :func:`roster_to_scheduled`) delivers, per
channel, and :func:`evaluate_queues` per queue (:func:`summarize_service` per queue, entity
or channel).
"""

from scheduling.staffing.chat import chat_metrics
from scheduling.staffing.deferred import deferred_staffing, simulate_backlog
from scheduling.staffing.erlang import (
    QueueMetrics,
    erlang_b,
    erlang_c,
    erlang_c_wait_probability,
    service_level,
)
from scheduling.staffing.erlang_a import erlang_a
from scheduling.staffing.evaluate import (
    evaluate_staffing,
    roster_to_scheduled,
    simulate_staffing,
    summarize_evaluation,
)
from scheduling.staffing.pools import QueuePlan, plan_queues
from scheduling.staffing.requirements import compute_requirements, read_forecast, required_agents
from scheduling.staffing.service import evaluate_queues, split_scheduled, summarize_service
from scheduling.staffing.simulation import SimulationResult, simulate_queue
from scheduling.staffing.targets import ChannelTargets, Targets, load_targets, queue_targets
from scheduling.staffing.whatif import WhatIf, what_if

__all__ = [
    "ChannelTargets",
    "QueueMetrics",
    "QueuePlan",
    "SimulationResult",
    "Targets",
    "WhatIf",
    "chat_metrics",
    "compute_requirements",
    "deferred_staffing",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "erlang_c_wait_probability",
    "evaluate_queues",
    "evaluate_staffing",
    "load_targets",
    "plan_queues",
    "queue_targets",
    "read_forecast",
    "required_agents",
    "roster_to_scheduled",
    "service_level",
    "simulate_backlog",
    "simulate_queue",
    "simulate_staffing",
    "split_scheduled",
    "summarize_evaluation",
    "summarize_service",
    "what_if",
]
