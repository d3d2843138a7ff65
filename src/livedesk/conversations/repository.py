"""Queries on conversations, messaging sessions and conversation entries."""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Connection,
    Select,
    func,
    insert,
    select,
    union,
    update,
)

from livedesk.conversations.entries import Entry, EntryType, NewEntry
from livedesk.kit import sql
from livedesk.kit.db import DbRow
from livedesk.kit.sql import Sql
from livedesk.models import (
    AgentWork,
    Conversation,
    ConversationEntry,
    ConversationStatus,
    MessagingSession,
    SessionAnswer,
    SessionHistory,
)
from livedesk.models.rows import ConversationRow, EntryRow, SessionRow
from livedesk.streams import repository as streams_repository

# The statements of the message path run on the driver (see kit.sql).
# Column lists come from the models, so a new column is read here too.
_CONVERSATION_COLUMNS = ", ".join(f"c.{c.name}" for c in Conversation.__table__.columns)
_GET_CONVERSATION = Sql(
    f"SELECT {_CONVERSATION_COLUMNS}, u.display_name AS end_user_name"
    " FROM conversations c JOIN end_users u ON u.id = c.end_user_id WHERE c.id = :id",
    json=["prechat"],
    row=ConversationRow,
)
_SESSION_COLUMNS = ", ".join(c.name for c in MessagingSession.__table__.columns)
_LATEST_SESSION = Sql(
    f"SELECT {_SESSION_COLUMNS} FROM messaging_sessions WHERE conversation_id = :conversation_id"
    " ORDER BY number DESC LIMIT 1",
    json=["routing_attributes"],
    row=SessionRow,
)
_GET_SESSION = Sql(
    f"SELECT {_SESSION_COLUMNS} FROM messaging_sessions WHERE id = :id",
    json=["routing_attributes"],
    row=SessionRow,
)
_ENTRY_COLUMNS = ", ".join(c.name for c in ConversationEntry.__table__.columns)
_FIND_ENTRY = Sql(
    f"SELECT {_ENTRY_COLUMNS} FROM conversation_entries"
    " WHERE conversation_id = :conversation_id AND identifier = :identifier",
    json=["payload"],
    row=EntryRow,
)
# What a customer's message needs to know, in one round trip: the conversation, whether the
# message is already stored (its id), whether a timer of a kind runs for the latest session (the
# customer's inactivity: most messages have none to stop), and the latest session. PostgreSQL
# finds the latest session by its index with a lateral join; SQLite has no lateral join, and
# finds it by its key.
_CONTEXT_HEAD = (
    f"SELECT {_CONVERSATION_COLUMNS}, u.display_name AS end_user_name,"
    " (SELECT e.seq FROM conversation_entries e"
    "  WHERE e.conversation_id = c.id AND e.identifier = :identifier) AS stored_seq,"
    " EXISTS (SELECT 1 FROM timers t WHERE t.kind = :timer_kind AND t.subject_id = s.id)"
    " AS timer_running,"
    f" {', '.join(f's.{c.name}' for c in MessagingSession.__table__.columns)}"
    " FROM conversations c JOIN end_users u ON u.id = c.end_user_id"
)
_MESSAGE_CONTEXT = Sql(
    f"{_CONTEXT_HEAD} LEFT JOIN messaging_sessions s ON s.id = (SELECT id FROM messaging_sessions"
    "  WHERE conversation_id = c.id ORDER BY number DESC LIMIT 1)"
    " WHERE c.id = :id"
)
_MESSAGE_CONTEXT_PG = Sql(
    f"{_CONTEXT_HEAD} LEFT JOIN LATERAL (SELECT * FROM messaging_sessions"
    "  WHERE conversation_id = c.id ORDER BY number DESC LIMIT 1) s ON true"
    " WHERE c.id = :id"
)
_CONVERSATION_WIDTH = len(ConversationRow._fields)
_PRECHAT = ConversationRow._fields.index("prechat")
_ROUTING_ATTRIBUTES = SessionRow._fields.index("routing_attributes")
# The next `count` timestamps: after the last one given out, and not before now.
_ALLOCATE_TIMES = Sql(
    "UPDATE conversations SET last_entry_at = CASE WHEN last_entry_at + :count > :latest"
    " THEN last_entry_at + :count ELSE :latest END WHERE id = :conversation_id"
    " RETURNING last_entry_at"
)
# On PostgreSQL one entry's timestamp (as _ALLOCATE_TIMES gives it) and its row together.
_RECORD_ENTRY = Sql(
    "WITH times AS (UPDATE conversations SET last_entry_at = CASE WHEN last_entry_at + 1 > :latest"
    " THEN last_entry_at + 1 ELSE :latest END WHERE id = :conversation_id RETURNING last_entry_at)"
    " INSERT INTO conversation_entries (identifier, conversation_id, session_id, entry_type,"
    " sender_role, sender_subject, sender_display_name, payload, client_timestamp,"
    " transcripted_at, automated_by) SELECT CAST(:identifier AS VARCHAR),"
    " CAST(:conversation_id AS VARCHAR), CAST(:session_id AS VARCHAR),"
    " CAST(:entry_type AS VARCHAR), CAST(:sender_role AS VARCHAR),"
    " CAST(:sender_subject AS VARCHAR), CAST(:sender_display_name AS VARCHAR),"
    " CAST(:payload AS JSON), CAST(:client_timestamp AS BIGINT), last_entry_at,"
    " CAST(:automated_by AS VARCHAR) FROM times RETURNING transcripted_at",
    json=["payload"],
)
# On PostgreSQL an entry whose timestamp the unit of work chose (`at`: after the conversation's
# last one as it read it, and not before now, as _RECORD_ENTRY would), its row and its events in
# one statement: a round trip fewer. Nothing is written unless `at` is still after the
# conversation's last timestamp (another unit of work may have taken one since: then no row comes
# back, and the entry is recorded as above); a row with recipient NULL says it was stored, the
# others are the events' (recipient, seq) as streams' `appending` returns them.
_RECORD_ENTRY_AND_EVENTS = Sql(
    "WITH times AS (UPDATE conversations SET last_entry_at = :at WHERE id = :conversation_id"
    " AND last_entry_at < :at RETURNING last_entry_at),"
    " entry AS (INSERT INTO conversation_entries (identifier, conversation_id, session_id,"
    " entry_type, sender_role, sender_subject, sender_display_name, payload, client_timestamp,"
    " transcripted_at, automated_by) SELECT CAST(:identifier AS VARCHAR),"
    " CAST(:conversation_id AS VARCHAR), CAST(:session_id AS VARCHAR),"
    " CAST(:entry_type AS VARCHAR), CAST(:sender_role AS VARCHAR),"
    " CAST(:sender_subject AS VARCHAR), CAST(:sender_display_name AS VARCHAR),"
    " CAST(:payload AS JSON), CAST(:client_timestamp AS BIGINT), last_entry_at,"
    " CAST(:automated_by AS VARCHAR) FROM times RETURNING transcripted_at),"
    f" {streams_repository.appending('EXISTS (SELECT 1 FROM entry)')}"
    " SELECT CAST(NULL AS VARCHAR), 0 FROM entry UNION ALL SELECT recipient, seq FROM appended",
    json=["payload"],
)
_INSERT_ENTRY = Sql(
    "INSERT INTO conversation_entries (identifier, conversation_id, session_id, entry_type,"
    " sender_role, sender_subject, sender_display_name, payload, client_timestamp,"
    " transcripted_at, automated_by) VALUES (:identifier, :conversation_id, :session_id,"
    " :entry_type, :sender_role, :sender_subject, :sender_display_name, :payload,"
    " :client_timestamp, :transcripted_at, :automated_by)",
    json=["payload"],
)


