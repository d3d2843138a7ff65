"""Slow and stalled clients over a real server: a stream whose client stops reading is closed
when a write is not taken in time (and at its token's expiry), its client resumes from its last
event id without losing anything, other streams go on; a request whose body never comes gets a
408 and its connection is closed."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.types import Message

from livedesk.config import Settings, StreamSettings
from livedesk.kit import jsonutil
from livedesk.kit.clock import FakeClock
from livedesk.streams.hub import StreamHub, revoke_message
from livedesk.streams.response import WRITE_BYTES, SseResponse
from livedesk.streams.service import Outgoing, append, end_user_recipient
from tests.helpers import MIAW, ORG, Api, Customer, customer_stream

WRITE_TIMEOUT = 1.0
BODY_TIMEOUT = 0.5
PAD = "x" * 32_000
MOST_EVENTS = 300  # ~10 MB: more than the kernel's own buffer sizing takes on loopback


@pytest.fixture
def settings(settings: Settings) -> Settings:
    settings.streams.write_timeout_seconds = WRITE_TIMEOUT
    settings.limits.body_timeout_seconds = BODY_TIMEOUT
    return settings


@dataclass
class RawClient:
    """A client on a bare socket with a small receive buffer, that reads only when told."""

    sock: socket.socket
    received: bytearray = field(default_factory=bytearray)

    async def send(self, data: bytes) -> None:
        await asyncio.get_running_loop().sock_sendall(self.sock, data)

    async def read_until(self, done: Callable[[bytes], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not done(bytes(self.received)):
                data = await asyncio.get_running_loop().sock_recv(self.sock, 65536)
                assert data, "the server ended the connection"
                self.received += data

    async def read_to_end(self, timeout: float = 5.0) -> bool:
        """Read until the server ends the connection; whether it reset it."""
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(timeout):
            while True:
                try:
                    data = await loop.sock_recv(self.sock, 65536)
                except ConnectionResetError:
                    return True
                if not data:
                    return False
                self.received += data


@asynccontextmanager
async def raw_client(live_url: str) -> AsyncIterator[RawClient]:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    try:
        host, port = live_url.removeprefix("http://").split(":")
        await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
        yield RawClient(sock)
    finally:
        sock.close()


@asynccontextmanager
async def stalled_stream(live_url: str, customer: Customer) -> AsyncIterator[RawClient]:
    async with raw_client(live_url) as client:
        await client.send(
            (
                "GET /eventrouter/v1/sse HTTP/1.1\r\nHost: livedesk\r\n"
                f"Accept: text/event-stream\r\nAuthorization: Bearer {customer.token}\r\n"
                f"X-Org-Id: {ORG}\r\n\r\n"
            ).encode()
        )
        await client.read_until(lambda raw: b": ok" in raw)
        yield client


def events_in(raw: bytes) -> list[tuple[int, int]]:
    """(event id, index) of each whole event of a chunked SSE response cut anywhere."""
    _, _, rest = raw.partition(b"\r\n\r\n")
    body = bytearray()
    while rest:
        size_line, sep, rest = rest.partition(b"\r\n")
        if not sep:
            break
        size = int(size_line, 16)
        body += rest[:size]
        rest = rest[size + 2 :]
    events = []
    for frame in bytes(body).split(b"\n\n")[:-1]:  # the last piece is not a whole event
        fields = dict(line.split(b": ", 1) for line in frame.split(b"\n") if b": " in line)
        if b"id" in fields:
            events.append((int(fields[b"id"]), json.loads(fields[b"data"])["n"]))
    return events


class Publisher:
    """Large events for one customer's stream, straight into its durable stream."""

    def __init__(self, app: FastAPI, customer: Customer, pad: str = PAD) -> None:
        self.c = app.state.container
        self.pad = pad
        self.recipient = end_user_recipient(customer.subject)
        self.published: list[tuple[int, int]] = []

    async def publish(self) -> Outgoing:
        n = len(self.published)
        data = jsonutil.dumps({"n": n, "pad": self.pad})
        out: Outgoing = await self.c.db.transaction(
            lambda conn: append(conn, self.recipient, "NOTE", data, n)
        )
        self.published.append((out.seq, n))
        return out

    async def until_stalled(self) -> None:
        """Publish until the stream's write waits for its client (the kernel's buffers full)."""
        while self.c.hub.stats().stalled == 0:
            assert len(self.published) < MOST_EVENTS, "the stream never stalled"
            await self.publish()


