"""Headless Chromium for the page tests: one way to open a page that fails the test on any
JavaScript error, take a screenshot, and sign a staff member in to the console."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", shutil.which("chromium") or "/usr/bin/chromium")
TIMEOUT_MS = 20_000
DESKTOP = {"width": 1280, "height": 900}


@contextmanager
def chromium_page(shots: Path, **context: Any) -> Iterator[Any]:
    """A fresh browser and page (Indonesian locale, WIB); skips without Chromium, and fails
    the test if the page raised a JavaScript error."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set CHROMIUM_PATH)")
    shots.mkdir(parents=True, exist_ok=True)
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page_context = browser.new_context(viewport=DESKTOP, locale="id-ID",
                                           timezone_id="Asia/Jakarta", **context)
        page_context.set_default_timeout(TIMEOUT_MS)
        page = page_context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        browser.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def screenshot(page: Any, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def staff_log_in(page: Any, gateway: str, username: str, password: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{gateway}/petugas")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator("#menu-petugas")).to_be_visible()
