"""A real browser, part 3 (issue #17): no page scrolls sideways, in English and Arabic.

Signed in as each role, the test visits every page the role can reach (the GET routes of
``app.url_map`` without parameters that the role is allowed, plus the pages of the seeded
center's ids), in English and Arabic, on a 1366 x 900 desktop and a 360 x 740 phone, and fails
on sideways scroll (``scrollWidth > innerWidth``), naming the page. One browser, one context
per role, one load per page and language (the viewport is then narrowed in place).

Also: every input of the targets editor sits inside its channel's fieldset (both sizes), and the
what-if shows an error with a sign-in link when the session has expired.

Pages of other branches that still overflow are listed in :data:`OTHER_BRANCHES` and checked by
an ``xfail`` test (remove the entries once those branches are merged).

Skipped when ``/usr/bin/chromium`` is missing, except under ``CI``; ``.ci/run`` installs
``fonts-noto-core`` so that the layout is measured with the same fonts everywhere.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.web.app.browser_support import artifacts, chromium

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 360, "height": 740}
ROLES = ("admin", "planner", "manager", "agent")
#: Routes that are not pages (files, JSON, the public feed, the front door's redirect).
NOT_PAGES = ("/api/", "/static/", "/feed/")
LONG_NAME = "Khalid Abdulrahman Mohammed bin Rashid Al-Mansouri Al-Hashimi Al-Qasimi"
#: Pages of this branch kept as screenshots (``p3-<role>-<lang>-<size>-<page>.png``).
SHOTS = frozenset({"/agents", "/agents/new", "/settings", "/me/time-off", "/me/trades"})
#: Pages of other branches (issue #17) that overflowed at 360 px when this test was written:
#: path -> the branch that fixes it. Remove an entry after merging that branch.
OTHER_BRANCHES: dict[str, str] = {}


@dataclass
class Survey:
    """The live server and the browser's signed-in contexts, and what was measured on them.

    ``overflow`` maps ``(role, lang, size, path)`` to ``'W px wide on a I px screen'``.
    """

    base: str
    app: Flask
    browser: Any
    password: str
    visited: set[tuple[str, str, str, str]] = field(default_factory=set)
    overflow: dict[tuple[str, str, str, str], str] = field(default_factory=dict)
    contexts: dict[str, Any] = field(default_factory=dict)

    def context(self, role: str) -> Any:
        """The browser context signed in as ``role`` (made on first use)."""
        if role not in self.contexts:
            context = self.browser.new_context(viewport=DESKTOP, locale="en")
            page = context.new_page()
            page.goto(self.base + "/login")
            page.fill("#username", role)
            page.fill("#password", self.password)
            page.click("form button[type=submit]")
            page.wait_for_load_state("load")
            page.close()
            self.contexts[role] = context
        return self.contexts[role]

    def language(self, role: str, lang: str) -> None:
        """Store ``lang`` as ``role``'s interface language."""
        context = self.context(role)
        page = context.new_page()
        page.goto(self.base + "/planner" if role != "agent" else self.base + "/me")
        token = page.locator("meta[name=csrf-token]").get_attribute("content")
        page.close()
        answer = context.request.post(
            self.base + "/language", form={"locale": lang, "csrf_token": token}
        )
        assert answer.ok

    def measure(self, roles: tuple[str, ...], langs: tuple[str, ...]) -> None:
        """Visit each role's pages in each language, wide then narrow; record overflows."""
        for role in roles:
            context = self.context(role)
            for lang in langs:
                if all((role, lang, "360", p) in self.visited for p in pages_for(self.app, role)):
                    continue
                self.language(role, lang)
                page = context.new_page()
                for path in pages_for(self.app, role):
                    page.set_viewport_size(DESKTOP)
                    page.goto(self.base + path, wait_until="networkidle")
                    assert page.locator("html").get_attribute("lang") == lang, path
                    for label, size in (("1366", DESKTOP), ("360", PHONE)):
                        page.set_viewport_size(size)
                        _settle(page)
                        key = (role, lang, label, path)
                        self.visited.add(key)
                        problem = _overflow(page)
                        if path in SHOTS:
                            shot = f"p3-{role}-{lang}-{label}{path.replace('/', '-')}.png"
                            page.screenshot(path=str(artifacts() / shot), full_page=True)
                        if problem:
                            self.overflow[key] = problem
                            name = f"p3-overflow-{role}-{lang}-{label}{path.replace('/', '-')}"
                            page.screenshot(path=str(artifacts() / f"{name}.png"))
                page.close()


