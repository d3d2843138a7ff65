"""Work items inside a unit of work: offering a session to an agent, releasing an agent's
capacity when a session leaves it, and the push-timeout timer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from livedesk.kit.effects import tell
from livedesk.kit.ids import new_id
from livedesk.orgs.schemas import StoredQueue
from livedesk.routing import repository
from livedesk.routing.needed import RoutingNeeded
from livedesk.streams.notices import AgentEvent, notify_agent
from livedesk.timers import repository as timers

PUSH_TIMEOUT = "push_timeout"


def offer(
    conn: Connection,
    org_id: str,
    session: Any,
    agent_id: str,
    queue_config: StoredQueue | None,
    now: int,
) -> None:
    """Offer `session` to the agent until the queue's push timeout."""
    work_id = new_id()
    timeout_s = (queue_config or StoredQueue(name="Gone")).push_timeout_seconds
    expires_at = now + timeout_s * 1000
    repository.insert_work(
        conn,
        id=work_id,
        org_id=org_id,
        session_id=session.id,
        agent_id=agent_id,
        queue_name=session.queue_name,
        status="Assigned",
        weight=session.work_weight or 1,
        offered_at=now,
        expires_at=expires_at,
    )
    timers.add(conn, PUSH_TIMEOUT, work_id, expires_at, now)
    notify_agent(
        conn,
        agent_id,
        AgentEvent.WORK_OFFERED,
        {
            "workId": work_id,
            "sessionId": session.id,
            "conversationId": session.conversation_id,
            "queue": session.queue_name,
            "routingAttributes": session.routing_attributes,
            "offeredAt": now,
            "expiresAt": expires_at,
        },
        now,
    )


def cancel_offer(conn: Connection, work: Any, status: str, reason: str, now: int) -> bool:
    """Take back an offer that is still Assigned (→ `status`); the agent is told. False when
    it was not open any more."""
    if not repository.set_work_status(conn, work.id, "Assigned", status, closed_at=now):
        return False
    timers.cancel(conn, PUSH_TIMEOUT, work.id)
    notify_agent(
        conn,
        work.agent_id,
        AgentEvent.WORK_CANCELLED,
        {"workId": work.id, "sessionId": work.session_id, "reason": reason},
        now,
    )
    return True


def release_session(conn: Connection, session_id: str, now: int) -> None:
    """The session leaves its agent (ended, transferred, inactive): its work stops holding
    capacity; a pending offer is taken back."""
    work = repository.live_work_of_session(conn, session_id)
    if work is None:
        return
    if work.status == "Assigned":
        cancel_offer(conn, work, "Cancelled", "session_left", now)
        return
    repository.set_work_status(conn, work.id, "Opened", "Closed", closed_at=now)
    repository.set_idle_since(conn, work.agent_id, now)


def on_push_timeout(conn: Connection, work_id: str, now: int) -> None:
    work = repository.get_work(conn, work_id)
    if work is not None and cancel_offer(conn, work, "TimedOut", "timeout", now):
        tell(conn, RoutingNeeded(work.org_id))  # offered to someone else
