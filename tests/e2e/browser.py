"""Debian's Chromium for the browser tests (never `playwright install`): the skip mark, and the
`browser` fixture (tests/e2e/conftest.py)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
NEEDS_CHROMIUM = pytest.mark.skipif(
    shutil.which("chromium") is None and not shutil.which(CHROMIUM),
    reason="Debian's chromium is not installed (scripts/test installs it)",
)


async def launched() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        instance = await p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            yield instance
        finally:
            await instance.close()