def get_conversation(conn: Connection, conversation_id: str) -> ConversationRow | None:
    """The conversation, with its end user's display name as `end_user_name`."""
    return sql.one(conn, _GET_CONVERSATION, {"id": conversation_id})


class MessageContext(NamedTuple):
    conversation: ConversationRow
    stored: bool  # an entry with the message's identifier is stored in the conversation
    session: SessionRow | None  # the latest session
    timer_running: bool  # a timer of the kind asked for runs for that session


def message_context(
    conn: Connection, conversation_id: str, identifier: str, timer_kind: str
) -> MessageContext | None:
    """What a customer's message needs, in one statement: the conversation, whether an entry
    `identifier` is stored in it, its latest session, and whether a `timer_kind` timer runs for
    that session (`get_conversation`, `find_entry`, `latest_session` and timers.exists)."""
    statement = _MESSAGE_CONTEXT if sql.on_sqlite(conn) else _MESSAGE_CONTEXT_PG
    found = sql.tuples(
        conn, statement, {"id": conversation_id, "identifier": identifier, "timer_kind": timer_kind}
    )
    if not found:
        return None
    row = list(found[0])
    row[_PRECHAT] = sql.json_value(row[_PRECHAT])
    conversation = ConversationRow._make(row[:_CONVERSATION_WIDTH])
    stored, timer_running = row[_CONVERSATION_WIDTH : _CONVERSATION_WIDTH + 2]
    session_values = row[_CONVERSATION_WIDTH + 2 :]
    session = None
    if session_values[0] is not None:
        session_values[_ROUTING_ATTRIBUTES] = sql.json_value(session_values[_ROUTING_ATTRIBUTES])
        session = SessionRow._make(session_values)
    return MessageContext(conversation, stored is not None, session, bool(timer_running))


