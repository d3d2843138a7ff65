"""Recording entries: store them and append each to the streams of whoever should see it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Connection

from livedesk.conversations import repository
from livedesk.conversations.entries import (
    Entry,
    NewEntry,
    agent_event,
    audiences,
    customer_event,
)
from livedesk.models import SessionStatus
from livedesk.models.rows import ConversationRow, SessionRow
from livedesk.streams.service import agent_recipient, append_all, end_user_recipient


@dataclass(frozen=True)
class Thread:
    """A conversation and who is in it right now."""

    conversation_id: str
    org_id: str
    deployment_id: str
    end_user_id: str
    session_id: str | None
    agent_id: str | None

    def with_session(self, session_id: str | None, agent_id: str | None) -> Thread:
        return replace(self, session_id=session_id, agent_id=agent_id)


def thread_of(conversation: ConversationRow, session: SessionRow | None) -> Thread:
    agent_id = None
    if session is not None and session.status in (SessionStatus.ACTIVE, SessionStatus.INACTIVE):
        agent_id = session.agent_id
    return Thread(
        conversation_id=conversation.id,
        org_id=conversation.org_id,
        deployment_id=conversation.deployment_id,
        end_user_id=conversation.end_user_id,
        session_id=session.id if session is not None else None,
        agent_id=agent_id,
    )


def record(conn: Connection, thread: Thread, new: list[NewEntry], now: int) -> list[Entry]:
    """Store entries and append each to the streams of whoever should see it."""
    stored = repository.insert_entries(conn, thread.conversation_id, thread.session_id, new, now)
    events: list[tuple[str, str, bytes]] = []
    for entry in stored:
        to_user, to_agent = audiences(entry.entry_type, entry.sender.role)
        if to_user:
            name, data = customer_event(entry, thread.org_id, thread.deployment_id)
            events.append((end_user_recipient(thread.end_user_id), name, data))
        if to_agent and thread.agent_id is not None:
            name, data = agent_event(entry)
            events.append((agent_recipient(thread.agent_id), name, data))
    append_all(conn, events, now)
    return stored
