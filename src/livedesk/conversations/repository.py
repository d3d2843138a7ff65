"""Queries on conversations, messaging sessions and conversation entries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Connection, bindparam, case, func, insert, select, update

from livedesk.conversations.entries import Entry, NewEntry
from livedesk.kit.db import DbRow
from livedesk.models import Conversation, ConversationEntry, EndUser, MessagingSession

OPEN_SESSION_STATUSES = ("New", "Waiting", "Active", "Inactive")


# The statements of the message path are built once: building and hashing a statement costs
# more than SQLite running it.
_GET_CONVERSATION = (
    select(Conversation, EndUser.display_name.label("end_user_name"))
    .join(EndUser, EndUser.id == Conversation.end_user_id)
    .where(Conversation.id == bindparam("id"))
)
_LATEST_SESSION = (
    select(MessagingSession)
    .where(MessagingSession.conversation_id == bindparam("conversation_id"))
    .order_by(MessagingSession.number.desc())
    .limit(1)
)
_FIND_ENTRY = select(ConversationEntry).where(
    ConversationEntry.conversation_id == bindparam("conversation_id"),
    ConversationEntry.identifier == bindparam("identifier"),
)
_LAST = Conversation.last_entry_at
_COUNT = bindparam("count", type_=BigInteger)
_NOW = bindparam("now", type_=BigInteger)
_ALLOCATE_TIMES = (
    update(Conversation)
    .where(Conversation.id == bindparam("conversation_id"))
    .values(
        last_entry_at=case(
            (_LAST + _COUNT > _NOW + _COUNT - 1, _LAST + _COUNT), else_=_NOW + _COUNT - 1
        )
    )
    .returning(Conversation.last_entry_at)
)
_INSERT_ENTRY = insert(ConversationEntry)


def get_conversation(conn: Connection, conversation_id: str) -> DbRow | None:
    """The conversation, with its end user's display name as `end_user_name`."""
    return conn.execute(_GET_CONVERSATION, {"id": conversation_id}).first()


def insert_conversation(conn: Connection, **values: Any) -> None:
    conn.execute(insert(Conversation).values(**values))


def close_conversation(conn: Connection, conversation_id: str, now: int) -> None:
    conn.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(status="closed", closed_at=now)
    )


def latest_session(conn: Connection, conversation_id: str) -> DbRow | None:
    return conn.execute(_LATEST_SESSION, {"conversation_id": conversation_id}).first()


_GET_SESSION = select(MessagingSession).where(MessagingSession.id == bindparam("id"))


def latest_session_of_record(conn: Connection, record_id: str) -> DbRow | None:
    return conn.execute(
        select(MessagingSession)
        .where(MessagingSession.case_id == record_id)
        .order_by(MessagingSession.started_at.desc())
        .limit(1)
    ).first()


def get_session(conn: Connection, session_id: str) -> DbRow | None:
    return conn.execute(_GET_SESSION, {"id": session_id}).first()


def next_session_number(conn: Connection, conversation_id: str) -> int:
    """Number the conversation's next session (and lock the conversation row until commit)."""
    value = conn.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(session_count=Conversation.session_count + 1)
        .returning(Conversation.session_count)
    ).scalar_one()
    return int(value)


def insert_session(conn: Connection, **values: Any) -> None:
    conn.execute(insert(MessagingSession).values(**values))


def update_session(conn: Connection, session_id: str, **values: Any) -> None:
    conn.execute(update(MessagingSession).where(MessagingSession.id == session_id).values(**values))


def claim_waiting_session(conn: Connection, session_id: str, agent_id: str, now: int) -> bool:
    """Make a Waiting session Active for `agent_id`; False when someone else was first."""
    result = conn.execute(
        update(MessagingSession)
        .where(MessagingSession.id == session_id, MessagingSession.status == "Waiting")
        .values(status="Active", agent_id=agent_id, accepted_at=now)
    )
    return result.rowcount == 1


