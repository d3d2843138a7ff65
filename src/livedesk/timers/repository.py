"""Queries on timer rows."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select, update

from livedesk.kit import sql
from livedesk.kit.db import DbRow
from livedesk.kit.ids import new_id
from livedesk.kit.sql import Sql
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


# These run on every message: on the driver (see kit.sql).
_INSERT = Sql(
    "INSERT INTO timers (id, kind, subject_id, due_at, created_at)"
    " VALUES (:id, :kind, :subject_id, :due_at, :created_at)"
)
_EXISTS = Sql("SELECT id FROM timers WHERE kind = :kind AND subject_id = :subject_id")
_CANCEL = Sql("DELETE FROM timers WHERE kind = :kind AND subject_id = :subject_id")


def add(conn: Connection, kind: str, subject_id: str, due_at: int, now: int) -> None:
    """A timer for a subject that has none yet (a new work item): one insert."""
    sql.run(
        conn,
        _INSERT,
        {
            "id": new_id(),
            "kind": kind,
            "subject_id": subject_id,
            "due_at": due_at,
            "created_at": now,
        },
    )


def exists(conn: Connection, kind: str, subject_id: str) -> bool:
    return sql.one(conn, _EXISTS, {"kind": kind, "subject_id": subject_id}) is not None


def cancel(conn: Connection, kind: str, subject_id: str) -> None:
    sql.run(conn, _CANCEL, {"kind": kind, "subject_id": subject_id})


def due_ids(conn: Connection, now: int, limit: int) -> list[str]:
    query = select(Timer.id).where(Timer.due_at <= now).order_by(Timer.due_at, Timer.id)
    return list(conn.execute(query.limit(limit)).scalars())


def claim(conn: Connection, timer_id: str, now: int, *, skip_locked: bool) -> DbRow | None:
    """The timer if it is still due and nobody else holds it; locked until commit."""
    query = select(Timer).where(Timer.id == timer_id, Timer.due_at <= now)
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    return conn.execute(query).first()


def remove(conn: Connection, timer_id: str) -> bool:
    return conn.execute(delete(Timer).where(Timer.id == timer_id)).rowcount == 1


def postpone(conn: Connection, timer_id: str, due_at: int) -> None:
    conn.execute(update(Timer).where(Timer.id == timer_id).values(due_at=due_at))
