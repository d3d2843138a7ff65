"""Messaging session transitions inside a unit of work: open, accept, end (DESIGN section 3)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from livedesk.conversations import entries, repository
from livedesk.conversations.entries import SYSTEM, NewEntry, Sender
from livedesk.conversations.recorder import Thread, notify_agent, record
from livedesk.errors import conflict
from livedesk.kit.ids import new_id
from livedesk.orgs.repository import get_agent
from livedesk.streams.service import Outgoing


def is_open(session: Any | None) -> bool:
    return session is not None and session.status in repository.OPEN_SESSION_STATUSES


def open_session(
    conn: Connection,
    thread: Thread,
    queue: str | None,
    routing_attributes: dict[str, Any],
    now: int,
) -> tuple[Thread, list[Outgoing]]:
    """A new Waiting session in the conversation, announced with a routing result."""
    session_id = new_id()
    repository.insert_session(
        conn,
        id=session_id,
        conversation_id=thread.conversation_id,
        number=repository.next_session_number(conn, thread.conversation_id),
        status="Waiting",
        agent_id=None,
        queue_name=queue,
        routing_attributes=routing_attributes,
        started_at=now,
    )
    thread = thread.with_session(session_id, None)
    _, out = record(
        conn,
        thread,
        [
            NewEntry(
                new_id(), "RoutingResult", SYSTEM, entries.routing_result(session_id, queue, None)
            )
        ],
        now,
    )
    return thread, out


def accept_session(
    conn: Connection, thread: Thread, agent: Sender, now: int
) -> tuple[Thread, list[Outgoing]]:
    """The agent takes a Waiting session; the customer sees them join."""
    session_id = thread.session_id
    assert session_id is not None
    if not repository.claim_waiting_session(conn, session_id, agent.subject, now):
        raise conflict("session_not_waiting", "This session is not waiting for an agent any more.")
    thread = thread.with_session(thread.session_id, agent.subject)
    _, recorded = record(
        conn,
        thread,
        [
            NewEntry(
                new_id(), "ParticipantChanged", SYSTEM, entries.participant_changed(agent, "add")
            ),
            NewEntry(
                new_id(),
                "RoutingWorkResult",
                SYSTEM,
                entries.routing_work_result(session_id, "Accepted"),
            ),
            NewEntry(
                new_id(),
                "SessionStatusChanged",
                SYSTEM,
                entries.session_status_changed("Active", None),
            ),
        ],
        now,
    )
    # Lock order everywhere: conversation, end user's stream, agent's stream.
    accepted = notify_agent(
        conn,
        agent.subject,
        "WorkAccepted",
        {"sessionId": session_id, "conversationId": thread.conversation_id},
        now,
    )
    return thread, [*recorded, accepted]


def end_session(
    conn: Connection, thread: Thread, session: Any, ended_by_role: str, now: int
) -> list[Outgoing]:
    """End an open session: status, who ended it, the agent leaves, the agent's stream is told."""
    repository.update_session(
        conn, session.id, status="Ended", ended_at=now, ended_by_role=ended_by_role
    )
    new = [
        NewEntry(
            new_id(),
            "SessionStatusChanged",
            SYSTEM,
            entries.session_status_changed("Ended", ended_by_role),
        )
    ]
    agent_id = thread.agent_id
    if agent_id is not None:
        leaving = Sender("Agent", agent_id, _agent_name(conn, agent_id))
        new.append(
            NewEntry(
                new_id(),
                "ParticipantChanged",
                SYSTEM,
                entries.participant_changed(leaving, "remove"),
            )
        )
    _, out = record(conn, thread, new, now)
    if agent_id is not None:
        out.append(
            notify_agent(
                conn,
                agent_id,
                "SessionStatusChanged",
                {
                    "sessionId": session.id,
                    "conversationId": thread.conversation_id,
                    "status": "Ended",
                    "endedByRole": ended_by_role,
                },
                now,
            )
        )
    return out


def _agent_name(conn: Connection, agent_id: str) -> str:
    row = get_agent(conn, agent_id)
    return row.display_name if row is not None else "Agent"
