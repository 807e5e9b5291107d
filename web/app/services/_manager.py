"""Managers: approval settings, time-off and publication approvals, and the week's dashboard.

Settings live in :class:`~web.app.models.AppSetting` (``publish_approval``,
``trade_approval``: ``"1"``/``"0"``; ``paid_hours_budget``: hours), every change audited.
An approved time-off request adds its days to the agent's ``unavailable`` days (the next roster
keeps them free) and records the days a published roster already gives the agent a shift
(``conflicts``), which the approvals page flags.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from flask_babel import gettext
from sqlalchemy import func, select

from scheduling.roster.summary import coverage_figures
from web.app.extensions import db
from web.app.models import (
    AWAITING_APPROVAL,
    AWAITING_STATUSES,
    Agent,
    AppSetting,
    RosterVersion,
    Shift,
    TimeOffRequest,
    utcnow,
)
from web.app.services._common import actor, audit, check_length
from web.app.services._roster import coverage_frame_of, override_reason
from web.app.services._selfservice import published_weeks
from wfmcore.errors import InputError

#: Settings and their defaults.
SETTINGS_DEFAULTS: dict[str, str] = {
    "publish_approval": "0",
    "trade_approval": "1",
    "paid_hours_budget": "",
}


def get_setting(key: str) -> str:
    """A manager setting's value (its default when never set)."""
    row = db.session.get(AppSetting, key)
    return row.value if row is not None else SETTINGS_DEFAULTS[key]


def flag(key: str) -> bool:
    """A yes/no setting."""
    return get_setting(key) == "1"


def set_setting(key: str, value: str) -> None:
    """Change a setting (audited when it changes)."""
    if key not in SETTINGS_DEFAULTS:
        raise InputError(f"unknown setting {key!r}")
    old = get_setting(key)
    if old == value:
        return
    row = db.session.get(AppSetting, key)
    if row is None:
        row = AppSetting(key=key)
        db.session.add(row)
    row.value, row.updated_by, row.updated_at = value, actor(), utcnow()
    audit("setting_changed", f"setting:{key}", f"{old or '-'} -> {value or '-'}")


def set_budget(text: str) -> None:
    """Set the paid-hours budget of a week (empty: none)."""
    text = text.strip()
    if text:
        try:
            hours = float(text.replace(",", "."))
        except ValueError:
            raise InputError(gettext("expected a number of hours"), column="budget") from None
        if hours < 0:
            raise InputError(gettext("expected a number of hours"), column="budget")
        text = f"{hours:g}"
    set_setting("paid_hours_budget", text)


def pending_time_off() -> list[TimeOffRequest]:
    """Requests waiting for a decision, oldest first."""
    stmt = select(TimeOffRequest).where(TimeOffRequest.status == "pending")
    return list(db.session.scalars(stmt.order_by(TimeOffRequest.id)))


def decided_time_off(limit: int = 20) -> list[TimeOffRequest]:
    """The latest decided requests."""
    stmt = select(TimeOffRequest).where(TimeOffRequest.status.in_(("approved", "declined")))
    return list(db.session.scalars(stmt.order_by(TimeOffRequest.id.desc()).limit(limit)))


def _published_shift_days(agent_id: str, days: list[dt.date]) -> list[dt.date]:
    ids = [r.id for r in published_weeks(today=min(days))]
    if not ids:
        return []
    stmt = select(Shift.date).where(
        Shift.roster_id.in_(ids), Shift.agent_id == agent_id, Shift.date.in_(days)
    )
    return sorted(set(db.session.scalars(stmt)))


