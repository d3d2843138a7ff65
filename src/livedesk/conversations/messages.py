"""Messages from the business side into a session (agents, and flows acting as their agent): one
path that says who may write when, records the entry, and starts the customer-inactivity timer.

Who may write depends on who writes, not on which caller asks: an agent (or a flow running as
one) writes in an Active or Inactive session of an open conversation and is refused once the
customer ended the session; the system's own automated messages (auto-responses) are part of the
transition that sends them and are not subject to this rule.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from livedesk.conversations import inactivity, repository
from livedesk.conversations.entries import Entry, EntryType, NewEntry, Sender
from livedesk.conversations.recorder import record, thread_of
from livedesk.errors import conflict
from livedesk.models import ConversationStatus, SessionStatus
from livedesk.models.rows import ConversationRow, SessionRow
from livedesk.orgs import repository as org_repository


def check_agent_can_send(session: SessionRow, conversation: ConversationRow) -> None:
    """An agent may write in an Active or Inactive session of an open conversation."""
    if conversation.status == ConversationStatus.CLOSED:
        raise conflict("conversation_closed", "The customer closed this conversation.")
    if session.status == SessionStatus.ENDED:
        if session.ended_by_role == "EndUser":
            raise conflict(
                "session_ended_by_end_user",
                "The customer ended this session; manual messages can no longer be sent.",
            )
        raise conflict("session_ended", "This session has ended.")
    if session.status != SessionStatus.ACTIVE and session.status != SessionStatus.INACTIVE:
        raise conflict("session_not_active", "This session is not active.")


def agent_sender(conn: Connection, agent_id: str) -> Sender:
    agent = org_repository.get_agent(conn, agent_id)
    return Sender("Agent", agent_id, agent.display_name if agent is not None else "Agent")


def send_as_agent(
    conn: Connection,
    session: SessionRow,
    conversation: ConversationRow,
    agent_id: str,
    identifier: str,
    payload: dict[str, Any],
    now: int,
    automated_by: str | None = None,
) -> Entry | None:
    """The agent's message (`payload`: a MIAW message of any type) in its session, idempotent on
    `identifier` (None when it was sent before); starts the customer-inactivity timer when it is
    the first reply after the customer's last message."""
    if repository.find_entry(conn, conversation.id, identifier) is not None:
        return None
    check_agent_can_send(session, conversation)
    sender = agent_sender(conn, agent_id)
    new = NewEntry(identifier, EntryType.MESSAGE, sender, payload, automated_by=automated_by)
    stored = record(conn, thread_of(conversation, session), [new], now)
    inactivity.on_agent_message(conn, session, conversation.deployment_id, now)
    return stored[0]