def insert_conversation(conn: Connection, **values: Any) -> None:
    conn.execute(insert(Conversation).values(**values))


def close_conversation(conn: Connection, conversation_id: str, now: int) -> None:
    conn.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(status=ConversationStatus.CLOSED, closed_at=now)
    )


def latest_session(conn: Connection, conversation_id: str) -> SessionRow | None:
    return sql.one(conn, _LATEST_SESSION, {"conversation_id": conversation_id})


def latest_session_of_record(conn: Connection, record_id: str) -> SessionRow | None:
    row = conn.execute(
        select(MessagingSession)
        .where(MessagingSession.case_id == record_id)
        .order_by(MessagingSession.started_at.desc())
        .limit(1)
    ).first()
    return SessionRow._make(row) if row is not None else None


def get_session(conn: Connection, session_id: str) -> SessionRow | None:
    return sql.one(conn, _GET_SESSION, {"id": session_id})


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
    """Only `lifecycle.begin` calls this (it chooses the status)."""
    conn.execute(insert(MessagingSession).values(**values))


_LEAVE_HISTORY = Sql(
    "UPDATE session_history SET left_at = :at WHERE session_id = :session_id AND left_at IS NULL"
)


def insert_history(
    conn: Connection,
    org_id: str,
    session_id: str,
    at: int,
    event: str,
    status: str,
    queue_name: str | None,
    agent_id: str | None,
) -> None:
    """Only `lifecycle.begin` and `lifecycle.move` call this: the status the session entered
    (and so left the one before)."""
    sql.run(conn, _LEAVE_HISTORY, {"session_id": session_id, "at": at})
    conn.execute(
        insert(SessionHistory).values(
            org_id=org_id,
            session_id=session_id,
            at=at,
            event=event,
            status=status,
            queue_name=queue_name,
            agent_id=agent_id,
        )
    )


def update_session(conn: Connection, session_id: str, **values: Any) -> None:
    """Columns other than the status (the status moves only through `lifecycle.move`)."""
    if "status" in values:
        raise ValueError("a session's status is written by lifecycle.move only")
    conn.execute(update(MessagingSession).where(MessagingSession.id == session_id).values(**values))


