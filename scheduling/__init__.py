"""Staffing math and roster optimisation, in two layers.

:mod:`scheduling.staffing` (Erlang C/A, chat, deferred work, requirements, evaluation,
simulation) and :mod:`scheduling.roster` (the CP-SAT roster, its rules, bound and independent
checker), which builds on staffing.

From a forecast frame, :func:`compute_requirements` gives the agents and staff needed per
channel and interval under the service targets (:func:`load_targets`); :func:`evaluate_staffing`
and :func:`simulate_staffing` give the service a staffing delivers. :func:`build_problem` and
:func:`solve` build the week's roster with CP-SAT, and :func:`check_roster` verifies every hard
rule independently of the model. Public names are re-exported here; implementation helpers live
in ``_``-prefixed modules.
"""

from scheduling.errors import (
    InfeasibleError,
    InputError,
    RulesError,
    SchedulingError,
    TargetsError,
)
from scheduling.roster import (
    Agent,
    Progress,
    RosterProblem,
    RosterRules,
    RosterShift,
    RosterSolution,
    SolverOptions,
    Violation,
    build_problem,
    check_roster,
    load_rules,
    read_agents,
    solve,
)
from scheduling.staffing import (
    ChannelTargets,
    QueueMetrics,
    SimulationResult,
    Targets,
    chat_metrics,
    compute_requirements,
    deferred_staffing,
    erlang_a,
    erlang_b,
    erlang_c,
    erlang_c_wait_probability,
    evaluate_staffing,
    load_targets,
    read_forecast,
    required_agents,
    roster_to_scheduled,
    service_level,
    simulate_backlog,
    simulate_queue,
    simulate_staffing,
    summarize_evaluation,
)

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
