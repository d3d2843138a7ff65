"""`livedesk demo` plays the co-work scenario against a server it starts, step by step."""

from __future__ import annotations

import asyncio
import sys

import pytest

pytestmark = pytest.mark.e2e


async def test_livedesk_demo_runs_the_co_work_scenario() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "livedesk",
        "demo",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(), 120)
    out = stdout.decode()
    assert proc.returncode == 0, stderr.decode() + out
    for line in (
        "the session waits in the Loans queue",
        "auto-response: Hi Lin, thanks for reaching out.",
        "Routing offers the session to Ada",
        "Lin's chat shows the form: What will the funds be used for?",
        "Ada's flow wakes up: Use of funds: 🛠 Renovation Work",
        "we have noted that the use of funds concerns 🛠 Renovation Work",
        "the Case now says Use_of_Funds__c = 🛠 Renovation Work",
        "Lin reads: Thank you for chatting with us.",
        "the survey: How did we do, Lin?; Lin rates the chat 5",
        "the session's answers: CSAT 5",
    ):
        assert line in out, out


async def test_livedesk_demo_says_clearly_when_the_server_is_not_there() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "livedesk",
        "demo",
        "--url",
        "http://127.0.0.1:9",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1 and "no LiveDesk answers at http://127.0.0.1:9" in stderr.decode()
