"""Who reads which conversation (DESIGN 8), in one place.

An agent reads a whole conversation (its transcript across sessions, its pre-chat, its files)
while she has, had or is offered one of its sessions; a supervisor also reads the conversations
of her queues (the `queues` of her agent entry); an admin reads every conversation of her org.
Nothing crosses orgs. What she may not read answers 404, like what does not exist.

Supervising is narrower than reading (the supervisor API): a session of one of her queues, the
one it is in now; an admin supervises every queue of her org.

Acting on a session is narrower (conversations.access): only the agent who has it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection

from livedesk.auth.principals import AgentPrincipal
from livedesk.conversations import repository
from livedesk.models import MessagingSession, SessionStatus
from livedesk.models.rows import ConversationRow, SessionRow


def supervised_queues(p: AgentPrincipal) -> tuple[str, ...]:
    return p.queues if "supervisor" in p.roles else ()


def may_read_conversation(
    conn: Connection, p: AgentPrincipal, conversation: ConversationRow
) -> bool:
    if conversation.org_id != p.org_id:
        return False
    if "admin" in p.roles:
        return True
    return repository.reads_conversation(
        conn, p.agent_id, supervised_queues(p), str(conversation.id)
    )


def readable_sessions(p: AgentPrincipal) -> ColumnElement[bool] | None:
    """A condition on sessions (of her org) for lists: those of conversations she may read;
    None when she reads them all."""
    if "admin" in p.roles:
        return None
    conversations = repository.readable_conversations(p.agent_id, supervised_queues(p))
    return MessagingSession.conversation_id.in_(conversations)


def may_supervise(p: AgentPrincipal, session: SessionRow) -> bool:
    """A session of her org (the caller checks it) in one of the queues she supervises."""
    if "admin" in p.roles:
        return True
    return session.queue_name is not None and session.queue_name in supervised_queues(p)


def may_take(p: AgentPrincipal, session: SessionRow) -> bool:
    """A session waiting in one of her queues: she may accept it though nobody offered it."""
    return bool(session.status == SessionStatus.WAITING and session.queue_name in p.queues)
