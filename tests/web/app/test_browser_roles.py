"""A real browser, part 2: the three roles in English and Arabic, on a desktop and a phone.

Playwright drives Debian's Chromium (headless) on a live server holding the small center with
the week of 2025-10-27 published (``published_database``). The five scenarios of issue #13:

1. a planner publishes a roster;
2. an agent signs in, sees exactly their shifts in Arabic laid out right to left (on a 360 px
   phone, without horizontal scrolling), and downloads their calendar, which is parsed and
   compared with the roster;
3. a manager changes a target and sees the what-if numbers move;
4. two agents trade a shift and a manager approves it;
5. an agent who opens another agent's (or a planner's) URL is refused.

Screenshots of the main pages in English and Arabic, desktop (1280 x 800) and phone
(360 x 740), go to ``tests/artifacts/`` (or ``$WFM_ARTIFACTS``), named
``p2-<page>-<lang>-<desktop|phone>.png``.

Skipped when ``/usr/bin/chromium`` is missing, except under ``CI``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from flask import Flask
from icalendar import Calendar

from tests.web.app.browser_support import artifacts, chromium

TIMEOUT_MS = 60_000
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


@pytest.fixture()
def browser() -> Iterator[Callable[..., Any]]:
    """A function making a fresh page (own cookies) with a browser language; console errors fail."""
    errors: list[str] = []
    with chromium() as browser:
        contexts = []

        def new_page(
            locale: str = "en", viewport: dict[str, int] | None = None, *, refused: bool = False
        ) -> Any:
            context = browser.new_context(
                viewport=viewport or DESKTOP,
                locale=locale,
                accept_downloads=True,
                extra_http_headers={"Accept-Language": locale},
            )
            contexts.append(context)
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            if not refused:  # the intruder's page logs its expected 403 in the console
                page.on(
                    "console",
                    lambda msg: errors.append(msg.text) if msg.type == "error" else None,
                )
            return page

        yield new_page
        for context in contexts:
            context.close()
    assert errors == [], f"errors in the browser console: {errors}"


def _sign_in(page: Any, base: str, username: str, h: Any) -> None:
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", h.PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state("networkidle")


def _language(page: Any, lang: str) -> None:
    """Switch the signed-in user's language with the header button (stored for the user)."""
    if page.locator("html").get_attribute("lang") != lang:
        page.click(f"#lang-{lang}")
        page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == lang


def _no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"{page.url}: {width} px wide on a {inner} px screen"


def _shots(page: Any, name: str, *, phone_scroll_check: bool = False) -> None:
    """Screenshots of the current page in English and Arabic, desktop and phone."""
    url = page.url
    for lang in ("en", "ar"):
        _language(page, lang)
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            page.goto(url)
            page.wait_for_load_state("networkidle")
            assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
            if label == "phone" and phone_scroll_check:
                _no_horizontal_scroll(page)
            page.screenshot(path=str(artifacts() / f"p2-{name}-{lang}-{label}.png"), full_page=True)
    _language(page, "en")
    page.set_viewport_size(DESKTOP)
    page.goto(url)


def _roster(app: Flask) -> tuple[int, pd.DataFrame]:
    from web.app.extensions import db
    from web.app.models import RosterVersion
    from web.app.services import roster_frame_of

    with app.app_context():
        rid = db.session.scalars(
            db.select(RosterVersion.id)
            .filter_by(status="published")
            .order_by(RosterVersion.id.desc())
        ).first()
        assert rid is not None
        return int(rid), roster_frame_of(rid)


def _valid_swap(app: Flask) -> tuple[str, dt.date, str, dt.date]:
    from scheduling.roster.trades import Trade, check_trade
    from web.app.extensions import db
    from web.app.models import RosterVersion, RulesVersion
    from web.app.services import agent_records, roster_dates, rules_of

    rid, frame = _roster(app)
    days = {
        str(a): set(g["date"]) for a, g in frame[frame["activity"] == "work"].groupby("agent_id")
    }
    with app.app_context():
        roster = db.session.get(RosterVersion, rid)
        assert roster is not None
        rules = rules_of(db.session.get(RulesVersion, roster.rules_id))  # type: ignore[arg-type]
        agents = agent_records(active_only=False)
        dates = roster_dates(roster)
        for giver, taker in itertools.permutations(sorted(days), 2):
            for give, take in itertools.product(sorted(days[giver]), sorted(days[taker])):
                if not check_trade(frame, Trade(giver, give, taker, take), agents, rules, dates):
                    return giver, give, taker, take
    raise AssertionError("no valid swap in this roster")


