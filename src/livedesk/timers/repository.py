"""Queries on timer rows."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select, update

from livedesk.kit.db import DbRow
from livedesk.kit.ids import new_id
from livedesk.models import Timer


def schedule(conn: Connection, kind: str, subject_id: str, due_at: int, now: int) -> None:
    """Set the (kind, subject) timer to `due_at`, replacing an earlier setting."""
    moved = conn.execute(
        update(Timer)
        .where(Timer.kind == kind, Timer.subject_id == subject_id)
        .values(due_at=due_at)
    ).rowcount
    if not moved:
        conn.execute(
            insert(Timer).values(
                id=new_id(), kind=kind, subject_id=subject_id, due_at=due_at, created_at=now
            )
        )


def cancel(conn: Connection, kind: str, subject_id: str) -> None:
    conn.execute(delete(Timer).where(Timer.kind == kind, Timer.subject_id == subject_id))


def claim_due(conn: Connection, now: int, limit: int, *, skip_locked: bool) -> list[DbRow]:
    """Due timers, oldest first, locked until commit; other schedulers skip them (PostgreSQL)."""
    query = select(Timer).where(Timer.due_at <= now).order_by(Timer.due_at, Timer.id).limit(limit)
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    return list(conn.execute(query))


def remove(conn: Connection, timer_id: str) -> bool:
    return conn.execute(delete(Timer).where(Timer.id == timer_id)).rowcount == 1


def postpone(conn: Connection, timer_id: str, due_at: int) -> None:
    conn.execute(update(Timer).where(Timer.id == timer_id).values(due_at=due_at))


def next_due(conn: Connection) -> int | None:
    value = conn.execute(select(Timer.due_at).order_by(Timer.due_at).limit(1)).scalar()
    return int(value) if value is not None else None