def pages_for(app: Flask, role: str) -> list[str]:
    """The pages ``role`` may open: parameterless GET routes plus the center's ids."""
    from web.app.extensions import db
    from web.app.models import (
        Agent,
        ForecastVersion,
        HistoryUpload,
        Job,
        RequirementSet,
        RosterVersion,
    )

    paths = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, "allowed_roles", None)
        if "GET" not in (rule.methods or ()) or rule.arguments or roles is None:
            continue
        if role not in roles or rule.rule.startswith(NOT_PAGES) or "." in rule.rule:
            continue
        paths.append(rule.rule)
    if role != "agent":
        with app.app_context():
            for model, pattern in (
                (HistoryUpload, "/history/{}"),
                (ForecastVersion, "/forecast/{}"),
                (RequirementSet, "/requirements/{}"),
                (RosterVersion, "/roster/{}"),
                (Job, "/jobs/{}"),
            ):
                first = db.session.scalars(db.select(model.id).order_by(model.id)).first()
                assert first is not None, model
                paths.append(pattern.format(first))
            if role in ("admin", "planner"):
                agent = db.session.scalars(db.select(Agent.id).order_by(Agent.id)).first()
                paths.append(f"/agents/{agent}/edit")
    return sorted(paths)


def _overflow(page: Any) -> str | None:
    """``None``, or how wide the page is and the outermost elements that stick out."""
    width, inner, culprits = page.evaluate(
        """() => {
          const inner = window.innerWidth, out = [];
          const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
            (el.classList.length ? "." + [...el.classList].join(".") : "");
          for (const el of document.body.querySelectorAll("*")) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || (r.left >= -1 && r.right <= inner + 1)) continue;
            const p = el.parentElement, q = p && p.getBoundingClientRect();
            if (q && (q.left < -1 || q.right > inner + 1)) continue;  // its parent sticks out
            out.push(name(el) + " " + Math.round(r.width) + " px");
          }
          return [document.documentElement.scrollWidth, inner, out.slice(0, 4)];
        }"""
    )
    if width <= inner:
        return None
    return f"{width} px wide on a {inner} px screen ({', '.join(culprits)})"


def _settle(page: Any) -> None:
    page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


@pytest.fixture(scope="module")
def survey(
    tmp_path_factory: pytest.TempPathFactory, published_database: Path, h: Any
) -> Iterator[Survey]:
    """The published center on a live server and one headless Chromium, for the module."""
    instance = tmp_path_factory.mktemp("pages") / "instance"
    instance.mkdir()
    shutil.copyfile(published_database, instance / "wfm.sqlite3")
    app = h.make_app(instance)
    with app.app_context():  # a colleague's long name once made the trades form 494 px wide
        from web.app.extensions import db
        from web.app.models import Agent

        colleague = db.session.scalars(db.select(Agent).filter_by(agent_id="A6")).one()
        colleague.name = LONG_NAME
        db.session.commit()
    with h.serve_in_thread(app) as base, chromium() as browser:
        result = Survey(base, app, browser, h.PASSWORD)
        yield result
        for context in result.contexts.values():
            context.close()


def _report(rows: dict[tuple[str, str, str, str], str]) -> str:
    return "\n".join(
        f"{path} ({role}, {lang}, {size} px): {what}"
        for (role, lang, size, path), what in sorted(rows.items(), key=lambda kv: kv[0][3])
    )


def _check(survey: Survey, roles: tuple[str, ...], langs: tuple[str, ...]) -> None:
    survey.measure(roles, langs)
    for role in roles:
        paths = {k[3] for k in survey.visited if k[0] == role}
        assert len(paths) >= (5 if role == "agent" else 17), sorted(paths)
    bad = {
        k: v
        for k, v in survey.overflow.items()
        if k[0] in roles and k[1] in langs and k[3] not in OTHER_BRANCHES
    }
    assert not bad, "pages that scroll sideways:\n" + _report(bad)


@pytest.mark.parametrize("role", ["planner", "agent"])
def test_no_page_scrolls_sideways_in_arabic(survey: Survey, role: str) -> None:
    """The default run's subset: the planner's and the agent's pages, in Arabic."""
    _check(survey, (role,), ("ar",))


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_no_page_scrolls_sideways(survey: Survey, role: str) -> None:
    """Every role, both languages (about two minutes on two cores)."""
    _check(survey, (role,), ("en", "ar"))


@pytest.mark.xfail(
    bool(OTHER_BRANCHES),
    reason="pages of branch ar (issue #17): "
    + ", ".join(sorted(OTHER_BRANCHES))
    + "; remove from OTHER_BRANCHES after merging it",
    strict=False,
)
def test_other_branches_pages_do_not_scroll_sideways(survey: Survey) -> None:
    survey.measure(("planner",), ("ar",))
    bad = {k: v for k, v in survey.overflow.items() if k[3] in OTHER_BRANCHES}
    assert not bad, "pages that scroll sideways:\n" + _report(bad)