def find_entry(conn: Connection, conversation_id: str, identifier: str) -> DbRow | None:
    return conn.execute(
        _FIND_ENTRY, {"conversation_id": conversation_id, "identifier": identifier}
    ).first()


def allocate_times(conn: Connection, conversation_id: str, now: int, count: int) -> int:
    """Reserve `count` transcript timestamps, strictly increasing within the conversation, and
    return the first. The update also serialises writers of one conversation."""
    value = conn.execute(
        _ALLOCATE_TIMES, {"conversation_id": conversation_id, "now": now, "count": count}
    ).scalar_one()
    return int(value) - count + 1


def insert_entries(
    conn: Connection, conversation_id: str, session_id: str | None, new: list[NewEntry], now: int
) -> list[Entry]:
    first = allocate_times(conn, conversation_id, now, len(new))
    stored = [
        Entry(
            identifier=n.identifier,
            conversation_id=conversation_id,
            session_id=session_id,
            entry_type=n.entry_type,
            sender=n.sender,
            payload=n.payload,
            client_timestamp=n.client_timestamp,
            transcripted_at=first + i,
        )
        for i, n in enumerate(new)
    ]
    conn.execute(
        _INSERT_ENTRY,
        [
            {
                "identifier": e.identifier,
                "conversation_id": e.conversation_id,
                "session_id": e.session_id,
                "entry_type": e.entry_type,
                "sender_role": e.sender.role,
                "sender_subject": e.sender.subject,
                "sender_display_name": e.sender.display_name,
                "payload": e.payload,
                "client_timestamp": e.client_timestamp,
                "transcripted_at": e.transcripted_at,
            }
            for e in stored
        ],
    )
    return stored


def list_entries(
    conn: Connection,
    conversation_id: str,
    *,
    after: int | None,
    before: int | None,
    newest_first: bool,
    entry_types: list[str] | None,
    limit: int,
) -> list[DbRow]:
    query = select(ConversationEntry).where(ConversationEntry.conversation_id == conversation_id)
    if after is not None:
        query = query.where(ConversationEntry.transcripted_at > after)
    if before is not None:
        query = query.where(ConversationEntry.transcripted_at < before)
    if entry_types:
        query = query.where(ConversationEntry.entry_type.in_(entry_types))
    order = ConversationEntry.transcripted_at
    query = query.order_by(order.desc() if newest_first else order.asc()).limit(limit)
    return list(conn.execute(query))


def list_conversations(
    conn: Connection, end_user_id: str, include_closed: bool, limit: int
) -> tuple[list[DbRow], int, int]:
    counts = dict(
        conn.execute(
            select(Conversation.status, func.count())
            .where(Conversation.end_user_id == end_user_id)
            .group_by(Conversation.status)
        ).all()
    )
    query = select(Conversation).where(Conversation.end_user_id == end_user_id)
    if not include_closed:
        query = query.where(Conversation.status == "open")
    rows = list(conn.execute(query.order_by(Conversation.created_at.desc()).limit(limit)))
    return rows, int(counts.get("open", 0)), int(counts.get("closed", 0))


def list_sessions(
    conn: Connection, org_id: str, statuses: list[str] | None, agent_id: str | None, limit: int
) -> list[DbRow]:
    query = (
        select(MessagingSession, Conversation.end_user_id, Conversation.prechat)
        .join(Conversation, Conversation.id == MessagingSession.conversation_id)
        .where(Conversation.org_id == org_id)
    )
    if statuses:
        query = query.where(MessagingSession.status.in_(statuses))
    if agent_id is not None:
        query = query.where(MessagingSession.agent_id == agent_id)
    query = query.order_by(MessagingSession.started_at.asc()).limit(limit)
    return list(conn.execute(query))


def session_entries(conn: Connection, conversation_id: str, limit: int) -> list[DbRow]:
    return list(
        conn.execute(
            select(ConversationEntry)
            .where(ConversationEntry.conversation_id == conversation_id)
            .order_by(ConversationEntry.transcripted_at.asc())
            .limit(limit)
        )
    )