def on_call(obj: object, name: str) -> asyncio.Event:
    """An event set when `obj.name` is next called."""
    called = asyncio.Event()
    original = getattr(obj, name)

    def wrapper() -> None:
        original()
        called.set()

    setattr(obj, name, wrapper)
    return called


async def test_a_stream_whose_client_stops_reading_is_closed_and_resumes_without_loss(
    live: Api, live_url: str, app: FastAPI
) -> None:
    c = app.state.container
    stalled, reading = await live.customer(), await live.customer()
    closed = on_call(c.hub, "count_too_slow")
    others = Publisher(app, reading)
    async with customer_stream(reading) as healthy:
        async with stalled_stream(live_url, stalled) as client:
            publisher = Publisher(app, stalled)
            for _ in range(3):
                await publisher.publish()
            await client.read_until(lambda raw: len(events_in(raw)) == 3)  # then stops reading
            await publisher.until_stalled()
            # What a stalled stream holds (in the kernel's buffers and the server's) is small.
            assert len(publisher.published) * len(PAD) < 512 * 1024
            sent = await others.publish()  # other streams go on meanwhile
            assert (await healthy.next()).id == str(sent.seq)
            await asyncio.wait_for(closed.wait(), WRITE_TIMEOUT + 5)
            # Reset: dropped with what the server and the kernel held for it, not drained first.
            assert await client.read_to_end()
        got = events_in(bytes(client.received))
        assert got == publisher.published[: len(got)]  # a prefix: in order, nothing skipped
        assert len(got) < len(publisher.published)  # it was behind when it was closed
        sent = await others.publish()
        assert (await healthy.next()).id == str(sent.seq)
    async with customer_stream(stalled, str(got[-1][0])) as resumed:
        rest = [
            (int(e.id), e.data["n"])
            for e in [await resumed.next() for _ in publisher.published[len(got) :]]
        ]
    assert got + rest == publisher.published
    metrics = (await live.http.get("/metrics")).text
    assert "livedesk_sse_slow_streams_closed_total 1.0" in metrics
    assert "livedesk_sse_streams_stalled 0.0" in metrics


async def test_token_expiry_closes_streams_that_are_stalled_too(
    live: Api, live_url: str, app: FastAPI, clock: FakeClock
) -> None:
    c = app.state.container
    c.settings.streams.write_timeout_seconds = 3600  # only the expiry can end it
    stalled, idle = await live.customer(), await live.customer()
    async with customer_stream(idle) as idle_stream:
        async with stalled_stream(live_url, stalled) as client:
            await Publisher(app, stalled).until_stalled()
            assert await c.sweeper.sweep_once() == 0  # behind its client, it missed nothing
            assert c.sweeper.close_expired() == 0
            clock.advance(c.settings.limits.token_ttl_seconds + 1)
            assert c.sweeper.close_expired() == 2
            assert await client.read_to_end()
        with pytest.raises(EOFError):
            await idle_stream.next()
    assert c.hub.open_streams == 0 and c.hub.stats().too_slow == 0


async def read_response(client: RawClient) -> tuple[bytes, bytes]:
    """The head and body of the one response on a connection the server then closes."""
    assert not await client.read_to_end()
    head, _, body = bytes(client.received).partition(b"\r\n\r\n")
    return head, body


