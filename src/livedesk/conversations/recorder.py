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
from livedesk.kit import sql
from livedesk.models import SessionStatus
from livedesk.models.rows import ConversationRow, SessionRow
from livedesk.streams.service import (
    agent_recipient,
    append_all,
    appended,
    end_user_recipient,
    stored_form,
)


@dataclass(frozen=True)
class Thread:
    """A conversation and who is in it right now."""

    conversation_id: str
    org_id: str
    deployment_id: str
    end_user_id: str
    session_id: str | None
    agent_id: str | None
    # The conversation's last entry's timestamp as the unit of work read it (it may have moved
    # since: `record` checks), when it did.
    last_entry_at: int | None = None

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
        last_entry_at=conversation.last_entry_at,
    )


def record(conn: Connection, thread: Thread, new: list[NewEntry], now: int) -> list[Entry]:
    """Store entries and append each to the streams of whoever should see it. On PostgreSQL one
    entry and its events take one statement when the thread knows the conversation's last
    timestamp (the repository's `insert_entry_and_events`), two otherwise."""
    if len(new) == 1 and thread.last_entry_at is not None and not sql.on_sqlite(conn):
        at = max(thread.last_entry_at + 1, now)
        entry = repository.entry_at(thread.conversation_id, thread.session_id, new[0], at)
        events = _events(thread, [entry])
        seqs = repository.insert_entry_and_events(conn, entry, new[0], stored_form(events), now)
        if seqs is not None:
            appended(conn, events, seqs)
            return [entry]
    stored = repository.insert_entries(conn, thread.conversation_id, thread.session_id, new, now)
    append_all(conn, _events(thread, stored), now)
    return stored


def _events(thread: Thread, stored: list[Entry]) -> list[tuple[str, str, bytes]]:
    """Each entry's events: (recipient, event, data) for whoever should see it."""
    events: list[tuple[str, str, bytes]] = []
    for entry in stored:
        to_user, to_agent = audiences(entry.entry_type, entry.sender.role)
        if to_user:
            name, data = customer_event(entry, thread.org_id, thread.deployment_id)
            events.append((end_user_recipient(thread.end_user_id), name, data))
        if to_agent and thread.agent_id is not None:
            name, data = agent_event(entry)
            events.append((agent_recipient(thread.agent_id), name, data))
    return events
