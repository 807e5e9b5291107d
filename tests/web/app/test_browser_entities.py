"""The service per entity in a real browser (#19): the planner's path to the worst entity.

A planner opens the week, follows *Service per entity*, picks the first row (the worst gap)
and reaches its forecast, requirements and coverage; a manager previews a stricter target and
saves it. No CSP violation, no console error, nothing wider than a phone's screen; the
screenshots go to tests/artifacts/. Skipped when ``/usr/bin/chromium`` is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.web.app.browser_support import artifacts, chromium
from tests.web.app.test_browser_csp import WATCH
from tests.web.app.test_browser_pages import _overflow
from tests.web.app.test_manager_entities import entity_app  # noqa: F401  (the fixture)

TIMEOUT_MS = 60_000


@pytest.fixture()
def served(entity_app: tuple[Flask, int], h: Any) -> Iterator[tuple[str, Flask]]:  # noqa: F811
    app, _rid = entity_app
    with h.serve_in_thread(app) as url:
        yield url, app


def _sign_in(page: Any, base: str, who: str, password: str) -> None:
    page.goto(base + "/login")
    page.fill("#username", who)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_the_planner_reaches_the_worst_entity_and_the_manager_tightens_it(
    served: tuple[str, Flask], h: Any
) -> None:
    base, _app = served
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        context.add_init_script(WATCH)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        _sign_in(page, base, "planner", h.PASSWORD)
        page.goto(base + "/planner")
        page.click("#entity-service-link a")
        page.wait_for_url(re.compile(r"/entities/service$"))
        worst = page.get_attribute("#entity-service tr[data-entity] >> nth=0", "data-entity")
        page.screenshot(path=str(artifacts() / "m19-entities-en-1366.png"), full_page=True)
        page.click("#entity-service tr[data-entity] >> nth=0 >> a")
        page.wait_for_url(re.compile(rf"/entities/service/{worst}$"))
        assert page.locator("#entity-queues tr[data-queue]").count() >= 1
        links = [
            page.get_attribute(link, "href") or ""
            for link in ("#link-forecast", "#link-requirements", "#link-roster")
        ]
        page.screenshot(path=str(artifacts() / "m19-entity-en-1366.png"), full_page=True)
        for href in links:
            assert f"scope=entity:{worst}" in href.replace("%3A", ":"), href
            response = page.goto(base + href)
            assert response is not None and response.status == 200, href
        context.clear_cookies()

        _sign_in(page, base, "manager", h.PASSWORD)
        page.goto(base + "/entities/service/dha")
        page.fill("input[name='voice.service_level']", "0.97")
        page.click("#entity-whatif")
        page.wait_for_selector("#whatif-effect tr[data-row=center]")
        assert page.locator("#whatif-effect tr[data-row='other:rta']").count() == 1
        page.screenshot(path=str(artifacts() / "m19-entity-whatif-en-1366.png"), full_page=True)
        page.click("#entity-targets-save")
        page.wait_for_url(re.compile(r"/entities/service/dha$"))
        assert page.input_value("input[name='voice.service_level']") == "0.97"

        page.goto(base + "/entities/service")
        page.click("form.lang button")  # the header's language switch
        page.wait_for_load_state("networkidle")
        for path in ("/entities/service", "/entities/service/dha"):
            page.goto(base + path)
            assert page.get_attribute("html", "dir") == "rtl"
            page.set_viewport_size({"width": 390, "height": 844})
            name = path.strip("/").replace("/", "-")
            page.screenshot(path=str(artifacts() / f"m19-{name}-ar-390.png"), full_page=True)
            assert _overflow(page) is None, (path, _overflow(page))
            page.set_viewport_size({"width": 1366, "height": 900})
        violations = page.evaluate("() => window.__csp")
        assert violations == [] and errors == [], (violations, errors)
        context.close()