def set_status(conn: Connection, session_id: str, before: str, after: str, **values: Any) -> bool:
    """Only `lifecycle.move` calls this: `before` → `after` (with `values`) if the session is
    still `before`; False when another unit changed it first."""
    result = conn.execute(
        update(MessagingSession)
        .where(MessagingSession.id == session_id, MessagingSession.status == before)
        .values(status=after, **values)
    )
    return result.rowcount == 1


def find_entry(conn: Connection, conversation_id: str, identifier: str) -> EntryRow | None:
    return sql.one(
        conn, _FIND_ENTRY, {"conversation_id": conversation_id, "identifier": identifier}
    )


def allocate_times(conn: Connection, conversation_id: str, now: int, count: int) -> int:
    """Reserve `count` transcript timestamps, strictly increasing within the conversation, and
    return the first. The update also serialises writers of one conversation."""
    value = sql.scalar(
        conn,
        _ALLOCATE_TIMES,
        {"conversation_id": conversation_id, "latest": now + count - 1, "count": count},
    )
    if value is None:
        raise LookupError(f"no conversation {conversation_id}")
    return int(value) - count + 1


def insert_entries(
    conn: Connection, conversation_id: str, session_id: str | None, new: list[NewEntry], now: int
) -> list[Entry]:
    if len(new) == 1 and not sql.on_sqlite(conn):
        return [_insert_one(conn, conversation_id, session_id, new[0], now)]
    first = allocate_times(conn, conversation_id, now, len(new))
    stored = [entry_at(conversation_id, session_id, n, first + i) for i, n in enumerate(new)]
    sql.run(conn, _INSERT_ENTRY, [_entry_values(e, n) for e, n in zip(stored, new, strict=True)])
    return stored


def insert_entry_and_events(
    conn: Connection, entry: Entry, n: NewEntry, events: list[tuple[str, str, str]], now: int
) -> list[int] | None:
    """PostgreSQL only (on SQLite a statement costs no round trip): store `entry` (made by
    `entry_at` for `n`, at a timestamp after the conversation's last one as the unit of work read
    it) and its (recipient, event, data) events in one statement, if that timestamp is still free;
    the events' sequence numbers. None when nothing was stored: for two events to one recipient,
    or when the conversation's last timestamp moved since it was read. Then `insert_entries` and
    streams' `append_events` record them as usual."""
    if not streams_repository.distinct_recipients(events):
        return None
    values = _entry_values(entry, n)
    params = {**values, **streams_repository.appending_params(events, now)}
    found = sql.tuples(conn, _RECORD_ENTRY_AND_EVENTS, {**params, "at": entry.transcripted_at})
    if not found:
        return None
    appended = [row for row in found if row[0] is not None]
    return streams_repository.seqs_of(conn, events, appended, now)


def entry_at(conversation_id: str, session_id: str | None, n: NewEntry, at: int) -> Entry:
    """The entry `n` is once stored at `at`."""
    return Entry(
        identifier=n.identifier,
        conversation_id=conversation_id,
        session_id=session_id,
        entry_type=n.entry_type,
        sender=n.sender,
        payload=n.payload,
        client_timestamp=n.client_timestamp,
        transcripted_at=at,
    )


def _entry_values(e: Entry, n: NewEntry) -> dict[str, Any]:
    return {
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
        "automated_by": n.automated_by,
    }


def _insert_one(
    conn: Connection, conversation_id: str, session_id: str | None, n: NewEntry, now: int
) -> Entry:
    """`insert_entries` of one entry on PostgreSQL: its timestamp and its row in one statement."""
    entry = entry_at(conversation_id, session_id, n, 0)  # the database gives the timestamp
    values = _entry_values(entry, n)
    del values["transcripted_at"]
    at = sql.scalar(conn, _RECORD_ENTRY, {**values, "latest": now})
    if at is None:
        raise LookupError(f"no conversation {conversation_id}")
    return dataclasses.replace(entry, transcripted_at=int(at))


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
        query = query.where(Conversation.status == ConversationStatus.OPEN)
    rows = list(conn.execute(query.order_by(Conversation.created_at.desc()).limit(limit)))
    return (
        rows,
        int(counts.get(ConversationStatus.OPEN, 0)),
        int(counts.get(ConversationStatus.CLOSED, 0)),
    )


