"""Shift trades: offer, accept (the rule checker decides), approve, a new published version.

Built on ``published_app`` (the week of 2025-10-27 published; agents A1 and A2 are both voice
agents with users ``agent`` and ``agent2``).
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pandas as pd
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar


def _client(app: Flask, h: Any, who: str) -> FlaskClient:
    client = app.test_client()
    assert h.sign_in(client, who).status_code == 302
    return client


def _days(app: Flask, roster_id: int | None = None) -> dict[str, set[dt.date]]:
    from web.app.extensions import db
    from web.app.models import RosterVersion, Shift

    with app.app_context():
        rid = roster_id or db.session.scalars(db.select(RosterVersion.id)).first()
        out: dict[str, set[dt.date]] = {}
        for s in db.session.scalars(db.select(Shift).filter_by(roster_id=rid)):
            out.setdefault(s.agent_id, set()).add(s.date)
        return out


def _check(
    app: Flask, give: dt.date, take: dt.date | None, giver: str = "A1", taker: str = "A2"
) -> list[Any]:
    from scheduling.roster.trades import Trade, check_trade
    from web.app.extensions import db
    from web.app.models import RosterVersion, RulesVersion
    from web.app.services import agent_records, roster_dates, roster_frame_of, rules_of

    with app.app_context():
        roster = db.session.scalars(db.select(RosterVersion)).first()
        assert roster is not None
        rules = rules_of(db.session.get(RulesVersion, roster.rules_id))  # type: ignore[arg-type]
        return check_trade(
            roster_frame_of(roster.id),
            Trade(giver, give, taker, take),
            agent_records(active_only=False),
            rules,
            roster_dates(roster),
        )


def _trade_id(app: Flask) -> int:
    from web.app.extensions import db
    from web.app.models import ShiftTrade

    with app.app_context():
        return int(
            db.session.scalars(db.select(ShiftTrade.id).order_by(ShiftTrade.id.desc())).first()
        )  # type: ignore[arg-type]


def _find(app: Flask, *, valid: bool, swap: bool) -> tuple[str, dt.date, str, dt.date | None]:
    """A trade between two agents that the checker accepts (``valid``) or refuses.

    The solver's roster is not the same from one session to the next, so the test searches it.
    """
    days = _days(app)
    for giver, taker in itertools.permutations(sorted(days), 2):
        for give in sorted(days[giver]):
            takes: list[dt.date | None] = sorted(days[taker]) if swap else [None]
            for take in takes:
                if not swap and give in days[taker]:
                    continue
                if bool(_check(app, give, take, giver, taker)) != valid:
                    return giver, give, taker, take
    raise AssertionError("no such trade in this roster")


def _users(app: Flask, h: Any, *agents: str) -> list[FlaskClient]:
    from web.app.extensions import db
    from web.cli._serve import create_user

    with app.app_context():
        for a in agents:
            create_user(f"user-{a}", "agent", h.PASSWORD, agent_id=a)
        db.session.commit()
    return [_client(app, h, f"user-{a}") for a in agents]


def test_a_trade_that_breaks_a_rule_is_refused_with_the_rule_named(
    published_app: Flask, h: Any
) -> None:
    giver, give, taker, _ = _find(published_app, valid=False, swap=False)
    expected = _check(published_app, give, None, giver, taker)
    a1, a2 = _users(published_app, h, giver, taker)
    r = h.post(a1, "/me/trades", {"give_date": give.isoformat(), "taker": taker})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    tid = _trade_id(published_app)
    r = h.post(a2, f"/me/trades/{tid}/accept", follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "The trade breaks a rule" in html and expected[0].rule in html
    from web.app.extensions import db
    from web.app.models import ShiftTrade

    with published_app.app_context():
        trade = db.session.get(ShiftTrade, tid)
        assert trade is not None and trade.status == "refused"
        assert trade.violations == "\n".join(str(v) for v in expected)


def test_a_swap_accepted_and_approved_publishes_a_new_version_and_moves_both_feeds(
    published_app: Flask, h: Any
) -> None:
    giver, give, taker, take = _find(published_app, valid=True, swap=True)
    assert take is not None
    a1, a2 = _users(published_app, h, giver, taker)
    feed1 = h.post(a1, "/me/calendar/reset").get_data(as_text=True)
    import re

    url1 = re.search(r'value="(http://localhost/feed/[^"]+)"', feed1).group(1)  # type: ignore[union-attr]
    r = h.post(
        a1,
        "/me/trades",
        {"give_date": give.isoformat(), "taker": taker, "take_date": take.isoformat()},
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    tid = _trade_id(published_app)
    assert f'data-trade="{tid}"' in a2.get("/me/trades").get_data(as_text=True)
    h.post(a2, f"/me/trades/{tid}/accept")
    from web.app.extensions import db
    from web.app.models import AuditEntry, RosterVersion, ShiftTrade

    with published_app.app_context():
        trade = db.session.get(ShiftTrade, tid)
        assert trade is not None and trade.status == "accepted"  # waits for approval
    manager = _client(published_app, h, "manager")
    assert f'data-trade="{tid}"' in manager.get("/approvals").get_data(as_text=True)
    h.post(manager, f"/approvals/trade/{tid}", {"decision": "approve"})
    with published_app.app_context():
        trade = db.session.get(ShiftTrade, tid)
        assert trade is not None and trade.status == "approved" and trade.new_roster_id
        new = db.session.get(RosterVersion, trade.new_roster_id)
        assert new is not None and new.status == "published" and new.parent_id == trade.roster_id
        actions = set(db.session.scalars(db.select(AuditEntry.action)))
        assert {"trade_offered", "trade_accepted", "trade_applied"} <= actions
        new_id = new.id
    before, after = _days(published_app, trade.roster_id), _days(published_app, new_id)
    assert after[giver] == (before[giver] - {give}) | {take}
    assert after[taker] == (before[taker] - {take}) | {give}
    # A1's feed follows the new version
    cal = Calendar.from_ical(
        published_app.test_client().get(url1.replace("http://localhost", "")).data
    )
    shift_days = {
        pd.Timestamp(e.decoded("dtstart")).date()
        for e in cal.walk("VEVENT")
        if "shift" in [str(c) for c in e.get("categories").cats]
    }
    assert shift_days == after[giver]


def test_trades_are_private(published_app: Flask, h: Any) -> None:
    from web.cli._serve import create_user

    with published_app.app_context():
        from web.app.extensions import db

        create_user("agent5", "agent", h.PASSWORD, agent_id="A5")  # chat only
        create_user("agent3", "agent", h.PASSWORD, agent_id="A3")  # voice and chat
        db.session.commit()
    days = _days(published_app)
    give = sorted(days["A1"])[0]
    a1 = _client(published_app, h, "agent")
    h.post(a1, "/me/trades", {"give_date": give.isoformat(), "taker": "A2"})
    named = _trade_id(published_app)
    h.post(a1, "/me/trades", {"give_date": sorted(days["A1"])[1].isoformat()})
    open_offer = _trade_id(published_app)
    a3, a5 = _client(published_app, h, "agent3"), _client(published_app, h, "agent5")
    # a trade named to A2: nobody else sees it or may accept or withdraw it
    assert f'data-trade="{named}"' not in a3.get("/me/trades").get_data(as_text=True)
    assert h.post(a3, f"/me/trades/{named}/accept").status_code == 404
    assert h.post(a3, f"/me/trades/{named}/cancel").status_code == 404
    assert (
        h.post(_client(published_app, h, "agent2"), f"/me/trades/{named}/cancel").status_code == 404
    )
    # an open voice offer: A3 (voice) sees it, A5 (chat only) neither sees nor accepts it
    assert f'data-trade="{open_offer}"' in a3.get("/me/trades").get_data(as_text=True)
    assert f'data-trade="{open_offer}"' not in a5.get("/me/trades").get_data(as_text=True)
    assert h.post(a5, f"/me/trades/{open_offer}/accept").status_code == 404
    # an agent cannot offer a day they do not work
    week = {dt.date(2025, 10, 27) + dt.timedelta(days=k) for k in range(7)}
    off = sorted(week - days["A1"])[0]
    r = h.post(a1, "/me/trades", {"give_date": off.isoformat()})
    assert r.status_code == 422 and "no published shift" in r.get_data(as_text=True)
