"""Queries on stream heads and stream events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, insert, select

from livedesk.kit import sql
from livedesk.kit.sql import Sql
from livedesk.models import PERSONAL_STREAMS, StreamEvent, StreamHead

# These run for every event: on the driver (see kit.sql).
_NEXT_SEQ = Sql(
    "UPDATE stream_heads SET last_seq = last_seq + 1 WHERE recipient = :recipient"
    " RETURNING last_seq"
)
_INSERT_EVENT = Sql(
    "INSERT INTO stream_events (recipient, seq, event, data, created_at)"
    " VALUES (:recipient, :seq, :event, :data, :created_at)"
)
# On PostgreSQL both in one statement: a round trip fewer for each event (SQLite, in process,
# runs the two above).
_APPEND_EVENT = Sql(
    "WITH head AS (UPDATE stream_heads SET last_seq = last_seq + 1 WHERE recipient = :recipient"
    " RETURNING last_seq) INSERT INTO stream_events (recipient, seq, event, data, created_at)"
    " SELECT CAST(:recipient AS VARCHAR), last_seq, CAST(:event AS VARCHAR),"
    " CAST(:data AS TEXT), CAST(:created_at AS BIGINT) FROM head RETURNING seq"
)
_HEAD = select(StreamHead.last_seq).where(StreamHead.recipient == bindparam("b_recipient"))


def appending(when: str) -> str:
    """Several recipients' next events as two CTEs of a statement (PostgreSQL): `heads` and
    `appended` (recipient, seq), run only `when` (a condition the statement's earlier CTEs
    decide), with the parameters :recipients, :events, :datas and :created_at. The heads are
    found by key (`= ANY`), not by joining the given list, which PostgreSQL may plan as a scan of
    every head; recipients without a head yet get no event here (`seqs_of` appends theirs)."""
    return (
        "heads AS (UPDATE stream_heads SET last_seq = last_seq + 1 WHERE recipient ="
        f" ANY(CAST(:recipients AS VARCHAR[])) AND {when} RETURNING recipient, last_seq),"
        " appended AS (INSERT INTO stream_events (recipient, seq, event, data, created_at)"
        " SELECT h.recipient, h.last_seq, g.event, g.data, CAST(:created_at AS BIGINT)"
        " FROM heads h JOIN unnest(CAST(:recipients AS VARCHAR[]), CAST(:events AS VARCHAR[]),"
        " CAST(:datas AS TEXT[])) AS g(recipient, event, data) ON g.recipient = h.recipient"
        " RETURNING recipient, seq)"
    )


def appending_params(events: list[tuple[str, str, str]], now: int) -> dict[str, Any]:
    """The parameters of `appending` for (recipient, event, data) events."""
    return {
        "recipients": [recipient for recipient, _, _ in events],
        "events": [event for _, event, _ in events],
        "datas": [data for _, _, data in events],
        "created_at": now,
    }


# Several recipients' next events in one statement (PostgreSQL).
_APPEND_EVENTS = Sql(f"WITH {appending('true')} SELECT recipient, seq FROM appended")


def create_head(conn: Connection, recipient: str) -> None:
    conn.execute(insert(StreamHead).values(recipient=recipient, last_seq=0))


def append_event(conn: Connection, recipient: str, event: str, data: str, now: int) -> int:
    """Store an event as the recipient's next one; its sequence number. The head row stays
    locked until commit, so one recipient's events commit in sequence order and a reader never
    sees N+1 before N."""
    values = {"recipient": recipient, "event": event, "data": data, "created_at": now}
    if not sql.on_sqlite(conn):
        seq = sql.scalar(conn, _APPEND_EVENT, values)
        if seq is not None:
            return int(seq)
    else:
        seq = sql.scalar(conn, _NEXT_SEQ, {"recipient": recipient})
    if seq is None:  # the recipient's first event
        conn.execute(insert(StreamHead).values(recipient=recipient, last_seq=1))
        seq = 1
    sql.run(conn, _INSERT_EVENT, {**values, "seq": seq})
    return int(seq)


def append_events(conn: Connection, events: list[tuple[str, str, str]], now: int) -> list[int]:
    """`append_event` for each (recipient, event, data), in order; their sequence numbers. On
    PostgreSQL events for distinct recipients that all have a head take one statement."""
    if len(events) > 1 and not sql.on_sqlite(conn) and distinct_recipients(events):
        found = sql.tuples(conn, _APPEND_EVENTS, appending_params(events, now))
        if found:
            return seqs_of(conn, events, found, now)
    return [append_event(conn, recipient, event, data, now) for recipient, event, data in events]


def distinct_recipients(events: list[tuple[str, str, str]]) -> bool:
    """Whether no two of the events go to one recipient (as `appending` needs)."""
    return len({recipient for recipient, _, _ in events}) == len(events)


def seqs_of(
    conn: Connection, events: list[tuple[str, str, str]], appended: list[Any], now: int
) -> list[int]:
    """The sequence numbers of `events`, in order, when those of `appended` ((recipient, seq)
    rows of `appending`) are stored: the others (recipients without a head yet) are appended now."""
    seqs = {recipient: int(seq) for recipient, seq in appended}
    return [
        seqs[recipient] if recipient in seqs else append_event(conn, recipient, event, data, now)
        for recipient, event, data in events
    ]


def head(conn: Connection, recipient: str) -> int:
    value = conn.execute(_HEAD, {"b_recipient": recipient}).scalar_one_or_none()
    return value or 0


def heads(conn: Connection, recipients: list[str]) -> dict[str, int]:
    query = select(StreamHead.recipient, StreamHead.last_seq).where(
        StreamHead.recipient.in_(recipients)
    )
    return {recipient: int(seq) for recipient, seq in conn.execute(query)}


def events_after(
    conn: Connection, recipient: str, cursor: int, limit: int
) -> list[tuple[int, str, str]]:
    rows = conn.execute(
        select(StreamEvent.seq, StreamEvent.event, StreamEvent.data)
        .where(StreamEvent.recipient == recipient, StreamEvent.seq > cursor)
        .order_by(StreamEvent.seq)
        .limit(limit)
    )
    return [(r.seq, r.event, r.data) for r in rows]


# The subquery's condition repeats the partial index's, so both databases use the index.
_PRUNE_PERSONAL = Sql(
    "DELETE FROM stream_events WHERE (recipient, seq) IN (SELECT recipient, seq FROM stream_events"
    f" WHERE {PERSONAL_STREAMS} AND created_at < :before LIMIT :limit)"
)


def prune_personal_before(conn: Connection, before_ms: int, limit: int) -> int:
    """Delete up to `limit` end-user and agent stream events created before `before_ms`."""
    return sql.run(conn, _PRUNE_PERSONAL, {"before": before_ms, "limit": limit})