def test_three_roles_in_english_and_arabic(
    browser: Callable[..., Any], published_server: tuple[str, Flask], h: Any, tmp_path: Path
) -> None:
    base, app = published_server
    from web.app.extensions import db
    from web.app.models import RosterVersion
    from web.app.services import copy_roster
    from web.cli._serve import create_user

    rid, frame = _roster(app)
    giver, give, taker, take = _valid_swap(app)
    with app.app_context():
        draft = copy_roster(db.get_or_404(RosterVersion, rid), "next version")
        db.session.commit()
        draft_id = draft.id
        for a in {giver, taker} - {"A1"}:
            create_user(f"user-{a}", "agent", h.PASSWORD, agent_id=a)
        other = sorted({"A2", "A3", "A4", "A5", "A6"} - {giver, taker})[0]
        create_user("intruder", "agent", h.PASSWORD, agent_id=other)
        db.session.commit()

    # 1. a planner publishes a roster
    planner = browser("en")
    _sign_in(planner, base, "planner", h)
    planner.goto(f"{base}/roster/{draft_id}")
    planner.click("#publish")
    planner.wait_for_load_state("networkidle")
    assert planner.locator("#roster-status").get_attribute("data-status") == "published"
    _shots(planner, "roster")

    # 2. an agent in Arabic, right to left, on a phone: exactly their shifts, then the calendar
    agent = browser("ar", PHONE)
    _sign_in(agent, base, "agent", h)
    assert agent.locator("html").get_attribute("lang") == "ar"
    assert agent.locator("html").get_attribute("dir") == "rtl"
    assert "مناوباتي" in agent.locator("h1").inner_text()
    assert agent.evaluate("getComputedStyle(document.body).direction") == "rtl"
    _no_horizontal_scroll(agent)
    _rid, frame = _roster(app)
    mine = frame[(frame["agent_id"] == "A1") & (frame["activity"] == "work")]
    expected = {
        d.isoformat(): f"{g['start'].min():%H:%M}–{g['end'].max():%H:%M}"
        for d, g in mine.groupby("date")
    }
    shown = {}
    for li in agent.locator("li.day:not(.off)").all():
        shown[li.get_attribute("data-date")] = li.locator(".time").inner_text()
    assert shown == expected
    agent.screenshot(path=str(artifacts() / "p2-agent-first-view-ar-phone.png"), full_page=True)
    agent.click("nav.agent-nav >> text=التقويم")
    with agent.expect_download() as info:
        agent.click("#download-ics")
    path = tmp_path / "shifts.ics"
    info.value.save_as(path)
    cal = Calendar.from_ical(path.read_bytes())
    got = {
        pd.Timestamp(e.decoded("dtstart")).date().isoformat(): (
            f"{pd.Timestamp(e.decoded('dtstart')):%H:%M}–{pd.Timestamp(e.decoded('dtend')):%H:%M}"
        )
        for e in cal.walk("VEVENT")
        if "shift" in [str(c) for c in e.get("categories").cats]
    }
    assert got == expected
    agent.click("#feed-reset")
    feed_url = agent.locator("#feed-url").input_value()
    assert re.fullmatch(re.escape(base) + r"/feed/[\w-]+\.ics", feed_url)
    _no_horizontal_scroll(agent)
    agent.screenshot(path=str(artifacts() / "p2-agent-feed-url-ar-phone.png"), full_page=True)
    agent.goto(base + "/me/calendar")
    _shots(agent, "agent-calendar", phone_scroll_check=True)
    agent.goto(base + "/me")
    _shots(agent, "agent-my-shifts", phone_scroll_check=True)
    agent.goto(base + "/me/time-off")
    agent.fill("#first_day", "2025-11-10")
    agent.fill("#last_day", "2025-11-11")
    agent.click("form.stack button[type=submit]")
    agent.wait_for_load_state("networkidle")
    _shots(agent, "agent-time-off", phone_scroll_check=True)
    agent.goto(base + "/me/preferences")
    _shots(agent, "agent-preferences", phone_scroll_check=True)

    # 3. a manager changes a target and sees the what-if numbers move
    manager = browser("en")
    _sign_in(manager, base, "manager", h)
    manager.goto(base + "/targets")
    cell = manager.locator("#whatif-week tr[data-channel=voice] td").nth(4)  # paid hours after
    manager.wait_for_function("() => document.querySelector('#targets-form').dataset.whatifSeq")
    before = cell.inner_text()
    sl_before = manager.locator("#whatif-sl tr[data-channel=voice] td").nth(3).inner_text()
    manager.fill("[id='voice.answer_within_s']", "10")
    manager.fill("[id='voice.service_level']", "0.95")
    manager.wait_for_function(
        "(b) => document.querySelectorAll('#whatif-week tr[data-channel=voice] td')[4]"
        ".innerText !== b",
        arg=before,
    )
    after = cell.inner_text()
    assert float(after.replace(",", "")) > float(before.replace(",", ""))
    assert manager.locator("#whatif-sl tr[data-channel=voice] td").nth(3).inner_text() != sl_before
    manager.screenshot(
        path=str(artifacts() / "p2-targets-whatif-moved-en-desktop.png"), full_page=True
    )
    # an invalid value is named on its field, at once
    manager.fill("[id='voice.max_occupancy']", "2")
    manager.wait_for_selector(".field-error[data-field='voice.max_occupancy']")
    manager.screenshot(path=str(artifacts() / "p2-targets-error-en-desktop.png"), full_page=True)
    manager.goto(base + "/targets")
    _shots(manager, "targets")
    manager.goto(base + "/manager")
    _shots(manager, "dashboard")

    # 4. two agents trade a shift, a manager approves it
    one = agent if giver == "A1" else browser("en", PHONE)
    if giver != "A1":
        _sign_in(one, base, f"user-{giver}", h)
    _language(one, "en")
    one.goto(base + "/me/trades")
    one.select_option("#give_date", give.isoformat())
    one.select_option("#taker", taker)
    one.fill("#take_date", take.isoformat())
    one.click("#offer")
    one.wait_for_load_state("networkidle")
    two = browser("en", PHONE)
    _sign_in(two, base, "agent" if taker == "A1" else f"user-{taker}", h)
    two.goto(base + "/me/trades")
    accept = two.locator("#trades-to-me button[id^=accept-]")
    trade_id = int(accept.first.get_attribute("id").split("-")[1])
    _shots(two, "agent-trades", phone_scroll_check=True)
    accept.first.click()
    two.wait_for_load_state("networkidle")
    manager.goto(base + "/approvals")
    _shots(manager, "approvals")
    manager.click(f"#approve-trade-{trade_id}")
    manager.wait_for_load_state("networkidle")
    assert "published" in manager.locator(".flash").first.inner_text()
    new_rid, new_frame = _roster(app)
    assert new_rid > draft_id
    work = new_frame[new_frame["activity"] == "work"]
    assert give in set(work[work["agent_id"] == taker]["date"])
    assert take in set(work[work["agent_id"] == giver]["date"])

    # 5. an agent who opens another agent's (or a planner's) URL is refused
    intruder = browser("en", PHONE, refused=True)
    _sign_in(intruder, base, "intruder", h)
    response = intruder.goto(f"{base}/roster/{new_rid}")
    assert response is not None and response.status == 403
    intruder.screenshot(path=str(artifacts() / "p2-refused-en-phone.png"), full_page=True)
    old_feed = intruder.request.get(feed_url)
    assert old_feed.status == 200  # the token is the credential: it opens only A1's calendar
    assert b"A1-" in old_feed.body() and f"{other}-".encode() not in old_feed.body()
    agent.goto(base + "/me/calendar")
    agent.click("#feed-reset")  # A1 resets: the old URL is dead for everyone
    assert intruder.request.get(feed_url).status == 404
    token = intruder.locator("meta[name=csrf-token]").get_attribute("content")
    refused = intruder.request.post(
        f"{base}/me/trades/{trade_id}/cancel", form={"csrf_token": token}
    )
    assert refused.status == 404
