"""Queries for routing: waiting sessions, agents' load, work items, queue statistics."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, select, text, update

from livedesk.kit.db import DbRow
from livedesk.models import Agent, AgentWork, Conversation, MessagingSession, SessionStatus
from livedesk.routing.engine import AgentLoad, WaitingWork
from livedesk.routing.ewt import WINDOW_MS

LIVE = ("Assigned", "Opened")
PASSED_OVER = ("Declined", "TimedOut")


def lock_org_routing(conn: Connection, org_id: str) -> None:
    """Serialise routing decisions of one org until commit (PostgreSQL; SQLite has one writer)."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"route:{org_id}"}
        )


def waiting_work(
    conn: Connection, org_id: str, queues: set[str]
) -> tuple[list[WaitingWork], dict[str, DbRow]]:
    """Waiting sessions of the org in these queues that are not on offer right now, for the
    engine and as rows by id (an offer needs the row: no second read per offer)."""
    on_offer = select(AgentWork.session_id).where(
        AgentWork.status.in_(LIVE), AgentWork.org_id == org_id
    )
    rows = list(
        conn.execute(
            select(MessagingSession)
            .join(Conversation, Conversation.id == MessagingSession.conversation_id)
            .where(
                Conversation.org_id == org_id,
                MessagingSession.status == SessionStatus.WAITING,
                MessagingSession.queue_name.in_(sorted(queues)),
                MessagingSession.id.not_in(on_offer),
            )
        )
    )
    passed = passed_over(conn, [r.id for r in rows])
    works = [
        WaitingWork(
            session_id=r.id,
            queue=r.queue_name,
            priority=r.priority or 1,
            queued_at=r.queued_at or 0,
            weight=r.work_weight or 1,
            skills=frozenset(_skills(r.routing_attributes)),
            passed_over=frozenset(passed.get(r.id, ())),
        )
        for r in rows
    ]
    return works, {r.id: r for r in rows}


def _skills(attributes: dict[str, Any] | None) -> list[str]:
    value = (attributes or {}).get("skills")
    if isinstance(value, str):
        return [s.strip() for s in value.split(",") if s.strip()]
    return [str(s) for s in value] if isinstance(value, list) else []


