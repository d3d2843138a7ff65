"""Transfer: an agent hands an active session to another queue or to a named agent. The session
stays in its conversation, so the transcript goes with it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from livedesk.auth.principals import AgentPrincipal
from livedesk.conversations import entries, lifecycle
from livedesk.conversations import repository as conversations
from livedesk.conversations.entries import SYSTEM, EntryType, NewEntry, Sender
from livedesk.conversations.recorder import record, thread_of
from livedesk.errors import bad_request, conflict, not_found
from livedesk.kit.ids import canonical_uuid, new_id
from livedesk.models.rows import ConversationRow, SessionRow
from livedesk.orgs import repository as org_repository
from livedesk.orgs.schemas import StoredQueue
from livedesk.routing import repository, work
from livedesk.routing.placement import ewt_seconds
from livedesk.streams.notices import AgentEvent, notify_agent


def transfer(
    conn: Connection,
    p: AgentPrincipal,
    session: SessionRow,
    conversation: ConversationRow,
    queue: str | None,
    agent_id: str | None,
    now: int,
) -> None:
    """Back to Waiting in `queue` (default: the session's own), offered to `agent_id` if given."""
    if (queue is None) == (agent_id is None):
        raise bad_request(
            "invalid_transfer", "Name either a `queue` or an `agentId` to transfer to."
        )
    if not lifecycle.allowed(session.status, "transfer"):
        raise conflict("session_not_active", "Only an active session can be transferred.")
    repository.lock_org_routing(conn, p.org_id)
    queues = org_repository.queue_configs(conn, p.org_id)
    target_queue = queue or session.queue_name
    if target_queue not in queues:
        raise not_found("queue_not_found", f"There is no queue {str(target_queue)[:80]!r}.")
    target = _target_agent(conn, p, agent_id, session, queues[target_queue]) if agent_id else None
    config = queues[target_queue]
    leaving = org_repository.get_agent(conn, p.agent_id)
    work.release_session(conn, session.id, now)
    lifecycle.move(
        conn,
        p.org_id,
        session,
        "transfer",
        agent_id=None,
        queue_name=target_queue,
        queued_at=now,
        priority=config.priority,
        work_weight=config.work_weight,
        queue_position=None,
    )
    thread = thread_of(conversation, session)
    name = leaving.display_name if leaving is not None else "Agent"
    record(
        conn,
        thread,
        [
            NewEntry(
                new_id(),
                EntryType.PARTICIPANT_CHANGED,
                SYSTEM,
                entries.participant_changed(Sender("Agent", p.agent_id, name), "remove"),
            ),
            NewEntry(
                new_id(),
                EntryType.ROUTING_RESULT,
                SYSTEM,
                entries.routing_result(
                    session.id,
                    target_queue,
                    ewt_seconds(conn, p.org_id, target_queue, now),
                    routing_type="Transfer",
                ),
            ),
        ],
        now,
    )
    notify_agent(
        conn,
        p.agent_id,
        AgentEvent.SESSION_STATUS_CHANGED,
        {
            "sessionId": session.id,
            "conversationId": conversation.id,
            "status": "Transferred",
            "queue": target_queue,
            "toAgentId": agent_id,
        },
        now,
    )
    if target is not None:
        moved = conversations.get_session(conn, session.id)
        work.offer(conn, p.org_id, moved, target.agent_id, config, now)


def _target_agent(
    conn: Connection, p: AgentPrincipal, agent_id: str, session: SessionRow, config: StoredQueue
) -> Any:
    target = canonical_uuid(agent_id)
    if target is None or target == p.agent_id:
        raise bad_request("invalid_transfer", "Transfer to another agent of your org, by id.")
    agent_id = target
    load = repository.agent_load(conn, p.org_id, agent_id)
    if load is None:
        raise not_found("agent_not_found", "There is no such agent.")
    if not load.online or load.free < config.work_weight:
        raise conflict(
            "agent_unavailable",
            "That agent is not online or has no free capacity; transfer to a queue instead.",
        )
    return load
