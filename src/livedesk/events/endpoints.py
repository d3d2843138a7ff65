"""Platform events: publish, read back with a filter, subscribe over SSE with replay."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query, Request

from livedesk.auth.principals import EndUserPrincipal
from livedesk.deps import ContainerDep, CurrentPrincipal
from livedesk.events.service import frame_filter
from livedesk.kit.jsonutil import MAX_INT
from livedesk.streams.response import SseResponse
from livedesk.streams.service import event_recipient
from livedesk.web.openapi import between, errors
from livedesk.web.resume import RESUME_DOC, SSE_DOC, cursor_of

router = APIRouter(prefix="/api/v1/events", tags=["platform events"])


@router.post("/{event_type}", status_code=201, responses=errors(403, 404, 429))
async def publish(
    event_type: str, p: CurrentPrincipal, c: ContainerDep, fields: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    """Publish an event of the type (fields checked against its schema)."""
    if isinstance(p, EndUserPrincipal):
        await c.limits.customer_write(p.end_user_id)
    return await c.events.publish(p, event_type, fields)


@router.get("/{event_type}", responses=errors(403, 404))
async def read_events(
    event_type: str,
    p: CurrentPrincipal,
    c: ContainerDep,
    filter: str | None = Query(None, max_length=1000),
    after: int = Query(0, ge=0, le=MAX_INT, description="replay id to read after"),
    limit: int = Query(100, json_schema_extra=between(1, 500)),
) -> dict[str, Any]:
    """Retained events after `after`, oldest first, e.g. `?filter=id = 500x`."""
    return {"events": await c.events.read(p, event_type, filter, after, limit)}


@router.get(
    "/{event_type}/stream",
    status_code=200,
    response_class=SseResponse,
    responses={**SSE_DOC, **errors(403, 404)},
    openapi_extra=RESUME_DOC,
)
async def subscribe(
    event_type: str,
    request: Request,
    p: CurrentPrincipal,
    c: ContainerDep,
    filter: str | None = Query(None, max_length=1000),
) -> SseResponse:
    """Server-Sent Events of the type; `Last-Event-Id` (a replay id) replays what followed it."""
    wanted = await c.events.subscription(p, event_type, filter)
    c.limits.stream(p.token_id)
    return SseResponse(
        streams=c.streams,
        hub=c.hub,
        clock=c.clock,
        recipient=event_recipient(p.org_id, event_type),
        token_id=p.token_id,
        token_expires_ms=p.expires_ms,
        cursor=cursor_of(request),
        ping_seconds=c.settings.streams.ping_seconds,
        batch=c.settings.streams.catch_up_batch,
        accept=frame_filter(wanted),
    )