def passed_over(conn: Connection, session_ids: list[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for chunk in _chunks(session_ids, 500):
        rows = conn.execute(
            select(AgentWork.session_id, AgentWork.agent_id).where(
                AgentWork.session_id.in_(chunk), AgentWork.status.in_(PASSED_OVER)
            )
        )
        for r in rows:
            found[r.session_id].add(r.agent_id)
    return found


def agent_loads(conn: Connection, org_id: str, *, online_only: bool = True) -> list[AgentLoad]:
    load = (
        select(
            AgentWork.agent_id,
            func.coalesce(func.sum(AgentWork.weight), 0).label("used"),
            func.count().label("active"),
        )
        .where(AgentWork.status.in_(LIVE), AgentWork.org_id == org_id)
        .group_by(AgentWork.agent_id)
        .subquery()
    )
    query = (
        select(
            Agent.id,
            Agent.capacity,
            Agent.queues,
            Agent.skills,
            Agent.idle_since,
            Agent.presence,
            load.c.used,
            load.c.active,
        )
        .outerjoin(load, load.c.agent_id == Agent.id)
        .where(Agent.org_id == org_id)
    )
    if online_only:
        query = query.where(Agent.presence == "Online")
    return [
        AgentLoad(
            agent_id=r.id,
            capacity=r.capacity,
            used=int(r.used or 0),
            active=int(r.active or 0),
            queues=frozenset(r.queues),
            idle_since=r.idle_since,
            online=r.presence == "Online",
            skills=frozenset(r.skills or ()),
        )
        for r in conn.execute(query)
    ]


def agent_load(conn: Connection, org_id: str, agent_id: str) -> AgentLoad | None:
    return next(
        (a for a in agent_loads(conn, org_id, online_only=False) if a.agent_id == agent_id), None
    )


_INSERT_WORK = insert(AgentWork)
_SET_POSITION = (
    update(MessagingSession)
    .where(MessagingSession.id == bindparam("b_id"))
    .values(queue_position=bindparam("b_position"))
)


def insert_work(conn: Connection, **values: Any) -> None:
    conn.execute(_INSERT_WORK, values)


def get_work(conn: Connection, work_id: str) -> DbRow | None:
    return conn.execute(select(AgentWork).where(AgentWork.id == work_id)).first()


def live_work_of_session(conn: Connection, session_id: str) -> DbRow | None:
    return conn.execute(
        select(AgentWork).where(AgentWork.session_id == session_id, AgentWork.status.in_(LIVE))
    ).first()


def work_of_agent(conn: Connection, agent_id: str, statuses: tuple[str, ...]) -> list[DbRow]:
    return list(
        conn.execute(
            select(AgentWork)
            .where(AgentWork.agent_id == agent_id, AgentWork.status.in_(statuses))
            .order_by(AgentWork.offered_at)
        )
    )


def assigned_work_of_agent(conn: Connection, agent_id: str) -> list[DbRow]:
    return list(
        conn.execute(
            select(AgentWork).where(AgentWork.agent_id == agent_id, AgentWork.status == "Assigned")
        )
    )


def set_work_status(
    conn: Connection, work_id: str, from_status: str, to_status: str, **values: Any
) -> bool:
    """Move a work item on only if it is still in `from_status` (a compare-and-set)."""
    result = conn.execute(
        update(AgentWork)
        .where(AgentWork.id == work_id, AgentWork.status == from_status)
        .values(status=to_status, **values)
    )
    return result.rowcount == 1


def set_work_waited(conn: Connection, work_id: str, waited_ms: int) -> None:
    conn.execute(update(AgentWork).where(AgentWork.id == work_id).values(waited_ms=waited_ms))


def waiting_count(conn: Connection, org_id: str, queue: str) -> int:
    return waiting_line(conn, org_id, queue)[0]


def waiting_line(conn: Connection, org_id: str, queue: str) -> tuple[int, int | None]:
    """How many sessions wait in the queue, and since when the oldest of them waits."""
    row = conn.execute(
        select(func.count(), func.min(MessagingSession.queued_at))
        .select_from(MessagingSession)
        .join(Conversation, Conversation.id == MessagingSession.conversation_id)
        .where(
            Conversation.org_id == org_id,
            MessagingSession.queue_name == queue,
            MessagingSession.status == SessionStatus.WAITING,
        )
    ).one()
    return int(row[0]), None if row[1] is None else int(row[1])


def active_weights(conn: Connection, org_id: str, agent_id: str | None = None) -> dict[str, int]:
    """The capacity each agent's Active sessions hold (their work weights), by agent (of the
    org, or only `agent_id`); an agent with none is not in it. (Routing's own load, in
    `agent_loads`, also counts the offers waiting for an answer.)"""
    query = (
        select(
            MessagingSession.agent_id,
            func.sum(func.coalesce(MessagingSession.work_weight, 1)),
        )
        .join(Conversation, Conversation.id == MessagingSession.conversation_id)
        .where(
            Conversation.org_id == org_id,
            MessagingSession.status == SessionStatus.ACTIVE,
            MessagingSession.agent_id.is_not(None),
        )
        .group_by(MessagingSession.agent_id)
    )
    if agent_id is not None:
        query = query.where(MessagingSession.agent_id == agent_id)
    return {str(agent): int(used or 0) for agent, used in conn.execute(query)}


def recent_waits(conn: Connection, org_id: str, queue: str, now: int) -> list[tuple[int, int]]:
    """(accepted at, waited ms) of the queue's last accepted work, newest first, for EWT."""
    rows = conn.execute(
        select(AgentWork.answered_at, AgentWork.waited_ms)
        .where(
            AgentWork.org_id == org_id,
            AgentWork.queue_name == queue,
            AgentWork.answered_at >= now - WINDOW_MS,
            AgentWork.waited_ms.is_not(None),
        )
        .order_by(AgentWork.answered_at.desc())
        .limit(10)
    )
    return [(int(r.answered_at), int(r.waited_ms)) for r in rows]


def queue_order(conn: Connection, org_id: str) -> list[DbRow]:
    """Waiting sessions with their conversation's end user, most urgent first, per queue."""
    return list(
        conn.execute(
            select(
                MessagingSession.id,
                MessagingSession.conversation_id,
                MessagingSession.queue_name,
                MessagingSession.queue_position,
                Conversation.end_user_id,
            )
            .join(Conversation, Conversation.id == MessagingSession.conversation_id)
            .where(
                and_(
                    Conversation.org_id == org_id,
                    MessagingSession.status == SessionStatus.WAITING,
                    MessagingSession.queue_name.is_not(None),
                )
            )
            .order_by(
                MessagingSession.queue_name,
                MessagingSession.priority,
                MessagingSession.queued_at,
                MessagingSession.id,
            )
        )
    )


def set_queue_position(conn: Connection, session_id: str, position: int) -> None:
    conn.execute(_SET_POSITION, {"b_id": session_id, "b_position": position})


def set_idle_since(conn: Connection, agent_id: str, now: int) -> None:
    conn.execute(update(Agent).where(Agent.id == agent_id).values(idle_since=now))


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def position_in_queue(conn: Connection, session: Any) -> int:
    """1 for the most urgent waiting session of its queue (priority, then arrival)."""
    priority, queued_at = session.priority or 1, session.queued_at or 0
    ahead = conn.execute(
        select(func.count())
        .select_from(MessagingSession)
        .where(
            MessagingSession.queue_name == session.queue_name,
            MessagingSession.status == SessionStatus.WAITING,
            (MessagingSession.priority < priority)
            | (
                (MessagingSession.priority == priority)
                & (
                    (MessagingSession.queued_at < queued_at)
                    | (
                        (MessagingSession.queued_at == queued_at)
                        & (MessagingSession.id < session.id)
                    )
                )
            ),
        )
    ).scalar_one()
    return int(ahead) + 1
