"""Rosters: weekly agent rosters with OR-Tools CP-SAT under labour rules, checked independently.

:func:`build_problem` turns requirements, agents (:func:`read_agents`) and rules
(:func:`load_rules`) into a :class:`RosterProblem`; :func:`solve` builds the roster (greedy
start, CP-SAT or large-neighbourhood search, LP lower bound); :func:`check_roster` verifies every
hard rule on any roster with code that shares nothing with the model; :func:`roster_summary`
gives a :class:`RosterSummary` of what a roster achieves (``to_dict()`` for JSON).
:func:`lp_under_staffing_bound` gives a lower bound on any roster's under-staffing (LP relaxation).
"""

from scheduling.roster._lp_bound import lp_under_staffing_bound
from scheduling.roster.agents import Agent, AgentsFile, read_agents
from scheduling.roster.check import Violation, check_roster
from scheduling.roster.problem import RosterProblem, build_problem
from scheduling.roster.records import RosterShift, RosterSolution, RosterStatus
from scheduling.roster.rules import RosterRules, load_rules
from scheduling.roster.solve import Progress, SolverOptions, solve
from scheduling.roster.summary import (
    ChannelCoverage,
    FairnessFigures,
    PreferenceFigures,
    RosterSummary,
    format_summary,
    roster_summary,
)
from scheduling.roster.trades import Trade, apply_trade, check_trade

__all__ = [
    "Agent",
    "AgentsFile",
    "ChannelCoverage",
    "FairnessFigures",
    "PreferenceFigures",
    "Progress",
    "RosterProblem",
    "RosterRules",
    "RosterShift",
    "RosterSolution",
    "RosterStatus",
    "RosterSummary",
    "SolverOptions",
    "Trade",
    "Violation",
    "apply_trade",
    "build_problem",
    "check_roster",
    "check_trade",
    "format_summary",
    "load_rules",
    "lp_under_staffing_bound",
    "read_agents",
    "roster_summary",
    "solve",
]
