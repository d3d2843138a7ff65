"""What /metrics reads from the database: counts by org."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from livedesk.models import (
    OPEN_SESSION_STATUSES,
    Agent,
    Conversation,
    MessagingSession,
    SessionStatus,
)

Counts = list[tuple[str, str, int]]


def open_sessions(conn: Connection) -> Counts:
    query = (
        select(Conversation.org_id, MessagingSession.status, func.count())
        .join(Conversation, Conversation.id == MessagingSession.conversation_id)
        .where(MessagingSession.status.in_(OPEN_SESSION_STATUSES))
        .group_by(Conversation.org_id, MessagingSession.status)
    )
    return [(org, status, int(n)) for org, status, n in conn.execute(query)]


def agents_by_presence(conn: Connection) -> Counts:
    query = select(Agent.org_id, Agent.presence, func.count()).group_by(
        Agent.org_id, Agent.presence
    )
    return [(org, presence, int(n)) for org, presence, n in conn.execute(query)]


def waiting_by_queue(conn: Connection) -> Counts:
    query = (
        select(Conversation.org_id, MessagingSession.queue_name, func.count())
        .join(Conversation, Conversation.id == MessagingSession.conversation_id)
        .where(
            MessagingSession.status == SessionStatus.WAITING,
            MessagingSession.queue_name.is_not(None),
        )
        .group_by(Conversation.org_id, MessagingSession.queue_name)
    )
    return [(org, str(queue), int(n)) for org, queue, n in conn.execute(query)]
