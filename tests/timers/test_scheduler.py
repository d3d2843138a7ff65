"""Durable timers: each fires once, never early, a failing one does not hold the others back."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Connection

from livedesk.kit.clock import FakeClock
from livedesk.timers import repository
from livedesk.timers.scheduler import Scheduler


async def test_timers_fire_once_in_due_order_and_never_early(
    app: FastAPI, clock: FakeClock
) -> None:
    c = app.state.container
    fired: list[str] = []

    def handler(conn: Connection, subject: str, now: int) -> None:
        fired.append(subject)

    scheduler = Scheduler(c.db, clock)
    scheduler.register("test", handler)
    now = clock.now_ms()

    def schedule(conn: Connection) -> None:
        repository.schedule(conn, "test", "late", now + 20_000, now)
        repository.schedule(conn, "test", "early", now + 10_000, now)
        repository.schedule(conn, "test", "moved", now + 5_000, now)
        repository.schedule(conn, "test", "moved", now + 30_000, now)  # set again: moves it

    await c.db.transaction(schedule)
    assert await scheduler.run_due() == 0
    clock.advance(9.999)
    assert await scheduler.run_due() == 0
    clock.advance(10.001)
    assert await scheduler.run_due() == 2
    assert fired == ["early", "late"]
    assert await scheduler.run_due() == 0  # fired means gone
    clock.advance(10)
    await scheduler.run_due()
    assert fired == ["early", "late", "moved"]


async def test_a_failing_timer_is_retried_later_and_the_others_fire(
    app: FastAPI, clock: FakeClock
) -> None:
    c = app.state.container
    attempts: list[str] = []

    def handler(conn: Connection, subject: str, now: int) -> None:
        attempts.append(subject)
        if subject == "bad" and attempts.count("bad") == 1:
            raise RuntimeError("boom")

    scheduler = Scheduler(c.db, clock)
    scheduler.register("test", handler)
    now = clock.now_ms()

    def schedule(conn: Connection) -> None:
        repository.schedule(conn, "test", "bad", now, now)
        repository.schedule(conn, "test", "good", now + 1, now)

    await c.db.transaction(schedule)
    clock.advance(1)
    assert await scheduler.run_due() == 1
    assert attempts == ["bad", "good"]
    clock.advance(31)
    assert await scheduler.run_due() == 1
    assert attempts == ["bad", "good", "bad"]


async def test_timers_outlive_the_scheduler_that_set_them(app: FastAPI, clock: FakeClock) -> None:
    """A timer is a row: a scheduler started later (after a restart) fires it."""
    c = app.state.container
    now = clock.now_ms()
    await c.db.transaction(lambda conn: repository.schedule(conn, "test", "x", now + 1000, now))
    fired: list[str] = []
    later = Scheduler(c.db, clock)
    later.register("test", lambda conn, subject, now: fired.append(subject))
    clock.advance(60)
    assert await later.run_due() == 1 and fired == ["x"]
