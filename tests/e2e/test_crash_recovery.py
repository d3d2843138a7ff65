"""Crash recovery (issue 13): three kills with SIGKILL within a minute of chat, on SQLite, once
(the long version, and PostgreSQL, is `python -m tests.e2e.crash`; see its docstring)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.crash import run

pytestmark = pytest.mark.e2e


async def test_three_kills_lose_double_and_reorder_nothing(tmp_path: Path) -> None:
    report = await run(tmp_path, kills=3, seconds=40)
    assert report.problems == []
    assert report.kills == 3
    assert report.acknowledged > 100 and report.resumes >= 3 * 6  # six streams, each resumed
    assert report.timeouts >= 1  # the offer nobody answered timed out (30 s), and was told once
