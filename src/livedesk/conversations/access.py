"""The only way to load a conversation or session on someone's behalf."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from livedesk.auth.principals import AgentPrincipal, EndUserPrincipal
from livedesk.conversations import repository
from livedesk.conversations.reading import may_read_conversation, may_take
from livedesk.errors import bad_request, forbidden, not_found
from livedesk.kit.ids import canonical_uuid
from livedesk.models.rows import ConversationRow, SessionRow


def check_uuid(value: str, what: str) -> str:
    """The id as stored (lowercase: ids are accepted in any case), or a 400 when it is not a
    UUID. Use what it returns, never what was sent."""
    canonical = canonical_uuid(value)
    if canonical is None:
        raise bad_request(
            f"invalid_{what}_id",
            f"The {what} id {value[:64]!r} is not a UUID "
            "(like 3f2b8c1e-9d4a-4e6b-8f0a-1c2d3e4f5a6b).",
        )
    return canonical


def access_conversation(conn: Connection, principal: EndUserPrincipal, conversation_id: str) -> Any:
    """The end user's own conversation; someone else's is as invisible as a missing one."""
    row = repository.get_conversation(conn, check_uuid(conversation_id, "conversation"))
    if row is None or row.end_user_id != principal.end_user_id:
        raise not_found("conversation_not_found", "There is no such conversation.")
    return row


def access_for_message(
    conn: Connection,
    principal: EndUserPrincipal,
    conversation_id: str,
    identifier: str,
    timer_kind: str,
) -> repository.MessageContext:
    """`access_conversation` for a new message from the end user: also whether a message with
    this id is stored in it, its latest session, and whether a `timer_kind` timer runs for that
    session (read together: the message path)."""
    found = repository.message_context(
        conn, check_uuid(conversation_id, "conversation"), identifier, timer_kind
    )
    if found is None or found.conversation.end_user_id != principal.end_user_id:
        raise not_found("conversation_not_found", "There is no such conversation.")
    return found


def access_session(
    conn: Connection, principal: AgentPrincipal, session_id: str, *, act: bool, take: bool = False
) -> tuple[SessionRow, ConversationRow]:
    """A session of a conversation the agent may read (agents.access: nothing else is found);
    to act on it she must be the one assigned; `take`: also one waiting in one of her queues
    (to accept it)."""
    session = resolve_session(conn, check_uuid(session_id, "session"))
    conversation = (
        repository.get_conversation(conn, session.conversation_id) if session is not None else None
    )
    if (
        session is None
        or conversation is None
        or conversation.org_id != principal.org_id
        or not (
            (take and may_take(principal, session))
            or may_read_conversation(conn, principal, conversation)
        )
    ):
        raise not_found("session_not_found", "There is no such session.")
    if act and session.agent_id != principal.agent_id:
        raise forbidden("not_your_session", "This session is not assigned to you.")
    return session, conversation


def resolve_session(conn: Connection, some_id: str) -> SessionRow | None:
    """A session named by its own id, by its conversation's id (the latest session) or by the id
    of a record linked to it, such as its Case (the latest such session) — as the seed's flows
    find the session from the Case."""
    session = repository.get_session(conn, some_id)
    if session is None:
        session = repository.latest_session(conn, some_id)
    if session is None:
        session = repository.latest_session_of_record(conn, some_id)
    return session