async def test_a_body_that_never_comes_gets_a_408_and_its_connection_closed(
    live: Api, live_url: str
) -> None:
    customer, _ = await live.chatting()
    started = time.monotonic()
    async with raw_client(live_url) as client:
        await client.send(
            (
                f"POST {MIAW}/conversation/{customer.conversation_id}/message HTTP/1.1\r\n"
                f"Host: livedesk\r\nAuthorization: Bearer {customer.token}\r\n"
                "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            ).encode()
        )
        head, body = await read_response(client)
    assert time.monotonic() - started >= BODY_TIMEOUT
    assert head.startswith(b"HTTP/1.1 408 ") and b"connection: close" in head.lower()
    assert json.loads(body)["code"] == "body_timeout"


async def test_an_upload_that_stops_gets_a_408_and_its_connection_closed(
    live: Api, live_url: str, settings: Settings
) -> None:
    customer, _ = await live.chatting()
    async with raw_client(live_url) as client:
        await client.send(
            (
                f"POST {MIAW}/conversation/{customer.conversation_id}/file HTTP/1.1\r\n"
                f"Host: livedesk\r\nAuthorization: Bearer {customer.token}\r\n"
                f"X-Org-Id: {ORG}\r\n"
                "Content-Type: multipart/form-data; boundary=b0undary\r\n"
                "Content-Length: 100000\r\n\r\n"
                '--b0undary\r\nContent-Disposition: form-data; name="fileData"; '
                'filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG'
            ).encode()
        )
        head, body = await read_response(client)
    assert head.startswith(b"HTTP/1.1 408 ") and b"connection: close" in head.lower()
    assert json.loads(body)["code"] == "body_timeout"
    incoming = settings.data_dir / "files" / "incoming"
    assert not incoming.exists() or not list(incoming.iterdir())  # its part file is gone


def test_a_mailbox_holds_at_most_its_buffer_then_reads_back_from_the_database() -> None:
    box = StreamHub(StreamSettings(buffer_bytes=4096)).subscribe("u:someone", "token")
    box.put(1, b"a" * 3000)
    box.put(2, b"b" * 1000)
    assert box.size == 4000 and not box.overflowed
    box.put(3, b"c" * 100)  # past the buffer: dropped, read back from the database
    assert box.take() == ([], True)
    box.put(4, b"d" * 10_000)  # one frame larger than the buffer still goes alone
    assert box.take() == ([(4, b"d" * 10_000)], False)


async def test_a_backlog_is_written_in_pieces_of_bounded_size(api: Api, app: FastAPI) -> None:
    c = app.state.container
    c.settings.streams.buffer_bytes = 1 << 20  # what bounds the writes is their own limit
    customer = await api.customer()
    publisher = Publisher(app, customer, pad="x" * 3000)
    for _ in range(300):  # 0.9 MB: one catch-up batch
        await publisher.publish()
    writes: list[bytes] = []
    ended = asyncio.Event()

    async def send(message: Message) -> None:
        writes.append(message.get("body", b""))
        if len(events_in(b"\r\n\r\n" + chunked(writes))) == 300:
            c.hub.deliver(revoke_message("the-token"))

    async def receive() -> Message:
        await ended.wait()
        return {"type": "http.disconnect"}

    response = SseResponse(
        streams=c.streams,
        hub=c.hub,
        clock=c.clock,
        recipient=publisher.recipient,
        token_id="the-token",
        token_expires_ms=c.clock.now_ms() + 60_000,
        cursor=0,
        ping_seconds=60,
        batch=500,
    )
    await asyncio.wait_for(response({"type": "http"}, receive, send), 5)
    ended.set()
    assert events_in(b"\r\n\r\n" + chunked(writes)) == publisher.published
    assert max(len(w) for w in writes) <= WRITE_BYTES


def chunked(bodies: list[bytes]) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(b), b) for b in bodies if b)


@pytest.mark.skipif(not hasattr(socket, "TCP_USER_TIMEOUT"), reason="TCP_USER_TIMEOUT is Linux's")
def test_a_streams_connection_drops_a_peer_that_stops_acknowledging() -> None:
    """A laptop that sleeps with the console open acknowledges nothing: its stream's socket gives
    up after DEAD_PEER_MS instead of the kernel's quarter of an hour of retries."""
    from livedesk.streams.response import DEAD_PEER_MS, _size_buffers

    class Transport:
        def __init__(self, sock: socket.socket) -> None:
            self.sock = sock

        def get_extra_info(self, name: str) -> Any:
            return self.sock if name == "socket" else None

        def set_write_buffer_limits(self, high: int) -> None:
            pass

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        _size_buffers(Transport(sock), 0)  # type: ignore[arg-type]
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT) == DEAD_PEER_MS
