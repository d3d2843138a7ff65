"""The SSE streams: the MIAW event router for end users and the agent stream."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from fastapi import APIRouter, Request

from livedesk.auth.principals import AgentPrincipal, EndUserPrincipal
from livedesk.auth.service import recipient_of
from livedesk.container import Container
from livedesk.deps import ContainerDep, CurrentAgent, CurrentEndUser
from livedesk.streams.response import SseResponse
from livedesk.web.resume import RESUME_DOC, SSE_DOC, cursor_of

router = APIRouter(tags=["streams"])


def _stream(
    request: Request,
    c: Container,
    p: EndUserPrincipal | AgentPrincipal,
    on_close: Callable[[], Awaitable[None]] | None = None,
) -> SseResponse:
    c.limits.stream(p.token_id)
    return SseResponse(
        streams=c.streams,
        hub=c.hub,
        clock=c.clock,
        recipient=recipient_of(p),
        token_id=p.token_id,
        token_expires_ms=p.expires_ms,
        cursor=cursor_of(request),
        ping_seconds=c.settings.streams.ping_seconds,
        batch=c.settings.streams.catch_up_batch,
        on_close=on_close,
    )


@router.get("/eventrouter/v1/sse", response_model=None, responses=SSE_DOC, openapi_extra=RESUME_DOC)
async def customer_stream(request: Request, p: CurrentEndUser, c: ContainerDep) -> SseResponse:
    """Events of the end user's conversations (MIAW SSE); resumes after `Last-Event-Id`."""
    return _stream(request, c, p)


@router.get(
    "/api/v1/agent/stream", response_model=None, responses=SSE_DOC, openapi_extra=RESUME_DOC
)
async def agent_stream(request: Request, p: CurrentAgent, c: ContainerDep) -> SseResponse:
    """Events of the agent's sessions and work; resumes after `Last-Event-Id`. Once none of her
    agent streams has been open for 60 s (`streams.agent_away_after_seconds`), an Online or Busy
    agent becomes Away (agents/liveness.py)."""
    response = _stream(request, c, p, on_close=partial(c.liveness.stream_closed, p.agent_id))
    await c.liveness.stream_opened(p.agent_id)
    return response
