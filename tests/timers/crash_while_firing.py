"""Run by test_restart.py in a child process: fire due timers, and die by SIGKILL in the middle
of the first firing (its writes done, its commit not)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from sqlalchemy import Connection

from livedesk.conversations.inactivity import INACTIVITY
from livedesk.conversations.timeouts import on_inactivity_timeout
from livedesk.kit.clock import FakeClock
from livedesk.kit.db import Database
from livedesk.timers.scheduler import Scheduler


def crashing(conn: Connection, session_id: str, now: int) -> None:
    on_inactivity_timeout(conn, session_id, now)
    print("fired, not committed", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


async def main(url: str, now_ms: int) -> None:
    db = Database(url)
    scheduler = Scheduler(db, FakeClock(now_ms))
    scheduler.register(INACTIVITY, crashing)
    await scheduler.run_due()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
