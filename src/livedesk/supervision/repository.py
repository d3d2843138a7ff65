"""Queries of the supervisor's overview: the org's agents and the sessions they have open."""

from __future__ import annotations

from sqlalchemy import Connection, select

from livedesk.kit.db import DbRow
from livedesk.models import Agent, Conversation, MessagingSession, SessionStatus

# The sessions an agent has open: Active (holding her capacity) or Inactive (hers until the
# customer writes again or it ends).
WITH_AGENT = (SessionStatus.ACTIVE, SessionStatus.INACTIVE)


def agents_of(conn: Connection, org_id: str) -> list[DbRow]:
    return list(
        conn.execute(
            select(
                Agent.id,
                Agent.username,
                Agent.display_name,
                Agent.presence,
                Agent.capacity,
                Agent.queues,
            )
            .where(Agent.org_id == org_id)
            .order_by(Agent.display_name, Agent.id)
        )
    )


def open_sessions(conn: Connection, org_id: str, queues: list[str]) -> list[DbRow]:
    """The sessions of these queues an agent has open, oldest first."""
    if not queues:
        return []
    return list(
        conn.execute(
            select(
                MessagingSession.id,
                MessagingSession.conversation_id,
                MessagingSession.status,
                MessagingSession.agent_id,
                MessagingSession.queue_name,
                MessagingSession.routing_attributes,
                MessagingSession.started_at,
                MessagingSession.accepted_at,
            )
            .join(Conversation, Conversation.id == MessagingSession.conversation_id)
            .where(
                Conversation.org_id == org_id,
                MessagingSession.status.in_(WITH_AGENT),
                MessagingSession.agent_id.is_not(None),
                MessagingSession.queue_name.in_(queues),
            )
            .order_by(MessagingSession.started_at, MessagingSession.id)
        )
    )
