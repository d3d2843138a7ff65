"""Queries behind the agents' reading rule (agents.access)."""

from __future__ import annotations

from sqlalchemy import CompoundSelect, Connection, Select, select, union

from livedesk.models import AgentWork, MessagingSession

# Work that shows she has, had or is offered the session: offered (Assigned), accepted (Opened),
# accepted and since released (Closed). Declined, timed-out and cancelled offers do not count.
HAS_HAD_OR_OFFERED = ("Assigned", "Opened", "Closed")


def readable_conversations(
    agent_id: str, queues: tuple[str, ...], conversation_id: str | None = None
) -> CompoundSelect[str]:
    """The ids of the conversations one of whose sessions she has, had or is offered, or that
    sit in one of `queues` (all of them, or only `conversation_id`). A union of three indexed
    lookups rather than one OR, which would read every session."""

    def of(query: Select[str]) -> Select[str]:
        if conversation_id is None:
            return query
        return query.where(MessagingSession.conversation_id == conversation_id)

    parts = [
        of(select(MessagingSession.conversation_id).where(MessagingSession.agent_id == agent_id)),
        of(
            select(MessagingSession.conversation_id)
            .join(AgentWork, AgentWork.session_id == MessagingSession.id)
            .where(AgentWork.agent_id == agent_id, AgentWork.status.in_(HAS_HAD_OR_OFFERED))
        ),
    ]
    if queues:
        parts.append(
            of(
                select(MessagingSession.conversation_id).where(
                    MessagingSession.queue_name.in_(queues)
                )
            )
        )
    return union(*parts)


def reads_conversation(
    conn: Connection, agent_id: str, queues: tuple[str, ...], conversation_id: str
) -> bool:
    query = readable_conversations(agent_id, queues, conversation_id).limit(1)
    return conn.execute(query).first() is not None
