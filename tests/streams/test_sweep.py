"""The sweep: a stream that missed its wake-up (a lost bus message) catches up from the
database at the next sweep, without a repeat."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import Connection

from livedesk.kit import jsonutil, sse
from livedesk.streams import repository, sweeper
from livedesk.streams.hub import StreamHub
from livedesk.streams.service import Outgoing, append, end_user_recipient
from tests.helpers import Api, customer_stream


async def test_a_stream_that_missed_a_wake_up_catches_up_at_the_sweep(
    live: Api, app: FastAPI
) -> None:
    c = app.state.container
    customer = await live.customer()
    recipient = end_user_recipient(customer.subject)
    async with customer_stream(customer) as stream:
        assert await c.sweeper.sweep_once() == 0  # nobody is behind
        # Committed, but its announcement is lost (nothing told the bus).
        data = jsonutil.dumps({"note": "missed"})

        def unannounced(conn: Connection) -> Outgoing:
            seq = repository.append_event(conn, recipient, "NOTE", data.decode(), 1)
            return Outgoing(recipient, seq, sse.frame(seq, "NOTE", data))

        out = await c.db.transaction(unannounced)
        assert await c.sweeper.sweep_once() == 1
        event = await stream.next()
        assert event.event == "NOTE" and event.id == str(out.seq)
        assert event.data == {"note": "missed"}
        await c.streams.announce([out])  # the late announcement is not a repeat
        await c.sweeper.sweep_once()  # nor is another sweep: at most a catch-up finding nothing
        later = await c.db.transaction(lambda conn: append(conn, recipient, "NOTE", b"{}", 2))
        assert (await stream.next()).id == str(later.seq)  # the next one, not the missed again


async def test_a_wake_up_on_its_way_is_not_a_missed_one(
    live: Api, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The periodic sweep compares the streams with heads read a grace period before: an event
    committed just before the sweep and announced during the grace reaches its stream by the
    bus, and the sweep neither pokes it nor logs it as missed."""
    c = app.state.container
    customer = await live.customer()
    recipient = end_user_recipient(customer.subject)
    async with customer_stream(customer) as stream:

        def unannounced(conn: Connection) -> Outgoing:
            seq = repository.append_event(conn, recipient, "NOTE", "{}", 1)
            return Outgoing(recipient, seq, sse.frame(seq, "NOTE", b"{}"))

        out = await c.db.transaction(unannounced)

        async def grace(seconds: float) -> None:  # the heads are read; the announcement arrives
            assert seconds == sweeper.GRACE_SECONDS
            await c.streams.announce([out])
            assert (await stream.next()).id == str(out.seq)

        monkeypatch.setattr(c.sweeper, "wait", grace)
        assert await c.sweeper.sweep_once(sweeper.GRACE_SECONDS) == 0


def test_a_stream_holding_its_heads_event_is_not_behind() -> None:
    hub = StreamHub()
    box = hub.subscribe("u:1", "token")
    box.cursor = 5
    box.put(6, b"id: 6\n\n")  # told, not yet written
    box.put(0, b"event: typing\n\n")  # an ephemeral one after it
    assert hub.sweep({"u:1": 6}) == 0
    assert hub.sweep({"u:1": 7}) == 1  # 7 was never told: missed
