"""Staffing math (Erlang C/A, chat, deferred work), simulation and roster optimisation.

From a forecast frame, :func:`compute_requirements` gives the agents and staff needed per
channel and interval under the service targets (:func:`load_targets`); :func:`evaluate_staffing`
and :func:`simulate_staffing` give the service a staffing delivers. :func:`build_problem` and
:func:`solve` build the week's roster with CP-SAT, and :func:`check_roster` verifies every hard
rule independently of the model. Public names are re-exported here; implementation helpers live
in ``_``-prefixed modules.
"""

from scheduling.agents import Agent, read_agents
from scheduling.chat import chat_metrics
from scheduling.deferred import deferred_staffing, simulate_backlog
from scheduling.erlang import (
    QueueMetrics,
    erlang_b,
    erlang_c,
    erlang_c_wait_probability,
    service_level,
)
from scheduling.erlang_a import erlang_a
from scheduling.errors import (
    InfeasibleError,
    InputError,
    RulesError,
    SchedulingError,
    TargetsError,
)
from scheduling.evaluate import (
    evaluate_staffing,
    roster_to_scheduled,
    simulate_staffing,
    summarize_evaluation,
)
from scheduling.requirements import compute_requirements, read_forecast, required_agents
from scheduling.roster_check import Violation, check_roster
from scheduling.roster_problem import RosterProblem, build_problem
from scheduling.roster_records import RosterShift, RosterSolution
from scheduling.roster_solve import Progress, SolverOptions, solve
from scheduling.rules import RosterRules, load_rules
from scheduling.simulation import SimulationResult, simulate_queue
from scheduling.targets import ChannelTargets, Targets, load_targets

__all__ = [
    "Agent",
    "ChannelTargets",
    "InfeasibleError",
    "InputError",
    "Progress",
    "QueueMetrics",
    "RosterProblem",
    "RosterRules",
    "RosterShift",
    "RosterSolution",
    "RulesError",
    "SchedulingError",
    "SimulationResult",
    "SolverOptions",
    "Targets",
    "TargetsError",
    "Violation",
    "build_problem",
    "chat_metrics",
    "check_roster",
    "compute_requirements",
    "deferred_staffing",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "erlang_c_wait_probability",
    "evaluate_staffing",
    "load_rules",
    "load_targets",
    "read_agents",
    "read_forecast",
    "required_agents",
    "roster_to_scheduled",
    "service_level",
    "simulate_backlog",
    "simulate_queue",
    "simulate_staffing",
    "solve",
    "summarize_evaluation",
]
