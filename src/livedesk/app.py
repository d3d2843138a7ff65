"""create_app(settings): wiring only."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from types import FrameType
from typing import Any

from fastapi import FastAPI

from livedesk import __version__
from livedesk.agents.endpoints import router as agent_router
from livedesk.attachments.endpoints import miaw_router as miaw_file_router
from livedesk.attachments.endpoints import router as attachment_router
from livedesk.auth.endpoints import agent_router as agent_auth_router
from livedesk.auth.endpoints import miaw_router as miaw_auth_router
from livedesk.config import Settings
from livedesk.console.endpoints import router as console_router
from livedesk.contact.endpoints import router as contact_router
from livedesk.container import build_container
from livedesk.conversations.endpoints import router as conversation_router
from livedesk.events.endpoints import router as event_router
from livedesk.flows.endpoints import customer_router as customer_flow_router
from livedesk.flows.endpoints import router as flow_router
from livedesk.kit.clock import Clock
from livedesk.kit.migrate import upgrade_database
from livedesk.ops.endpoints import router as ops_router
from livedesk.ops.requests import RequestObserver
from livedesk.records.endpoints import router as record_router
from livedesk.reports.endpoints import router as reports_router
from livedesk.routing.endpoints import router as routing_router
from livedesk.setup.loader import load_demo_org
from livedesk.setup.service import apply_org
from livedesk.streams.endpoints import router as stream_router
from livedesk.streams.hub import StreamHub
from livedesk.supervision.endpoints import router as supervision_router
from livedesk.web.bodies import JsonBodyCheck
from livedesk.web.docs import install_docs
from livedesk.web.errors import install_error_handlers
from livedesk.web.middleware import BodyLimitMiddleware, CorsMiddleware
from livedesk.web.openapi import install_openapi
from livedesk.widget.endpoints import router as widget_router

# Uploads stream through to their endpoint, which enforces the deployment's limits as it reads.
UPLOAD_PATHS = re.compile(
    r"^/iamessage/api/v2/conversation/[^/]+/file$|^/api/v1/sessions/[^/]+/files$"
)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None, clock: Clock | None = None, *, drain_on_signals: bool = False
) -> FastAPI:
    """`drain_on_signals` (`livedesk serve`): on SIGTERM or SIGINT the open event streams end at
    once (`StreamHub.drain`), while the server lets the requests under way finish."""
    settings = settings or Settings()
    container = build_container(settings, clock)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await asyncio.to_thread(upgrade_database, settings.resolved_database_url())
        if settings.demo:
            await apply_org(container.db, container.clock, load_demo_org())
        await container.start()
        # In the background: a server with many waiting interviews opens its port at once.
        waking = asyncio.create_task(container.waker.wake_all(), name="livedesk-wake")
        app.state.waking = waking
        draining = _drain_on_signals if drain_on_signals else _no_drain
        try:
            with draining(container.hub):
                yield
        finally:
            waking.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waking
            await container.close()

    app = FastAPI(
        title="LiveDesk",
        version=__version__,
        summary="Live chat contact center: MIAW-compatible customer API and agent API.",
        lifespan=lifespan,
        docs_url=None,  # web.docs serves /docs and /redoc
        redoc_url=None,
    )
    app.state.container = container
    install_error_handlers(app)
    for router in (
        miaw_auth_router,
        conversation_router,
        stream_router,
        agent_auth_router,
        agent_router,
        supervision_router,
        reports_router,
        routing_router,
        miaw_file_router,
        attachment_router,
        record_router,
        event_router,
        flow_router,
        customer_flow_router,
        ops_router,
        contact_router,
        widget_router,
        console_router,
    ):
        app.include_router(router)
    install_openapi(app, settings)
    install_docs(app)
    app.add_middleware(JsonBodyCheck, skip=UPLOAD_PATHS)  # inside the limit: reads a read body
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.limits.max_body_bytes,
        streamed=UPLOAD_PATHS,
        streamed_max_bytes=settings.limits.max_upload_bytes,
        body_timeout=settings.limits.body_timeout_seconds,
    )
    app.add_middleware(CorsMiddleware, allowed=container.origins.get)
    app.add_middleware(RequestObserver, metrics=container.metrics)  # outermost: sees everything
    return app


SignalHandler = Callable[[int, FrameType | None], Any]


@contextlib.contextmanager
def _drain_on_signals(hub: StreamHub) -> Iterator[None]:
    """While the app is served: a stop signal goes to the server's own handler (uvicorn's: it
    stops taking connections and waits for the responses under way, for at most its graceful
    timeout) and drains the stream hub too, on the event loop: the streams end at once rather
    than hold the shutdown until that timeout, which would then cut them off mid-body."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread has signal handlers
        return
    loop = asyncio.get_running_loop()

    def drain() -> None:
        if not hub.draining:
            log.info("stopping: %d open event streams closed", hub.drain())

    def chained(previous: SignalHandler) -> SignalHandler:
        def on_signal(sig: int, frame: FrameType | None) -> None:
            loop.call_soon_threadsafe(drain)
            previous(sig, frame)

        return on_signal

    installed: dict[signal.Signals, tuple[SignalHandler, SignalHandler]] = {}
    for sig in STOP_SIGNALS:
        previous = signal.getsignal(sig)
        if callable(previous):  # the server's handler (not the default action, nor ignored)
            installed[sig] = (previous, chained(previous))
            signal.signal(sig, installed[sig][1])
    try:
        yield
    finally:
        for sig, (previous, ours) in installed.items():
            if signal.getsignal(sig) is ours:
                signal.signal(sig, previous)


@contextlib.contextmanager
def _no_drain(_: StreamHub) -> Iterator[None]:
    yield


SERVE_LOGS = "LIVEDESK_SERVE_LOGS"  # how `serve --workers` tells its processes how to log


def worker_app() -> FastAPI:
    """The app of one of `livedesk serve --workers N`'s processes (uvicorn's factory): settings
    from the environment the command prepared (it ran the migrations and applied the demo org
    once, before starting them), logging as the command was told."""
    from livedesk.kit.heap import freeze_startup_objects
    from livedesk.ops import logs

    level, _, style = os.environ.get(SERVE_LOGS, "warning text").partition(" ")
    logs.configure(level, style or "text")
    application = create_app(Settings(), drain_on_signals=True)
    freeze_startup_objects()
    return application