def decide_time_off(request_id: int, *, approve: bool, reason: str) -> TimeOffRequest:
    """Approve or decline a pending request, with a reason (required to decline).

    Approving adds the days to the agent's unavailable days and records the published shifts
    it conflicts with.
    """
    row = db.get_or_404(TimeOffRequest, request_id)
    if row.status != "pending":
        raise InputError(gettext("this request has been decided already"))
    reason = check_length(reason.strip(), TimeOffRequest.reason, "reason")
    if not approve and not reason:
        raise InputError(gettext("say why the request is declined"), column="reason")
    row.status = "approved" if approve else "declined"
    row.reason, row.decided_by, row.decided_at = reason, actor(), utcnow()
    if approve:
        agent = db.session.scalar(select(Agent).where(Agent.agent_id == row.agent_id))
        if agent is not None:
            days = {d for d in agent.unavailable.split(";") if d}
            days |= {d.isoformat() for d in row.days}
            agent.unavailable = ";".join(sorted(days))
        row.conflicts = ";".join(
            d.isoformat() for d in _published_shift_days(row.agent_id, row.days)
        )
    audit(
        f"time_off_{row.status}",
        f"time_off:{row.id}",
        f"{row.agent_id} {row.first_day}..{row.last_day}: {reason}"
        + (f" (conflicts with published shifts on {row.conflicts})" if row.conflicts else ""),
    )
    return row


def awaiting_publication() -> list[RosterVersion]:
    """Rosters a planner asked to publish, waiting for a manager."""
    stmt = select(RosterVersion).where(RosterVersion.status.in_(AWAITING_STATUSES))
    return list(db.session.scalars(stmt.order_by(RosterVersion.id)))


def request_publication(roster_id: int, *, override: str = "") -> RosterVersion:
    """A planner asks a manager to publish a draft (when publishing needs approval).

    A roster the checker faults needs the planner's reason (``override``), kept for the
    manager to read on the approvals page.
    """
    roster = db.get_or_404(RosterVersion, roster_id)
    if roster.status != "draft":
        raise InputError(gettext("only a draft can be sent for approval"))
    reason = override_reason(roster, override)
    roster.status = AWAITING_APPROVAL
    roster.publish_override = reason
    detail = roster.note + (f" | override asked: {reason}" if reason else "")
    audit("roster_publication_requested", f"roster:{roster.id}", detail)
    return roster


def week_dashboard(roster: RosterVersion) -> dict[str, Any]:
    """The published week at a glance.

    Per channel and day, the expected service level (volume-weighted) and the under- and
    over-staffing hours on the phones (:func:`scheduling.roster.summary.coverage_figures` of
    each day); the week's paid hours against the budget.
    """
    coverage = coverage_frame_of(roster.id)
    rows: list[dict[str, Any]] = []
    if not coverage.empty:
        coverage = coverage.assign(
            gap=coverage["available"] - coverage["required"],
            day=pd.DatetimeIndex(coverage["interval_start"]).date,
        )
        for day, g in coverage.groupby("day", sort=True):
            figures = coverage_figures(g, roster.interval_min)
            for channel, fig in figures.items():
                c = g[(g["channel"] == channel) & g["service_level"].notna()]
                weight = float(c["volume"].fillna(0).sum())
                sl = (
                    float((c["service_level"] * c["volume"].fillna(0)).sum()) / weight
                    if weight > 0
                    else None
                )
                rows.append(
                    {
                        "day": day,
                        "channel": channel,
                        "service_level": sl,
                        "under_h": fig.under_h,
                        "over_h": fig.over_h,
                        "required_h": fig.required_h,
                    }
                )
    paid_min = db.session.scalar(
        select(func.coalesce(func.sum(Shift.paid_min), 0)).where(Shift.roster_id == roster.id)
    )
    budget_text = get_setting("paid_hours_budget")
    budget = float(budget_text) if budget_text else None
    paid_h = round(float(paid_min or 0) / 60, 2)
    return {
        "rows": rows,
        "channels": sorted({r["channel"] for r in rows}),
        "days": sorted({r["day"] for r in rows}),
        "paid_h": paid_h,
        "budget_h": budget,
        "over_budget_h": round(paid_h - budget, 2) if budget is not None else None,
        "under_h": round(sum(r["under_h"] for r in rows), 2),
        "over_h": round(sum(r["over_h"] for r in rows), 2),
        "target_sl": roster.summary.get("expected_service_level") or {},
    }
