"""Why a roster cannot be built: which agent, which hard rules.

Every hard rule binds one agent (coverage is soft: a shortage is reported, never infeasible),
so the whole roster is feasible exactly when every agent's own model is. Each agent's rules are
switched on by CP-SAT assumption literals; when the agent's model is infeasible, the solver's
``sufficient_assumptions_for_infeasibility`` gives a set of rules in conflict, which is then
shrunk to a minimal one by deletion.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from scheduling.roster._cpsat import new_solver
from scheduling.roster.model import build_model
from scheduling.roster.problem import RosterProblem
from wfmcore.parse import format_hhmm


def describe_rule(problem: RosterProblem, a: int, rule: str) -> str:
    """A planner-readable statement of a hard rule for agent index ``a``."""
    agent = problem.agents[a]
    rules = problem.rules
    text = {
        "min_hours_week": f"at least {agent.min_hours_week:g} paid hours a week (contract)",
        "max_hours_week": f"at most {agent.max_hours_week:g} paid hours a week (contract)",
        "max_days_week": f"at most {agent.max_days_week} working days a week (contract)",
        "days_off": f"{rules.days_off_per_week} days off a week (rules: week.days_off)",
        "days_off_consecutive": "two consecutive days off (rules: week.days_off_consecutive)",
        "min_rest": f"{rules.min_rest_min / 60:g} h rest between shifts (rules: week.min_rest_h)",
        "max_consecutive_days": (
            f"at most {rules.max_consecutive_days} working days in a row "
            "(rules: week.max_consecutive_days)"
        ),
        "max_night_shifts": f"at most {rules.max_night_shifts_week} night shifts a week (rules)",
        "locked_shifts": "the locked shifts of the previous roster",
        "time_off": "approved time off on "
        + ", ".join(str(d) for d in sorted(agent.unavailable) if d in problem.dates),
        "earliest_start": "earliest start "
        + (format_hhmm(agent.earliest_start_min) if agent.earliest_start_min is not None else ""),
        "latest_end": "latest end "
        + (format_hhmm(agent.latest_end_min) if agent.latest_end_min is not None else ""),
    }
    return text.get(rule, rule)


def _infeasible(model: cp_model.CpModel, lits: list[cp_model.IntVar], time_limit_s: float) -> bool:
    model.clear_assumptions()
    model.add_assumptions(lits)
    solver = new_solver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = time_limit_s
    return solver.solve(model) == cp_model.INFEASIBLE


def explain_agent(problem: RosterProblem, a: int, time_limit_s: float = 10.0) -> list[str]:
    """The minimal set of hard rules of agent index ``a`` that cannot hold together.

    Returns an empty list when the agent's rules are satisfiable. Each line names the agent and
    one rule, e.g. ``agent A7 (Sara): at least 40 paid hours a week (contract)``.
    """
    model, v = build_model(problem, agents=[a], coverage=False, explain=True)
    model.clear_objective()
    solver = new_solver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = time_limit_s
    if solver.solve(model) != cp_model.INFEASIBLE:
        return []
    by_index = {lit.index: key for key, lit in v.assumptions.items()}
    core = [v.assumptions[by_index[i]] for i in solver.sufficient_assumptions_for_infeasibility()]
    if not core:
        core = list(v.assumptions.values())
    # shrink to a minimal conflict: drop each rule that is not needed for infeasibility
    for lit in list(core):
        trial = [x for x in core if x is not lit]
        if _infeasible(model, trial, time_limit_s):
            core = trial
    agent = problem.agents[a]
    who = f"agent {agent.agent_id}" + (f" ({agent.name})" if agent.name != agent.agent_id else "")
    rules = sorted(by_index[lit.index][1] for lit in core)
    lines = [f"{who}: {describe_rule(problem, a, rule)}" for rule in rules]
    if not any(key[0] == a for key in v.x):
        lines.append(f"{who}: no allowed shift at all (skills vs channels and shift types)")
    return lines
