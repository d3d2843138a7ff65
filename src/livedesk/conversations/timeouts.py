"""Timer handlers of the session lifecycle: customer inactivity and auto-end."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from livedesk.conversations import lifecycle, repository
from livedesk.conversations.inactivity import fired_too_early, make_inactive
from livedesk.conversations.recorder import thread_of
from livedesk.conversations.sessions import end_session


def on_inactivity_timeout(conn: Connection, session_id: str, now: int) -> None:
    session = repository.get_session(conn, session_id)
    if session is None or not lifecycle.allowed(session.status, "customer_idle"):
        return
    conversation: Any = repository.get_conversation(conn, session.conversation_id)
    if fired_too_early(conn, session, conversation.deployment_id, now):
        return
    make_inactive(conn, thread_of(conversation, session), session, "customer_idle", now)


def on_auto_end(conn: Connection, session_id: str, now: int) -> None:
    session = repository.get_session(conn, session_id)
    if session is None or not lifecycle.allowed(session.status, "auto_end"):
        return
    conversation: Any = repository.get_conversation(conn, session.conversation_id)
    end_session(conn, thread_of(conversation, session), session, "System", now, reason="AutoEnded")
