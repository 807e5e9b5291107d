"""Rosters: weekly agent rosters with OR-Tools CP-SAT under labour rules, checked independently.

:func:`build_problem` turns requirements, agents (:func:`read_agents`) and rules
(:func:`load_rules`) into a :class:`RosterProblem`; :func:`solve` builds the roster (greedy
start, CP-SAT or large-neighbourhood search, LP lower bound); :func:`check_roster` verifies every
hard rule on any roster with code that shares nothing with the model.
:func:`lp_under_staffing_bound` gives a lower bound on any roster's under-staffing (LP relaxation).
"""

from scheduling.roster._lp_bound import lp_under_staffing_bound
from scheduling.roster.agents import Agent, read_agents
from scheduling.roster.check import Violation, check_roster
from scheduling.roster.problem import RosterProblem, build_problem
from scheduling.roster.records import RosterShift, RosterSolution
from scheduling.roster.rules import RosterRules, load_rules
from scheduling.roster.solve import Progress, SolverOptions, solve

__all__ = [
    "Agent",
    "Progress",
    "RosterProblem",
    "RosterRules",
    "RosterShift",
    "RosterSolution",
    "SolverOptions",
    "Violation",
    "build_problem",
    "check_roster",
    "load_rules",
    "lp_under_staffing_bound",
    "read_agents",
    "solve",
]
