"""The SSE streams: the MIAW event router for end users and the agent stream."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from livedesk.auth.principals import AgentPrincipal, EndUserPrincipal
from livedesk.auth.service import recipient_of
from livedesk.container import Container
from livedesk.deps import ContainerDep, CurrentAgent, CurrentEndUser
from livedesk.errors import bad_request
from livedesk.streams.response import SseResponse
from livedesk.web.openapi import errors

router = APIRouter(tags=["streams"])


def cursor_of(request: Request) -> int | None:
    raw = request.headers.get("last-event-id") or request.query_params.get("lastEventId")
    if raw is None or raw == "":
        return None
    # ASCII digits only: `str.isdigit` also takes "²" and "①", which `int` cannot read.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise bad_request(
            "invalid_last_event_id",
            "Last-Event-Id must be an event id this server sent (a whole number).",
        )
    return int(raw)


def _stream(request: Request, c: Container, p: EndUserPrincipal | AgentPrincipal) -> SseResponse:
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
    )


SSE_DOC: dict[int | str, dict[str, Any]] = {
    200: {"description": "An endless text/event-stream", "content": {"text/event-stream": {}}},
    **errors(429),
}
_EVENT_ID = {"type": "string", "pattern": "^[0-9]{1,18}$"}
# What `cursor_of` reads: the last event id a client has (a 400 when it is not one).
RESUME_DOC: dict[str, Any] = {
    "parameters": [
        {
            "name": "Last-Event-Id",
            "in": "header",
            "description": "resume after this event (what EventSource sends when it reconnects)",
            "schema": _EVENT_ID,
        },
        {
            "name": "lastEventId",
            "in": "query",
            "description": "the same, for clients that cannot set headers (a token call's "
            "`lastEventId`)",
            "schema": _EVENT_ID,
        },
    ]
}


@router.get("/eventrouter/v1/sse", response_model=None, responses=SSE_DOC, openapi_extra=RESUME_DOC)
async def customer_stream(request: Request, p: CurrentEndUser, c: ContainerDep) -> SseResponse:
    """Events of the end user's conversations (MIAW SSE); resumes after `Last-Event-Id`."""
    return _stream(request, c, p)


@router.get(
    "/api/v1/agent/stream", response_model=None, responses=SSE_DOC, openapi_extra=RESUME_DOC
)
async def agent_stream(request: Request, p: CurrentAgent, c: ContainerDep) -> SseResponse:
    """Events of the agent's sessions and work; resumes after `Last-Event-Id`."""
    return _stream(request, c, p)
