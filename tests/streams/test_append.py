"""Appending to durable streams: each recipient's events are numbered 1, 2, 3… in order, whether
they are appended one by one or several recipients' at once (one statement on PostgreSQL), and a
recipient's first event makes its head."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Connection

from livedesk.streams import repository
from livedesk.streams.hub import StreamHub, bundle_message, event_message
from livedesk.streams.service import append_all


async def test_several_recipients_at_once_number_each_stream_in_order(app: FastAPI) -> None:
    db = app.state.container.db

    def first(conn: Connection) -> list[int]:  # "a" has a head, "b" and "c" get theirs
        return [repository.append_event(conn, "t:a", "E", "{}", 1)] + [
            o.seq for o in append_all(conn, [("t:b", "E", b"{}"), ("t:c", "E", b"{}")], 1)
        ]

    def together(conn: Connection) -> list[int]:
        events = [("t:a", "E", b"{}"), ("t:b", "F", b"{}"), ("t:c", "G", b"{}")]
        return [o.seq for o in append_all(conn, events, 2)]

    def mixed(conn: Connection) -> list[int]:  # a new recipient among known ones; one twice
        events = [("t:a", "E", b"{}"), ("t:d", "E", b"{}"), ("t:a", "H", b"{}")]
        return [o.seq for o in append_all(conn, events, 3)]

    assert await db.transaction(first) == [1, 1, 1]
    assert await db.transaction(together) == [2, 2, 2]
    assert await db.transaction(mixed) == [3, 1, 4]

    def events_of(conn: Connection) -> dict[str, list[tuple[int, str]]]:
        return {
            r: [(seq, event) for seq, event, _ in repository.events_after(conn, r, 0, 10)]
            for r in ("t:a", "t:b", "t:c", "t:d")
        }

    assert await db.read(events_of) == {
        "t:a": [(1, "E"), (2, "E"), (3, "E"), (4, "H")],
        "t:b": [(1, "E"), (2, "F")],
        "t:c": [(1, "E"), (2, "G")],
        "t:d": [(1, "E")],
    }


def test_a_bundle_wakes_each_recipient_of_it_once() -> None:
    """What one unit of work announced travels as one bus message; each stream gets its own."""
    hub = StreamHub()
    a = hub.subscribe("t:a", "token-a")
    b = hub.subscribe("t:b", "token-b")
    frames = [b"id: 1\ndata: {}\n\n", b"id: 7\ndata: \x00\xff\n\n"]  # any bytes
    message = bundle_message(
        [event_message("t:a", 1, frames[0]), event_message("t:b", 7, frames[1])]
    )
    assert message.startswith(b"B")
    hub.deliver(message)
    assert a.take() == ([(1, frames[0])], False)
    assert b.take() == ([(7, frames[1])], False)
    assert bundle_message([event_message("t:a", 2, frames[0])]).startswith(b"E ")  # one: as is
