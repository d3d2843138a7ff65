"""The SSE response: catch up from the database, then follow the hub; never skip, never repeat.

A plain ASGI response with one helper task (to notice a disconnect at once) keeps an idle stream
small: no task group, no per-event allocation beyond the frame bytes.

A client that stops reading must not hold the server. uvicorn's `send` waits (for ever) only
once the connection's write buffer is above its high-water mark (64 KiB), and takes any write
whole before that; the kernel's send buffer grows to megabytes before that. So a stream's
connection gets a small kernel buffer (`streams.socket_buffer_bytes`), every write is at most
`WRITE_BYTES` and has a deadline (`streams.write_timeout_seconds`), and the frames a stream holds
besides are bounded by `streams.buffer_bytes` (its mailbox, and each batch it reads back from the
database). A write still waiting at its deadline, or when its mailbox is closed (revoked,
expired), ends the stream and resets its connection; the client resumes from the last event id
it got. Measured with `bench/stalled_streams.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol, runtime_checkable

from starlette.background import BackgroundTask
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from livedesk.kit import sse
from livedesk.kit.clock import Clock
from livedesk.streams.hub import Mailbox, StreamHub
from livedesk.streams.service import StreamService

HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache, no-transform"),
    (b"x-accel-buffering", b"no"),
]
# The most one `send` hands the server, and the high-water mark of a stream's transport (64 KiB
# by default): uvicorn takes a write whole while its buffer is below the mark, and a write that
# waits holds its bytes, so a stalled stream holds about twice this in the server.
WRITE_BYTES = 16 * 1024
DEAD_PEER_MS = 30_000  # unacknowledged data older than this drops the connection (Linux)
LINGER_OFF = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close resets, dropping the buffers


@runtime_checkable
class Transport(Protocol):
    def abort(self) -> None: ...
    def get_extra_info(self, name: str, default: Any = None) -> Any: ...
    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None: ...


class Stalled(Exception):
    """A write was not taken before its deadline, or its stream was closed while it waited."""


class SseResponse(Response):
    media_type = "text/event-stream"

    def __init__(
        self,
        *,
        streams: StreamService,
        hub: StreamHub,
        clock: Clock,
        recipient: str,
        token_id: str,
        token_expires_ms: int,
        cursor: int | None,
        ping_seconds: float,
        batch: int,
        on_close: Callable[[], Awaitable[None]] | None = None,
        accept: Callable[[bytes], bool] | None = None,
    ) -> None:
        self.status_code = 200
        self.background: BackgroundTask | None = None
        self.streams = streams
        self.hub = hub
        self.clock = clock
        self.recipient = recipient
        self.token_id = token_id
        self.token_expires_ms = token_expires_ms
        self.cursor = cursor
        self.ping_seconds = ping_seconds
        self.batch = batch
        self.on_close = on_close
        self.accept = accept  # a filter on frames (subscriptions with a filter); None: all

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        mailbox = self.hub.subscribe(self.recipient, self.token_id, self.token_expires_ms)
        try:
            # The head is read before the client sees the response: whatever it does once it
            # has the 200 commits after the head, so a stream without a cursor delivers it.
            # A database that does not answer is an error of the request (503, web.errors), not
            # a client gone: it must not reach the `except OSError` below.
            head = await self.streams.head(self.recipient)
        except BaseException:
            self.hub.unsubscribe(mailbox)
            if self.on_close is not None:
                await self.on_close()
            raise
        _size_buffers(_transport(receive), self.hub.settings.socket_buffer_bytes)
        watcher = asyncio.ensure_future(_watch_disconnect(receive, mailbox))
        stalled = False
        try:
            # A cursor beyond the head (a stale id from another database) would wait forever.
            cursor = head if self.cursor is None else min(self.cursor, head)
            mailbox.cursor = cursor  # the hub's sweep knows where the stream is from the start
            await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
            await _write(send, mailbox, b": ok\n\n")
            cursor = await self._catch_up(send, mailbox, cursor)
            await self._follow(send, mailbox, cursor)
        except OSError:
            pass  # the client went away while we were writing
        except Stalled:
            stalled = True
            if not mailbox.closed:
                self.hub.count_too_slow()
        finally:
            self.hub.unsubscribe(mailbox)
            watcher.cancel()
            if self.on_close is not None:
                await self.on_close()
        if not stalled:
            with contextlib.suppress(OSError, RuntimeError):
                try:
                    await _write(send, mailbox, b"", more=False)
                except Stalled:
                    stalled = True
        if stalled:
            await _drop(receive)

    async def _follow(self, send: Send, mailbox: Mailbox, cursor: int) -> None:
        while True:
            mailbox.cursor = cursor  # what the hub's sweep compares with the head
            if mailbox.closed or mailbox.expired(self.clock.now_ms()):
                return
            try:
                async with asyncio.timeout(self.ping_seconds):
                    await mailbox.wakeup.wait()
            except TimeoutError:
                await _write(send, mailbox, sse.PING)
                continue
            if mailbox.closed:
                return
            items, overflowed = mailbox.take()
            chunks: list[bytes] = []
            gap = overflowed
            for seq, frame in items:
                if seq == 0:
                    chunks.append(frame)  # ephemeral: no id, no order to keep
                elif seq == cursor + 1:
                    if self._accepts(frame):
                        chunks.append(frame)
                    cursor = seq
                elif seq > cursor + 1:
                    gap = True  # something committed that we were not told about yet
            del items
            await _write_all(send, mailbox, chunks)
            if gap:
                cursor = await self._catch_up(send, mailbox, cursor)

    async def _catch_up(self, send: Send, mailbox: Mailbox, cursor: int) -> int:
        limit = self.batch
        while not mailbox.closed:
            frames = await self.streams.frames_after(self.recipient, cursor, limit)
            if not frames:
                return cursor
            read = len(frames)
            # Hold no more than the buffer while the client takes it; the rest is read again.
            frames = _within(frames, mailbox.buffer_bytes)
            cursor = frames[-1][0]
            await _write_all(send, mailbox, [f for _, f in frames if self._accepts(f)])
            if len(frames) < read:
                limit = len(frames)  # about what fits next time
            elif read < limit:
                return cursor
            else:
                limit = min(self.batch, 2 * limit)
        return cursor

    def _accepts(self, frame: bytes) -> bool:
        return self.accept is None or self.accept(frame)


async def _write(send: Send, mailbox: Mailbox, body: bytes, *, more: bool = True) -> None:
    """One write with a deadline (`Stalled` when it passes, or when the mailbox is closed
    meanwhile: `Mailbox.close` moves the deadline to now)."""
    try:
        async with asyncio.timeout(mailbox.write_timeout) as deadline:
            mailbox.writing = deadline
            try:
                await send({"type": "http.response.body", "body": body, "more_body": more})
            finally:
                mailbox.writing = None
    except TimeoutError:
        raise Stalled from None


async def _write_all(send: Send, mailbox: Mailbox, frames: Iterable[bytes]) -> None:
    """Frames in writes of at most `WRITE_BYTES` (a larger frame goes alone)."""
    chunk: list[bytes] = []
    size = 0
    for frame in frames:
        if chunk and size + len(frame) > WRITE_BYTES:
            await _write(send, mailbox, b"".join(chunk))
            chunk, size = [], 0
        chunk.append(frame)
        size += len(frame)
    if chunk:
        await _write(send, mailbox, b"".join(chunk))


def _within(frames: list[tuple[int, bytes]], limit: int) -> list[tuple[int, bytes]]:
    """The first frames that fit in `limit` bytes (at least one)."""
    size = 0
    for i, (_, frame) in enumerate(frames):
        size += len(frame)
        if size > limit and i > 0:
            return frames[:i]
    return frames


def _transport(receive: Receive) -> Transport | None:
    """The connection's transport, where the server is uvicorn.

    ASGI gives an app no hold on its connection, and this module needs one twice: to size the
    kernel's send buffer of a stream (by default a stalled connection holds megabytes there) and
    to drop a stalled connection (a response left unfinished makes uvicorn *close* the
    transport, which first waits for its buffer to drain: for a client that does not read, for
    ever). uvicorn's request cycle (httptools and h11 alike) is the `receive` the app is given
    and keeps the transport. Under another server, or a middleware that wraps `receive` for a
    GET, there is none: the kernel sizes the buffer, and the server closes the connection of a
    response left unfinished as it does.
    """
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    # Checked by shape: uvloop's transports are not `asyncio.Transport`s.
    return transport if isinstance(transport, Transport) else None


def _set_socket_option(
    transport: Transport | None, option: int, value: int | bytes, level: int = socket.SOL_SOCKET
) -> None:
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(level, option, value)


def _size_buffers(transport: Transport | None, socket_buffer_bytes: int) -> None:
    """Small buffers for a stream's connection: events are small, and a client that stops
    reading should hold little before its write waits (and the deadline runs)."""
    if transport is None:
        return
    transport.set_write_buffer_limits(high=WRITE_BYTES)
    if socket_buffer_bytes:
        _set_socket_option(transport, socket.SO_SNDBUF, socket_buffer_bytes)
    if hasattr(socket, "TCP_USER_TIMEOUT"):  # Linux
        # A peer that stops acknowledging (a laptop asleep, a cable pulled) is dropped once the
        # next ping has gone unacknowledged this long, not after the kernel's ~15 minutes of
        # retries: the stream closes, and an agent's console counts as gone (agents.liveness).
        _set_socket_option(
            transport, socket.TCP_USER_TIMEOUT, DEAD_PEER_MS, level=socket.IPPROTO_TCP
        )


async def _drop(receive: Receive) -> None:
    """Reset the connection at once, dropping what the server and the kernel still hold for
    it (a socket merely closed keeps its kernel buffers until they are delivered)."""
    transport = _transport(receive)
    if transport is None:
        return
    _set_socket_option(transport, socket.SO_LINGER, LINGER_OFF)
    transport.abort()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(1):
            await receive()  # the disconnect, once the server has seen the connection go


async def _watch_disconnect(receive: Receive, mailbox: Mailbox) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            mailbox.close()
            return
