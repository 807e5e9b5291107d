"""The pages under the strict Content-Security-Policy, in a real browser (issue #17).

Chromium reports every CSP violation (a refused inline script, handler, style attribute or
remote fetch) as a console error and a ``securitypolicyviolation`` event; both fail the test.
Every page with a chart must still draw it (Chart.js has a chart on each canvas), and the
former inline handlers (the roster cell editor, the dialog's Close, the forecast series menu,
the job page's polling) must still work.

Skipped when ``/usr/bin/chromium`` is missing, except under ``CI``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.web.app.browser_support import chromium

TIMEOUT_MS = 60_000

#: Records violations from inside the page (the console may summarise them).
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


@pytest.fixture()
def browser_page(
    published_server: tuple[str, Flask],
) -> Iterator[tuple[Any, str, list[str]]]:
    url, _app = published_server
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.add_init_script(WATCH)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        yield page, url, errors
        context.close()


def _charts_drawn(page: Any, expected: int) -> None:
    page.wait_for_function(
        """(n) => {
          const canvases = [...document.querySelectorAll("canvas")];
          return canvases.length >= n && canvases.every((c) => {
            const chart = Chart.getChart(c);
            return chart && chart.data.datasets.length > 0 && c.width > 0 && c.height > 0;
          });
        }""",
        arg=expected,
    )


def test_pages_with_charts_render_under_the_csp(
    browser_page: tuple[Any, str, list[str]], published_app: Flask, h: Any
) -> None:
    from web.app.extensions import db
    from web.app.models import ForecastVersion, HistoryUpload, Job, RequirementSet, RosterVersion

    page, base, errors = browser_page
    with published_app.app_context():
        ids = {
            m.__name__: db.session.scalars(db.select(m.id).order_by(m.id)).first()
            for m in (HistoryUpload, ForecastVersion, RequirementSet, RosterVersion, Job)
        }
    page.goto(base + "/login")
    page.fill("#username", "planner")
    page.fill("#password", h.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/planner$"))

    page.goto(f"{base}/history/{ids['HistoryUpload']}")
    _charts_drawn(page, 1)
    page.goto(f"{base}/requirements/{ids['RequirementSet']}")
    _charts_drawn(page, 1)
    assert page.eval_on_selector(".chart.tall", "e => e.getBoundingClientRect().height") == 360

    page.goto(f"{base}/forecast/{ids['ForecastVersion']}")
    _charts_drawn(page, 1)
    options = page.eval_on_selector_all("select[name=scope] option", "o => o.map(x => x.value)")
    assert len(options) >= 2  # the center and each channel (the scope picker, #19)
    page.select_option("select[name=scope]", options[-1])  # submits itself (data-autosubmit)
    page.wait_for_url(re.compile(r"scope="))
    _charts_drawn(page, 1)

    page.goto(f"{base}/roster/{ids['RosterVersion']}")
    _charts_drawn(page, 2)  # one coverage chart per channel
    page.click("#roster-grid [data-edit-shift] >> nth=3")
    assert page.eval_on_selector("#edit-dialog", "d => d.open")
    assert page.input_value("#edit-dialog input[name=agent_id]") != ""
    page.click("#edit-dialog [data-close-dialog]")
    assert not page.eval_on_selector("#edit-dialog", "d => d.open")

    # a finished job's page polls once and goes on to the result (pollJob, started by app.js)
    page.goto(f"{base}/jobs/{ids['Job']}")
    page.wait_for_url(re.compile(r"/(history|forecast|requirements|roster)/\d+"))

    paths = ("/planner", "/agents", "/settings", "/audit", "/rules")
    for path in (*paths, "/settings/entities", "/settings/entities/new", "/settings/queue-map"):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")

    page.goto(base + "/targets")
    page.wait_for_function("() => document.querySelector('#whatif-week tbody tr') !== null")
    violations = page.evaluate("() => window.__csp")
    assert violations == [] and errors == [], (violations, errors)
