"""Agents: rows <-> ``agents.csv`` and the roster library's records, with the CLI's validation."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, func, literal, or_, select

from scheduling.roster.agents import Agent as AgentRecord
from scheduling.roster.agents import read_agents
from web.app.extensions import db
from web.app.models import (
    Agent,
)
from web.app.services._common import audit, check_length, spreadsheet_safe, temp_file
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


def agents_csv_text(rows: Sequence[Agent], *, for_download: bool = False) -> str:
    """``agents.csv`` of ``rows`` (the CLI's format).

    Parameters
    ----------
    rows
        The agents.
    for_download
        A file for people (the export): cells that a spreadsheet would run as a formula get a
        leading ``'`` (:func:`~web.app.services._common.spreadsheet_safe`). Off for the files
        the app reads back itself.
    """
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(AGENT_FIELDS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        values = _agent_row_values(row)
        if for_download:
            values = {k: spreadsheet_safe(v) for k, v in values.items()}
        writer.writerow(values)
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


def _import_rows(path: Path) -> list[dict[str, str]]:
    """The file's agents as column values, checked as ``wfm roster --agents`` and by length.

    A text longer than its column is an error naming the file's row.
    """
    parsed = read_agents(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    frame.columns = [str(c).strip() for c in frame.columns]
    if "group" not in frame.columns and "contract" in frame.columns:
        frame["group"] = frame["contract"]
    rows = []
    for line, (rec, _agent) in enumerate(
        zip(frame.to_dict("records"), parsed.agents, strict=True), start=2
    ):
        values = {k: str(rec.get(k, "")).strip() for k in AGENT_FIELDS}
        check_agent_lengths(values, row=line)
        rows.append(values)
    return rows


def import_agents(path: Path, filename: str) -> tuple[int, int, int]:
    """Replace the agent list from ``agents.csv``.

    Add new ids, update known ones, deactivate those not in the file. Validation as ``wfm roster
    --agents``.

    Returns
    -------
    tuple of int
        Added, updated, deactivated.
    """
    known = {a.agent_id: a for a in db.session.scalars(select(Agent))}
    added = updated = 0
    for values in _import_rows(path):
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


# --- the agents list: search, filters and paging in SQL; the import's preview (issue #17) ---

#: Agents per page of the list.
AGENTS_PER_PAGE = 50
#: The list's status filter values.
AGENT_STATUSES = ("active", "inactive", "all")


@dataclass(frozen=True)
class AgentPage:
    """One page of the agents list.

    Attributes
    ----------
    rows
        The agents on this page (active first, then by id).
    total
        Agents matching the search and filters.
    page, pages
        This page's number (from 1) and the number of pages (at least 1).
    active, everyone
        Active agents and all agents (whatever the filters).
    """

    rows: list[Agent]
    total: int
    page: int
    pages: int
    active: int
    everyone: int


def _agent_filters(query: str, skill: str, group: str, status: str) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    text = query.strip().lower()
    if text:
        where.append(
            or_(
                func.lower(Agent.agent_id).contains(text, autoescape=True),
                func.lower(Agent.name).contains(text, autoescape=True),
                func.lower(Agent.skills).contains(text, autoescape=True),
            )
        )
    if skill:
        # skills are ';'-separated: match a whole skill, not a part of one
        padded = literal(";") + func.replace(Agent.skills, " ", "") + literal(";")
        where.append(padded.contains(f";{skill.strip()};", autoescape=True))
    if group:
        where.append(Agent.group == group)
    if status == "active":
        where.append(Agent.active.is_(True))
    elif status == "inactive":
        where.append(Agent.active.is_(False))
    return where


def agent_page(
    query: str = "",
    *,
    skill: str = "",
    group: str = "",
    status: str = "all",
    page: int = 1,
    per_page: int = AGENTS_PER_PAGE,
) -> AgentPage:
    """A page of agents matching a search (id, name or skill) and filters, counted in SQL.

    Parameters
    ----------
    query
        Text found in the id, the name or the skills (case-insensitive).
    skill
        One skill (channel) the agent has.
    group
        The agent's group (exact).
    status
        ``active``, ``inactive`` or ``all``.
    page, per_page
        The page (from 1; clamped to the last page) and its length.

    Returns
    -------
    AgentPage
        The page's rows and the counts.
    """
    where = _agent_filters(query, skill, group, status)
    total = int(db.session.scalar(select(func.count(Agent.id)).where(*where)) or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = list(
        db.session.scalars(
            select(Agent)
            .where(*where)
            .order_by(Agent.active.desc(), Agent.agent_id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    active = int(db.session.scalar(select(func.count(Agent.id)).where(Agent.active)) or 0)
    everyone = int(db.session.scalar(select(func.count(Agent.id))) or 0)
    return AgentPage(rows, total, page, pages, active, everyone)


def agent_filter_choices() -> tuple[list[str], list[str]]:
    """The skills and the groups the stored agents have (for the list's filters), sorted."""
    skills: set[str] = set()
    for text in db.session.scalars(select(Agent.skills).distinct()):
        skills.update(s.strip() for s in text.split(";") if s.strip())
    groups = [g for g in db.session.scalars(select(Agent.group).distinct()) if g]
    return sorted(skills), sorted(groups)


@dataclass(frozen=True)
class ImportPreview:
    """What importing an ``agents.csv`` would do, before it is done.

    Attributes
    ----------
    token
        The SHA-256 of the file (the confirmation names it).
    added, updated
        Agent ids the file adds and updates.
    deactivated
        Active agents (id, name) missing from the file, which the import would deactivate.
    """

    token: str
    added: list[str]
    updated: list[str]
    deactivated: list[tuple[str, str]]


def preview_import(path: Path) -> ImportPreview:
    """Validate an ``agents.csv`` (as ``wfm roster --agents``) and say what importing it does."""
    ids = [values["agent_id"] for values in _import_rows(path)]
    known = {a.agent_id: a for a in db.session.scalars(select(Agent))}
    in_file = set(ids)
    gone = sorted(
        (a.agent_id, a.name) for a in known.values() if a.active and a.agent_id not in in_file
    )
    return ImportPreview(
        token=hashlib.sha256(path.read_bytes()).hexdigest(),
        added=[i for i in ids if i not in known],
        updated=[i for i in ids if i in known],
        deactivated=gone,
    )
