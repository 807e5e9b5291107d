"""A real browser.

Playwright drives Debian's Chromium (headless, no download) through the planner's week on a live
server (waitress in a thread, jobs in the app's own job thread).

It signs in as the planner, uploads the history, runs the forecast, requirements and roster
jobs from their pages (watching the progress page), edits one shift and reads the checker's
verdict, publishes, and downloads the Excel file. Every planner page is saved as a PNG in
``tests/artifacts/`` (or ``$WFM_ARTIFACTS``).

Skipped when ``/usr/bin/chromium`` is missing, except under ``CI`` (``.ci/run`` installs it).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.web.app.browser_support import artifacts, chromium

TIMEOUT_MS = 120_000


@pytest.fixture()
def live_server(tmp_path: Path, seeded_database: Path, h: Any) -> Iterator[tuple[str, Flask]]:
    """The app on a free loopback port, served by waitress, running jobs in its thread."""
    from web.app.jobs import start_worker_thread

    instance = tmp_path / "instance"
    instance.mkdir()
    shutil.copyfile(seeded_database, instance / "wfm.sqlite3")
    app = h.make_app(instance, JOB_POLL_S=0.2)
    start_worker_thread(app)
    with h.serve_in_thread(app) as url:
        yield url, app
    app.extensions["wfm_job_stop"].set()


@pytest.fixture()
def page(live_server: tuple[str, Flask]) -> Iterator[Any]:
    with chromium() as browser:
        context = browser.new_context(
            viewport={"width": 1400, "height": 1000}, accept_downloads=True
        )
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        yield page
        context.close()
        assert errors == [], f"errors in the browser console: {errors}"


def _shot(page: Any, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(artifacts() / f"{name}.png"), full_page=True)


def _wait_for_job_result(page: Any, pattern: str) -> None:
    """On a job page: watch the progress, then follow the redirect to the result."""
    assert re.search(r"/jobs/\d+$", page.url), page.url
    page.wait_for_url(re.compile(pattern), timeout=TIMEOUT_MS)


def test_planner_week_in_a_real_browser(
    page: Any, live_server: tuple[str, Flask], h: Any, tmp_path: Path
) -> None:
    base, _app = live_server
    history = tmp_path / "history.csv"
    history.write_text(h.history_csv(), encoding="utf-8")

    page.goto(base + "/")
    page.fill("#username", "planner")
    page.fill("#password", h.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/planner$"))
    _shot(page, "01-dashboard-empty")

    page.click("text=History")
    page.set_input_files("input[name=file]", str(history))
    page.click("text=Upload and validate")
    _wait_for_job_result(page, r"/history/\d+$")  # the upload runs as a job (#19)
    page.wait_for_selector("#history-chart")
    assert page.locator("table").first.inner_text().count("voice") >= 1
    _shot(page, "02-history")

    page.click("header >> text=Forecast")
    page.fill("input[name=start]", h.PLAN_START)
    page.fill("input[name=origins]", "1")
    page.click("text=Run the forecast")
    _wait_for_job_result(page, r"/forecast/\d+$")
    page.wait_for_selector("#forecast-chart")
    _shot(page, "03-forecast")

    page.click("text=Compute requirements from this forecast")
    _wait_for_job_result(page, r"/requirements/\d+$")
    assert "Daily totals" in page.content()
    _shot(page, "04-requirements")

    page.click("text=Go to the roster")
    page.select_option("select[name=time_limit_s]", "10")
    page.click("button:has-text('Generate')")
    page.wait_for_selector("#job-bar")
    try:  # the solver's first objective and bound, unless the small solve ends first
        page.wait_for_function(
            "document.getElementById('job-objective')?.textContent.trim() !== '-'", timeout=8000
        )
        _shot(page, "05-roster-job")
    except Exception:  # noqa: BLE001 - only the screenshot is lost
        pass
    _wait_for_job_result(page, r"/roster/\d+$")
    page.wait_for_selector("#roster-grid")
    assert "Rule checker: 0 violation(s)" in page.content()
    _shot(page, "06-roster")

    # edit one shift by hand: 14:00 is no allowed start; the checker says so
    page.click(f'td[data-agent="A1"][data-date="{h.PLAN_START}"]')
    page.fill("#edit-dialog input[name=start]", "14:00")
    page.uncheck("#edit-dialog input[name=day_off]")
    page.click("#edit-dialog button[type=submit]")
    page.wait_for_selector(".flash")
    flash = page.locator(".flash").first.inner_text()
    assert "Rule checker" in flash and "A1" in flash and "shift type" in flash, flash
    _shot(page, "07-roster-edited")

    # a day off of a chat-only agent: the editor offers only the agent's skills (#17)
    page.click('td.off[data-agent="A5"] >> nth=0')
    channel = page.locator("#edit-dialog select[name=channel]")
    assert channel.input_value() == "chat"
    assert page.locator("#edit-dialog select[name=channel] option[value=voice]").is_disabled()
    page.click("#edit-dialog button.secondary")

    # the checker faults it: publishing needs a reason, which the page then shows (#17)
    page.fill("#override-reason", "agreed with A1")
    page.click("#publish")
    page.wait_for_selector("text=Published by planner")
    assert page.locator("#roster-status").inner_text() == "published"
    assert "agreed with A1" in page.locator("#publish-override").inner_text()
    _shot(page, "08-roster-published")

    with page.expect_download() as info:
        page.click("#export-xlsx")
    path = tmp_path / "roster.xlsx"
    info.value.save_as(path)
    from openpyxl import load_workbook

    book = load_workbook(path)
    assert book.sheetnames == ["grid", "activities"]
    assert book["grid"].max_row == 7  # header + six agents

    for name, link in (
        ("09-agents", "Agents"),
        ("10-rules", "Rules"),
        ("11-settings", "Settings"),
        ("12-audit", "Audit"),
    ):
        page.click(f"header >> text={link}")
        page.wait_for_load_state("networkidle")
        _shot(page, name)
    assert "roster_published" in page.content()
    page.click("header >> text=Week")
    _shot(page, "13-dashboard-week")
