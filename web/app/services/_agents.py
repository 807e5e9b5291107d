"""Agents: rows <-> ``agents.csv`` and the roster library's records, with the CLI's validation."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from scheduling.roster.agents import Agent as AgentRecord
from scheduling.roster.agents import read_agents
from web.app.extensions import db
from web.app.models import (
    Agent,
)
from web.app.services._common import audit, check_length, temp_file
from wfmcore.errors import InputError

AGENT_FIELDS = (
    "agent_id",
    "name",
    "skills",
    "min_hours_week",
    "max_hours_week",
    "max_days_week",
    "earliest_start",
    "latest_end",
    "unavailable",
    "preferred_start",
    "preferred_days_off",
    "group",
)


def _agent_row_values(row: Agent) -> dict[str, str]:
    def num(x: float) -> str:
        return f"{x:g}"

    return {
        "agent_id": row.agent_id,
        "name": row.name,
        "skills": row.skills,
        "min_hours_week": num(row.min_hours_week),
        "max_hours_week": num(row.max_hours_week),
        "max_days_week": str(row.max_days_week),
        "earliest_start": row.earliest_start,
        "latest_end": row.latest_end,
        "unavailable": row.unavailable,
        "preferred_start": row.preferred_start,
        "preferred_days_off": row.preferred_days_off,
        "group": row.group,
    }


def agents_csv_text(rows: Sequence[Agent]) -> str:
    """``agents.csv`` of ``rows`` (the CLI's format)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(AGENT_FIELDS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(_agent_row_values(row))
    return buf.getvalue()


def agent_records(*, active_only: bool = True) -> tuple[AgentRecord, ...]:
    """The stored agents as the roster library's records (validated by ``read_agents``)."""
    stmt = select(Agent).order_by(Agent.id)
    if active_only:
        stmt = stmt.where(Agent.active.is_(True))
    rows = list(db.session.scalars(stmt))
    if not rows:
        return ()
    with temp_file(agents_csv_text(rows), ".csv", "agents") as path:
        return read_agents(path).agents


def check_agent_lengths(values: dict[str, str], *, row: int | None = None) -> None:
    """Every text field of an agent within its column's length (an import names the row)."""
    for key in AGENT_FIELDS:
        column = getattr(Agent, key)
        check_length(str(values.get(key, "")), column, key, row=row)


def validate_agent_values(values: dict[str, str]) -> dict[str, Any]:
    """Validate one agent's fields with the CLI's reader (messages name the column)."""
    row = {k: str(values.get(k, "")).strip() for k in AGENT_FIELDS}
    check_agent_lengths(row)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(AGENT_FIELDS), lineterminator="\n")
    writer.writeheader()
    writer.writerow(row)
    with temp_file(buf.getvalue(), ".csv", "agent") as path:
        read_agents(path)
    return {
        **row,
        "min_hours_week": float(row["min_hours_week"]),
        "max_hours_week": float(row["max_hours_week"]),
        "max_days_week": int(row["max_days_week"]),
    }


def save_agent(values: dict[str, str], agent: Agent | None = None) -> Agent:
    """Add or change one agent after validating it as a row of ``agents.csv``."""
    clean = validate_agent_values(values)
    if agent is None:
        clash = db.session.scalar(select(Agent).where(Agent.agent_id == clean["agent_id"]))
        if clash is not None:
            raise InputError(f"agent_id {clean['agent_id']!r} exists already", column="agent_id")
        agent = Agent(**clean, active=True)
        db.session.add(agent)
        audit("agent_added", f"agent:{clean['agent_id']}")
    else:
        for k, v in clean.items():
            if k != "agent_id":
                setattr(agent, k, v)
        audit("agent_edited", f"agent:{agent.agent_id}")
    return agent


def import_agents(path: Path, filename: str) -> tuple[int, int, int]:
    """Replace the agent list from ``agents.csv``.

    Add new ids, update known ones, deactivate those not in the file. Validation as ``wfm roster
    --agents``.

    Returns
    -------
    tuple of int
        Added, updated, deactivated.
    """
    parsed = read_agents(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    frame.columns = [str(c).strip() for c in frame.columns]
    if "group" not in frame.columns and "contract" in frame.columns:
        frame["group"] = frame["contract"]
    known = {a.agent_id: a for a in db.session.scalars(select(Agent))}
    added = updated = 0
    for line, (rec, _agent) in enumerate(
        zip(frame.to_dict("records"), parsed.agents, strict=True), start=2
    ):
        values = {k: str(rec.get(k, "")).strip() for k in AGENT_FIELDS}
        check_agent_lengths(values, row=line)
        values["min_hours_week"] = values["min_hours_week"] or "0"
        row = known.pop(values["agent_id"], None)
        numbers = {
            "min_hours_week": float(values["min_hours_week"]),
            "max_hours_week": float(values["max_hours_week"]),
            "max_days_week": int(values["max_days_week"]),
        }
        if row is None:
            db.session.add(Agent(**{**values, **numbers}, active=True))
            added += 1
        else:
            for k, v in {**values, **numbers}.items():
                setattr(row, k, v)
            row.active = True
            updated += 1
    deactivated = 0
    for row in known.values():
        if row.active:
            row.active = False
            deactivated += 1
    audit(
        "agents_imported",
        "agents",
        f"{filename}: {added} added, {updated} updated, {deactivated} deactivated",
    )
    return added, updated, deactivated
