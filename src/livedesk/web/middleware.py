"""Pure ASGI middleware: request body limit and CORS (DESIGN 8)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from livedesk.errors import AppError
from livedesk.kit import jsonutil
from livedesk.kit.origins import OriginSet
from livedesk.web.errors import database_unavailable_response, database_unreachable

ALLOWED_HEADERS = "Authorization, Content-Type, X-Org-Id, Last-Event-Id, Cache-Control"
ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"


async def _send_json(
    send: Send,
    status: int,
    code: str,
    message: str,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = jsonutil.dumps({"code": code, "message": message})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
            ]
            + (headers or []),
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Read the whole body (up to the limit) before the app sees it; larger bodies get a 413.
    Bodies of `streamed` paths (uploads) pass through as they come, after a check of their
    declared length against `streamed_max_bytes`; their endpoint enforces its own limits.
    A body that does not arrive within `body_timeout` seconds (an upload: that pauses longer,
    as nginx's `client_body_timeout`: a large file on a slow link takes its time) gets a 408
    and the connection is closed, so a client that declares a body and never sends it holds
    nothing."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        streamed: re.Pattern[str] | None = None,
        streamed_max_bytes: int = 0,
        body_timeout: float = 30.0,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.streamed = streamed
        self.streamed_max_bytes = streamed_max_bytes
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        if self.streamed is not None and self.streamed.match(scope["path"]):
            length = Headers(scope=scope).get("content-length")
            if length is not None and (
                not length.isdigit() or int(length) > self.streamed_max_bytes
            ):
                await _send_json(
                    send,
                    413,
                    "body_too_large",
                    f"Uploads may be at most {self.streamed_max_bytes} bytes.",
                )
                return
            await self.app(scope, _paced(receive, self.body_timeout), send)
            return
        too_large = (
            "body_too_large",
            f"The request body is larger than {self.max_bytes} bytes.",
        )
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await _send_json(send, 413, *too_large)
            return
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.body_timeout):
                while size <= self.max_bytes:
                    message = await receive()
                    if message["type"] != "http.request":
                        return  # the client went away
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            error = _body_timeout(f"did not arrive within {self.body_timeout:g} seconds")
            await _send_json(send, 408, error.code, error.message, CLOSE)
            return
        if size > self.max_bytes:
            await _send_json(send, 413, *too_large)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


CLOSE = [(b"connection", b"close")]  # the rest of the body may still come: drop the connection


def _body_timeout(what: str) -> AppError:
    error = AppError("body_timeout", 408, f"The request body {what}; send it again.")
    error.headers["Connection"] = "close"
    return error


def _paced(receive: Receive, seconds: float) -> Receive:
    """`receive` for a streamed body: each part must come within `seconds` of the last (a 408
    for the endpoint to answer, which it does as for any `AppError`)."""
    done = False

    async def paced() -> Message:
        nonlocal done
        if done:
            return await receive()  # the body is in: what follows is a disconnect, whenever
        try:
            async with asyncio.timeout(seconds):
                message = await receive()
        except TimeoutError:
            raise _body_timeout(f"paused for more than {seconds:g} seconds") from None
        done = message["type"] != "http.request" or not message.get("more_body", False)
        return message

    return paced


class CorsMiddleware:
    """Answer preflights and decorate responses (errors and SSE included) for allowed origins:
    the server's own, and those the deployments' origins and origin patterns allow
    (`livedesk.kit.origins`)."""

    def __init__(self, app: ASGIApp, allowed: Callable[[], Awaitable[OriginSet]]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        own = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}"
        try:
            ok = origin == own or (await self.allowed()).allows(origin)
        except Exception as exc:  # the allowed origins are read from the database
            if not database_unreachable(exc):
                raise
            await database_unavailable_response(exc)(scope, receive, send)
            return
        preflight = scope["method"] == "OPTIONS" and "access-control-request-method" in headers
        cors = [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"vary", b"Origin"),
        ]
        if preflight:
            if not ok:
                await _send_json(
                    send,
                    403,
                    "cors_origin_not_allowed",
                    f"The origin {origin[:200]} is not allowed to call this server.",
                )
                return
            await send(
                {
                    "type": "http.response.start",
                    "status": 204,
                    "headers": cors
                    + [
                        (b"access-control-allow-methods", ALLOWED_METHODS.encode()),
                        (b"access-control-allow-headers", ALLOWED_HEADERS.encode()),
                        (b"access-control-max-age", b"600"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        if not ok:
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers["access-control-allow-origin"] = origin
                response_headers.add_vary_header("Origin")
                response_headers["access-control-expose-headers"] = "Retry-After"
            await send(message)

        await self.app(scope, receive, send_with_cors)
