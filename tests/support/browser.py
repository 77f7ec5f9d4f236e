"""A real browser for the tests: Debian's chromium driven by Playwright, the two widths pages are
looked at (a desktop and a phone), and full-page screenshots in tests/screenshots/ for a reviewer."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip

# The widths every page must work at: a laptop, and a common phone (iPhone 12–15, CSS pixels).
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "is_mobile": True,
                         "has_touch": True, "device_scale_factor": 2}  # fmt: skip
WIDTHS = {"dator": DESKTOP, "telefon": PHONE}

SCREENSHOTS = Path(__file__).parents[1] / "screenshots"  # ignored by git; see docs/CONTRIBUTING.md


@contextmanager
def chromium() -> Iterator[Any]:
    """The browser, or a skip (a failure in CI) when chromium is not installed."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} missing: run `bash tests/clients/install.sh`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


def screenshot(page: Any, name: str) -> Path:
    """The whole page as `tests/screenshots/<name>.png`."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
