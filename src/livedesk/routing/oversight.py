"""What supervisors hear of an org's queues, agents and sessions, told inside the unit of work that
made the change, on the org's supervision stream (`streams.notices.supervision_recipient`):

- every session transition tells `SessionChanged` (from `conversations.lifecycle`'s `begin` and
  `move`, the only writers of a session's status); when the session entered or left a queue's
  waiting line, also `QueueChanged` with the line as it is now; when it became Active or stopped
  being Active, `AgentLoadChanged` for its agent (an Active session holds her capacity, and
  nothing else does: `touched` decides, pure);
- a presence change tells `AgentPresenceChanged` (from the agents' `set_presence`).

The figures are read after the session's event is appended. The append holds the org's
supervision stream until the unit commits, so each figure is read after every change told before
it (on PostgreSQL as on SQLite): the last figure a stream carries is the right one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from livedesk.models import SessionStatus
from livedesk.orgs import repository as org_repository
from livedesk.routing import repository
from livedesk.routing.placement import ewt_seconds
from livedesk.streams.notices import SupervisorEvent, notify_supervisors


@dataclass(frozen=True)
class Moved:
    """A session transition as `conversations.lifecycle` made it: the session before and after."""

    session_id: str
    conversation_id: str
    event: str
    before: str  # its status ("New" when it just began)
    after: str
    queue_before: str | None
    queue: str | None
    agent_before: str | None
    agent: str | None
    routing_attributes: dict[str, Any]
    started_at: int
    queued_at: int | None
    accepted_at: int | None
    at: int


def touched(moved: Moved) -> tuple[list[str], str | None]:
    """The queues whose waiting line the transition changed, and the agent whose load it
    changed (None: nobody's)."""
    lines: list[str] = []
    if moved.before == SessionStatus.WAITING and moved.queue_before is not None:
        lines.append(moved.queue_before)
    entered = moved.queue if moved.after == SessionStatus.WAITING else None
    if entered is not None and entered not in lines:
        lines.append(entered)
    agent = None
    if (moved.before == SessionStatus.ACTIVE) != (moved.after == SessionStatus.ACTIVE):
        agent = moved.agent if moved.after == SessionStatus.ACTIVE else moved.agent_before
    return lines, agent


def session_moved(conn: Connection, org_id: str, moved: Moved) -> None:
    """Tell supervisors of a transition (inside its unit of work, after the status is written)."""
    concerned = [q for q in dict.fromkeys((moved.queue, moved.queue_before)) if q is not None]
    notify_supervisors(
        conn,
        org_id,
        SupervisorEvent.SESSION_CHANGED,
        {
            "queues": concerned,
            "sessionId": moved.session_id,
            "conversationId": moved.conversation_id,
            "status": moved.after,
            "previousStatus": moved.before,
            "event": moved.event,
            "queue": moved.queue,
            "agentId": moved.agent,
            "customerName": customer_name(moved.routing_attributes),
            "startTime": moved.started_at,
            "queuedAt": moved.queued_at,
            "acceptTime": moved.accepted_at,
            "at": moved.at,
        },
        moved.at,
    )
    lines, agent = touched(moved)
    for queue in lines:
        waiting, oldest = repository.waiting_line(conn, org_id, queue)
        notify_supervisors(
            conn,
            org_id,
            SupervisorEvent.QUEUE_CHANGED,
            {
                "queues": [queue],
                "queue": queue,
                "waiting": waiting,
                "oldestQueuedAt": oldest,
                "estimatedWaitTimeInSeconds": ewt_seconds(conn, org_id, queue, moved.at),
                "at": moved.at,
            },
            moved.at,
        )
    if agent is not None:
        agent_load_changed(conn, org_id, agent, moved.at)


def agent_load_changed(conn: Connection, org_id: str, agent_id: str, now: int) -> None:
    agent = org_repository.get_agent(conn, agent_id)
    if agent is None:
        return
    used = repository.active_weights(conn, org_id, agent_id).get(agent_id, 0)
    notify_supervisors(
        conn,
        org_id,
        SupervisorEvent.AGENT_LOAD_CHANGED,
        {
            "queues": list(agent.queues),
            "agentId": agent_id,
            "used": used,
            "capacity": agent.capacity,
            "at": now,
        },
        now,
    )


def presence_changed(
    conn: Connection, org_id: str, agent_id: str, queues: list[str], presence: str, now: int
) -> None:
    notify_supervisors(
        conn,
        org_id,
        SupervisorEvent.AGENT_PRESENCE_CHANGED,
        {"queues": list(queues), "agentId": agent_id, "presence": presence, "at": now},
        now,
    )


def customer_name(attributes: dict[str, Any] | None) -> str | None:
    """The customer's name as the pre-chat gave it (first and last), or None."""
    attributes = attributes or {}
    first = str(attributes.get("_firstName") or attributes.get("firstName") or "").strip()
    last = str(attributes.get("_lastName") or attributes.get("lastName") or "").strip()
    return " ".join(p for p in (first, last) if p) or None
