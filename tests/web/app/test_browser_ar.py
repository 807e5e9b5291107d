"""A real browser, in Arabic: the roster grid by keyboard, chart axes, no sideways scroll.

Playwright drives Debian's Chromium (headless) on a live server holding the small center's
published week. The planner works in Arabic. Screenshots go to ``tests/artifacts/`` (or
``$WFM_ARTIFACTS``) as ``ar-*.png``. Skipped when ``/usr/bin/chromium`` is missing, except
under ``CI``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.web.app.browser_support import artifacts, chromium

TIMEOUT_MS = 60_000


@pytest.fixture()
def browser() -> Iterator[Any]:
    with chromium() as browser:
        yield browser


def _arabic_planner(
    browser: Any, base: str, password: str, width: int = 1366
) -> tuple[Any, list[str]]:
    """A page signed in as the planner, in Arabic; and the console's errors."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="ar")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(base + "/login")
    page.fill("input[name=username]", "planner")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    if page.locator("#lang-ar").count():
        page.click("#lang-ar")
        page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "ar"
    return page, errors


def _roster_id(app: Flask) -> int:
    from web.app.extensions import db
    from web.app.models import RosterVersion

    with app.app_context():
        return int(db.session.scalars(db.select(RosterVersion.id)).one())


def _focused_cell(page: Any) -> Any:
    return page.evaluate(
        """() => { const b = document.activeElement;
                   const td = b && b.matches('button.cell-edit') ? b.closest('td') : null;
                   return td ? { agent: td.dataset.agent, date: td.dataset.date,
                                 start: td.dataset.start || '' } : null; }"""
    )


def test_a_shift_is_edited_with_the_keyboard_only(
    browser: Any, published_server: tuple[str, Flask], h: Any
) -> None:
    base, app = published_server
    page, errors = _arabic_planner(browser, base, h.PASSWORD)
    rid = _roster_id(app)
    page.goto(f"{base}/roster/{rid}")
    page.wait_for_selector("#roster-grid button.cell-edit")
    # Tab from the top of the page to A1's first day
    page.locator("body").focus()
    for _ in range(200):
        page.keyboard.press("Tab")
        cell = _focused_cell(page)
        if cell and cell["agent"] == "A1" and cell["date"] == h.PLAN_START:
            break
    else:
        pytest.fail("Tab never reached A1's first day in the roster grid")
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert "A1" in label and "تعديل" in label
    # Enter opens the editor; Escape closes it and gives the focus back to the cell
    page.keyboard.press("Enter")
    page.wait_for_selector("#edit-dialog[open]")
    assert page.evaluate("document.activeElement.name") == "start"
    page.keyboard.press("Escape")
    page.wait_for_selector("#edit-dialog:not([open])", state="attached")
    assert _focused_cell(page) == cell
    # again, and this time edit: 10:00 (an allowed start of the day shift), on the phones
    page.keyboard.press("Enter")
    page.wait_for_selector("#edit-dialog[open]")
    page.locator(":focus").fill("10:00")
    seen: list[str] = []  # start (its hour and minute fields) -> shift type -> channel -> day off
    while page.evaluate("document.activeElement.name") != "day_off" and len(seen) < 8:
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.name"))
    assert seen[-1] == "day_off" and {"shift_type", "channel"} <= set(seen), seen
    if page.evaluate("document.activeElement.checked"):
        page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#roster-grid")
    flash = page.locator(".flash").first.inner_text()
    assert "مدقق القواعد" in flash, flash
    assert _focused_cell(page)["date"] == h.PLAN_START  # the focus is back on the cell
    edited = page.locator(f'td[data-agent="A1"][data-date="{h.PLAN_START}"]')
    assert edited.get_attribute("data-start") == "10:00"
    assert "locked" in (edited.get_attribute("class") or "")
    # the cell's time range reads left to right inside the Arabic page: 10:00 first
    times = edited.locator(".t bdi").inner_text()
    assert re.fullmatch(r"10:00–\d\d:\d\d", times), times
    page.screenshot(path=str(artifacts() / "ar-roster-keyboard.png"), full_page=False)
    assert errors == [], errors


