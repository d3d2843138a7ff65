"""The SSE response: catch up from the database, then follow the hub; never skip, never repeat.

A plain ASGI response with one helper task (to notice a disconnect at once) keeps an idle stream
small: no task group, no per-event allocation beyond the frame bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

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
        mailbox = self.hub.subscribe(self.recipient, self.token_id)
        watcher = asyncio.ensure_future(_watch_disconnect(receive, mailbox))
        try:
            # The head is read before the client sees the response: whatever it does once it
            # has the 200 commits after the head, so a stream without a cursor delivers it.
            head = await self.streams.head(self.recipient)
            # A cursor beyond the head (a stale id from another database) would wait forever.
            cursor = head if self.cursor is None else min(self.cursor, head)
            mailbox.cursor = cursor  # the hub's sweep knows where the stream is from the start
            await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
            await send({"type": "http.response.body", "body": b": ok\n\n", "more_body": True})
            cursor = await self._catch_up(send, cursor)
            await self._follow(send, mailbox, cursor)
        except OSError:
            pass  # the client went away while we were writing
        finally:
            self.hub.unsubscribe(mailbox)
            watcher.cancel()
            if self.on_close is not None:
                await self.on_close()
        with contextlib.suppress(OSError, RuntimeError):
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _follow(self, send: Send, mailbox: Mailbox, cursor: int) -> None:
        while True:
            mailbox.cursor = cursor  # what the hub's sweep compares with the head
            try:
                async with asyncio.timeout(self.ping_seconds):
                    await mailbox.wakeup.wait()
            except TimeoutError:
                if self.clock.now_ms() >= self.token_expires_ms:
                    return
                await send({"type": "http.response.body", "body": sse.PING, "more_body": True})
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
            if chunks:
                await send(
                    {"type": "http.response.body", "body": b"".join(chunks), "more_body": True}
                )
            if gap:
                cursor = await self._catch_up(send, cursor)

    async def _catch_up(self, send: Send, cursor: int) -> int:
        while True:
            frames = await self.streams.frames_after(self.recipient, cursor, self.batch)
            if not frames:
                return cursor
            body = b"".join(f for _, f in frames if self._accepts(f))
            if body:
                await send({"type": "http.response.body", "body": body, "more_body": True})
            cursor = frames[-1][0]
            if len(frames) < self.batch:
                return cursor

    def _accepts(self, frame: bytes) -> bool:
        return self.accept is None or self.accept(frame)


async def _watch_disconnect(receive: Receive, mailbox: Mailbox) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            mailbox.close()
            return
