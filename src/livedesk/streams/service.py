"""Appending to streams inside a unit of work, and telling open streams after commit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from livedesk.bus import Bus
from livedesk.kit import sse
from livedesk.kit.db import Database
from livedesk.kit.effects import tell
from livedesk.streams import repository
from livedesk.streams.hub import bundle_message, event_message, revoke_message


def end_user_recipient(end_user_id: str) -> str:
    return f"u:{end_user_id}"


def agent_recipient(agent_id: str) -> str:
    return f"a:{agent_id}"


def event_recipient(org_id: str, event_type: str) -> str:
    """The stream of one platform event type of an org (its positions are replay ids)."""
    return f"e:{org_id}:{event_type}"


@dataclass(frozen=True)
class Outgoing:
    """A committed stream event, encoded once, waiting to be announced."""

    recipient: str
    seq: int
    frame: bytes


def append(conn: Connection, recipient: str, event: str, data: bytes, now: int) -> Outgoing:
    """Add an event to a recipient's durable stream (call inside a unit of work); its open
    streams are woken once the unit commits (`StreamService.announce`, subscribed to Outgoing)."""
    return append_all(conn, [(recipient, event, data)], now)[0]


def append_all(conn: Connection, events: list[tuple[str, str, bytes]], now: int) -> list[Outgoing]:
    """`append` for each (recipient, event, data), in order (on PostgreSQL several recipients'
    events in one round trip)."""
    seqs = repository.append_events(conn, stored_form(events), now)
    return appended(conn, events, seqs)


def stored_form(events: list[tuple[str, str, bytes]]) -> list[tuple[str, str, str]]:
    """(recipient, event, data) as the stream repository stores them (data as text)."""
    return [(recipient, event, data.decode()) for recipient, event, data in events]


def appended(
    conn: Connection, events: list[tuple[str, str, bytes]], seqs: list[int]
) -> list[Outgoing]:
    """Events stored in this unit of work with these sequence numbers (by `append_all`, or by a
    statement of the caller's that stored them with its entry): told to open streams after
    commit."""
    outs = [
        Outgoing(recipient, seq, sse.frame(seq, event, data))
        for (recipient, event, data), seq in zip(events, seqs, strict=True)
    ]
    for out in outs:
        tell(conn, out)
    return outs


class StreamService:
    def __init__(self, db: Database, bus: Bus) -> None:
        self._db = db
        self._bus = bus

    async def announce(self, events: list[Outgoing]) -> None:
        """After commit: wake the streams of every recipient (the database calls it with what
        each unit of work appended)."""
        if events:  # one publish for them all: each process is woken once per unit
            await self._bus.publish(
                bundle_message([event_message(e.recipient, e.seq, e.frame) for e in events])
            )

    async def send_ephemeral(self, recipient: str, event: str, data: bytes) -> None:
        """An event with no id (typing): delivered to open streams, never stored or replayed."""
        await self._bus.publish(event_message(recipient, 0, sse.frame(None, event, data)))

    async def close_streams(self, token_id: str) -> None:
        """Close every stream opened with a token, in every process."""
        await self._bus.publish(revoke_message(token_id))

    async def head(self, recipient: str) -> int:
        return await self._db.read(lambda conn: repository.head(conn, recipient))

    async def frames_after(
        self, recipient: str, cursor: int, limit: int
    ) -> list[tuple[int, bytes]]:
        rows = await self._db.read(
            lambda conn: repository.events_after(conn, recipient, cursor, limit)
        )
        return [(seq, sse.frame(seq, event, data.encode())) for seq, event, data in rows]