def test_the_sign_in_page_fits_a_phone(survey: Survey) -> None:
    context = survey.browser.new_context(
        viewport=PHONE, locale="en", extra_http_headers={"Accept-Language": "en"}
    )
    page = context.new_page()
    page.goto(survey.base + "/login")
    assert page.locator("html").get_attribute("lang") == "en"
    page.click("#lang-ar")
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert _overflow(page) is None
    page.screenshot(path=str(artifacts() / "p3-login-ar-phone.png"), full_page=True)
    context.close()


def test_each_targets_input_sits_inside_its_fieldset(survey: Survey) -> None:
    page = survey.context("manager").new_page()
    for lang in ("en", "ar"):
        survey.language("manager", lang)
        for label, size in (("1366", DESKTOP), ("360", PHONE)):
            page.set_viewport_size(size)
            page.goto(survey.base + "/targets", wait_until="networkidle")
            outside = page.evaluate(
                """() => {
                  const out = [];
                  document.querySelectorAll("#targets-form fieldset.channel").forEach((fs) => {
                    const box = fs.getBoundingClientRect();
                    fs.querySelectorAll("input, select, label").forEach((el) => {
                      const r = el.getBoundingClientRect();
                      if (r.left < box.left - 0.5 || r.right > box.right + 0.5 ||
                          r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) {
                        out.push(fs.dataset.channel + ": " + (el.id || el.htmlFor));
                      }
                    });
                  });
                  const boxes = [...document.querySelectorAll("#targets-form fieldset.channel")]
                    .map((fs) => fs.getBoundingClientRect());
                  boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b) => {
                    const across = a.left < b.right && b.left < a.right;
                    if (across && a.top < b.bottom && b.top < a.bottom) out.push("overlap");
                  }));
                  return out;
                }"""
            )
            page.screenshot(
                path=str(artifacts() / f"p3-targets-{lang}-{label}.png"), full_page=True
            )
            assert outside == [], f"/targets ({lang}, {label} px): {outside}"
            assert page.locator("#targets-form fieldset.channel").count() == 2
            assert _overflow(page) is None
    page.close()


def test_the_what_if_shows_an_expired_session(survey: Survey) -> None:
    survey.language("manager", "en")
    context = survey.browser.new_context(viewport=DESKTOP, locale="en")
    page = context.new_page()
    page.goto(survey.base + "/login")
    page.fill("#username", "manager")
    page.fill("#password", survey.password)
    page.click("form button[type=submit]")
    page.wait_for_load_state("load")
    page.goto(survey.base + "/targets")
    page.wait_for_function("() => document.querySelector('#targets-form').dataset.whatifSeq")
    context.clear_cookies()  # the session expires
    page.fill("[id='voice.service_level']", "0.9")
    link = page.locator("#whatif-error #whatif-sign-in")
    link.wait_for(state="visible")
    assert "session has expired" in page.locator("#whatif-error").inner_text()
    assert page.locator("#whatif-state").inner_text() == ""  # not "…" for good
    assert link.get_attribute("href") == "/login?next=/targets"
    page.screenshot(path=str(artifacts() / "p3-whatif-expired-en-desktop.png"), full_page=True)
    link.click()
    page.wait_for_load_state("load")
    page.fill("#username", "manager")
    page.fill("#password", survey.password)
    page.click("form button[type=submit]")
    page.wait_for_url(survey.base + "/targets")
    context.close()


def test_a_long_colleague_name_does_not_widen_the_trades_form(survey: Survey) -> None:
    page = survey.context("agent").new_page()
    for lang in ("ar", "en"):
        survey.language("agent", lang)
        page.set_viewport_size(PHONE)
        page.goto(survey.base + "/me/trades", wait_until="load")
        assert LONG_NAME in page.locator("#taker").inner_text()
        assert _overflow(page) is None
        box = page.locator("#taker").bounding_box()
        assert box is not None and box["width"] <= PHONE["width"]
    page.close()


def test_the_agent_forms_date_picker_adds_unavailable_days(survey: Survey) -> None:
    survey.language("planner", "en")
    page = survey.context("planner").new_page()
    page.goto(survey.base + "/agents/new", wait_until="load")
    assert page.locator("#earliest_start").get_attribute("type") == "time"
    page.fill("#unavailable", "2025-11-10")
    page.fill("#unavailable-add", "2025-11-03")  # fires change: added, sorted, picker cleared
    page.fill("#unavailable-add", "2025-11-10")  # already there: not twice
    assert page.input_value("#unavailable") == "2025-11-03;2025-11-10"
    assert page.input_value("#unavailable-add") == ""
    page.close()
