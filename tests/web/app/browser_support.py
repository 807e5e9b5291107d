"""What the browser tests share: Debian's Chromium through Playwright, and the screenshots' folder.

``from tests.web.app.browser_support import artifacts, chromium`` (the test modules are imported
with ``--import-mode=importlib``, so the conftest's functions are not importable by name).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

#: Debian's Chromium, which the browser tests drive through Playwright (``.ci/run`` installs it).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (Playwright's ``Browser``); skipped without it, except under ``CI``."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing (.ci/run installs Debian's chromium)")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def artifacts() -> Path:
    """Where the browser tests put their screenshots: ``$WFM_ARTIFACTS`` or ``tests/artifacts``."""
    folder = Path(os.environ.get("WFM_ARTIFACTS") or Path(__file__).parents[2] / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
