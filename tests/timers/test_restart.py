"""Timers survive restarts and crashes: due while the server was down, they fire once when it
is back; a process killed (SIGKILL) in the middle of a firing neither loses it nor fires it twice."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from livedesk.app import create_app
from livedesk.config import Settings
from livedesk.kit.clock import FakeClock
from tests.helpers import Api, Customer

HERE = Path(__file__).parent


async def inactive_notices(app: FastAPI, session_id: str) -> int:
    from sqlalchemy import func, select

    from livedesk.models import ConversationEntry

    def count(conn: Any) -> int:
        return int(
            conn.execute(
                select(func.count()).where(
                    ConversationEntry.session_id == session_id,
                    ConversationEntry.entry_type == "SessionStatusChanged",
                    ConversationEntry.payload["sessionStatus"].as_string() == "Inactive",
                )
            ).scalar_one()
        )

    return await app.state.container.db.read(count)


async def replied_chat(api: Api) -> Customer:
    """A chat where the agent has replied: its customer-inactivity timer runs (5 minutes)."""
    ada = await api.agent("ada")
    await ada.presence("Online")
    customer = await api.waiting_customer()
    [offer] = await ada.work("Assigned")
    await ada.answer(offer["workId"])
    r = await ada.act(customer.session_id or "", actionType="sendMessage", message="hello")
    assert r.status_code == 200
    return customer


async def test_a_timer_due_while_the_server_was_down_fires_once_after_it_starts(
    api: Api, app: FastAPI, settings: Settings, clock: FakeClock
) -> None:
    customer = await replied_chat(api)
    sid = customer.session_id or ""
    clock.advance(10 * 60)  # the "server" is down: nothing fires
    assert await inactive_notices(app, sid) == 0
    restarted = create_app(settings, clock)
    async with restarted.router.lifespan_context(restarted):  # its scheduler loop fires at start
        for _ in range(100):
            if await inactive_notices(restarted, sid):
                break
            await asyncio.sleep(0.05)
        await restarted.state.container.scheduler.run_due()
        await app.state.container.scheduler.run_due()
        assert await inactive_notices(restarted, sid) == 1


async def test_a_crash_in_the_middle_of_a_firing_neither_loses_nor_repeats_it(
    api: Api, app: FastAPI, settings: Settings, clock: FakeClock
) -> None:
    customer = await replied_chat(api)
    sid = customer.session_id or ""
    clock.advance(5 * 60)
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        str(HERE / "crash_while_firing.py"),
        settings.resolved_database_url(),
        str(clock.now_ms()),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode == -9, stderr.decode()
    assert "fired, not committed" in stdout.decode()
    assert await inactive_notices(app, sid) == 0  # nothing of the killed firing remains
    await app.state.container.scheduler.run_due()
    await app.state.container.scheduler.run_due()
    assert await inactive_notices(app, sid) == 1
