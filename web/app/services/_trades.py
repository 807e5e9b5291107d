"""Shift trades: offer, accept (checked by the rule checker), approve, publish.

The checks are :func:`scheduling.roster.trades.check_trade` on the published roster (both
agents' weeks after the trade, every hard rule: rest, hours, days, skills, time off); a trade
that breaks a rule is refused with the rules named. Approving copies the published version into
a new one with the traded shifts moved and publishes it, so both agents' feeds change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext
from sqlalchemy import or_, select, update

from scheduling.roster.trades import Trade, check_trade
from web.app.extensions import db
from web.app.models import Agent, RosterVersion, RulesVersion, Shift, ShiftTrade, utcnow
from web.app.services._agents import agent_records
from web.app.services._common import actor, audit, check_length
from web.app.services._documents import rules_of
from web.app.services._manager import flag
from web.app.services._roster import copy_roster, publish_roster, roster_dates, roster_frame_of
from web.app.services._selfservice import published_weeks
from wfmcore.errors import InputError

OPEN = ("offered", "accepted")


def _published_for(day: dt.date) -> RosterVersion:
    for roster in published_weeks(today=day):
        if roster.first_day <= day < roster.first_day + dt.timedelta(days=roster.days):
            return roster
    raise InputError(gettext("no published roster covers %(day)s", day=day.isoformat()))


def _shift(roster_id: int, agent_id: str, day: dt.date) -> Shift | None:
    stmt = select(Shift).where(
        Shift.roster_id == roster_id, Shift.agent_id == agent_id, Shift.date == day
    )
    return db.session.scalar(stmt)


def _skills(agent_id: str) -> set[str]:
    agent = db.session.scalar(select(Agent).where(Agent.agent_id == agent_id))
    return set(agent.skills.split(";")) if agent is not None else set()


def offer_trade(giver: str, give_date: str, taker: str = "", take_date: str = "") -> ShiftTrade:
    """An agent offers their published shift (to anyone qualified, or to a named colleague)."""
    try:
        give = dt.date.fromisoformat(give_date.strip())
    except ValueError:
        raise InputError(gettext("expected a date YYYY-MM-DD"), column="give_date") from None
    roster = _published_for(give)
    shift = _shift(roster.id, giver, give)
    if shift is None:
        raise InputError(gettext("you have no published shift on %(day)s", day=give.isoformat()))
    taker = taker.strip()
    take: dt.date | None = None
    if taker:
        if (
            taker == giver
            or db.session.scalar(select(Agent).where(Agent.agent_id == taker)) is None
        ):
            raise InputError(gettext("no such colleague %(id)s", id=taker), column="taker")
        if take_date.strip():
            try:
                take = dt.date.fromisoformat(take_date.strip())
            except ValueError:
                raise InputError(
                    gettext("expected a date YYYY-MM-DD"), column="take_date"
                ) from None
            if _shift(roster.id, taker, take) is None:
                raise InputError(
                    gettext("%(id)s has no shift on %(day)s", id=taker, day=take.isoformat()),
                    column="take_date",
                )
    row = ShiftTrade(
        roster_id=roster.id,
        giver=giver,
        give_date=give,
        taker=taker or None,
        take_date=take,
        channel=shift.channel,
    )
    db.session.add(row)
    db.session.flush()
    audit("trade_offered", f"trade:{row.id}", describe(row))
    return row


def describe(trade: ShiftTrade) -> str:
    """The trade in one line (for the audit log)."""
    swap = f" for {trade.take_date}" if trade.take_date else ""
    return f"{trade.giver} {trade.give_date} -> {trade.taker or 'anyone'}{swap}"


def trades_for(agent_id: str) -> dict[str, list[ShiftTrade]]:
    """The trades an agent may see.

    ``mine`` (offered), ``to_me`` (named) and ``open`` (offers to anyone, on a channel the agent
    has the skill for).
    """
    stmt = select(ShiftTrade).where(or_(ShiftTrade.giver == agent_id, ShiftTrade.taker == agent_id))
    rows = list(db.session.scalars(stmt.order_by(ShiftTrade.id.desc())))
    skills = _skills(agent_id)
    open_stmt = select(ShiftTrade).where(
        ShiftTrade.taker.is_(None), ShiftTrade.status == "offered", ShiftTrade.giver != agent_id
    )
    open_rows = [
        t for t in db.session.scalars(open_stmt.order_by(ShiftTrade.id)) if t.channel in skills
    ]
    return {
        "mine": [t for t in rows if t.giver == agent_id],
        "to_me": [t for t in rows if t.taker == agent_id],
        "open": open_rows,
    }


def visible_trade(agent_id: str, trade_id: int) -> ShiftTrade | None:
    """A trade the agent may act on (theirs, named to them, or open to them), else ``None``."""
    trade = db.session.get(ShiftTrade, trade_id)
    if trade is None:
        return None
    if agent_id in (trade.giver, trade.taker):
        return trade
    if trade.taker is None and trade.status == "offered" and trade.channel in _skills(agent_id):
        return trade
    return None


def trade_violations(trade: ShiftTrade) -> list[Any]:
    """The rule violations the trade would cause on its published roster (library check)."""
    roster = db.get_or_404(RosterVersion, trade.roster_id)
    rules = rules_of(db.get_or_404(RulesVersion, roster.rules_id))
    assert trade.taker is not None
    return check_trade(
        roster_frame_of(roster.id),
        Trade(trade.giver, trade.give_date, trade.taker, trade.take_date),
        agent_records(active_only=False),
        rules,
        roster_dates(roster),
    )


def accept_trade(agent_id: str, trade: ShiftTrade) -> ShiftTrade:
    """A colleague accepts.

    Refused with the rules named when it breaks one; else accepted, and made at once when trades
    need no approval.
    """
    if trade.status != "offered" or trade.giver == agent_id:
        raise InputError(gettext("this trade cannot be accepted"))
    if trade.taker is None:
        trade.taker = agent_id
    elif trade.taker != agent_id:
        raise InputError(gettext("this trade cannot be accepted"))
    latest = _published_for(trade.give_date)
    if latest.id != trade.roster_id:  # a newer version: check against it
        trade.roster_id = latest.id
    violations = trade_violations(trade)
    if violations:
        trade.status = "refused"
        trade.violations = "\n".join(str(v) for v in violations)
        audit("trade_refused", f"trade:{trade.id}", trade.violations)
        return trade
    trade.status = "accepted"
    audit("trade_accepted", f"trade:{trade.id}", describe(trade))
    if not flag("trade_approval"):
        apply_trade(trade)
    return trade


def pending_trades() -> list[ShiftTrade]:
    """Accepted trades waiting for a manager's or planner's approval."""
    stmt = select(ShiftTrade).where(ShiftTrade.status == "accepted").order_by(ShiftTrade.id)
    return list(db.session.scalars(stmt))


def apply_trade(trade: ShiftTrade) -> RosterVersion:
    """Publish a new roster version with the trade made (re-checked first)."""
    violations = trade_violations(trade)
    if violations:
        trade.status = "refused"
        trade.violations = "\n".join(str(v) for v in violations)
        audit("trade_refused", f"trade:{trade.id}", trade.violations)
        return db.get_or_404(RosterVersion, trade.roster_id)
    parent = db.get_or_404(RosterVersion, trade.roster_id)
    new = copy_roster(parent, f"shift trade {trade.id}: {describe(trade)}", "trade", id=trade.id)
    db.session.flush()
    assert trade.taker is not None
    moves = [(trade.giver, trade.give_date, trade.taker)]
    if trade.take_date is not None:
        moves.append((trade.taker, trade.take_date, trade.giver))
    ids = []
    for who, day, _to in moves:
        shift = _shift(new.id, who, day)
        if shift is None:
            raise InputError(gettext("the traded shift is gone"))
        ids.append(shift.id)
    for (_who, _day, to), shift_id in zip(moves, ids, strict=True):  # via a placeholder: a swap
        db.session.execute(update(Shift).where(Shift.id == shift_id).values(agent_id=f"~{to}"))
    for (_who, _day, to), shift_id in zip(moves, ids, strict=True):
        db.session.execute(update(Shift).where(Shift.id == shift_id).values(agent_id=to))
    db.session.expire_all()
    # the trade itself was checked above; violations the parent was published with stay
    # overridden as they were
    publish_roster(
        new.id,
        override=parent.publish_override or f"trade {trade.id} on published version {parent.id}",
    )
    trade.status = "approved"
    trade.new_roster_id = new.id
    trade.decided_by, trade.decided_at = actor(), utcnow()
    audit("trade_applied", f"trade:{trade.id}", f"roster:{new.id} {describe(trade)}")
    return new


def decide_trade(trade_id: int, *, approve: bool, reason: str = "") -> ShiftTrade:
    """A manager or planner approves (publishing the new version) or declines a trade."""
    trade = db.get_or_404(ShiftTrade, trade_id)
    if trade.status != "accepted":
        raise InputError(gettext("this trade is not waiting for approval"))
    if approve:
        apply_trade(trade)
    else:
        trade.status = "declined"
        trade.reason = check_length(reason.strip(), ShiftTrade.reason, "reason")
        trade.decided_by, trade.decided_at = actor(), utcnow()
        audit("trade_declined", f"trade:{trade.id}", trade.reason)
    return trade


def cancel_trade(agent_id: str, trade_id: int) -> ShiftTrade | None:
    """The giver withdraws an offer not yet approved; ``None`` when it is not theirs."""
    trade = db.session.get(ShiftTrade, trade_id)
    if trade is None or trade.giver != agent_id:
        return None
    if trade.status not in OPEN:
        raise InputError(gettext("this trade cannot be cancelled"))
    trade.status = "cancelled"
    audit("trade_cancelled", f"trade:{trade.id}", describe(trade))
    return trade
