"""The only way to load a conversation or session on someone's behalf."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from livedesk.auth.principals import AgentPrincipal, EndUserPrincipal
from livedesk.conversations import repository
from livedesk.errors import bad_request, forbidden, not_found
from livedesk.kit.ids import is_uuid


def check_uuid(value: str, what: str) -> str:
    if not is_uuid(value):
        raise bad_request(
            f"invalid_{what}_id",
            f"The {what} id {value[:64]!r} is not a lowercase UUID "
            "(like 3f2b8c1e-9d4a-4e6b-8f0a-1c2d3e4f5a6b).",
        )
    return value


def access_conversation(conn: Connection, principal: EndUserPrincipal, conversation_id: str) -> Any:
    """The end user's own conversation; someone else's is as invisible as a missing one."""
    check_uuid(conversation_id, "conversation")
    row = repository.get_conversation(conn, conversation_id)
    if row is None or row.end_user_id != principal.end_user_id:
        raise not_found("conversation_not_found", "There is no such conversation.")
    return row


def access_session(
    conn: Connection, principal: AgentPrincipal, session_id: str, *, act: bool
) -> tuple[Any, Any]:
    """A session of the agent's org; to act on it the agent must be the one assigned
    (a supervisor may read any)."""
    check_uuid(session_id, "session")
    session = resolve_session(conn, session_id)
    conversation = (
        repository.get_conversation(conn, session.conversation_id) if session is not None else None
    )
    if session is None or conversation is None or conversation.org_id != principal.org_id:
        raise not_found("session_not_found", "There is no such session.")
    if act and session.agent_id != principal.agent_id:
        raise forbidden("not_your_session", "This session is not assigned to you.")
    return session, conversation


def resolve_session(conn: Connection, some_id: str) -> Any | None:
    """A session named by its own id, by its conversation's id (the latest session) or by the id
    of a record linked to it, such as its Case (the latest such session) — as the seed's flows
    find the session from the Case."""
    session = repository.get_session(conn, some_id)
    if session is None:
        session = repository.latest_session(conn, some_id)
    if session is None:
        session = repository.latest_session_of_record(conn, some_id)
    return session
