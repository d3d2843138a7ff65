"""The supervisor API (supervisors and admins; a supervisor sees her queues only)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from livedesk.agents.schemas import SessionDetail
from livedesk.deps import ContainerDep, CurrentAgent
from livedesk.streams.notices import supervision_recipient
from livedesk.streams.response import SseResponse
from livedesk.supervision.schemas import SupervisorOverview
from livedesk.supervision.scope import frame_filter
from livedesk.web.openapi import UuidPath, errors
from livedesk.web.resume import RESUME_DOC, SSE_DOC, cursor_of

router = APIRouter(prefix="/api/v1/supervisor", tags=["supervisor"])


@router.get("/overview", response_model=SupervisorOverview, responses=errors(403))
async def overview(p: CurrentAgent, c: ContainerDep) -> SupervisorOverview:
    """Your queues (waiting, longest wait, estimated wait, agents online, free capacity) and the
    agents who serve them, with their load and their open sessions of your queues."""
    return await c.supervision.overview(p)


@router.get("/sessions/{session_id}", response_model=SessionDetail, responses=errors(400, 403, 404))
async def session(session_id: UuidPath, p: CurrentAgent, c: ContainerDep) -> SessionDetail:
    """A session of your queues and its conversation's transcript, read only."""
    return await c.supervision.session(p, session_id)


@router.get(
    "/stream",
    response_model=None,
    responses={**SSE_DOC, **errors(403)},
    openapi_extra=RESUME_DOC,
)
async def stream(request: Request, p: CurrentAgent, c: ContainerDep) -> SseResponse:
    """`SessionChanged`, `QueueChanged`, `AgentPresenceChanged` and `AgentLoadChanged` of your
    queues; resumes after `Last-Event-Id` (start from the overview's `lastEventId`)."""
    scope = c.supervision.scope(p)
    c.limits.stream(p.token_id)
    return SseResponse(
        streams=c.streams,
        hub=c.hub,
        clock=c.clock,
        recipient=supervision_recipient(p.org_id),
        token_id=p.token_id,
        token_expires_ms=p.expires_ms,
        cursor=cursor_of(request),
        ping_seconds=c.settings.streams.ping_seconds,
        batch=c.settings.streams.catch_up_batch,
        accept=frame_filter(scope),
    )