def list_sessions(
    conn: Connection,
    org_id: str,
    statuses: list[str] | None,
    agent_id: str | None,
    limit: int,
    readable: ColumnElement[bool] | None = None,
) -> list[DbRow]:
    """`readable`: only the sessions the reader may read (agents.access.readable_sessions)."""
    query = (
        select(MessagingSession, Conversation.end_user_id, Conversation.prechat)
        .join(Conversation, Conversation.id == MessagingSession.conversation_id)
        .where(Conversation.org_id == org_id)
    )
    if readable is not None:
        query = query.where(readable)
    if statuses:
        query = query.where(MessagingSession.status.in_(statuses))
    if agent_id is not None:
        query = query.where(MessagingSession.agent_id == agent_id)
    query = query.order_by(MessagingSession.started_at.asc()).limit(limit)
    return list(conn.execute(query))


def first_reply_after_customer(
    conn: Connection, conversation_id: str, session_id: str, agent_role: str, customer_role: str
) -> int | None:
    """When the session's first message from `agent_role` after the last one from
    `customer_role` was recorded (its `transcripted_at`), or None if there is none."""
    e = ConversationEntry

    def messages(role: str) -> list[ColumnElement[bool]]:
        return [
            e.conversation_id == conversation_id,
            e.session_id == session_id,
            e.entry_type == EntryType.MESSAGE,
            e.sender_role == role,
        ]

    last_customer = select(func.max(e.transcripted_at)).where(*messages(customer_role))
    query = select(func.min(e.transcripted_at)).where(
        *messages(agent_role),
        e.transcripted_at > func.coalesce(last_customer.scalar_subquery(), -1),
    )
    found: int | None = conn.execute(query).scalar()
    return found


def session_entries(conn: Connection, conversation_id: str, limit: int) -> list[DbRow]:
    return list(
        conn.execute(
            select(ConversationEntry)
            .where(ConversationEntry.conversation_id == conversation_id)
            .order_by(ConversationEntry.transcripted_at.asc())
            .limit(limit)
        )
    )


# Messaging components sent in sessions and their answers (conversations.answers).


def insert_question(conn: Connection, **values: Any) -> None:
    conn.execute(insert(SessionAnswer).values(**values))


def get_question(conn: Connection, conversation_id: str, question_id: str) -> DbRow | None:
    return conn.execute(
        select(SessionAnswer).where(
            SessionAnswer.conversation_id == conversation_id,
            SessionAnswer.question_id == question_id,
        )
    ).first()


def set_answer(conn: Connection, conversation_id: str, question_id: str, **values: Any) -> bool:
    """Record the answer to a question not answered yet; False when another answer came first."""
    result = conn.execute(
        update(SessionAnswer)
        .where(
            SessionAnswer.conversation_id == conversation_id,
            SessionAnswer.question_id == question_id,
            SessionAnswer.answer_id.is_(None),
        )
        .values(**values)
    )
    return result.rowcount == 1


def session_answers(conn: Connection, session_id: str) -> list[DbRow]:
    """The components sent in the session, in the order the transcript shows them."""
    question = ConversationEntry
    return list(
        conn.execute(
            select(SessionAnswer)
            .join(
                question,
                (question.conversation_id == SessionAnswer.conversation_id)
                & (question.identifier == SessionAnswer.question_id),
            )
            .where(SessionAnswer.session_id == session_id)
            .order_by(question.transcripted_at)
        )
    )


def component_sent(conn: Connection, session_id: str, component: str, by_role: str) -> bool:
    query = select(SessionAnswer.question_id).where(
        SessionAnswer.session_id == session_id,
        SessionAnswer.component == component,
        SessionAnswer.sent_by_role == by_role,
    )
    return conn.execute(query.limit(1)).first() is not None


# The reading rule's queries (conversations.reading).
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
