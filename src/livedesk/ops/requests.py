"""The request observer: pure ASGI middleware that counts and times every request for /metrics
and writes one access-log line per request (logger `livedesk.access`, level INFO).

A request the server never answered because the client went away counts as 499 (nginx's "client
closed request"), not as a server error; an exception is a 500. Methods outside HTTP's usual set
count as `OTHER`, so a client cannot invent label values."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from livedesk.ops.metrics import Metrics

access_log = logging.getLogger("livedesk.access")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
CLIENT_CLOSED = 499


class RequestObserver:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = CLIENT_CLOSED  # unless the app answers (or fails: 500)
        stream = False

        async def observed(message: Message) -> None:
            nonlocal status, stream
            if message["type"] == "http.response.start":
                status = message["status"]
                stream = any(
                    k == b"content-type" and v.startswith(b"text/event-stream")
                    for k, v in message.get("headers", ())
                )
            await send(message)

        try:
            await self.app(scope, receive, observed)
        except BaseException:
            if status == CLIENT_CLOSED:
                status = 500
            raise
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            self.metrics.observe(method, route, status, seconds, stream=stream)
            if access_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                access_log.info(
                    "%s %s %d",
                    scope["method"],
                    scope["path"],
                    status,
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "route": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 2),
                        "client": client[0] if client else None,
                    },
                )