ARABIC = re.compile(r"[\u0600-\u06ff]")


def test_chart_time_axes_are_in_arabic(
    browser: Any, published_server: tuple[str, Flask], h: Any
) -> None:
    base, app = published_server
    page, errors = _arabic_planner(browser, base, h.PASSWORD)
    page.goto(f"{base}/roster/{_roster_id(app)}")
    page.wait_for_function(
        "() => { const c = document.querySelector('#coverage canvas');"
        " const g = c && Chart.getChart(c); return g && g.scales.x.ticks.length; }"
    )
    ticks: list[str] = page.evaluate(
        "() => Chart.getChart(document.querySelector('#coverage canvas'))"
        ".scales.x.ticks.map((t) => String(t.label))"
    )
    assert len(ticks) >= 3, ticks
    assert all(not re.search(r"[A-Za-z]", t) for t in ticks), ticks  # no "Mon", no "Oct"
    assert ARABIC.search(ticks[0]) and "الاثنين" in ticks[0], ticks  # 27 Oct 2025 is a Monday
    assert all(re.search(r"[0-9\u0660-\u0669]{2}:[0-9\u0660-\u0669]{2}", t) for t in ticks), ticks
    x_reversed = page.evaluate(
        "() => Chart.getChart(document.querySelector('#coverage canvas')).scales.x.options.reverse"
    )
    assert x_reversed is True  # time runs right to left
    assert errors == [], errors


PAGES = [
    "/planner",
    "/history",
    "/history/1",
    "/forecast",
    "/forecast/1",
    "/requirements",
    "/requirements/1",
    "/roster",
    "/roster/{rid}",
    "/rules",
    "/jobs/1",
    "/audit",
    "/manager",
    "/approvals",
]


@pytest.mark.parametrize("width", [1366, 360])
def test_my_screens_in_arabic_fit_and_align_their_numbers(
    browser: Any, published_server: tuple[str, Flask], h: Any, width: int
) -> None:
    base, app = published_server
    page, errors = _arabic_planner(browser, base, h.PASSWORD, width)
    rid = _roster_id(app)
    wide = []
    for path in PAGES:
        page.goto(base + path.format(rid=rid))
        page.wait_for_load_state("networkidle")
        over = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if over > 1:  # name the widest elements that stick out
            culprits = page.evaluate(
                """() => { const w = document.documentElement.clientWidth;
                  return [...document.querySelectorAll('body *')]
                    .filter((e) => { const r = e.getBoundingClientRect();
                                     return r.width && (r.right > w + 1 || r.left < -1); })
                    .filter((e) => !e.parentElement.closest('.scroll-x, .roster-wrap'))
                    .slice(0, 4).map((e) => e.tagName + '#' + e.id + '.' + e.className); }"""
            )
            wide.append((path, over, culprits))
        # a number sits on the same side of its column as the column's header
        misaligned = page.evaluate(
            """() => [...document.querySelectorAll('table')].flatMap((t) => {
                 const head = t.rows[0];
                 return [...t.querySelectorAll('td.num')].filter((td) => {
                   const th = head && head.cells[td.cellIndex];
                   return th && th.tagName === 'TH' &&
                     getComputedStyle(th).textAlign !== getComputedStyle(td).textAlign; })
                   .map((td) => t.id + ':' + head.cells[td.cellIndex].textContent.trim()); })"""
        )
        if misaligned:
            wide.append((path, "misaligned", sorted(set(misaligned))))
        name = "ar-" + path.strip("/").replace("/", "-").replace("{rid}", "r") + f"-{width}.png"
        page.screenshot(path=str(artifacts() / name), full_page=True)
    assert wide == [], wide
    assert errors == [], errors
